"""Scheduled work of training: the day before a session, everyone with a place is reminded (once)."""
from __future__ import annotations

from ..core.errors import N_
from ..core.jobs import JobResult, RunContext, daily, scheduled_job
from . import services


@scheduled_job("training.remind_tomorrow", trigger=daily(9, 0), title=N_("翌日の研修の参加者へのお知らせ"),
               schedule=N_("毎日 9:00"), misfire_grace_time=12 * 3600)
def remind_tomorrow(run: RunContext) -> JobResult:
    """Sessions starting tomorrow (Japan) tell their confirmed people; a session is told once."""
    told = services.remind_tomorrow()
    return JobResult(N_("明日開催の研修%(count)s件の参加者にお知らせしました。"), {"count": told})
