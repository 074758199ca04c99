"""E-mail through a real SMTP server on loopback: delivered once, kept while the server is down."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.mail import deliver_due_messages, retry_delay, set_aside_interrupted, smtp_settings
from talentbank.notifications.models import Notification, OutboxMessage
from talentbank.notifications.services import notify
from talentbank.scheduler.runner import run_job

from .conftest import SmtpServer, free_port

T0 = datetime(2026, 12, 7, 0, 0)


def outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def notify_three(make) -> list:
    city = make.city()
    users = [make.user(Role.CITY_HR, city=city), make.user(Role.COORDINATOR),
             make.user(Role.COORDINATOR, language="en")]
    for user in users:
        notify(user, "mail.test", {}, link="/inbox/")
    db.session.commit()
    return users


def test_the_server_receives_each_message_with_its_headers(make, smtp_server):
    clock.freeze(T0)
    ja_user, _coordinator, en_user = notify_three(make)
    report = deliver_due_messages()
    assert (report.sent, report.retrying, report.failed) == (3, 0, 0)
    assert len(smtp_server.mailbox.received) == 3
    (ja_mail,) = smtp_server.mailbox.to(ja_user.email)
    assert ja_mail["Subject"] == "[専門人材バンク] テストメール"
    assert ja_mail["From"].addresses[0].addr_spec == "no-reply@talentbank.test"
    assert ja_mail["Auto-Submitted"] == "auto-generated"
    assert "https://talentbank.test/inbox/" in ja_mail.get_content()
    (en_mail,) = smtp_server.mailbox.to(en_user.email)
    assert en_mail["Subject"] == "[Talentbank] Test e-mail"
    stored = outbox()
    assert {m.status for m in stored} == {"sent"} and all(m.sent_at == T0 for m in stored)
    assert {m.message_id for m in stored} == {mail["Message-ID"] for _f, _t, mail in smtp_server.mailbox.received}
    # Nothing is sent again, however often the sender runs.
    assert deliver_due_messages().sent == 0
    assert len(smtp_server.mailbox.received) == 3


def test_mail_server_down_then_back_every_message_arrives_exactly_once(make, mail_config):
    server = SmtpServer(free_port())  # configured but not started: connections are refused
    mail_config(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none", MAIL_FROM="no-reply@talentbank.test",
                SMTP_TIMEOUT_SECONDS=5, MAIL_RETRY_BASE_SECONDS=60)
    clock.freeze(T0)
    users = notify_three(make)

    report = deliver_due_messages()
    assert report.sent == 0 and report.retrying == 3 and "ConnectionRefusedError" in report.error
    first_retry = T0 + timedelta(minutes=1)
    assert [(m.status, m.attempts, m.next_attempt_at) for m in outbox()] == [("pending", 1, first_retry)] * 3

    clock.freeze(T0 + timedelta(minutes=1))
    deliver_due_messages()  # still down: the wait doubles
    assert [(m.attempts, m.next_attempt_at) for m in outbox()] == [(2, T0 + timedelta(minutes=3))] * 3

    server.start()
    try:
        clock.freeze(T0 + timedelta(minutes=2))
        assert deliver_due_messages().sent == 0  # back up, but not yet their time
        assert server.mailbox.received == []

        clock.freeze(T0 + timedelta(minutes=3))
        report = deliver_due_messages()
        assert report.sent == 3
        for minutes in (4, 10, 60, 24 * 60):  # the sender keeps running; nothing is sent twice
            clock.freeze(T0 + timedelta(minutes=minutes))
            deliver_due_messages()
        received = server.mailbox.received
        assert sorted(rcpt for _f, rcpts, _m in received for rcpt in rcpts) == sorted(u.email for u in users)
        assert len({mail["Message-ID"] for _f, _t, mail in received}) == 3
        assert [(m.status, m.attempts) for m in outbox()] == [("sent", 3)] * 3
    finally:
        server.stop()


def test_the_send_job_survives_the_outage_and_reports_it(make, mail_config):
    server = SmtpServer(free_port())
    mail_config(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none", MAIL_FROM="no-reply@talentbank.test",
                SMTP_TIMEOUT_SECONDS=5)
    clock.freeze(T0)
    notify_three(make)
    down = run_job("notifications.send_outbox")
    assert down.status == "succeeded" and down.summary_params["retrying"] == 3
    server.start()
    try:
        clock.freeze(T0 + timedelta(minutes=1))
        up = run_job("notifications.send_outbox")
        again = run_job("notifications.send_outbox")
    finally:
        server.stop()
    assert up.summary_params == {"sent": 3, "retrying": 0, "failed": 0}
    assert again.summary_params == {"sent": 0, "retrying": 0, "failed": 0}
    assert len(server.mailbox.received) == 3


def test_a_temporary_refusal_is_retried_and_the_others_go_through(make, smtp_server):
    clock.freeze(T0)
    first, second, third = notify_three(make)
    smtp_server.mailbox.defer_data_once.add(second.email)
    report = deliver_due_messages()
    assert (report.sent, report.retrying) == (2, 1)
    clock.freeze(T0 + timedelta(minutes=1))
    assert deliver_due_messages().sent == 1
    assert [len(smtp_server.mailbox.to(u.email)) for u in (first, second, third)] == [1, 1, 1]


def test_a_permanent_refusal_fails_at_once_and_tells_the_administrators(make, smtp_server):
    clock.freeze(T0)
    admin = make.user(Role.ADMIN)
    city = make.city()
    nobody = make.user(Role.CITY_HR, city=city, email="nobody@talentbank.test")
    notify(nobody, "mail.test", {})
    db.session.commit()
    smtp_server.mailbox.refuse_rcpt["nobody@talentbank.test"] = "550 5.1.1 No such user"
    run = run_job("notifications.send_outbox")
    assert run.summary_params["failed"] == 1
    (message,) = [m for m in outbox() if m.to_address == "nobody@talentbank.test"]
    assert message.status == "failed" and message.attempts == 1 and "550" in message.last_error
    notices = list(db.session.scalars(select(Notification).where(Notification.user_id == admin.id)))
    assert [n.kind for n in notices] == ["outbox.failed"]
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == admin.id)) is None  # inbox only
    run_job("notifications.send_outbox")  # nothing more to say about it
    assert len(list(db.session.scalars(select(Notification).where(Notification.user_id == admin.id)))) == 1


def test_too_many_attempts_end_in_failure(make, mail_config):
    mail_config(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TLS="none", MAIL_FROM="no-reply@talentbank.test",
                MAIL_MAX_ATTEMPTS=3, SMTP_TIMEOUT_SECONDS=5)
    clock.freeze(T0)
    city = make.city()
    notify(make.user(Role.CITY_HR, city=city), "mail.test", {})
    db.session.commit()
    moment = T0
    for _ in range(3):
        clock.freeze(moment)
        deliver_due_messages()
        moment += timedelta(hours=1)
    (message,) = outbox()
    assert message.status == "failed" and message.attempts == 3


def test_credentials_from_the_settings_are_used(make, mail_config):
    server = SmtpServer(free_port(), credentials=("talentbank", "s3cret-pass"))
    server.start()
    try:
        mail_config(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none", SMTP_USER="talentbank",
                    SMTP_PASSWORD="wrong", MAIL_FROM="no-reply@talentbank.test", SMTP_TIMEOUT_SECONDS=5)
        clock.freeze(T0)
        city = make.city()
        notify(make.user(Role.CITY_HR, city=city), "mail.test", {})
        db.session.commit()
        refused = deliver_due_messages()
        # A wrong password is a setting to fix, not a reason to give up on the message.
        assert refused.sent == 0 and refused.retrying == 1 and "535" in refused.error
        mail_config(SMTP_PASSWORD="s3cret-pass")
        clock.freeze(T0 + timedelta(minutes=5))
        assert deliver_due_messages().sent == 1
        assert len(server.mailbox.received) == 1
    finally:
        server.stop()


def test_without_smtp_settings_mail_waits_in_the_outbox(make, mail_config):
    mail_config(SMTP_HOST=None)
    city = make.city()
    notify(make.user(Role.CITY_HR, city=city), "mail.test", {})
    db.session.commit()
    run = run_job("notifications.send_outbox")
    assert run.status == "skipped" and run.summary_params == {"count": 1}
    assert [(m.status, m.attempts) for m in outbox()] == [("pending", 0)]


def test_a_message_interrupted_while_sending_is_set_aside_not_resent(make, smtp_server):
    city = make.city()
    notify(make.user(Role.CITY_HR, city=city), "mail.test", {})
    db.session.commit()
    message = outbox()[0]
    message.status = "sending"  # as a crash between "handed over" and "marked sent" leaves it
    db.session.commit()
    assert set_aside_interrupted() == 1
    (message,) = outbox()
    assert message.status == "failed" and "may or may not" in message.last_error
    deliver_due_messages()
    assert smtp_server.mailbox.received == []


def test_settings_that_cannot_work_are_reported(app_ctx):
    import pytest

    from talentbank.notifications.mail import MailConfigError

    base = {"SMTP_HOST": "mail.example.jp", "MAIL_FROM": "no-reply@example.jp"}
    assert smtp_settings({**base}).port == 587 and smtp_settings({**base}).tls == "starttls"
    assert smtp_settings({**base, "SMTP_TLS": "ssl"}).port == 465
    assert smtp_settings({"SMTP_HOST": ""}) is None
    with pytest.raises(MailConfigError, match="TALENTBANK_SMTP_TLS"):
        smtp_settings({**base, "SMTP_TLS": "tls1.3"})
    with pytest.raises(MailConfigError, match="TALENTBANK_MAIL_FROM"):
        smtp_settings({"SMTP_HOST": "mail.example.jp"})
    with pytest.raises(MailConfigError, match="TALENTBANK_SMTP_PASSWORD"):
        smtp_settings({**base, "SMTP_USER": "someone"})


def test_back_off_doubles_up_to_a_ceiling():
    delays = [retry_delay(n, 60, 6 * 3600).total_seconds() for n in range(1, 12)]
    assert delays[:5] == [60, 120, 240, 480, 960]
    assert max(delays) == 6 * 3600
