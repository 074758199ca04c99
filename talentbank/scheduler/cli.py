"""``flask scheduler``: the one process that runs jobs (never the web workers)."""
from __future__ import annotations

import logging
import sys
import time

import click
from flask import Flask, current_app

from ..extensions import db
from ..notifications.mail import MailConfigError, smtp_settings
from .lock import lock_for
from .models import SchedulerHeartbeat
from .process import run_scheduler

EXIT_ALREADY_RUNNING = 3


def register(app: Flask) -> None:
    """Attach ``flask scheduler`` to the app's command line."""

    @app.cli.command("scheduler")
    @click.option("--wait", "wait_for_lock", is_flag=True,
                  help="Stand by until the running scheduler stops, then take over (for a second host).")
    @click.option("--tick-seconds", type=click.IntRange(1, 300), default=None,
                  help="How often to beat, check the lock and start queued runs (default: config).")
    def scheduler_command(wait_for_lock: bool, tick_seconds: int | None) -> None:
        """Run scheduled jobs: matching rounds, reminders, expiries and e-mail. One per database."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        config = current_app.config
        try:
            smtp_settings(config)
        except MailConfigError as exc:
            click.echo(f"Mail settings are wrong: {exc}", err=True)
            sys.exit(2)
        lock = lock_for(config["SQLALCHEMY_DATABASE_URI"], current_app.instance_path,
                        config.get("SCHEDULER_LOCK_FILE"))
        while not lock.acquire():
            holder = _holder_description()
            if not wait_for_lock:
                click.echo(f"Another scheduler is already running for this database ({holder}; {lock.describe()}). "
                           "Only one may run; exiting.", err=True)
                sys.exit(EXIT_ALREADY_RUNNING)
            click.echo(f"Another scheduler is running ({holder}); standing by.", err=True)
            db.session.remove()
            time.sleep(config["SCHEDULER_TICK_SECONDS"])
        try:
            code = run_scheduler(current_app._get_current_object(), lock,
                                 tick_seconds or config["SCHEDULER_TICK_SECONDS"])
        finally:
            lock.release()
        sys.exit(code)


def _holder_description() -> str:
    """Who holds the lock, from the heartbeat it writes."""
    try:
        row = db.session.get(SchedulerHeartbeat, 1)
    except Exception:
        db.session.rollback()
        return "holder unknown"
    finally:
        db.session.remove()
    if row is None:
        return "holder unknown"
    return f"{row.instance}, last heartbeat {row.beat_at:%Y-%m-%d %H:%M:%S} UTC"
