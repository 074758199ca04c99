"""Scheduled work on accounts: forgetting log-in sessions that ended long ago."""
from __future__ import annotations

from ..core.errors import N_
from ..core.jobs import JobResult, RunContext, daily, scheduled_job
from ..extensions import db
from . import sessions


@scheduled_job("accounts.sessions_cleanup", trigger=daily(3, 20), title=N_("終了したログインセッションの削除"),
               schedule=N_("毎日 3:20"), misfire_grace_time=23 * 3600)
def delete_ended_sessions(run: RunContext) -> JobResult:
    """Every log-in adds a session row; those that ended (logged out or expired) 30 days ago go."""
    count = sessions.delete_ended()
    db.session.commit()
    return JobResult(N_("%(count)s件の終了したログインセッションを削除しました。"), {"count": count})
