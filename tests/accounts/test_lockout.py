"""Lock-out slows a guesser down, grows with every further failure, and a stranger cannot keep the owner out."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from talentbank.accounts import services
from talentbank.accounts.models import User
from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db

from .conftest import mailed_links, mails_to

WRONG = "wrong-password-1"
RIGHT = "correct-horse-42"


def fail(client, email: str, times: int = 1) -> None:
    for _ in range(times):
        response = client.post("/login", data={"email": email, "password": WRONG})
        assert response.status_code == 200


def can_log_in(app, email: str, password: str = RIGHT) -> bool:
    return app.test_client().post("/login", data={"email": email, "password": password}).status_code == 302


def locked_until(user):
    db.session.expire_all()
    return db.session.get(User, user.id).locked_until_at


def test_lock_out_after_repeated_failures_and_longer_after_each_further_one(app, make, client):
    user = make.user()
    start = clock.utcnow()
    clock.freeze(start)
    fail(client, user.email, app.config["LOGIN_MAX_FAILURES"] - 1)
    assert locked_until(user) is None
    fail(client, user.email)
    assert locked_until(user) == start + timedelta(minutes=15)
    assert not can_log_in(app, user.email)  # the right password does not help while locked
    fail(client, user.email, 10)  # tries while locked are not counted and do not extend the lock
    assert locked_until(user) == start + timedelta(minutes=15)

    clock.freeze(start + timedelta(minutes=16))
    fail(client, user.email)  # one more failure after the lock: twice as long
    assert locked_until(user) == start + timedelta(minutes=16 + 30)
    clock.freeze(start + timedelta(minutes=47))
    fail(client, user.email)
    assert locked_until(user) == start + timedelta(minutes=47 + 60)
    clock.freeze(start + timedelta(minutes=108))
    assert can_log_in(app, user.email)  # a lock ends by itself, and success starts counting afresh
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_login_count == 0
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(user.id)))
    assert list(actions).count("account.locked") == 3


def test_the_lock_grows_to_a_ceiling(app_ctx):
    limit, base = app_ctx.config["LOGIN_MAX_FAILURES"], app_ctx.config["LOGIN_LOCKOUT_MINUTES"]
    assert services.lockout_minutes(limit - 1) == 0
    assert [services.lockout_minutes(limit + n) for n in range(3)] == [base, 2 * base, 4 * base]
    assert services.lockout_minutes(limit + 500) == app_ctx.config["LOGIN_LOCKOUT_MAX_MINUTES"] == 24 * 60


def test_a_stranger_cannot_keep_the_owner_out_the_mailed_link_unlocks(app, make, smtp_server):
    owner = make.user(Role.COORDINATOR, name="幹事 花子")
    stranger = app.test_client()
    start = clock.utcnow()
    clock.freeze(start)
    fail(stranger, owner.email, app.config["LOGIN_MAX_FAILURES"])
    (mail,) = mails_to(smtp_server, owner.email)
    assert "一時的にロック" in mail["Subject"]
    text = mail.get_content()
    assert "5回続いた" in text and "15分間" in text and "24時間有効" in text
    (path,) = mailed_links(smtp_server, owner.email)
    assert path.startswith("/account/unlock/")

    # The stranger keeps at it: locked again and again for longer, but no new mail floods the owner.
    for minutes in (16, 47, 108):
        clock.freeze(start + timedelta(minutes=minutes))
        fail(stranger, owner.email, 2)
    assert locked_until(owner) > start + timedelta(hours=3)
    assert len(mails_to(smtp_server, owner.email)) == 1

    owner_browser = app.test_client()
    page = owner_browser.get(path)
    assert page.status_code == 200 and 'name="password"' in page.text
    wrong = owner_browser.post(path, data={"password": WRONG})
    assert "パスワードが正しくありません。" in wrong.text and locked_until(owner) is not None
    done = owner_browser.post(path, data={"password": RIGHT}, follow_redirects=True)
    assert "ロックを解除してログインしました。" in done.text
    assert owner_browser.get("/cities/").status_code == 200
    assert locked_until(owner) is None
    assert owner_browser.get(path).status_code == 410  # once only
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "account.unlocked"))

    # Locked again later (counting from zero after the unlock): a fresh link, because the last one was used.
    fail(stranger, owner.email, app.config["LOGIN_MAX_FAILURES"])
    assert len(mailed_links(smtp_server, owner.email)) == 2


def test_logging_in_normally_retires_the_unlock_link(app, make, smtp_server):
    user = make.user()
    start = clock.utcnow()
    clock.freeze(start)
    fail(app.test_client(), user.email, app.config["LOGIN_MAX_FAILURES"])
    (path,) = mailed_links(smtp_server, user.email)
    clock.freeze(start + timedelta(minutes=16))
    assert can_log_in(app, user.email)
    assert app.test_client().get(path).status_code == 410


def test_a_disabled_account_is_sent_nothing(app, make, smtp_server):
    zushi = make.city()
    hr = make.user(Role.CITY_HR, city=zushi, is_enabled=False)
    fail(app.test_client(), hr.email, app.config["LOGIN_MAX_FAILURES"])
    assert mails_to(smtp_server, hr.email) == []


def test_unknown_or_foreign_unlock_links_are_refused(app, make, client):
    assert client.get("/account/unlock/not-a-token").status_code == 410
    assert client.post("/account/unlock/not-a-token", data={"password": RIGHT}).status_code == 410
