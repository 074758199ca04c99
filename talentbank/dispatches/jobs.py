"""Scheduled work on offers and dispatches: lapse unanswered offers, remind, start and end dispatches.

The rules are the services'; these jobs decide when they run. Each is idempotent: an offer
lapses once, a reminder goes once (``reminded_at`` and the notice's dedupe key), a dispatch
moves on only from the status it is in.
"""
from __future__ import annotations

from ..core.errors import N_
from ..core.jobs import JobResult, RunContext, daily, every, scheduled_job
from . import services


@scheduled_job("dispatches.expire_offers", trigger=every(minutes=5), title=N_("回答期限を過ぎた打診の失効"),
               schedule=N_("5分ごと"))
def expire_offers(run: RunContext) -> JobResult:
    """Offers unanswered at their deadline lapse; their slots go back to the next round."""
    lapsed = services.lapse_due_offers()
    return JobResult(N_("%(count)s件の打診を失効させました。"), {"count": len(lapsed)})


@scheduled_job("dispatches.remind_offers", trigger=daily(9, 0), title=N_("回答期限が近い打診の再通知"),
               schedule=N_("毎日 9:00"), misfire_grace_time=12 * 3600)
def remind_offers(run: RunContext) -> JobResult:
    """Specialists with an offer due within two days get one reminder."""
    count = services.remind_due_offers()
    return JobResult(N_("%(count)s件の打診について本人に再通知しました。"), {"count": count})


@scheduled_job("dispatches.advance", trigger=daily(0, 5), title=N_("派遣の開始・終了（評価の依頼）"),
               schedule=N_("毎日 0:05"), misfire_grace_time=23 * 3600)
def advance_dispatches(run: RunContext) -> JobResult:
    """Dispatches start on their first day and end after their last; ending asks both sides to evaluate."""
    started, completed = services.advance_dispatches()
    return JobResult(N_("%(started)s件の派遣を開始し、%(completed)s件の派遣を終了しました。"),
                     {"started": started, "completed": completed})
