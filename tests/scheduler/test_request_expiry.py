"""Requests whose period began unfilled expire by themselves, and their city hears of it once."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.models import Notification, OutboxMessage
from talentbank.requests.models import StaffingRequest
from talentbank.scheduler.runner import run_job

# 10 December 2026, 00:10 in Tokyo.
RUN_AT = datetime(2026, 12, 9, 15, 10)
TODAY = date(2026, 12, 10)


def test_unfilled_requests_whose_period_began_expire_once(make):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    hr = make.user(Role.CITY_HR, city=zushi)
    hr_english = make.user(Role.CITY_HR, city=zushi, language="en")
    hr_other = make.user(Role.CITY_HR, city=kamakura)
    clock.freeze(RUN_AT - timedelta(days=40))
    began = make.staffing_request(zushi, start_date=TODAY - timedelta(days=1), end_date=TODAY + timedelta(days=90))
    draft = make.staffing_request(zushi, status="draft", start_date=TODAY - timedelta(days=3),
                                  end_date=TODAY + timedelta(days=30))
    starts_today = make.staffing_request(zushi, start_date=TODAY, end_date=TODAY + timedelta(days=30))
    partly = make.staffing_request(zushi, status="partly_filled", filled_count=1,
                                   start_date=TODAY - timedelta(days=5), end_date=TODAY + timedelta(days=30))

    clock.freeze(RUN_AT)
    first = run_job("requests.expire")
    second = run_job("requests.expire")
    assert first.summary_params == {"count": 2} and second.summary_params == {"count": 0}
    db.session.expire_all()
    status = {r.id: r.status for r in db.session.scalars(select(StaffingRequest))}
    assert status == {began.id: "expired", draft.id: "expired", starts_today.id: "open", partly.id: "partly_filled"}

    notices = list(db.session.scalars(select(Notification).where(Notification.user_id == hr.id)
                                      .order_by(Notification.id)))
    assert [(n.kind, n.link) for n in notices] == [("request.expired", f"/requests/{began.id}"),
                                                   ("request.draft_expired", f"/requests/{draft.id}")]
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == hr_other.id)) == 0
    english = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == hr_english.id,
                                                            OutboxMessage.kind == "request.expired"))
    assert english.subject == "[Talentbank] A staffing request has expired (都市整備部 道路・法面整備課)"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "request.expired")) == 2
    assert db.session.scalar(select(AuditEntry.actor_label).where(AuditEntry.action == "request.expired")) == "system"
