"""HR officers register their own city's serving officers for dispatch and exchange."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.specialists.models import Specialist

from .helpers import signup_form


@pytest.fixture
def cities(make):
    make.vocabulary()
    return make.demo_cities()


def officer_form(home_city_id: int, **overrides):
    data = signup_form(home_city_id, name_kanji="逗子 現職", name_kana="ずし げんしょく",
                       email="genshoku@city.zushi.example", phone="", password=None, confirm=None,
                       retirement_year="", former_employer="")
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_an_hr_officer_registers_an_officer_of_their_own_city(cities, make, client, auth):
    zushi = cities["142085"]
    hr = make.user(Role.CITY_HR, city=zushi)
    auth.login(hr.email)
    refused = client.post(f"/officers/city/{zushi.id}/new", data=officer_form(zushi.id, consent=None))
    assert "本人から登録と情報共有への同意を得たことを確認してください。" in refused.text
    response = client.post(f"/officers/city/{zushi.id}/new", data=officer_form(zushi.id), follow_redirects=True)
    assert "逗子市の職員を登録しました" in response.text and "逗子 現職" in response.text
    officer = db.session.scalars(select(Specialist)).one()
    assert officer.kind == "serving" and officer.employer_city_id == zushi.id and officer.user_id is None
    assert officer.registered_by_id == hr.id and officer.consented_at is not None


def test_an_hr_officer_cannot_register_or_edit_another_citys_officers(cities, make, client, auth):
    zushi, kamakura = cities["142085"], cities["142042"]
    officer = make.serving_officer(zushi)
    auth.login(make.user(Role.CITY_HR, city=kamakura).email)
    assert client.get(f"/officers/city/{zushi.id}/new").status_code == 403
    assert client.post(f"/officers/city/{zushi.id}/new", data=officer_form(zushi.id)).status_code == 403
    assert client.post(f"/officers/{officer.id}/edit", data=officer_form(zushi.id, name_kanji="改ざん")
                       ).status_code == 403
    assert client.post(f"/officers/{officer.id}/withdraw", data={"reason": "x"}).status_code == 403
    assert officer.name_kanji not in client.get("/officers/").text
    db.session.expire_all()
    assert db.session.get(Specialist, officer.id).name_kanji != "改ざん"


def test_an_hr_officer_cannot_edit_retired_specialists(cities, make, client, auth):
    zushi = cities["142085"]
    retiree = make.specialist(zushi)
    auth.login(make.user(Role.CITY_HR, city=zushi).email)
    assert client.get(f"/officers/{retiree.id}/edit").status_code == 404
    assert client.get(f"/specialists/{retiree.id}/edit").status_code == 403


def test_cancelling_an_officer_erases_their_data(cities, make, client, auth):
    zushi = cities["142085"]
    officer = make.serving_officer(zushi, name="逗子 取消")
    auth.login(make.user(Role.CITY_HR, city=zushi).email)
    response = client.post(f"/officers/{officer.id}/withdraw", data={"reason": "異動のため", "asked": "1",
                                                                                "confirmed": "y"}, follow_redirects=True)
    assert "登録を取り消しました。個人情報を消去しました。" in response.text
    db.session.expire_all()
    gone = db.session.get(Specialist, officer.id)
    assert gone.status == "withdrawn" and gone.name_kanji is None and gone.email is None
