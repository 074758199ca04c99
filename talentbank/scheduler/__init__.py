"""Jobs that run by themselves: matching rounds, reminders, expiries, e-mail.

The web app only records what should happen (queued runs, round triggers, the outbox); the
``flask scheduler`` process, one per database, does it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: "Flask") -> None:
    """Register ``flask scheduler`` and the jobs of every domain."""
    from .cli import register
    from ..core.jobs import load_jobs

    register(app)
    load_jobs()
