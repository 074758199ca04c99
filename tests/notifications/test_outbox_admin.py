"""The outbox page: what waits, what failed, resending, a test mail; administrators only."""
from __future__ import annotations

from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.models import OutboxMessage
from talentbank.notifications.services import notify


def test_without_smtp_the_admin_sees_mail_waiting(make, client, auth, mail_config):
    mail_config(SMTP_HOST=None)
    admin = make.user(Role.ADMIN)
    notify(make.user(Role.COORDINATOR, email="kanji@city.test"), "mail.test", {})
    db.session.commit()
    auth.login(admin.email)
    page = client.get("/admin/outbox").text
    assert "メールサーバー（TALENTBANK_SMTP_HOST）が設定されていません" in page
    assert "kanji@city.test" in page and "[専門人材バンク] テストメール" in page
    assert "送信待ち（1）" in page


def test_a_broken_setting_is_named_on_the_page(make, client, auth, mail_config):
    mail_config(SMTP_HOST="mail.city.test", SMTP_TLS="tls", MAIL_FROM="no-reply@city.test")
    auth.login(make.user(Role.ADMIN).email)
    assert "TALENTBANK_SMTP_TLS must be one of none, starttls, ssl" in client.get("/admin/outbox").text


def test_failed_mail_can_be_resent_and_the_resend_is_audited(make, client, auth):
    admin = make.user(Role.ADMIN)
    notify(make.user(Role.COORDINATOR), "mail.test", {})
    db.session.commit()
    message = db.session.scalar(select(OutboxMessage))
    message.status, message.attempts, message.last_error = "failed", 12, "421 try later"
    db.session.commit()
    auth.login(admin.email)
    page = client.get("/admin/outbox?status=failed").text
    assert "421 try later" in page and "失敗（1）" in page
    response = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "再送を予約しました。" in response.text
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("pending", 0)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "outbox.retried"))
    assert entry.actor_id == admin.id and entry.entity_id == str(message.id)
    # Only failed mail can be resent: a second press is refused, nothing changes.
    again = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "再送できるのは送信に失敗したメールだけです。" in again.text


def test_all_failed_mail_can_be_resent_at_once(make, client, auth):
    admin = make.user(Role.ADMIN)
    for _ in range(3):
        notify(make.user(Role.COORDINATOR), "mail.test", {})
    db.session.commit()
    for message in db.session.scalars(select(OutboxMessage)):
        message.status = "failed"
    db.session.commit()
    auth.login(admin.email)
    page = client.post("/admin/outbox/retry-failed", follow_redirects=True).text
    assert "送信に失敗した3件の再送を予約しました。" in page
    assert {m.status for m in db.session.scalars(select(OutboxMessage))} == {"pending"}


def test_the_admin_can_queue_a_test_mail_to_themself(make, client, auth):
    admin = make.user(Role.ADMIN, language="en")
    auth.login(admin.email)
    page = client.post("/admin/outbox/test", follow_redirects=True).text
    assert admin.email in page
    message = db.session.scalar(select(OutboxMessage))
    assert message.to_address == admin.email and message.subject == "[Talentbank] Test e-mail"


def test_the_outbox_is_not_for_coordinators(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    assert client.get("/admin/outbox").status_code == 403
    assert client.post("/admin/outbox/test").status_code == 403
    assert db.session.scalar(select(OutboxMessage)) is None
