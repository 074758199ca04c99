"""One person, both markets, on the demo data: Yamato's officer is wanted by Yokohama's statutory request and by
the Zushi ⇄ Yamato exchange. The rule set's order decides within a round; a ring once approved or agreed keeps
the officer in every later round, and the review keeps showing it.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from talentbank.accounts.models import User
from talentbank.cities.models import City
from talentbank.demo.accounts import DEMO_PASSWORD
from talentbank.exchange.models import ExchangeOffer
from talentbank.exchange.rings.models import ExchangeCycle
from talentbank.extensions import db
from talentbank.matching import services
from talentbank.matching.models import MatchingRound, Proposal
from talentbank.matching.standard import DEFAULT_CRITERIA

COORDINATOR = "coordinator@demo.talentbank.example"
ZUSHI, YAMATO = "142085", "142131"


@pytest.fixture
def demo(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_RUNNER", "inline")
    monkeypatch.setitem(app.config, "MATCHING_SOLVER", "inline")
    monkeypatch.setitem(app.config, "SOLVER_TIME_LIMIT_S", 20)
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    city = {c.code: c for c in db.session.scalars(select(City))}
    yamato_offer = db.session.scalar(select(ExchangeOffer).where(
        ExchangeOffer.city_id == city[YAMATO].id, ExchangeOffer.is_one_way.is_(False)))
    return {"coordinator": db.session.scalar(select(User).where(User.email == COORDINATOR)), "city": city,
            "officer": yamato_offer.officer, "offer": yamato_offer}


def _publish(coordinator, exchange_priority: str) -> None:
    services.save_rule_set(coordinator, services.RuleSetValues(
        method="lexicographic", criteria=DEFAULT_CRITERIA, max_cycle_length=3, is_published=True,
        note=f"職員交流の順位: {exchange_priority}", exchange_priority=exchange_priority))


def _run(client) -> MatchingRound:
    assert client.post("/matching/rounds", data={"profession_code": ""}).status_code == 302
    rnd = db.session.scalar(select(MatchingRound).order_by(MatchingRound.id.desc()))
    assert rnd.status == "succeeded", rnd.error
    return rnd


def _zushi_yamato_ring(demo, round_id: int) -> ExchangeCycle | None:
    wanted = {demo["city"][ZUSHI].id, demo["city"][YAMATO].id}
    return next((c for c in db.session.scalars(select(ExchangeCycle).where(ExchangeCycle.round_id == round_id))
                 if set(c.cities) == wanted), None)


def _proposed_for(officer_id: int, round_id: int) -> list[int]:
    return list(db.session.scalars(select(Proposal.request_id).where(Proposal.specialist_id == officer_id,
                                                                      Proposal.round_id == round_id)))


def test_within_one_round_the_rule_set_order_decides_and_the_explanation_names_the_winner(demo, client, auth):
    officer = demo["officer"]
    auth.login(COORDINATOR, DEMO_PASSWORD)
    # Default: statutory requests come before the exchange market, so Yokohama's request takes the officer.
    first = _run(client)
    taken = _proposed_for(officer.id, first.id)
    assert len(taken) == 1 and _zushi_yamato_ring(demo, first.id) is None
    unmatched = {u["offer"]: u["reason"] for u in json.loads(first.result_json)["unmatched_offers"]}
    assert unmatched[str(demo["offer"].id)]["kind"] == "officer_dispatched"
    assert unmatched[str(demo["offer"].id)]["request"] == str(taken[0])
    page = client.get(f"/matching/rounds/{first.id}")
    assert f"横浜市の派遣要請 No.{taken[0]}（法定・安全）に提案されました" in page.text

    # Exchanges first: the ring takes the officer, and the request's empty slot names the ring.
    _publish(demo["coordinator"], "first")
    second = _run(client)
    ring = _zushi_yamato_ring(demo, second.id)
    assert ring is not None and officer.id in ring.officers
    assert _proposed_for(officer.id, second.id) == []
    reason = next(u["reason"] for u in json.loads(second.result_json)["unfilled"] if u["request"] == str(taken[0]))
    assert reason["kind"] == "outranked"
    assert any(t.get("why") == "exchange_priority" and str(officer.id) in t["specialists"] for t in reason["taken_by"])
    page = client.get(f"/matching/rounds/{second.id}")
    assert "職員交流（逗子市 → 大和市 → 逗子市）に含まれました" in page.text

    # The same explanations, in English.
    client.post("/lang/en")
    english = client.get(f"/matching/rounds/{first.id}").text
    assert f"The officer was proposed for staffing request No.{taken[0]} of Yokohama" in english
    assert "Exchange offers in no exchange ring" in english
    english = client.get(f"/matching/rounds/{second.id}").text
    assert "Included in the staff exchange (Zushi → Yamato → Zushi)" in english


def _confirm_as(client, auth, city_en: str, ring_id: int) -> None:
    auth.logout()
    auth.login(f"hr.{city_en}@demo.talentbank.example", DEMO_PASSWORD)
    assert client.post(f"/exchange-rings/{ring_id}/confirm", data={"confirmed": "y"}).status_code == 302


def _approve_the_ring_under_exchanges_first(demo, client, auth) -> tuple[MatchingRound, ExchangeCycle]:
    """A round with exchanges first forms the Zushi ⇄ Yamato ring; the coordinating city approves it."""
    _publish(demo["coordinator"], "first")
    auth.login(COORDINATOR, DEMO_PASSWORD)
    first = _run(client)
    ring = _zushi_yamato_ring(demo, first.id)
    assert client.post(f"/matching/cycles/{ring.id}/approve", data={"round_id": first.id}).status_code == 302
    return first, ring


def test_an_agreed_ring_keeps_its_officer_from_every_later_round(demo, client, auth):
    officer = demo["officer"]
    _first, ring = _approve_the_ring_under_exchanges_first(demo, client, auth)
    _confirm_as(client, auth, "zushi", ring.id)
    _confirm_as(client, auth, "yamato", ring.id)
    db.session.expire_all()
    assert db.session.get(ExchangeCycle, ring.id).status == "confirmed"
    # Back to the default order, under which the statutory request would win the officer: it cannot now.
    _publish(demo["coordinator"], "after_statutory")
    auth.logout()
    auth.login(COORDINATOR, DEMO_PASSWORD)
    later = _run(client)
    assert _proposed_for(officer.id, later.id) == []
    assert ring.id in later.stats["kept_rings"]  # beside the demo's own agreed ring (demo/agreements.py)
    assert f'data-cycle="{ring.id}"' in client.get(f"/matching/rounds/{later.id}").text


def test_an_approved_ring_not_yet_confirmed_keeps_its_officer_and_stays_in_the_resolved_review(demo, client, auth):
    officer = demo["officer"]
    first, ring = _approve_the_ring_under_exchanges_first(demo, client, auth)
    _publish(demo["coordinator"], "after_statutory")
    resolved = services.resolve(demo["coordinator"], first.id)
    assert resolved.status == "succeeded", resolved.error
    assert _proposed_for(officer.id, resolved.id) == []
    page = client.get(f"/matching/rounds/{resolved.id}")
    assert f'data-cycle="{ring.id}"' in page.text and f"マッチング No.{first.id} から維持" in page.text
