from talentbank.accounts import services
from talentbank.accounts.models import User
from talentbank.core.permissions import Role
from talentbank.extensions import db

FAILED = "メールアドレスまたはパスワードが正しくないか、ログインの失敗が続いたためアカウントが一時的にロックされています。"


def test_login_and_logout(make, client, auth):
    user = make.user(Role.COORDINATOR)
    response = auth.login(user.email, follow=True)
    assert "ようこそ" in response.text
    assert auth.logout().status_code == 302
    assert client.get("/cities/").status_code == 302


def test_wrong_password_says_so_without_telling_which_part(make, client, auth):
    user = make.user()
    response = auth.login(user.email, "wrong-password-1", follow=True)
    assert FAILED in response.text
    response = auth.login("nobody@test.example", "wrong-password-1", follow=True)
    assert FAILED in response.text


def test_the_login_page_links_to_the_forgotten_password_page(client):
    page = client.get("/login").text
    assert 'href="/password/forgot"' in page and "パスワードをお忘れの方" in page


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


def test_change_password_refuses_weak_or_wrong_and_says_why(make, client, auth):
    user = make.user(email="hanako.kawasaki@test.example")
    auth.login(user.email)
    response = client.post("/account/password", data={"current_password": "nope-nope-1",
                                                       "new_password": "new-secret-2026", "confirm": "new-secret-2026"})
    assert "現在のパスワードが正しくありません。" in response.text
    for weak, why in (("aaaaaaaaaaaa", "繰り返しが多く"), ("password12", "よく使われているパスワードの一覧"),
                      ("kawasaki-2026-zz", "メールアドレスの一部を含む")):
        response = client.post("/account/password", data={"current_password": "correct-horse-42",
                                                           "new_password": weak, "confirm": weak})
        assert why in response.text, weak
    db.session.expire_all()
    assert services.authenticate(user.email, "correct-horse-42").user is not None


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
    # Only someone who knows the password learns that: a wrong one reads like any failure.
    assert FAILED in auth.login(hr.email, "wrong-password-1", follow=True).text


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
