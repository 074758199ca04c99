"""Commitments and withdrawals need a confirmation the server checks: the page says what will happen (who,
where, for how long) beside a tick box; without the tick the action is refused with a message and nothing
changes, with or without scripts."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from talentbank.core.permissions import Role
from talentbank.dispatches.models import Dispatch, Offer
from talentbank.exchange.models import ExchangeOffer
from talentbank.exchange.rings.models import ExchangeCycle
from talentbank.extensions import db
from talentbank.requests.models import StaffingRequest
from talentbank.specialists.models import Specialist

from .dispatches.test_cycles import ring  # noqa: F401  (fixture)
from .dispatches.test_offers import _approve
from .dispatches.test_offers import world as offer_world  # noqa: F401  (fixture)

REFUSED = "内容を確認し、確認のチェックを入れてから送信してください。"


def status_of(model, record_id: int) -> str:
    db.session.expire_all()
    return db.session.get(model, record_id).status


@pytest.fixture
def zushi(make):
    cities = make.demo_cities()
    return {"city": cities["142085"], "hr": make.user(Role.CITY_HR, city=cities["142085"], email="hr@test.example")}


def test_withdrawing_a_request_names_it_and_needs_the_tick(make, client, auth, zushi):
    req = make.staffing_request(zushi["city"], department="都市整備部", section="道路・法面整備課")
    auth.login(zushi["hr"].email)
    page = client.get(f"/requests/{req.id}").text
    effect = re.search(r'<p class="hint" id="withdraw-effect">([^<]*)</p>', page).group(1)
    assert f"No.{req.id}" in effect and "道路・法面整備課" in effect
    assert f"{req.start_date}〜{req.end_date}" in effect
    assert re.search(r'<input type="checkbox" name="confirmed"[^>]*required', page)

    refused = client.post(f"/requests/{req.id}/withdraw", data={"reason": "予算"}, follow_redirects=True)
    assert REFUSED in refused.text and status_of(StaffingRequest, req.id) == "open"
    client.post(f"/requests/{req.id}/withdraw", data={"reason": "予算", "confirmed": "y"})
    assert status_of(StaffingRequest, req.id) == "withdrawn"


def test_opening_an_exchange_offer_names_the_officer_and_the_period_and_needs_the_tick(make, client, auth, zushi):
    officer = make.serving_officer(zushi["city"], name="逗子 都市計画")
    offer = make.exchange_offer(zushi["city"], officer, status="draft")
    auth.login(zushi["hr"].email)
    page = client.get(f"/exchange/{offer.id}").text
    effect = re.search(r'<p class="hint" id="open-effect">([^<]*)</p>', page).group(1)
    assert officer.reference in effect and "逗子 都市計画" in effect
    assert f"{offer.start_date}〜{offer.end_date}" in effect

    refused = client.post(f"/exchange/{offer.id}/open", follow_redirects=True)
    assert REFUSED in refused.text and status_of(ExchangeOffer, offer.id) == "draft"
    client.post(f"/exchange/{offer.id}/open", data={"confirmed": "y"})
    assert status_of(ExchangeOffer, offer.id) == "open"


def test_withdrawing_an_exchange_offer_needs_the_tick(make, client, auth, zushi):
    offer = make.exchange_offer(zushi["city"], make.serving_officer(zushi["city"]))
    auth.login(zushi["hr"].email)
    refused = client.post(f"/exchange/{offer.id}/withdraw", data={"reason": "異動"}, follow_redirects=True)
    assert REFUSED in refused.text and status_of(ExchangeOffer, offer.id) == "open"
    client.post(f"/exchange/{offer.id}/withdraw", data={"reason": "異動", "confirmed": "y"})
    assert status_of(ExchangeOffer, offer.id) == "withdrawn"


def test_another_city_is_refused_before_any_confirmation_is_asked(make, client, auth, zushi):
    cities = make.demo_cities()
    offer = make.exchange_offer(zushi["city"], make.serving_officer(zushi["city"]))
    auth.login(make.user(Role.CITY_HR, city=cities["142051"]).email)
    assert client.post(f"/exchange/{offer.id}/withdraw", data={"reason": "x"}).status_code == 403
    assert client.post(f"/exchange/{offer.id}/open").status_code == 403


def test_confirming_a_ring_lists_what_the_city_commits_to_and_needs_the_tick(ring, client, auth):  # noqa: F811
    cycle = ring["cycle"]
    auth.login(ring["zushi_hr"].email)
    page = client.get(f"/exchange-rings/{cycle.id}").text
    commitment = re.search(r'<ul class="commitment" id="ring-commitment">(.*?)</ul>', page, re.S).group(1)
    assert "逗子 土木" in commitment and "横須賀市へ送り出します" in commitment
    assert ring["yokosuka_officer"].reference in commitment and "受け入れます" in commitment
    assert re.search(r"送り出します（\d{4}-\d{2}-\d{2}〜\d{4}-\d{2}-\d{2}、週5日）", commitment)  # the period, the load

    refused = client.post(f"/exchange-rings/{cycle.id}/confirm", follow_redirects=True)
    assert REFUSED in refused.text
    db.session.expire_all()
    assert not db.session.get(ExchangeCycle, cycle.id).confirmations
    assert client.post(f"/exchange-rings/{cycle.id}/confirm", data={"confirmed": "y"}).status_code == 302
    db.session.expire_all()
    assert len(db.session.get(ExchangeCycle, cycle.id).confirmations) == 1
    assert db.session.query(Dispatch).count() == 0


def test_declining_an_offer_says_what_is_declined_and_needs_the_tick(make, offer_world, client, auth):  # noqa: F811
    offer = _approve(make, offer_world)
    auth.login(offer_world["specialist_user"].email)
    page = client.get(f"/offers/{offer.id}").text
    assert re.search(r'id="confirmed-hint">逗子市からの打診（[^）]*）を辞退します。', page)
    refused = client.post(f"/offers/{offer.id}/decline", data={"decline_reason": "体調"})
    assert refused.status_code == 400 and REFUSED in refused.text
    assert status_of(Offer, offer.id) == "pending"
    client.post(f"/offers/{offer.id}/decline", data={"decline_reason": "体調", "confirmed": "y"})
    assert status_of(Offer, offer.id) == "declined"


def test_a_specialist_withdraws_only_after_ticking_what_it_erases(make, client, auth):
    make.vocabulary()
    city = make.city()
    user = make.user(Role.SPECIALIST, email="me@test.example")
    person = make.specialist(city, user=user, email=user.email)
    auth.login(user.email)
    page = client.post("/me/withdraw", data={"password": "correct-horse-42", "reason": ""}).text
    assert "退会するには、確認の項目にチェックを入れてください。" in page
    assert status_of(Specialist, person.id) != "withdrawn"


def test_an_hr_officer_erases_an_officer_only_from_the_page_that_names_them(make, client, auth, zushi):
    officer = make.serving_officer(zushi["city"], name="逗子 取消")
    auth.login(zushi["hr"].email)
    # The list's button leads to the page naming the person and what is erased; nothing is erased yet.
    page = client.post(f"/officers/{officer.id}/withdraw", data={"reason": "人事担当者による登録取消"})
    assert page.status_code == 200
    assert f"逗子 取消（{officer.reference}）の登録を取り消し、個人情報を消去します。" in page.text
    assert status_of(Specialist, officer.id) == "active"
    refused = client.post(f"/officers/{officer.id}/withdraw", data={"reason": "異動", "asked": "1"})
    assert refused.status_code == 400 and REFUSED in refused.text
    assert status_of(Specialist, officer.id) == "active"
    client.post(f"/officers/{officer.id}/withdraw", data={"reason": "異動", "asked": "1", "confirmed": "y"})
    assert status_of(Specialist, officer.id) == "withdrawn"


def test_the_coordinators_withdraw_button_asks_first(make, client, auth, zushi):
    person = make.specialist(zushi["city"], name_kanji="鎌倉 花子")
    auth.login(make.user(Role.COORDINATOR).email)
    page = client.post(f"/specialists/{person.id}/status", data={"action": "withdraw", "reason": "電話で申出"})
    assert page.status_code == 200 and "鎌倉 花子" in page.text and "電話で申出" in page.text
    assert status_of(Specialist, person.id) == "active"
    client.post(f"/specialists/{person.id}/status",
                data={"action": "withdraw", "reason": "電話で申出", "asked": "1", "confirmed": "y"})
    assert status_of(Specialist, person.id) == "withdrawn"
