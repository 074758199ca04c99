from datetime import timedelta

from talentbank.accounts.models import User
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from sqlalchemy import select


def invite(client, email="new.hr@test.example", role="city_hr", city_id=None):
    response = client.post("/users/invite", data={"email": email, "display_name": "新任 人事",
                                                  "role": role, "city_id": city_id or ""})
    assert response.status_code == 200, response.text
    return response.text.split('id="invitation-link"')[0].rsplit('value="', 1)[1].split('"')[0]


def test_invited_hr_officer_sets_a_password_and_logs_in(make, client, auth, app):
    zushi = make.city()
    auth.login(make.user(Role.COORDINATOR).email)
    link = invite(client, city_id=zushi.id)
    assert "/invitations/" in link
    auth.logout()
    path = link.split("localhost", 1)[1]
    assert "新任 人事さん" in client.get(path).text
    response = client.post(path, data={"password": "my-own-pass-1", "confirm": "my-own-pass-1"},
                           follow_redirects=True)
    assert "パスワードを設定しました" in response.text
    user = db.session.scalars(select(User).where(User.email == "new.hr@test.example")).one()
    assert user.role == "city_hr" and user.city_id == zushi.id
    # the link works once only
    auth.logout()
    assert "既に使用されています" in client.get(path).text


def test_invitation_expires(make, client, auth, app):
    zushi = make.city()
    auth.login(make.user(Role.COORDINATOR).email)
    start = clock.utcnow()
    clock.freeze(start)
    path = invite(client, city_id=zushi.id).split("localhost", 1)[1]
    auth.logout()
    clock.freeze(start + timedelta(hours=app.config["INVITATION_VALID_HOURS"], minutes=1))
    response = client.get(path)
    assert response.status_code == 410
    assert "有効期限が切れています" in response.text
    response = client.post(path, data={"password": "my-own-pass-1", "confirm": "my-own-pass-1"})
    assert response.status_code == 410
    assert db.session.scalar(select(User).where(User.email == "new.hr@test.example")) is None


def test_hr_invitation_needs_a_city_and_specialists_cannot_be_invited(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    response = client.post("/users/invite", data={"email": "x@test.example", "display_name": "x",
                                                  "role": "city_hr", "city_id": ""})
    assert "人事担当者には所属市を指定してください。" in response.text
    response = client.post("/users/invite", data={"email": "x@test.example", "display_name": "x",
                                                  "role": "specialist", "city_id": ""})
    assert response.status_code == 200 and "invitation-link" not in response.text


def test_coordinator_cannot_invite_an_admin(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    response = client.post("/users/invite", data={"email": "x@test.example", "display_name": "x",
                                                  "role": "admin", "city_id": ""})
    assert "管理者を招待できるのは管理者だけです。" in response.text


def test_unknown_token_is_refused(client):
    response = client.get("/invitations/not-a-real-token")
    assert response.status_code == 410
    assert "無効です" in response.text
