"""Command-line commands: ``flask seed-demo``, ``flask translations`` and ``flask dispatches``."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from .agreements import documents_services
from .agreements.documents import DocumentsUnavailable
from .core.errors import UserError
from .demo.accounts import DEMO_PASSWORD, seed_staff
from .demo.agreements import seed_agreements
from .demo.cities import seed_cities
from .demo.demand import seed_demand
from .demo.consultations import seed_consultations
from .demo.library import seed_library
from .demo.matching import seed_rule_set
from .demo.specialists import seed_registry
from .demo.training import seed_training
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

    @app.cli.group("dispatches")
    def dispatches() -> None:
        """Dispatches: their documents for printing."""

    @dispatches.command("documents")
    @click.argument("dispatch_id", type=int)
    @click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
    def documents_command(dispatch_id: int, folder: Path) -> None:
        """Write every current document of DISPATCH_ID (DOCX and PDF) into FOLDER."""
        try:
            written = documents_services.write_current_documents(dispatch_id, folder)
        except documents_services.DocumentNotFound:
            raise click.ClickException(f"No dispatch {dispatch_id}.") from None
        except UserError:
            raise click.ClickException(
                f"Dispatch {dispatch_id} has no terms confirmed by both cities yet: no documents.") from None
        except DocumentsUnavailable as exc:
            raise click.ClickException(f"The documents cannot be made here: {exc}.") from None
        for path in written:
            click.echo(str(path))


def extra_seeders() -> list:
    """Seeders that later domains add (specialists, requests…), run after cities and staff."""
    return [seed_registry, seed_demand, seed_rule_set, seed_agreements, seed_library, seed_training,
            seed_consultations]
