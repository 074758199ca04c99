"""Scheduled work of the library: ask both sides of each ended dispatch for an after-action note, remind once.

The rules are in ``library.notes``; each run is idempotent (one request per dispatch and side, one reminder).
"""
from __future__ import annotations

from ..core.errors import N_
from ..core.jobs import JobResult, RunContext, daily, scheduled_job
from . import notes


@scheduled_job("library.request_notes", trigger=daily(9, 30), title=N_("派遣の振り返りの依頼と再通知"),
               schedule=N_("毎日 9:30"), misfire_grace_time=12 * 3600)
def request_notes(run: RunContext) -> JobResult:
    """Each side of a dispatch that has ended is asked once for a note; one reminder after the configured days."""
    asked = notes.request_notes()
    reminded = notes.remind_notes()
    return JobResult(N_("%(asked)s件の振り返りを依頼し、%(reminded)s件を再通知しました。"),
                     {"asked": asked, "reminded": reminded})
