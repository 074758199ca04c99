"""Escalation: urgent requests still unfilled shortly before they start are put to the coordinating city, once."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from talentbank.core import clock
from talentbank.core.jobs import JOBS, load_jobs
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.models import Notification, OutboxMessage
from talentbank.requests.escalation import EscalationWarning
from talentbank.scheduler.runner import run_job

# 10 December 2026, 08:00 in Tokyo.
RUN_AT = datetime(2026, 12, 9, 23, 0)
TODAY = date(2026, 12, 10)


@pytest.fixture
def world(make):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    clock.freeze(RUN_AT - timedelta(days=60))

    def request(city=zushi, days=10, **fields):
        start = TODAY + timedelta(days=days)
        return make.staffing_request(city, start_date=start, end_date=start + timedelta(days=90), **fields)

    world = {
        "coordinator": make.user(Role.COORDINATOR),
        "coordinator_en": make.user(Role.COORDINATOR, language="en"),
        "hr": make.user(Role.CITY_HR, city=zushi),
        "disaster": request(urgency="disaster", days=10),
        "statutory": request(kamakura, urgency="statutory", days=14, status="partly_filled", filled_count=1),
        "ordinary": request(days=5),
        "filled": request(urgency="disaster", days=3, status="filled", filled_count=2),
        "later": request(urgency="disaster", days=15),
        "begun": request(urgency="disaster", days=-1),
        "draft": request(urgency="disaster", days=5, status="draft"),
    }
    clock.freeze(RUN_AT)
    return world


def _warned(user) -> list[str]:
    return list(db.session.scalars(select(Notification.link).where(
        Notification.user_id == user.id, Notification.kind == "request.escalation").order_by(Notification.link)))


def test_the_job_is_in_the_schedulers_list(app):
    load_jobs()
    assert "requests.escalate" in JOBS


def test_urgent_unfilled_requests_within_the_threshold_are_escalated_once(world):
    first = run_job("requests.escalate")
    assert first.status == "succeeded" and first.summary_params == {"count": 2}
    expected = sorted([f"/requests/{world['disaster'].id}", f"/requests/{world['statutory'].id}"])
    assert _warned(world["coordinator"]) == expected
    assert _warned(world["coordinator_en"]) == expected
    assert _warned(world["hr"]) == []  # the coordinating city, not the requesting city
    english = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == world["coordinator_en"].id,
                                                            OutboxMessage.kind == "request.escalation")
                                .order_by(OutboxMessage.id))
    assert english.language == "en" and "2026-12-20" in english.body

    second = run_job("requests.escalate")
    assert second.summary_params == {"count": 0}
    assert len(_warned(world["coordinator"])) == 2
    assert db.session.scalar(select(func.count()).select_from(EscalationWarning)) == 2


def test_filled_ordinary_begun_draft_and_later_requests_are_not_escalated(world):
    run_job("requests.escalate")
    warned = set(db.session.scalars(select(EscalationWarning.request_id)))
    for key in ("ordinary", "filled", "later", "begun", "draft"):
        assert world[key].id not in warned, key


def test_the_threshold_follows_the_setting_and_a_new_threshold_warns_again(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "ESCALATION_DAYS", 7)
    assert run_job("requests.escalate").summary_params == {"count": 0}  # 10 and 14 days away: not yet
    monkeypatch.setitem(app.config, "ESCALATION_DAYS", 20)
    assert run_job("requests.escalate").summary_params == {"count": 3}  # now the one 15 days away too
    assert run_job("requests.escalate").summary_params == {"count": 0}
    monkeypatch.setitem(app.config, "ESCALATION_DAYS", 14)
    assert run_job("requests.escalate").summary_params == {"count": 2}  # the 14-day threshold is a new one
    thresholds = sorted(db.session.execute(select(EscalationWarning.request_id, EscalationWarning.threshold_days)))
    assert len(thresholds) == 5


def test_a_request_filled_after_the_threshold_is_not_warned_about(world):
    world["disaster"].filled_count = world["disaster"].people
    world["disaster"].status = "filled"
    db.session.commit()
    run_job("requests.escalate")
    assert _warned(world["coordinator"]) == [f"/requests/{world['statutory'].id}"]


def test_the_setting_is_read_from_the_environment(monkeypatch):
    from talentbank.config import load_config

    monkeypatch.setenv("TALENTBANK_ESCALATION_DAYS", "21")
    assert load_config()["ESCALATION_DAYS"] == 21
    monkeypatch.delenv("TALENTBANK_ESCALATION_DAYS")
    assert load_config()["ESCALATION_DAYS"] == 14
