"""Training on the home pages: a specialist's sessions of the coming days; an HR officer's staff waiting or whose
session changed, and the city's sessions whose attendance is not recorded. Each count computed again here."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.training import services
from talentbank.training.models import TrainingRegistration, TrainingSession

from ..main.test_dashboard import home, todos


@pytest.fixture
def world(make, training):
    cities = make.demo_cities()
    make.vocabulary()
    fujisawa, zushi = cities["142051"], cities["142085"]
    user = make.user(Role.SPECIALIST, email="retiree@test.example")
    return {"fujisawa": fujisawa, "zushi": zushi, "user": user, "person": make.specialist(zushi, user=user),
            "hr": make.user(Role.CITY_HR, city=fujisawa, email="hr@fujisawa.test"),
            "zushi_hr": make.user(Role.CITY_HR, city=zushi, email="hr@zushi.test"),
            "officer": make.serving_officer(fujisawa), "zushi_officer": make.serving_officer(zushi)}


def test_the_specialists_sessions_of_the_coming_days(world, training, client, auth):
    now, person = clock.utcnow().replace(microsecond=0), world["person"]
    soon = training.session(world["zushi"], starts_at=now + timedelta(days=2))
    later_soon = training.session(world["zushi"], starts_at=now + timedelta(days=6))
    far = training.session(world["zushi"], starts_at=now + timedelta(days=20))
    waiting = training.session(world["zushi"], starts_at=now + timedelta(days=3))
    for s in (soon, later_soon, far):
        training.registration(s, specialist=person)
    training.registration(waiting, specialist=person, status="waiting")
    training.registration(soon, specialist=world["officer"])  # someone else's place
    expected = db.session.scalar(select(func.count()).select_from(TrainingRegistration).join(TrainingSession).where(
        TrainingRegistration.specialist_id == person.id, TrainingRegistration.status == "confirmed",
        TrainingSession.status == "scheduled", TrainingSession.starts_at > now,
        TrainingSession.starts_at <= now + timedelta(days=7)))
    assert expected == 2
    assert todos(home(client, auth, "retiree@test.example"))["training_coming"] == (2, f"/training/{soon.id}")
    services.cancel_registration(world["user"], services.own_registration(world["user"], soon).id)
    assert todos(home(client, auth, "retiree@test.example"))["training_coming"] == (1, f"/training/{later_soon.id}")


def test_staff_on_a_waiting_list_are_the_citys_to_do(world, training, client, auth):
    now = clock.utcnow().replace(microsecond=0)
    full = training.session(world["zushi"], starts_at=now + timedelta(days=5), capacity=1)
    training.registration(full, specialist=world["zushi_officer"])
    waiting_officer = training.registration(full, specialist=world["officer"], status="waiting")
    training.registration(full, user=world["hr"], status="waiting")
    training.registration(full, specialist=world["person"], status="waiting")  # not staff of Fujisawa
    past = training.session(world["zushi"], starts_at=now - timedelta(days=2))
    training.registration(past, specialist=world["officer"], status="waiting")  # over: not counted
    found = todos(home(client, auth, "hr@fujisawa.test"))
    assert found["training_waiting"] == (2, f"/training/{full.id}#training-staff")
    assert todos(home(client, auth, "hr@zushi.test"))["training_waiting"][0] == 0
    services.cancel_registration(world["hr"], waiting_officer.id)
    assert todos(home(client, auth, "hr@fujisawa.test"))["training_waiting"][0] == 1


def test_staff_whose_session_was_cancelled_or_place_removed(world, training, client, auth):
    now = clock.utcnow().replace(microsecond=0)
    cancelled = training.session(world["zushi"], starts_at=now + timedelta(days=9))
    training.registration(cancelled, specialist=world["officer"])
    removed_from = training.session(world["zushi"], starts_at=now + timedelta(days=12))
    removed = training.registration(removed_from, specialist=world["officer"])
    kept = training.session(world["zushi"], starts_at=now + timedelta(days=4))
    training.registration(kept, user=world["hr"])
    assert todos(home(client, auth, "hr@fujisawa.test"))["training_changed"][0] == 0
    services.cancel_session(world["zushi_hr"], cancelled.id, "講師の都合により")
    services.remove_registration(world["zushi_hr"], removed.id, "対象外のため")
    found = todos(home(client, auth, "hr@fujisawa.test"))
    assert found["training_changed"] == (2, f"/training/{cancelled.id}")
    assert todos(home(client, auth, "hr@zushi.test"))["training_changed"][0] == 0
    # A week later the change is old news.
    clock.freeze(now + timedelta(days=8))
    try:
        assert todos(home(client, auth, "hr@fujisawa.test"))["training_changed"][0] == 0
    finally:
        clock.freeze(None)


def test_the_citys_past_sessions_without_attendance(world, training, client, auth):
    now = clock.utcnow().replace(microsecond=0)
    held = training.session(world["fujisawa"], starts_at=now - timedelta(days=3))
    reg = training.registration(held, specialist=world["person"])
    training.registration(held, specialist=world["officer"], attendance="attended")
    nobody = training.session(world["fujisawa"], starts_at=now - timedelta(days=2))
    training.registration(nobody, specialist=world["person"], status="cancelled")  # no confirmed person
    training.registration(training.session(world["fujisawa"], starts_at=now + timedelta(days=1)),
                          specialist=world["person"])  # not held yet
    training.registration(training.session(world["zushi"], starts_at=now - timedelta(days=3)),
                          specialist=world["person"])  # another city's
    found = todos(home(client, auth, "hr@fujisawa.test"))
    assert found["training_attendance"] == (1, f"/training/{held.id}#training-manage")
    services.record_attendance(world["hr"], held.id, {reg.id: "absent"})
    assert todos(home(client, auth, "hr@fujisawa.test"))["training_attendance"][0] == 0
    assert todos(home(client, auth, "hr@zushi.test"))["training_attendance"][0] == 1
