"""Jobs that run by themselves: matching rounds, reminders, expiries, e-mail.

The web app only records what should happen (queued runs, round triggers, the outbox); the
``flask scheduler`` process, one per database, does it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: "Flask") -> None:
    """Register ``flask scheduler``, the jobs of every domain, and the hooks on other domains' events:
    the disaster fast track on a request opening, and forgetting a withdrawing specialist's mail."""
    from ..requests.services import ON_REQUEST_OPENED
    from ..specialists.hooks import ON_WITHDRAW
    from .cli import register
    from .registry import load_jobs
    from .rounds import schedule_fast_track

    register(app)
    load_jobs()
    if schedule_fast_track not in ON_REQUEST_OPENED:
        ON_REQUEST_OPENED.append(schedule_fast_track)
    if _forget_withdrawn not in ON_WITHDRAW:
        ON_WITHDRAW.append(_forget_withdrawn)


def _forget_withdrawn(specialist, _actor) -> None:
    """Before the registry erases a withdrawing specialist, erase the mail and notices addressed to them."""
    from ..notifications.services import forget_recipient

    forget_recipient(specialist.email, specialist.user_id)
