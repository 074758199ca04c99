"""Forgotten passwords: a one-time link by e-mail, through a real SMTP server on loopback, end to end."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from talentbank.accounts import services, tokens
from talentbank.accounts.tokens import AccountToken, TokenPurpose
from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.models import OutboxMessage

from .conftest import mailed_links, mails_to

SENT = "入力されたアドレスが登録されていれば、パスワードを再設定するためのリンクをお送りしました。"


def ask_for_link(client, email: str):
    return client.post("/password/forgot", data={"email": email})


def test_reset_by_the_mailed_link_end_to_end(app, make, client, smtp_server):
    user = make.user(Role.COORDINATOR, email="kanji@city.zushi.example", name="逗子 花子")
    old_browser = app.test_client()
    old_browser.post("/login", data={"email": user.email, "password": "correct-horse-42", "remember": "y"})
    assert old_browser.get("/cities/").status_code == 200

    page = client.get("/password/forgot")
    assert page.status_code == 200 and 'name="email"' in page.text
    answer = ask_for_link(client, "  Kanji@City.Zushi.example ")
    assert answer.status_code == 200 and SENT in answer.text

    (mail,) = mails_to(smtp_server, user.email)
    assert mail["Subject"] == "[専門人材バンク] パスワードの再設定"
    assert "60分以内" in mail.get_content() and "逗子 花子 様" in mail.get_content()
    (path,) = mailed_links(smtp_server, user.email)
    assert path.startswith("/password/reset/")

    form = client.get(path)
    assert form.status_code == 200 and 'name="password"' in form.text
    # A weak password is refused with the reason, and the link stays usable for a better one.
    weak = client.post(path, data={"password": "password123", "confirm": "password123"})
    assert "よく使われているパスワードの一覧に載っている" in weak.text
    mismatch = client.post(path, data={"password": "umi-to-yama-2027", "confirm": "umi-to-yama-2028"})
    assert "確認用のパスワードが一致しません。" in mismatch.text
    done = client.post(path, data={"password": "umi-to-yama-2027", "confirm": "umi-to-yama-2027"},
                       follow_redirects=True)
    assert "新しいパスワードを設定しました。" in done.text
    assert client.get("/cities/").status_code == 200  # logged in with the new password's session

    assert old_browser.get("/cities/").status_code == 302  # every earlier session ended
    assert services.authenticate(user.email, "correct-horse-42").user is None
    assert services.authenticate(user.email, "umi-to-yama-2027").user is not None
    # The link works once.
    used = app.test_client().get(path)
    assert used.status_code == 410 and "このリンクは既に使用されています。" in used.text
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "account.password_reset"))


def test_unknown_disabled_and_real_addresses_read_the_same_and_only_the_real_one_gets_mail(
        app, make, client, smtp_server):
    real = make.user(Role.COORDINATOR)
    zushi = make.city()
    disabled = make.user(Role.CITY_HR, city=zushi, is_enabled=False)
    answers = [ask_for_link(client, address) for address in (real.email, "nobody@test.example", disabled.email)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert len(mails_to(smtp_server, real.email)) == 1
    assert mails_to(smtp_server, "nobody@test.example") == [] and mails_to(smtp_server, disabled.email) == []


def test_only_the_last_link_works_and_it_expires(app, make, client, smtp_server):
    user = make.user()
    start = clock.utcnow()
    clock.freeze(start)
    ask_for_link(client, user.email)
    ask_for_link(client, user.email)
    first, second = mailed_links(smtp_server, user.email)
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    clock.freeze(start + timedelta(minutes=app.config["PASSWORD_RESET_VALID_MINUTES"], seconds=1))
    expired = client.get(second)
    assert expired.status_code == 410 and "有効期限が切れています" in expired.text
    refused = client.post(second, data={"password": "umi-to-yama-2027", "confirm": "umi-to-yama-2027"})
    assert refused.status_code == 410
    assert services.authenticate(user.email, "correct-horse-42").user is not None


def test_a_link_of_another_purpose_or_another_address_does_not_reset(app_ctx, make, client):
    user = make.user()
    unlock = tokens.issue(TokenPurpose.UNLOCK, user.id, user.email, timedelta(hours=1))
    db.session.commit()
    assert client.get(f"/password/reset/{unlock}").status_code == 410
    reset = tokens.issue(TokenPurpose.RESET_PASSWORD, user.id, user.email, timedelta(hours=1))
    user.email = "moved@test.example"  # the link was sent to the old address
    db.session.commit()
    assert client.get(f"/password/reset/{reset}").status_code == 410
    assert client.get("/password/reset/" + "x" * 300).status_code == 410


def test_changing_the_password_kills_an_open_reset_link(app, make, client, auth, smtp_server):
    user = make.user()
    ask_for_link(app.test_client(), user.email)
    (path,) = mailed_links(smtp_server, user.email)
    auth.login(user.email)
    client.post("/account/password", data={"current_password": "correct-horse-42",
                                           "new_password": "new-secret-2026", "confirm": "new-secret-2026"})
    assert app.test_client().get(path).status_code == 410


def test_a_reset_lifts_a_lock_out(app, make, client, smtp_server):
    user = make.user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": user.email, "password": "wrong-password-1"})
    assert services.authenticate(user.email, "correct-horse-42").user is None  # locked
    ask_for_link(client, user.email)
    (path,) = [p for p in mailed_links(smtp_server, user.email) if p.startswith("/password/reset/")]
    client.post(path, data={"password": "umi-to-yama-2027", "confirm": "umi-to-yama-2027"})
    client.post("/logout")
    assert "ようこそ" in client.post("/login", data={"email": user.email, "password": "umi-to-yama-2027"},
                                    follow_redirects=True).text
    assert not db.session.scalars(select(AccountToken).where(
        AccountToken.user_id == user.id, AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None))).all()


def test_the_mail_is_in_the_account_language(app, make, client, smtp_server):
    user = make.user(language="en")
    ask_for_link(client, user.email)
    (mail,) = mails_to(smtp_server, user.email)
    assert mail["Subject"].startswith("[Talentbank] ")
    assert db.session.scalar(select(OutboxMessage.language).where(OutboxMessage.to_address == user.email)) == "en"
