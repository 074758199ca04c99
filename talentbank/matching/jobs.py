"""Matching's jobs: the regular round, the disaster fast track, and reminding the coordinating city of
proposals that wait for review. The scheduler process calls them at their times (``flask scheduler``),
and runs the rounds started from the web: they wait as ``queued`` rounds (the queue ``rounds.queued``),
which the scheduler picks up at its next tick."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select

from ..core.clock import utcnow
from ..core.errors import N_
from ..core.jobs import JobResult, RunContext, daily, every, scheduled_job
from ..core.permissions import Role
from ..exchange.rings.models import ExchangeCycle
from ..extensions import db
from ..i18n import show_time
from ..notifications.kinds import register_kind
from ..notifications.services import link_to, notify_users, users_with_role
from ..scheduler.queues import work_queue
from .models import REVIEWABLE_KINDS, MatchingRound, Proposal
from .runner import queued_round_ids, run_queued_round
from .schedule import (
    RoundOrder,
    claim_fast_track,
    claim_trigger,
    describe_scheduled_round,
    due_fast_track_professions,
    latest_fire_time,
    run_round,
    scheduled_round_trigger,
)

# Rounds started from the web wait as queued rounds; the scheduler runs each one, once, within a tick.
work_queue("rounds.queued", waiting=queued_round_ids, run=run_queued_round)

# A regular round missed while the scheduler was down still runs if it comes back the same day.
SCHEDULED_ROUND_GRACE_SECONDS = 12 * 3600


def _tokyo(moment: datetime) -> str:
    """A moment as the run record and notices show it, in Japan time (the same for every reader)."""
    with force_locale("ja"):
        return show_time(moment)


@scheduled_job("rounds.scheduled", trigger=scheduled_round_trigger, title=N_("定期マッチング"),
               schedule=describe_scheduled_round, misfire_grace_time=SCHEDULED_ROUND_GRACE_SECONDS)
def run_scheduled_round(run: RunContext) -> JobResult:
    """Run the round of the coordinator's rhythm once per occurrence; "run now" runs an extra one."""
    now = utcnow()
    if run.is_manual:
        key, kind, due_at = f"manual:run:{run.run_id}", "manual", now
    else:
        trigger = scheduled_round_trigger()
        occurrence = latest_fire_time(trigger, now) if trigger is not None else None
        if occurrence is None:
            return JobResult(N_("定期マッチングは停止中のため、実行しませんでした。"), is_skipped=True)
        key, kind, due_at = f"scheduled:{occurrence:%Y-%m-%dT%H:%M}", "scheduled", occurrence
    trigger_row = claim_trigger(key, kind, due_at)
    if trigger_row is None:
        return JobResult(N_("%(at)sの回のマッチングは実行済みです。"), {"at": _tokyo(due_at)}, is_skipped=True)
    outcome = run_round(RoundOrder(kind, None, (), (trigger_row.id,), due_at))
    return JobResult(N_("マッチングを実行しました：%(summary)s"), {"summary": outcome.summary})


@scheduled_job("rounds.fast_track", trigger=every(minutes=1), title=N_("災害復旧の緊急マッチング"),
               schedule=N_("1分ごとに確認"), misfire_grace_time=120)
def run_fast_tracks(run: RunContext) -> JobResult:
    """Run one round per profession whose disaster requests have waited their few minutes."""
    now = utcnow()
    # "Run now" does not wait for the delay: whatever is waiting runs at once.
    horizon = datetime.max if run.is_manual else now
    professions = due_fast_track_professions(horizon)
    if not professions:
        return JobResult(N_("実行を待つ緊急マッチングはありません。"))
    ran, failures = 0, []
    for profession_id in professions:
        rows = claim_fast_track(profession_id)
        if not rows:
            continue
        order = RoundOrder("fast_track", profession_id, tuple(r.request_id for r in rows if r.request_id),
                           tuple(r.id for r in rows), min(r.due_at for r in rows))
        try:
            run_round(order)
        except Exception as exc:  # one profession failing must not hold up the others
            failures.append(f"profession {profession_id}: {type(exc).__name__}: {exc}")
            continue
        ran += 1
    if failures:
        raise RuntimeError("fast-track round failed for " + "; ".join(failures))
    return JobResult(N_("緊急マッチングを%(count)s件実行しました。"), {"count": ran})


register_kind(
    "round.proposals_waiting",
    N_("確認待ちの提案があります（マッチング No.%(round)s）"),
    N_("%(finished)sに完了したマッチング No.%(round)sの提案%(proposals)s件と職員交流%(cycles)s件が、"
       "%(days)s日間確認を待っています。承認または却下してください。承認されるまで、専門人材への打診は始まりません。"),
    {"round": 14, "finished": "2026-12-07 09:03", "proposals": 12, "cycles": 1, "days": 3},
)


@scheduled_job("rounds.remind_waiting_proposals", trigger=daily(9, 30), title=N_("確認待ちの提案の催促"),
               schedule=N_("毎日 9:30"), misfire_grace_time=23 * 3600)
def remind_waiting_proposals(run: RunContext) -> JobResult:
    """Remind the coordinating city of rounds whose proposals have waited N days, and every N days after."""
    every_days = current_app.config["PROPOSAL_REMINDER_DAYS"]
    now = utcnow()
    waiting: dict[int, dict[str, int]] = {}
    for model, what in ((Proposal, "proposals"), (ExchangeCycle, "cycles")):
        rows = db.session.execute(
            select(MatchingRound.id, func.count(model.id))
            .join(model, model.round_id == MatchingRound.id)
            .where(MatchingRound.status == "succeeded", MatchingRound.kind.in_(REVIEWABLE_KINDS),
                   MatchingRound.finished_at <= now - timedelta(days=every_days), model.status == "proposed")
            .group_by(MatchingRound.id))
        for round_id, count in rows:
            waiting.setdefault(round_id, {"proposals": 0, "cycles": 0})[what] = count
    coordinators = users_with_role(Role.COORDINATOR)
    reminded = 0
    for round_id, counts in sorted(waiting.items()):
        finished_at = db.session.get(MatchingRound, round_id).finished_at
        days = (now - finished_at).days
        # One reminder per full period waited: day N, day 2N…; running again the same day adds nothing.
        made = notify_users(coordinators, "round.proposals_waiting",
                            {"round": round_id, "finished": _tokyo(finished_at), "days": days, **counts},
                            link=link_to("matching.show", round_id=round_id),
                            dedupe_key=f"round.proposals_waiting:{round_id}:{days // every_days}")
        reminded += bool(made)
    db.session.commit()
    return JobResult(N_("%(count)s件のマッチングについて、確認待ちの提案を幹事市に知らせました。"), {"count": reminded})
