"""Jobs that run by themselves: matching rounds, reminders, expiries, e-mail.

The web app only records what should happen (queued runs, round triggers, the outbox); the
``flask scheduler`` process, one per database, does it.
"""
from __future__ import annotations

from flask import Flask

from ..core.jobs import load_jobs
from .cli import register


def init_app(app: Flask) -> None:
    """Register ``flask scheduler`` and the jobs of every domain."""
    register(app)
    load_jobs()
