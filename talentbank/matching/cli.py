"""``flask rounds``: run a matching round from a shell, export one for a replay, list recent ones.

``flask rounds run`` prints the new round's id alone on the first line (scripts read it), then a
summary. ``flask rounds export ROUND_ID DIR`` writes ``problem.json`` (the solver input exactly as
stored) and ``result.json`` (the solver's answer exactly as stored): ``python -m talentbank.solver
DIR/problem.json`` replays the round.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from ..accounts.models import User
from ..core.errors import UserError
from ..core.permissions import PermissionDenied
from ..extensions import db
from ..i18n import show_time
from . import services
from .models import MatchingRound, RuleSetVersion

EXIT_FAILED = 1


def register(app: Flask) -> None:
    """Attach ``flask rounds`` to the app's command line."""

    @app.cli.group("rounds")
    def rounds() -> None:
        """Matching rounds: run one now, export one, list the latest."""

    @rounds.command("run")
    @click.option("--rule-set-version", "version", type=int, default=None,
                  help="Rule-set version number to use (default: the published one).")
    @click.option("--profession", default=None, help="Limit the round to one profession code (fast track).")
    @click.option("--as", "as_email", default=None,
                  help="Record the round as started by this coordinator account (default: the system).")
    def run_command(version: int | None, profession: str | None, as_email: str | None) -> None:
        """Run a round on the current data, wait for it, print its id, then a summary."""
        actor = None
        if as_email:
            actor = db.session.scalar(select(User).where(User.email == as_email.strip().lower()))
            if actor is None:
                raise click.ClickException(f"no account {as_email}")
        version_id = None
        if version is not None:
            version_id = db.session.scalar(select(RuleSetVersion.id).where(RuleSetVersion.version == version))
            if version_id is None:
                raise click.ClickException(f"no rule-set version {version}")
        try:
            rnd = services.queue_round(actor, "fast_track" if profession else "manual", version_id, profession,
                                       by_operator=actor is None)
        except PermissionDenied:
            raise click.ClickException(f"{as_email} may not run matching rounds") from None
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(str(rnd.id))
        rnd = services.run_round_now(rnd.id)
        summary = (rnd.stats or {}).get("summary", {})
        inputs = (rnd.stats or {}).get("input", {})
        seconds = (rnd.finished_at - rnd.started_at).total_seconds() if rnd.finished_at and rnd.started_at else 0
        click.echo(f"status: {rnd.status}")
        click.echo(f"kind: {rnd.kind}  rule set version: {rnd.rule_set_version.version}")
        click.echo(f"input: {inputs.get('requests', 0)} requests ({inputs.get('slots', 0)} slots), "
                   f"{inputs.get('specialists', 0)} specialists, {inputs.get('exchange_offers', 0)} exchange offers, "
                   f"{inputs.get('pinned', 0)} pinned, {inputs.get('forbidden', 0)} forbidden")
        if rnd.status == "succeeded":
            click.echo(f"solver: {rnd.solver_status}  fingerprint: {rnd.input_fingerprint}")
            click.echo(f"proposals: {summary.get('proposals', 0)}  kept: {summary.get('pinned', 0)}  "
                       f"empty slots: {summary.get('unfilled_slots', 0)} in {summary.get('unfilled_requests', 0)} "
                       f"requests  exchange rings: {summary.get('cycles', 0)}  "
                       f"superseded: {summary.get('superseded', 0)}")
            click.echo(f"time: {seconds:.1f} s")
            return
        click.echo(f"error ({(rnd.stats or {}).get('error_kind', 'unknown')}): {(rnd.error or '').strip()[-2000:]}",
                   err=True)
        sys.exit(EXIT_FAILED)

    @rounds.command("export")
    @click.argument("round_id", type=int)
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
    def export_command(round_id: int, directory: Path) -> None:
        """Write problem.json and result.json of a round into DIRECTORY (created if missing)."""
        rnd = db.session.get(MatchingRound, round_id)
        if rnd is None:
            raise click.ClickException(f"no matching round {round_id}")
        if not rnd.problem_json:
            raise click.ClickException(f"round {round_id} has no input yet (status {rnd.status})")
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "problem.json").write_text(rnd.problem_json + "\n", encoding="utf-8")
        click.echo(str(directory / "problem.json"))
        if not rnd.result_json:
            raise click.ClickException(f"round {round_id} has no result (status {rnd.status})")
        (directory / "result.json").write_text(rnd.result_json + "\n", encoding="utf-8")
        click.echo(str(directory / "result.json"))

    @rounds.command("list")
    @click.option("--limit", type=click.IntRange(1, 1000), default=10)
    def list_command(limit: int) -> None:
        """The latest rounds: id, kind, status, rule-set version, proposals, finish time (Japan time)."""
        for rnd in db.session.scalars(select(MatchingRound).order_by(MatchingRound.id.desc()).limit(limit)):
            summary = (rnd.stats or {}).get("summary", {})
            finished = show_time(rnd.finished_at, "seconds") or "-"
            click.echo(f"{rnd.id}\t{rnd.kind}\t{rnd.status}\tv{rnd.rule_set_version.version}\t"
                       f"{summary.get('proposals', '-')}\t{finished}")
