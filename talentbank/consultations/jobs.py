"""Scheduled work on consultations: the next batch of offers when nobody accepted in time, and expiry.

Idempotent: a consultation gets its next batch only once its last batch is older than
``CONSULTATION_OFFER_WAIT_HOURS``; one past its wanted-by date expires once (it leaves ``open``).
"""
from __future__ import annotations

from ..core.errors import N_
from ..core.jobs import JobResult, RunContext, every, scheduled_job
from . import services


@scheduled_job("consultations.offer_next", trigger=every(minutes=30), title=N_("相談の次の候補者への打診"),
               schedule=N_("30分ごと"))
def offer_next(run: RunContext) -> JobResult:
    """Consultations nobody accepted within the wait are offered to the next best-fitting people."""
    result = services.offer_overdue()
    return JobResult(N_("%(again)s件の相談を次の候補者に打診し（%(offers)s人）、%(expired)s件が期限切れになりました。"),
                     {"again": result["offered_again"], "offers": result["offers"], "expired": result["expired"]})
