"""Matching rounds that start by themselves: the coordinator's rhythm, and fast for disasters."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.models import Notification, OutboxMessage
from talentbank.requests import services as requests
from talentbank.matching.models import RoundTrigger, ScheduleSetting
from talentbank.matching.schedule import cron_for, latest_fire_time, next_fire_times
from talentbank.scheduler.runner import run_job

# Monday 7 December 2026, 09:00 in Tokyo: the first Monday of the month.
FIRST_MONDAY_0900 = datetime(2026, 12, 7, 0, 0)


def test_the_default_rhythm_is_the_first_monday_at_nine_tokyo_time():
    trigger = cron_for(weekday=0, week_of_month=1, hour=9, minute=0)
    after = datetime(2026, 11, 20)
    assert next_fire_times(trigger, 3, after=after) == [
        datetime(2026, 12, 7, 0, 0), datetime(2027, 1, 4, 0, 0), datetime(2027, 2, 1, 0, 0)]
    last_friday = cron_for(weekday=4, week_of_month=5, hour=17, minute=30)
    assert next_fire_times(last_friday, 1, after=after) == [datetime(2026, 11, 27, 8, 30)]
    weekly = cron_for(weekday=2, week_of_month=None, hour=8, minute=15)
    assert next_fire_times(weekly, 2, after=after) == [datetime(2026, 11, 24, 23, 15), datetime(2026, 12, 1, 23, 15)]
    assert latest_fire_time(trigger, FIRST_MONDAY_0900 + timedelta(hours=5)) == FIRST_MONDAY_0900


def test_the_scheduled_round_runs_once_per_occurrence(app_ctx, round_engine):
    clock.freeze(FIRST_MONDAY_0900)
    first = run_job("rounds.scheduled")
    clock.freeze(FIRST_MONDAY_0900 + timedelta(seconds=5))
    second = run_job("rounds.scheduled")
    clock.freeze(FIRST_MONDAY_0900 + timedelta(hours=4))  # a late catch-up after a restart: same occurrence
    third = run_job("rounds.scheduled")
    assert first.status == "succeeded" and first.summary_params == {"summary": "round 1: 3 proposals"}
    assert second.status == third.status == "skipped"
    assert second.summary_params == {"at": "2026-12-07 09:00"}
    assert len(round_engine.orders) == 1
    order = round_engine.orders[0]
    assert (order.kind, order.profession_id, order.request_ids) == ("scheduled", None, ())
    assert order.due_at == FIRST_MONDAY_0900
    (trigger,) = db.session.scalars(select(RoundTrigger))
    assert (trigger.key, trigger.status) == ("scheduled:2026-12-07T00:00", "done")
    assert trigger.result == "round 1: 3 proposals"
    clock.freeze(datetime(2027, 1, 4, 0, 0))  # the next month is a new occurrence
    run_job("rounds.scheduled")
    assert len(round_engine.orders) == 2


def test_run_now_starts_an_extra_round_each_time(make, round_engine):
    from talentbank.scheduler.models import JobRun

    admin = make.user(Role.ADMIN)
    clock.freeze(FIRST_MONDAY_0900 + timedelta(days=3))
    for _ in range(2):
        queued = JobRun(job_name="rounds.scheduled", source="manual", status="queued", requested_by_id=admin.id,
                        summary_params={})
        db.session.add(queued)
        db.session.commit()
        run_job("rounds.scheduled", queued_run_id=queued.id)
    assert [o.kind for o in round_engine.orders] == ["manual", "manual"]


def test_a_failing_round_is_recorded_and_both_coordinators_and_administrators_hear(make, round_engine):
    coordinator, admin = make.user(Role.COORDINATOR), make.user(Role.ADMIN)
    round_engine.error = RuntimeError("solver crashed")
    clock.freeze(FIRST_MONDAY_0900)
    run = run_job("rounds.scheduled")
    assert run.status == "failed" and "solver crashed" in run.error
    trigger = db.session.scalar(select(RoundTrigger))
    assert trigger.status == "failed" and "solver crashed" in trigger.result
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert kinds == {(coordinator.id, "round.not_run"), (admin.id, "job.failed")}


def test_a_switched_off_schedule_runs_nothing(make, round_engine):
    db.session.add(ScheduleSetting(id=1, is_regular_enabled=False, weekday=0, week_of_month=1, hour=9, minute=0,
                                   is_fast_track_enabled=True, fast_track_delay_minutes=10))
    db.session.commit()
    clock.freeze(FIRST_MONDAY_0900)
    assert run_job("rounds.scheduled").status == "skipped"
    assert round_engine.orders == []


# The disaster fast track ------------------------------------------------------------------------


def _open(make, city, hr, **fields):
    req = make.staffing_request(city, status="draft", created_by=hr, **fields)
    return requests.open_request(hr, req.id)


def test_a_disaster_request_gets_a_round_within_minutes_and_only_one(make, round_engine):
    cities = make.demo_cities()
    zushi = cities["142085"]
    hr = make.user(Role.CITY_HR, city=zushi)
    coordinator = make.user(Role.COORDINATOR, language="en")
    clock.freeze(FIRST_MONDAY_0900 + timedelta(days=2))
    opened_at = clock.utcnow()
    req = _open(make, zushi, hr, urgency="disaster", people=3)

    trigger = db.session.scalar(select(RoundTrigger))
    assert (trigger.kind, trigger.status, trigger.request_id) == ("fast_track", "pending", req.id)
    assert trigger.due_at == opened_at + timedelta(minutes=10)
    notice = db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id))
    assert notice.kind == "round.fast_track_scheduled" and notice.params["run_at"] == "2026-12-09 09:10"
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == coordinator.id))
    assert "Zushi posted a disaster-recovery staffing request" in mail.body

    clock.freeze(opened_at + timedelta(minutes=5))
    assert run_job("rounds.fast_track").summary_params == {}  # not yet
    assert round_engine.orders == []
    clock.freeze(opened_at + timedelta(minutes=10))
    done = run_job("rounds.fast_track")
    run_job("rounds.fast_track")
    assert done.summary_params == {"count": 1}
    (order,) = round_engine.orders
    assert (order.kind, order.profession_id, order.request_ids) == ("fast_track", req.profession_id, (req.id,))
    assert db.session.scalar(select(RoundTrigger.status)) == "done"


def test_disaster_requests_of_one_profession_posted_together_share_a_round(make, round_engine):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    hr_zushi, hr_kamakura = make.user(Role.CITY_HR, city=zushi), make.user(Role.CITY_HR, city=kamakura)
    clock.freeze(FIRST_MONDAY_0900)
    first = _open(make, zushi, hr_zushi, urgency="disaster")
    clock.freeze(FIRST_MONDAY_0900 + timedelta(minutes=4))
    second = _open(make, kamakura, hr_kamakura, urgency="disaster")
    nurses = _open(make, kamakura, hr_kamakura, urgency="disaster", profession="public_health_nurse")
    ordinary = _open(make, kamakura, hr_kamakura, urgency="ordinary")
    triggers = {t.request_id: t for t in db.session.scalars(select(RoundTrigger))}
    assert set(triggers) == {first.id, second.id, nurses.id}  # nothing for the ordinary request
    assert triggers[second.id].due_at == triggers[first.id].due_at == FIRST_MONDAY_0900 + timedelta(minutes=10)
    assert triggers[nurses.id].due_at == FIRST_MONDAY_0900 + timedelta(minutes=14)

    clock.freeze(FIRST_MONDAY_0900 + timedelta(minutes=10))
    run_job("rounds.fast_track")
    assert [(o.profession_id, o.request_ids) for o in round_engine.orders] == [
        (first.profession_id, (first.id, second.id))]
    clock.freeze(FIRST_MONDAY_0900 + timedelta(minutes=14))
    run_job("rounds.fast_track")
    assert [o.request_ids for o in round_engine.orders] == [(first.id, second.id), (nurses.id,)]
    assert ordinary.id not in {rid for o in round_engine.orders for rid in o.request_ids}


def test_reopening_a_disaster_request_does_not_start_a_second_fast_track(make, round_engine):
    zushi = make.demo_cities()["142085"]
    hr = make.user(Role.CITY_HR, city=zushi)
    coordinator = make.user(Role.COORDINATOR)
    clock.freeze(FIRST_MONDAY_0900)
    req = _open(make, zushi, hr, urgency="disaster")
    requests.withdraw_request(hr, req.id)
    requests.reopen_request(coordinator, req.id, reason="取り下げは誤り")
    assert db.session.scalar(select(func.count(RoundTrigger.id))) == 1
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == coordinator.id)) == 1


def test_run_now_does_not_wait_for_the_delay(make, round_engine):
    from talentbank.scheduler.models import JobRun

    zushi = make.demo_cities()["142085"]
    hr, admin = make.user(Role.CITY_HR, city=zushi), make.user(Role.ADMIN)
    clock.freeze(FIRST_MONDAY_0900)
    _open(make, zushi, hr, urgency="disaster")
    queued = JobRun(job_name="rounds.fast_track", source="manual", status="queued", requested_by_id=admin.id,
                    summary_params={})
    db.session.add(queued)
    db.session.commit()
    run_job("rounds.fast_track", queued_run_id=queued.id)
    assert len(round_engine.orders) == 1


def test_the_fast_track_can_be_switched_off(make, round_engine):
    db.session.add(ScheduleSetting(id=1, is_regular_enabled=True, weekday=0, week_of_month=1, hour=9, minute=0,
                                   is_fast_track_enabled=False, fast_track_delay_minutes=10))
    db.session.commit()
    zushi = make.demo_cities()["142085"]
    hr = make.user(Role.CITY_HR, city=zushi)
    _open(make, zushi, hr, urgency="disaster")
    assert db.session.scalar(select(func.count(RoundTrigger.id))) == 0
