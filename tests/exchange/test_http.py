"""Exchange offer pages over HTTP: the form, the buttons, and one city never touching another's offers."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.exchange.models import ExchangeOffer
from talentbank.extensions import db
from talentbank.vocabulary.models import Licence, Profession


@pytest.fixture
def world(make):
    clock.freeze(datetime(2026, 11, 30, 1, 0))
    cities = make.demo_cities()
    zushi, fujisawa = cities["142085"], cities["142051"]
    return {
        "zushi": zushi, "fujisawa": fujisawa,
        "zushi_hr": make.user(Role.CITY_HR, city=zushi),
        "fujisawa_hr": make.user(Role.CITY_HR, city=fujisawa),
        "coordinator": make.user(Role.COORDINATOR),
        "planner": make.serving_officer(zushi, name="逗子 都市計画担当"),
        "fujisawa_officer": make.serving_officer(fujisawa, professions=("social_welfare",), name="藤沢 福祉担当"),
    }


def offer_form(make, officer, **overrides) -> dict:
    today = clock.today_tokyo()
    data = {"officer_id": str(officer.id), "start_date": (today + timedelta(days=122)).isoformat(),
            "end_date": (today + timedelta(days=486)).isoformat(),
            "wants_profession_id": str(make.term(Profession, "social_welfare").id),
            "wants_licence_ids": [str(make.term(Licence, "certified_social_worker").id)],
            "notes": "本人同意済み"}
    data.update(overrides)
    return data


def offers() -> int:
    return db.session.scalar(select(func.count(ExchangeOffer.id)))


def test_hr_offers_an_own_officer_through_the_form_and_opens_it(make, client, auth, world):
    auth.login(world["zushi_hr"].email)
    page = client.get("/exchange/new")
    assert "逗子 都市計画担当" in page.text and "藤沢 福祉担当" not in page.text  # only their own officers
    response = client.post("/exchange/new", data=offer_form(make, world["planner"]), follow_redirects=True)
    assert "交流職員の提供を下書きとして保存しました。" in response.text
    offer = db.session.scalars(select(ExchangeOffer)).one()
    response = client.post(f"/exchange/{offer.id}/open", data={"confirmed": "y"}, follow_redirects=True)
    assert "交流職員の提供を公開しました。" in response.text
    board = client.get("/requests/board")
    assert f'data-offer-id="{offer.id}"' in board.text


def test_the_form_refuses_an_officer_of_another_city(make, client, auth, world):
    auth.login(world["zushi_hr"].email)
    response = client.post("/exchange/new", data=offer_form(make, world["fujisawa_officer"]))
    assert "提供できるのは、自市に在職する職員として登録された人だけです。" in response.text
    assert offers() == 0


def test_the_form_needs_a_wanted_profession_unless_one_way(make, client, auth, world):
    auth.login(world["zushi_hr"].email)
    response = client.post("/exchange/new", data=offer_form(make, world["planner"], wants_profession_id=""))
    assert "交換で求める職種を選ぶか、「片道の派遣（見返りなし）」にしてください。" in response.text
    assert offers() == 0
    # Ticking one-way drops whatever was still selected as wanted.
    client.post("/exchange/new", data=offer_form(make, world["planner"], is_one_way="y"))
    offer = db.session.scalars(select(ExchangeOffer)).one()
    assert offer.is_one_way and offer.wants_profession_id is None and offer.wants_licences == []


def test_hr_without_serving_officers_is_told_to_register_one_first(make, client, auth, world):
    auth.login(world["fujisawa_hr"].email)
    make.serving_officer(world["fujisawa"], status="paused")
    world["fujisawa_officer"].status = "paused"
    db.session.commit()
    page = client.get("/exchange/new")
    assert "提供できる在職職員が登録されていません。" in page.text


def test_hr_edits_and_withdraws_their_offer(make, client, auth, world):
    offer = make.exchange_offer(world["zushi"], world["planner"], status="draft")
    auth.login(world["zushi_hr"].email)
    assert client.get(f"/exchange/{offer.id}/edit").status_code == 200
    response = client.post(f"/exchange/{offer.id}/edit", data=offer_form(
        make, world["planner"], notes="期間は相談可", lock_version=str(offer.lock_version)), follow_redirects=True)
    assert "交流職員の提供を更新しました。" in response.text and "期間は相談可" in response.text
    response = client.post(f"/exchange/{offer.id}/withdraw", data={"reason": "本人の異動が決まった", "confirmed": "y"},
                           follow_redirects=True)
    assert "交流職員の提供を取り下げました。" in response.text
    assert db.session.scalars(select(AuditEntry.reason).where(AuditEntry.action == "offer.withdrawn")).one() \
        == "本人の異動が決まった"


def test_coordinator_corrects_with_a_reason_and_reopens(make, client, auth, world):
    offer = make.exchange_offer(world["zushi"], world["planner"], status="withdrawn")
    auth.login(world["coordinator"].email)
    response = client.post(f"/exchange/{offer.id}/edit", data=offer_form(make, world["planner"], notes="訂正"))
    assert "訂正の理由を入力してください。" in response.text
    client.post(f"/exchange/{offer.id}/edit", data=offer_form(make, world["planner"], notes="訂正", reason="誤記"))
    response = client.post(f"/exchange/{offer.id}/reopen", data={"reason": "再募集"}, follow_redirects=True)
    assert "交流職員の提供を再公開しました。" in response.text
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "exchange_offer")
                                      .order_by(AuditEntry.id)))
    assert actions == ["offer.corrected", "offer.reopened"]


def test_fujisawa_can_neither_read_nor_change_zushis_offer_on_any_route(make, client, auth, world):
    offer = make.exchange_offer(world["zushi"], world["planner"], status="draft", notes="人事評価は非公開")
    auth.login(world["fujisawa_hr"].email)
    assert client.get(f"/exchange/{offer.id}").status_code == 403
    assert client.get(f"/exchange/{offer.id}/edit").status_code == 403
    assert client.post(f"/exchange/{offer.id}/edit",
                       data=offer_form(make, world["fujisawa_officer"])).status_code == 403
    assert client.post(f"/exchange/{offer.id}/open").status_code == 403
    assert client.post(f"/exchange/{offer.id}/withdraw", data={"reason": "x"}).status_code == 403
    assert client.post(f"/exchange/{offer.id}/reopen", data={"reason": "x"}).status_code == 403
    listing = client.get("/exchange/")
    assert f'data-offer-id="{offer.id}"' not in listing.text
    db.session.expire_all()
    offer = db.session.get(ExchangeOffer, offer.id)
    assert (offer.status, offer.officer_id, offer.notes) == ("draft", world["planner"].id, "人事評価は非公開")


def test_the_board_shows_an_open_offer_to_other_cities_without_name_or_notes(make, client, auth, world):
    offer = make.exchange_offer(world["zushi"], world["planner"], notes="人事評価は非公開")
    auth.login(world["fujisawa_hr"].email)
    board = client.get("/requests/board").text
    assert f'data-offer-id="{offer.id}"' in board
    assert "逗子 都市計画担当" not in board and "人事評価は非公開" not in board


def test_specialists_reach_no_exchange_page(make, client, auth, world):
    offer = make.exchange_offer(world["zushi"], world["planner"])
    auth.login(make.user(Role.SPECIALIST).email)
    for url in ("/exchange/", "/exchange/new", f"/exchange/{offer.id}", f"/exchange/{offer.id}/edit"):
        assert client.get(url).status_code == 403, url
    for url in (f"/exchange/{offer.id}/open", f"/exchange/{offer.id}/withdraw", f"/exchange/{offer.id}/reopen"):
        assert client.post(url).status_code == 403, url
