"""Re-confirming availability: a reminder at 90 days, a second after 14 more, a pause after 14 more."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from talentbank.accounts.services import create_user
from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.models import Notification, OutboxMessage, ReminderLog
from talentbank.scheduler.runner import run_job
from talentbank.specialists.cards import AVAILABILITY_FRESH_DAYS

CONFIRMED = datetime(2026, 3, 2, 1, 0)
DAY = timedelta(days=1)


def kinds_for(user) -> list[str]:
    return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def run_on(moment: datetime):
    clock.freeze(moment)
    return run_job("specialists.availability_reminders")


def with_account(make, city):
    user = create_user(f"retired{make._next()}@example.jp", "correct-horse-42", "退職 一郎", Role.SPECIALIST)
    db.session.commit()
    clock.freeze(CONFIRMED)
    specialist = make.specialist(city, user=user, email=user.email, availability_confirmed_at=CONFIRMED)
    return specialist, user


def test_the_person_is_reminded_twice_then_paused_each_stage_once(make):
    zushi = make.city()
    specialist, user = with_account(make, zushi)

    assert run_on(CONFIRMED + 89 * DAY).summary_params == {"first": 0, "second": 0, "paused": 0}
    for moment in (CONFIRMED + 90 * DAY, CONFIRMED + 90 * DAY + timedelta(hours=1), CONFIRMED + 100 * DAY):
        run_on(moment)
    assert kinds_for(user) == ["availability.reminder"]
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == user.id))
    assert mail.subject == "[専門人材バンク] 活動可能な期間・条件の確認のお願い"

    run_on(CONFIRMED + 104 * DAY)
    run_on(CONFIRMED + 104 * DAY + timedelta(minutes=1))
    assert kinds_for(user) == ["availability.reminder", "availability.final_reminder"]
    final = db.session.scalar(select(Notification).where(Notification.kind == "availability.final_reminder"))
    assert final.params == {"pause_on": "2026-06-28"}  # 118 days after the confirmation, Tokyo date
    assert final.link == "/me"

    run_on(CONFIRMED + 117 * DAY)
    assert db.session.get(type(specialist), specialist.id).status == "active"
    result = run_on(CONFIRMED + 118 * DAY)
    run_on(CONFIRMED + 119 * DAY)
    assert result.summary_params == {"first": 0, "second": 0, "paused": 1}
    db.session.expire_all()
    paused = db.session.get(type(specialist), specialist.id)
    assert paused.status == "paused" and paused.paused_at == CONFIRMED + 118 * DAY
    assert kinds_for(user) == ["availability.reminder", "availability.final_reminder", "availability.paused"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "specialist.paused"))
    assert entry.actor_id is None and entry.actor_label == "system"
    assert entry.changes == {"status": ["active", "paused"]}
    assert len(list(db.session.scalars(select(ReminderLog)))) == 3


def test_confirming_starts_the_count_again(make, client, auth):
    zushi = make.city()
    specialist, user = with_account(make, zushi)
    run_on(CONFIRMED + 90 * DAY)
    auth.login(user.email)
    assert client.post("/me/confirm").status_code == 302  # the specialist's own button
    db.session.expire_all()
    reconfirmed = db.session.get(type(specialist), specialist.id).availability_confirmed_at
    assert reconfirmed == CONFIRMED + 90 * DAY
    for days in (104, 118, 150):
        run_on(CONFIRMED + days * DAY)
    assert kinds_for(user) == ["availability.reminder"]
    run_on(reconfirmed + 90 * DAY)  # a new series counts from the new confirmation
    assert kinds_for(user) == ["availability.reminder", "availability.reminder"]


def test_profiles_kept_by_staff_are_brought_to_their_keepers(make):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    hr_zushi, hr_kamakura = make.user(Role.CITY_HR, city=zushi), make.user(Role.CITY_HR, city=kamakura)
    coordinator = make.user(Role.COORDINATOR)
    clock.freeze(CONFIRMED)
    officer = make.serving_officer(zushi, availability_confirmed_at=CONFIRMED)
    retired_without_account = make.specialist(kamakura, availability_confirmed_at=CONFIRMED,
                                              registration_source="import")
    run_on(CONFIRMED + 90 * DAY)
    assert [n.params["reference"] for n in db.session.scalars(
        select(Notification).where(Notification.user_id == hr_zushi.id))] == [officer.reference]
    assert kinds_for(hr_kamakura) == []  # another city's officer is not their business
    coordinator_notice = db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id))
    assert coordinator_notice.kind == "availability.managed_reminder"
    assert coordinator_notice.params["reference"] == retired_without_account.reference
    assert coordinator_notice.link == f"/specialists/{retired_without_account.id}/edit"
    run_on(CONFIRMED + 104 * DAY)
    run_on(CONFIRMED + 118 * DAY)
    assert kinds_for(hr_zushi) == ["availability.managed_reminder", "availability.managed_reminder",
                                   "availability.managed_paused"]


def test_paused_and_withdrawn_profiles_are_left_alone(make):
    zushi = make.city()
    clock.freeze(CONFIRMED)
    make.specialist(zushi, availability_confirmed_at=CONFIRMED, status="paused")
    coordinator = make.user(Role.COORDINATOR)
    run_on(CONFIRMED + 200 * DAY)
    assert kinds_for(coordinator) == []
    assert db.session.scalar(select(ReminderLog)) is None


def test_the_registration_counts_when_nothing_was_confirmed_since(make):
    zushi = make.city()
    coordinator = make.user(Role.COORDINATOR)
    clock.freeze(CONFIRMED)
    make.specialist(zushi, availability_confirmed_at=None, registration_source="import")
    run_on(CONFIRMED + 89 * DAY)
    assert kinds_for(coordinator) == []
    run_on(CONFIRMED + 90 * DAY)
    assert kinds_for(coordinator) == ["availability.managed_reminder"]
    assert AVAILABILITY_FRESH_DAYS == 90
