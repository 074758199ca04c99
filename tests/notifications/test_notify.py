"""notify(): the inbox entry and the e-mail join the caller's transaction, once per event and person."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.kinds import KINDS, register_kind
from talentbank.notifications.models import Notification, OutboxMessage
from talentbank.notifications.services import link_to, notify, notify_address, notify_users

PARAMS = {"department": "都市整備部", "section": "道路課", "profession": {"ja": "土木職", "en": "Civil engineer"},
          "people": 2, "start_date": "2026-12-01", "end_date": "2027-03-31"}


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_notice_and_mail_are_part_of_the_callers_transaction(make):
    user = make.user(Role.CITY_HR, city=make.city())
    notify(user, "request.expired", PARAMS, link="/requests/1")
    assert count(Notification) == 1 and count(OutboxMessage) == 1
    db.session.rollback()  # the change that caused them did not happen: neither did they
    assert count(Notification) == 0 and count(OutboxMessage) == 0

    notify(user, "request.expired", PARAMS, link="/requests/1")
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.to_address == user.email and mail.status == "pending" and mail.attempts == 0
    assert mail.subject == "[専門人材バンク] 派遣要請が期限切れになりました（都市整備部 道路課）"
    assert "土木職 2名（2026-12-01〜2027-03-31）" in mail.body
    assert mail.body.startswith(f"{user.display_name} 様")


def test_the_same_event_reaches_each_person_once(make):
    city = make.city()
    first, second = make.user(Role.CITY_HR, city=city), make.user(Role.CITY_HR, city=city)
    made = notify_users([first, second], "request.expired", PARAMS, dedupe_key="request.expired:7")
    assert len(made) == 2
    db.session.commit()
    # The job runs again: nothing new for anyone.
    assert notify_users([first, second], "request.expired", PARAMS, dedupe_key="request.expired:7") == []
    assert notify(first, "request.expired", PARAMS, dedupe_key="request.expired:7") is None
    db.session.commit()
    assert count(Notification) == 2 and count(OutboxMessage) == 2
    # Another event is another notice.
    assert notify(first, "request.expired", PARAMS, dedupe_key="request.expired:8") is not None


def test_mail_is_written_in_the_recipients_language(make):
    city = make.city()
    english = make.user(Role.CITY_HR, city=city, language="en")
    notify(english, "request.expired", PARAMS)
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.language == "en"
    assert mail.subject.startswith("[Talentbank] ")
    assert "Civil engineer" in mail.body and "土木職" not in mail.body
    assert mail.body.startswith(f"Dear {english.display_name},")


def test_inbox_only_notices_and_disabled_accounts_send_no_mail(make):
    city = make.city()
    active = make.user(Role.ADMIN)
    disabled = make.user(Role.CITY_HR, city=city, is_enabled=False)
    notify(active, "job.failed", {"job": "x", "error": "y"}, email=False)
    notify(disabled, "request.expired", PARAMS)
    db.session.commit()
    assert count(Notification) == 2
    assert count(OutboxMessage) == 0


def test_people_without_an_account_get_mail_only_and_once(app_ctx):
    first = notify_address("taro@example.jp", "山田 太郎", "ja", "mail.test", {}, dedupe_key="welcome:1")
    again = notify_address("TARO@example.jp", "山田 太郎", "ja", "mail.test", {}, dedupe_key="welcome:1")
    db.session.commit()
    assert first is not None and again is None
    assert count(Notification) == 0 and count(OutboxMessage) == 1


def test_a_notice_that_cannot_be_rendered_fails_the_caller_not_the_reader(make):
    user = make.user(Role.COORDINATOR)
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(user, "no.such.kind", {})
    with pytest.raises(KeyError):
        notify(user, "request.expired", {"department": "都市整備部"})  # parameters missing
    assert count(Notification) == 0


def test_registering_a_kind_twice_with_other_words_is_refused():
    register_kind("test.same", "同じ", "本文", {})
    register_kind("test.same", "同じ", "本文", {})  # importing a module again is harmless
    with pytest.raises(ValueError):
        register_kind("test.same", "違う", "本文", {})
    del KINDS["test.same"]


def test_links_are_paths_inside_the_app_built_without_a_request(app_ctx):
    assert link_to("requests.detail", request_id=12) == "/requests/12"
    assert link_to("notifications.inbox") == "/inbox/"


def test_a_withdrawing_specialist_leaves_no_mail_or_notices_behind(make):
    from talentbank.accounts.services import create_user
    from talentbank.specialists.personal_data import withdraw_specialist

    zushi = make.city()
    user = create_user("yamada@example.jp", "correct-horse-42", "山田 太郎", Role.SPECIALIST)
    db.session.commit()
    specialist = make.specialist(zushi, user=user, email=user.email)
    other = make.user(Role.COORDINATOR)
    notify(user, "availability.reminder", {"days": 90})
    notify_address("yamada@example.jp", "山田 太郎", "ja", "mail.test", {})
    notify(other, "mail.test", {})
    db.session.commit()
    withdraw_specialist(user, specialist.id)
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.to_address == "yamada@example.jp")) == 0
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == user.id)) == 0
    assert count(OutboxMessage) == 1 and count(Notification) == 1  # the coordinator's stay
