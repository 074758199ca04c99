"""``flask accounts create-coordinator``: the first account of a production install, made from the shell.

A fresh database (``flask db upgrade``) holds the standard vocabularies and the first rule set but no
account, so nobody could log in to invite anyone. This command makes the first coordinating-city
account (or an administrator with ``--admin``); that person then invites the others from ``/users``.
Refused input prints the reason on stderr and exits with status 1; a usage error exits with 2.
"""
from __future__ import annotations

import secrets
import sys

import click
from flask import Flask, current_app
from flask_babel import force_locale

from ..core.errors import UserError
from ..core.permissions import Role
from . import services

EXIT_REFUSED = 1


def generated_password() -> str:
    """A random password that the password rules accept (letters and digits mixed, long enough)."""
    while True:
        password = secrets.token_urlsafe(18)
        if services.password_problem(password) is None:
            return password


def register(app: Flask) -> None:
    """Attach ``flask accounts`` to the app's command line."""

    @app.cli.group("accounts")
    def accounts() -> None:
        """Staff accounts made from the server's shell."""

    @accounts.command("create-coordinator")
    @click.argument("email")
    @click.option("--name", "display_name", required=True, help="The person's name as shown on screen.")
    @click.option("--admin", "is_admin", is_flag=True, help="Make an administrator instead of a coordinator.")
    @click.option("--generate-password", "is_generated", is_flag=True,
                  help="Generate a password and print it once, instead of asking for one.")
    def create_coordinator(email: str, display_name: str, is_admin: bool, is_generated: bool) -> None:
        """Create the first coordinating-city account (asks for its password twice, or reads two lines from stdin)."""
        role = Role.ADMIN if is_admin else Role.COORDINATOR
        try:
            services.checked_staff_details(email, display_name)  # before asking for a password
            if is_generated:
                password = generated_password()
            else:
                password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
            user = services.create_staff_from_shell(email, display_name, role, password)
        except UserError as exc:
            with force_locale("en"):
                message = exc.translated()
            click.echo(f"Error: {message}", err=True)
            sys.exit(EXIT_REFUSED)
        label = "administrator" if is_admin else "coordinator"
        click.echo(f"Created the {label} account {user.email} (id {user.id}).")
        if is_generated:
            click.echo(f"Password (shown only now; change it after the first log-in): {password}")
        base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
        click.echo(f"Log in at {base}/login" if base else "Log in at /login on the app's address.")
