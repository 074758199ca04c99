"""Scheduled work on staffing requests: expiring those whose period began unfilled.

The lifecycle rule itself is the requests domain's (``expire_request``); this job decides
when it runs and tells the requesting city, in the same transaction as the expiry.
"""
from __future__ import annotations

from sqlalchemy import select

from ..core.clock import today_tokyo
from ..core.errors import N_
from ..core.permissions import Role
from ..extensions import db
from ..notifications.services import link_to, notify_users, users_with_role
from ..core.jobs import JobResult, RunContext, daily, scheduled_job
from .escalation import warn_unfilled_urgent_requests
from .models import StaffingRequest
from .services import EXPIRABLE_STATUSES, expire_request


@scheduled_job("requests.expire", trigger=daily(0, 10), title=N_("期間が始まった未充足の派遣要請の期限切れ"),
               schedule=N_("毎日 0:10"), misfire_grace_time=23 * 3600)
def expire_unfilled_requests(run: RunContext) -> JobResult:
    """Expire draft and open requests whose period began before today, and tell their city's HR officers."""
    today = today_tokyo()
    due = list(db.session.scalars(select(StaffingRequest).where(
        StaffingRequest.status.in_(EXPIRABLE_STATUSES), StaffingRequest.start_date < today)
        .order_by(StaffingRequest.id)))
    for request in due:
        was_draft = request.status == "draft"
        expire_request(request.id, None, commit=False)
        params = {
            "department": request.department, "section": request.section,
            "profession": {"ja": request.profession.name_ja, "en": request.profession.name_en},
            "people": request.people, "start_date": request.start_date.isoformat(),
            "end_date": request.end_date.isoformat(),
        }
        notify_users(users_with_role(Role.CITY_HR, city_id=request.city_id),
                     "request.draft_expired" if was_draft else "request.expired", params,
                     link=link_to("requests.detail", request_id=request.id), dedupe_key=f"request.expired:{request.id}")
    db.session.commit()
    return JobResult(N_("%(count)s件の派遣要請を期限切れにしました。"), {"count": len(due)})


@scheduled_job("requests.escalate", trigger=daily(8, 0), title=N_("開始が近い未充足の緊急要請を幹事市に通知"),
               schedule=N_("毎日 8:00"), misfire_grace_time=23 * 3600)
def escalate_unfilled_requests(run: RunContext) -> JobResult:
    """Disaster-recovery and statutory requests still unfilled shortly before they start: warn the coordinating city
    (escalation.py; once per request and threshold)."""
    count = warn_unfilled_urgent_requests()
    return JobResult(N_("%(count)s件の未充足の緊急要請について幹事市に通知しました。"), {"count": count})
