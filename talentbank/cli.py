"""Command-line commands: ``flask seed-demo`` and ``flask translations``."""
from __future__ import annotations

import click
from flask import Flask

from .demo.accounts import DEMO_PASSWORD, seed_staff
from .demo.cities import seed_cities
from .demo.demand import seed_demand
from .demo.matching import seed_rule_set
from .demo.specialists import seed_registry
from .extensions import db
from .i18n import compile_translations


def register(app: Flask) -> None:
    """Attach the project's commands to ``app.cli``."""

    @app.cli.command("seed-demo")
    def seed_demo() -> None:
        """Load the eight cities' demo data; safe to run again (nothing is doubled)."""
        cities = seed_cities()
        created = seed_staff(cities)
        for seeder in extra_seeders():
            seeder(cities)
        db.session.commit()
        click.echo(f"Cities: {len(cities)} (indicators are sample values)")
        if created:
            click.echo(f"Demo accounts created (password for all: {DEMO_PASSWORD}):")
            for email, role, city in created:
                click.echo(f"  {email:45} {role:12} {city}")
        else:
            click.echo("Demo accounts already exist (see README for the log-ins).")

    @app.cli.group("translations")
    def translations() -> None:
        """Manage the translation catalogues."""

    @translations.command("compile")
    def compile_command() -> None:
        """Compile .po catalogues to .mo (done by the set-up scripts)."""
        written = compile_translations(force=True)
        click.echo(f"Compiled {len(written)} catalogue(s).")


def extra_seeders() -> list:
    """Seeders that later domains add (specialists, requests…), run after cities and staff."""
    return [seed_registry, seed_demand, seed_rule_set]
