"""The whole story on the demo data: round → review → approve → the specialist accepts → the city sees who.

Everything goes through the pages people use (the demo accounts of ``flask seed-demo``); only the
specialist's account is made through the claim link the coordinating city sends to a registered
retiree, as in production.
"""
from __future__ import annotations

from sqlalchemy import select

from talentbank.accounts.models import User
from talentbank.cities.models import City
from talentbank.demo.accounts import DEMO_PASSWORD
from talentbank.dispatches.models import Dispatch, Offer
from talentbank.extensions import db
from talentbank.matching.models import MatchingRound, Proposal
from talentbank.requests.models import StaffingRequest
from talentbank.specialists.models import Specialist
from talentbank.specialists.claims import claim_profile, create_claim_link

COORDINATOR = "coordinator@demo.talentbank.example"
SPECIALIST_PASSWORD = "mizu-no-michi-2027"


def hr_email(city: City) -> str:
    return f"hr.{city.name_en.lower()}@demo.talentbank.example"


def first_retiree_proposal(round_id: int) -> Proposal:
    """The highest-priority proposal of a retired specialist (they answer offers themselves)."""
    return db.session.scalar(
        select(Proposal).join(Specialist, Specialist.id == Proposal.specialist_id)
        .where(Proposal.round_id == round_id, Proposal.status == "proposed", Specialist.kind == "retired",
               Specialist.user_id.is_(None))
        .order_by(Proposal.priority_position, Proposal.id).limit(1))


def test_round_review_approve_accept_and_only_that_city_sees_the_contact(app, app_ctx, client, auth, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_RUNNER", "inline")
    monkeypatch.setitem(app.config, "MATCHING_SOLVER", "inline")
    monkeypatch.setitem(app.config, "SOLVER_TIME_LIMIT_S", 20)
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output

    # The coordinating city runs a round from the matching page and opens its review.
    assert auth.login(COORDINATOR, DEMO_PASSWORD).status_code == 302
    started = client.post("/matching/rounds", data={"profession_code": ""})
    assert started.status_code == 302
    rnd = db.session.scalar(select(MatchingRound).order_by(MatchingRound.id.desc()))
    assert rnd.status == "succeeded", rnd.error
    review = client.get(f"/matching/rounds/{rnd.id}")
    assert review.status_code == 200
    proposal = first_retiree_proposal(rnd.id)
    assert proposal is not None, "the demo round proposes retirees"
    assert f'name="approve_one" value="{proposal.id}"' in review.text  # its one-click approval
    specialist = db.session.get(Specialist, proposal.specialist_id)
    city = db.session.get(City, proposal.city_id)
    other_city = db.session.scalar(select(City).where(City.is_member.is_(True), City.id != city.id).order_by(City.code))
    name, email, phone = specialist.name_kanji, specialist.email, specialist.phone

    # The coordinating city approves the pairing: an offer goes to the specialist.
    approved = client.post(f"/matching/proposals/{proposal.id}/approve", data={"round_id": rnd.id})
    assert approved.status_code == 302
    offer = db.session.scalar(select(Offer).where(Offer.proposal_id == proposal.id))
    assert offer is not None and offer.status == "pending"

    # Before the specialist agrees, the requesting city sees a pseudonymous card and no contact.
    auth.logout()
    auth.login(hr_email(city), DEMO_PASSWORD)
    roster = client.get("/dispatches/")
    assert specialist.reference in roster.text  # among the offers waiting for an answer
    assert name not in roster.text and email not in roster.text

    # The retiree gets an account through the coordinating city's claim link, logs in and accepts.
    coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
    claim_profile(create_claim_link(coordinator, specialist.id), SPECIALIST_PASSWORD, True)
    auth.logout()
    assert auth.login(email, SPECIALIST_PASSWORD).status_code == 302
    offers = client.get("/offers/")
    assert offers.status_code == 200 and city.name_ja in offers.text
    page = client.get(f"/offers/{offer.id}")
    req = db.session.get(StaffingRequest, offer.request_id)
    assert req.department in page.text and req.section in page.text
    accepted = client.post(f"/offers/{offer.id}/accept")
    assert accepted.status_code == 302
    dispatch = db.session.scalar(select(Dispatch).where(Dispatch.offer_id == offer.id))
    assert dispatch is not None and dispatch.city_id == city.id and dispatch.status in ("scheduled", "active")
    assert accepted.headers["Location"].endswith(f"/dispatches/{dispatch.id}")

    # The requesting city's HR officer now sees the name and the contact details.
    auth.logout()
    auth.login(hr_email(city), DEMO_PASSWORD)
    detail = client.get(f"/dispatches/{dispatch.id}")
    assert detail.status_code == 200
    assert name in detail.text and email in detail.text
    if phone:
        assert phone in detail.text
    roster = client.get("/dispatches/")
    assert name in roster.text and email in roster.text
    inbox = client.get("/inbox/")
    assert "派遣が決まりました" in inbox.text

    # Another city's HR officer sees nothing of it.
    auth.logout()
    auth.login(hr_email(other_city), DEMO_PASSWORD)
    assert client.get(f"/dispatches/{dispatch.id}").status_code == 403
    roster = client.get("/dispatches/?status=all")
    assert roster.status_code == 200
    assert name not in roster.text and email not in roster.text and specialist.reference not in roster.text
    export = client.get("/dispatches/export.csv?status=all")
    assert name not in export.data.decode("utf-8") and email not in export.data.decode("utf-8")
