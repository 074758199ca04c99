"""Notices meant for the posting city (taken, a new message, nobody fits, expired) reach the delegate who posted
the consultation as well as the city's HR officers, once each; a revoked delegate no longer hears them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from talentbank.consultations import delegates, services
from talentbank.core import clock
from talentbank.extensions import db
from talentbank.notifications.models import Notification, OutboxMessage

from .test_delegates import ZUSHI, officer


def kinds(user_id: int) -> list[str]:
    return [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                               .order_by(Notification.id))]


def mails(user_id: int, kind: str) -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.user_id == user_id, OutboxMessage.kind == kind)) or 0


def test_taken_and_message_notices_reach_the_delegate_once(world):
    adviser = world.adviser("142042")
    account, person = officer(world)
    delegates.authorise(world.zushi_hr, None, person.id)
    c = services.post(account, world.values())
    services.accept(adviser.user, c.id)
    services.post_message(adviser.user, c.id, "排水の確保を先にしてください。")
    for user in (account, world.zushi_hr):
        assert kinds(user.id) == ["consultation.taken", "consultation.message"], user.email
        assert mails(user.id, "consultation.taken") == 1 and mails(user.id, "consultation.message") == 1
    assert kinds(world.kamakura_hr.id) == []  # another city's officer hears nothing
    # The delegate's own message is not told to the city side (it goes to the specialist).
    services.post_message(account, c.id, "ありがとうございます。")
    assert kinds(account.id).count("consultation.message") == 1
    assert kinds(world.zushi_hr.id).count("consultation.message") == 1


def test_no_fit_and_expiry_reach_the_delegate(world):
    account, person = officer(world)
    delegates.authorise(world.zushi_hr, None, person.id)
    c = services.post(account, world.values())  # no adviser at all: nobody fits
    assert c.no_fit_at is not None
    assert kinds(account.id) == ["consultation.no_fit"] and kinds(world.zushi_hr.id) == ["consultation.no_fit"]
    c.wanted_by = clock.today_tokyo() - timedelta(days=1)
    db.session.commit()
    services.offer_overdue()
    assert kinds(account.id) == ["consultation.no_fit", "consultation.expired"]
    assert kinds(world.zushi_hr.id) == ["consultation.no_fit", "consultation.expired"]
    services.offer_overdue()  # the job again: nothing twice
    assert kinds(account.id).count("consultation.expired") == 1


def test_a_revoked_delegate_is_no_longer_told(world):
    adviser = world.adviser("142042")
    account, person = officer(world)
    row = delegates.authorise(world.zushi_hr, None, person.id)
    c = services.post(account, world.values())
    delegates.revoke(world.zushi_hr, row.id)
    services.accept(adviser.user, c.id)
    assert kinds(account.id) == [] and kinds(world.zushi_hr.id) == ["consultation.taken"]


def test_an_hr_officer_who_posted_is_told_once(world):
    adviser = world.adviser("142042")
    other_hr = world.make.user("city_hr", city=world.cities[ZUSHI], email="hr2@zushi.test")
    c = world.post()
    services.accept(adviser.user, c.id)
    assert kinds(world.zushi_hr.id) == ["consultation.taken"] and kinds(other_hr.id) == ["consultation.taken"]
    assert [u.id for u in services.city_side(c)] == [world.zushi_hr.id, other_hr.id]


def test_a_disabled_delegate_account_is_not_told(world):
    adviser = world.adviser("142042")
    account, person = officer(world)
    delegates.authorise(world.zushi_hr, None, person.id)
    c = services.post(account, world.values())
    account.is_enabled = False
    db.session.commit()
    services.accept(adviser.user, c.id)
    assert kinds(account.id) == [] and kinds(world.zushi_hr.id) == ["consultation.taken"]
