from datetime import timedelta

from talentbank.accounts.models import User
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db


def test_login_and_logout(make, client, auth):
    user = make.user(Role.COORDINATOR)
    response = auth.login(user.email, follow=True)
    assert "ようこそ" in response.text
    assert auth.logout().status_code == 302
    assert client.get("/cities/").status_code == 302


def test_wrong_password_says_so_without_telling_which_part(make, client, auth):
    user = make.user()
    response = auth.login(user.email, "wrong-password-1", follow=True)
    assert "メールアドレスまたはパスワードが正しくありません。" in response.text
    response = auth.login("nobody@test.example", "wrong-password-1", follow=True)
    assert "メールアドレスまたはパスワードが正しくありません。" in response.text


def test_lockout_after_repeated_failures_with_time_until_retry(app, make, client, auth):
    user = make.user()
    start = clock.utcnow()
    clock.freeze(start)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        auth.login(user.email, "wrong-password-1")
    response = auth.login(user.email, "wrong-password-1", follow=True)
    assert "一時的にロックされています。15分後に" in response.text
    # the right password does not help while locked
    response = auth.login(user.email, follow=True)
    assert "ロックされています" in response.text
    assert client.get("/cities/").status_code == 302
    clock.freeze(start + timedelta(minutes=10))
    assert "5分後に" in auth.login(user.email, follow=True).text
    clock.freeze(start + timedelta(minutes=16))
    assert "ようこそ" in auth.login(user.email, follow=True).text
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_login_count == 0


def test_successful_login_resets_the_failure_count(make, auth):
    user = make.user()
    for _ in range(3):
        auth.login(user.email, "wrong-password-1")
    auth.login(user.email)
    db.session.expire_all()
    assert db.session.get(User, user.id).failed_login_count == 0


def test_csrf_token_is_required_on_every_form(app, make, client):
    user = make.user()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/login", data={"email": user.email, "password": "correct-horse-42"})
        assert response.status_code == 400
        assert "不正な送信です" in response.text
        page = client.get("/login")
        token = page.text.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post("/login", data={"email": user.email, "password": "correct-horse-42",
                                               "csrf_token": token})
        assert response.status_code == 302
        assert client.post("/logout").status_code == 400  # logging out needs the token too
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_change_password_ends_other_sessions(app, make, client, auth):
    user = make.user()
    other = app.test_client()
    other.post("/login", data={"email": user.email, "password": "correct-horse-42"})
    assert other.get("/cities/").status_code == 200
    auth.login(user.email)
    response = client.post("/account/password", data={"current_password": "correct-horse-42",
                                                       "new_password": "new-secret-2026",
                                                       "confirm": "new-secret-2026"}, follow_redirects=True)
    assert "パスワードを変更しました。" in response.text
    assert client.get("/cities/").status_code == 200  # this session continues
    assert other.get("/cities/").status_code == 302  # the other one is logged out
    assert "ようこそ" in auth.login(user.email, "new-secret-2026", follow=True).text


def test_change_password_refuses_weak_or_wrong(make, client, auth):
    user = make.user()
    auth.login(user.email)
    response = client.post("/account/password", data={"current_password": "nope-nope-1",
                                                       "new_password": "new-secret-2026", "confirm": "new-secret-2026"})
    assert "現在のパスワードが正しくありません。" in response.text
    response = client.post("/account/password", data={"current_password": "correct-horse-42",
                                                       "new_password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"})
    assert "英字と数字などを組み合わせて" in response.text


def test_login_does_not_redirect_off_site(make, client):
    user = make.user()
    response = client.post("/login?next=https://evil.example/", data={"email": user.email,
                                                                      "password": "correct-horse-42"})
    assert response.headers["Location"] == "/"


def test_disabled_account_cannot_log_in(make, client, auth):
    coordinator = make.user(Role.COORDINATOR)
    zushi = make.city()
    hr = make.user(Role.CITY_HR, city=zushi)
    auth.login(coordinator.email)
    client.post(f"/users/{hr.id}/status", data={"enable": "0", "reason": "退職"})
    auth.logout()
    assert "無効になっています" in auth.login(hr.email, follow=True).text


def test_session_cookie_is_http_only_and_secure_is_configurable(app):
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    from talentbank.config import load_config
    import os

    os.environ["TALENTBANK_SESSION_COOKIE_SECURE"] = "true"
    try:
        assert load_config()["SESSION_COOKIE_SECURE"] is True
    finally:
        del os.environ["TALENTBANK_SESSION_COOKIE_SECURE"]
