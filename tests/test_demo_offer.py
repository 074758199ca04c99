"""The demo retiree of the README (specialist@demo…) is proposed by the first round on the demo data, so a
newcomer can walk the whole offer flow with the README's accounts: run the round, approve, answer the offer."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from talentbank.demo.accounts import DEMO_PASSWORD
from talentbank.demo.specialists import DEMO_SPECIALIST_EMAIL
from talentbank.dispatches.models import Offer
from talentbank.extensions import db
from talentbank.matching.models import MatchingRound, Proposal
from talentbank.requests.models import StaffingRequest
from talentbank.specialists.models import Specialist

COORDINATOR = "coordinator@demo.talentbank.example"


@pytest.fixture
def demo(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_RUNNER", "inline")
    monkeypatch.setitem(app.config, "MATCHING_SOLVER", "inline")
    monkeypatch.setitem(app.config, "SOLVER_TIME_LIMIT_S", 20)
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    return db.session.scalar(select(Specialist).where(Specialist.email == DEMO_SPECIALIST_EMAIL))


def test_the_first_round_proposes_the_demo_retiree_and_approving_it_gives_them_a_pending_offer(demo, client, auth):
    retiree = demo
    assert auth.login(COORDINATOR, DEMO_PASSWORD).status_code == 302
    assert client.post("/matching/rounds", data={"profession_code": ""}).status_code == 302
    rnd = db.session.scalar(select(MatchingRound).order_by(MatchingRound.id.desc()))
    assert rnd.status == "succeeded", rnd.error
    proposal = db.session.scalar(select(Proposal).where(Proposal.round_id == rnd.id,
                                                        Proposal.specialist_id == retiree.id))
    assert proposal is not None, "the first demo round proposes the README's demo retiree"
    review = client.get(f"/matching/rounds/{rnd.id}").text
    assert f'name="approve_one" value="{proposal.id}"' in review  # the coordinator can approve it from the review

    assert client.post(f"/matching/proposals/{proposal.id}/approve", data={"round_id": rnd.id}).status_code == 302
    offer = db.session.scalar(select(Offer).where(Offer.proposal_id == proposal.id))
    assert offer is not None and offer.status == "pending"

    auth.logout()
    assert auth.login(DEMO_SPECIALIST_EMAIL, DEMO_PASSWORD).status_code == 302
    request = db.session.get(StaffingRequest, offer.request_id)
    offers = client.get("/offers/").text
    assert f"/offers/{offer.id}" in offers and request.city.name_ja in offers
    page = client.get(f"/offers/{offer.id}").text
    assert request.section in page
    assert f"/offers/{offer.id}/accept" in page and f"/offers/{offer.id}/decline" in page
