"""How scheduled and fast-track rounds run: matching answers the scheduler's ``RUN_ROUND_HOOKS``.

The scheduler decides when (its settings, its triggers, one run per occasion); this runs the round
in the scheduler's own process, waits for it, and raises when it fails so the trigger is marked
failed and the coordinators are told.
"""
from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..scheduler.rounds import RUN_ROUND_HOOKS, RoundOrder
from ..vocabulary.models import Profession
from . import services


class RoundFailed(RuntimeError):
    """A round the scheduler asked for did not succeed."""


def run_round_for_scheduler(order: RoundOrder) -> str:
    """Queue and run the round the scheduler ordered; the summary goes on its run record."""
    profession_code = None
    if order.profession_id is not None:
        profession_code = db.session.scalar(select(Profession.code).where(Profession.id == order.profession_id))
    kind = order.kind if order.kind in ("scheduled", "fast_track") else "manual"
    rnd = services.queue_round(None, kind, profession_code=profession_code, by_operator=True)
    rnd = services.run_round_now(rnd.id)
    summary = (rnd.stats or {}).get("summary", {})
    if rnd.status != "succeeded":
        raise RoundFailed(f"round {rnd.id} failed ({(rnd.stats or {}).get('error_kind', 'unknown')})")
    return (f"round {rnd.id}: {summary.get('proposals', 0)} proposals, {summary.get('unfilled_slots', 0)} empty "
            f"slots, {summary.get('cycles', 0)} rings")


if run_round_for_scheduler not in RUN_ROUND_HOOKS:
    RUN_ROUND_HOOKS.append(run_round_for_scheduler)
