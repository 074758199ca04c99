"""Exchange rings: proposed by a round, shown as a ring of cities, approved or rejected by the coordinating city."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core.errors import UserError
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.matching import services
from talentbank.exchange.rings.models import ExchangeCycle

from .builders import matching_app


@pytest.fixture
def swap(app, make):
    """Zushi offers a civil engineer and wants a social worker; Kamakura the other way round."""
    matching_app(app)
    cities = make.demo_cities()
    make.vocabulary()
    zushi, kamakura = cities["142085"], cities["142042"]
    coordinator = make.user(Role.COORDINATOR)
    civil = make.serving_officer(zushi, professions=("civil",))
    social = make.serving_officer(kamakura, professions=("social_welfare",))
    offers = [make.exchange_offer(zushi, civil, wants="social_welfare"),
              make.exchange_offer(kamakura, social, wants="civil")]
    return coordinator, cities, offers


def test_a_round_proposes_the_swap_as_a_ring_of_two_cities(swap):
    coordinator, cities, offers = swap
    rnd = services.start_round(coordinator)
    assert rnd.status == "succeeded", rnd.error
    cycle = db.session.scalar(select(ExchangeCycle))
    assert cycle is not None, rnd.result_json
    assert sorted(cycle.offers) == sorted(o.id for o in offers)
    assert sorted(cycle.cities) == sorted([cities["142085"].id, cities["142042"].id])
    assert cycle.status == "proposed"


def test_the_review_draws_the_ring_and_the_coordinator_approves_it(swap, client, auth):
    coordinator, cities, offers = swap
    rnd = services.start_round(coordinator)
    auth.login(coordinator.email)
    page = client.get(f"/matching/rounds/{rnd.id}")
    assert "交流の輪 1" in page.text and "<svg" in page.text
    assert "逗子市の職員" in page.text and "→ 鎌倉市" in page.text
    cycle = db.session.scalar(select(ExchangeCycle))
    client.post(f"/matching/cycles/{cycle.id}/approve", data={"round_id": rnd.id})
    db.session.expire_all()
    assert db.session.get(ExchangeCycle, cycle.id).status == "approved"
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "cycle.approved"))
    with pytest.raises(UserError, match="審査済み"):
        services.approve_cycle(coordinator, cycle.id)


def test_a_rejected_ring_needs_a_reason(swap):
    coordinator, _cities, _offers = swap
    services.start_round(coordinator)
    cycle = db.session.scalar(select(ExchangeCycle))
    with pytest.raises(UserError, match="理由"):
        services.reject_cycle(coordinator, cycle.id, "")
    services.reject_cycle(coordinator, cycle.id, "両市の期間が合わない")
    assert cycle.status == "rejected" and cycle.decision_reason == "両市の期間が合わない"


def test_offers_in_an_approved_ring_are_left_out_of_the_next_round(swap):
    coordinator, _cities, offers = swap
    first = services.start_round(coordinator)
    cycle = db.session.scalar(select(ExchangeCycle))
    services.approve_cycle(coordinator, cycle.id)
    second = services.resolve(coordinator, first.id)
    import json

    assert json.loads(second.problem_json)["exchange_offers"] == []
    assert db.session.scalar(select(ExchangeCycle).where(ExchangeCycle.round_id == second.id)) is None
