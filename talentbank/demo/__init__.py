"""Demo data for the eight cities: ``flask seed-demo``. Each domain adds a seeder module here."""
