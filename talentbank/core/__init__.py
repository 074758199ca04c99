"""Small pieces every domain shares: clock, roles and permissions."""
