"""Log-out ends the session on the server: a copied session cookie and the remember-me cookie stop working."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from talentbank.accounts import sessions
from talentbank.accounts.sessions import UserSession
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db

PROTECTED = "/cities/"


def copy_cookie(source, target, name: str) -> None:
    cookie = source.get_cookie(name)
    assert cookie is not None, name
    target.set_cookie(name, cookie.value, domain=cookie.domain, path=cookie.path)


def rows(user) -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)))


def test_a_copied_session_cookie_stops_working_at_log_out(app, make, client, auth):
    user = make.user(Role.COORDINATOR)
    auth.login(user.email)
    thief = app.test_client()
    copy_cookie(client, thief, "session")
    assert thief.get(PROTECTED).status_code == 200  # the copy works while the session lives
    auth.logout()
    assert thief.get(PROTECTED).status_code == 302
    (row,) = rows(user)
    assert row.revoked_at is not None


def test_remember_me_keeps_one_logged_in_until_log_out_then_its_cookie_dies(app, make, client):
    user = make.user(Role.COORDINATOR)
    client.post("/login", data={"email": user.email, "password": "correct-horse-42", "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    # A browser restarted: only the remember-me cookie is left, and it logs in.
    restarted = app.test_client()
    copy_cookie(client, restarted, "remember_token")
    assert restarted.get(PROTECTED).status_code == 200
    copied = app.test_client()
    copy_cookie(client, copied, "remember_token")
    client.post("/logout")
    assert restarted.get(PROTECTED).status_code == 302
    assert copied.get(PROTECTED).status_code == 302


def test_each_log_in_is_its_own_session_and_remembered_ones_last_longer(app, make):
    user = make.user()
    start = clock.utcnow()
    clock.freeze(start)
    first, second = app.test_client(), app.test_client()
    first.post("/login", data={"email": user.email, "password": "correct-horse-42"})
    second.post("/login", data={"email": user.email, "password": "correct-horse-42", "remember": "y"})
    short, remembered = sorted(rows(user), key=lambda r: r.id)
    assert short.expires_at == start + app.config["PERMANENT_SESSION_LIFETIME"] and not short.is_remembered
    assert remembered.expires_at == start + app.config["REMEMBER_COOKIE_DURATION"] and remembered.is_remembered
    assert short.key_hash != remembered.key_hash and len(short.key_hash) == 64
    first.post("/logout")
    assert second.get(PROTECTED).status_code == 200  # logging out one browser leaves the other
    # Past its lifetime a session no longer logs anyone in, whatever the cookie says.
    clock.freeze(start + app.config["PERMANENT_SESSION_LIFETIME"] + timedelta(minutes=1))
    again = app.test_client()
    again.post("/login", data={"email": user.email, "password": "correct-horse-42"})
    clock.freeze(start + app.config["REMEMBER_COOKIE_DURATION"] + timedelta(minutes=1))
    assert second.get(PROTECTED).status_code == 302


def test_a_cookie_naming_no_live_session_logs_nobody_in(app_ctx, make):
    user = make.user()
    assert sessions.user_for(f"{user.id}:") is None
    assert sessions.user_for(f"{user.id}:not-a-key") is None
    key = sessions.start(user, is_remembered=False)
    assert sessions.user_for(f"{user.id}:{key}") is user
    other = make.user()
    assert sessions.user_for(f"{other.id}:{key}") is None  # the key belongs to another account
    assert sessions.user_for(f"x{user.id}:{key}") is None
    user.is_enabled = False
    db.session.commit()
    assert sessions.user_for(f"{user.id}:{key}") is None


def test_disabling_an_account_ends_its_sessions(app, make, client, auth):
    coordinator = make.user(Role.COORDINATOR)
    zushi = make.city()
    hr = make.user(Role.CITY_HR, city=zushi)
    hr_browser = app.test_client()
    hr_browser.post("/login", data={"email": hr.email, "password": "correct-horse-42", "remember": "y"})
    assert hr_browser.get("/requests/").status_code == 200
    auth.login(coordinator.email)
    client.post(f"/users/{hr.id}/status", data={"enable": "0", "reason": "退職"})
    assert all(r.revoked_at is not None for r in rows(hr))
    client.post(f"/users/{hr.id}/status", data={"enable": "1", "reason": "復職"})
    assert hr_browser.get("/requests/").status_code == 302  # enabling again does not revive old sessions


def test_last_seen_is_kept_without_a_write_on_every_request(app, make, client, auth):
    user = make.user()
    start = clock.utcnow()
    clock.freeze(start)
    auth.login(user.email)
    clock.freeze(start + timedelta(minutes=2))
    client.get(PROTECTED)
    assert rows(user)[0].last_seen_at == start
    clock.freeze(start + timedelta(minutes=6))
    client.get(PROTECTED)
    assert rows(user)[0].last_seen_at == start + timedelta(minutes=6)


def test_ended_sessions_are_forgotten_after_a_month(app, make):
    from talentbank.scheduler.runner import run_job

    user = make.user()
    start = clock.utcnow()
    clock.freeze(start)
    browser = app.test_client()
    browser.post("/login", data={"email": user.email, "password": "correct-horse-42"})
    browser.post("/logout")
    live = app.test_client()
    live.post("/login", data={"email": user.email, "password": "correct-horse-42", "remember": "y"})
    clock.freeze(start + timedelta(days=31))
    run_job("accounts.sessions_cleanup")
    (kept,) = rows(user)
    assert kept.is_remembered
