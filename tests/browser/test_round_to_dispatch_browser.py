"""The round-to-dispatch story in a real browser on the demo data, with screenshots of each screen.

The coordinating city runs a round and reviews it (screenshots of the review screen), approves one
pairing; the specialist accepts the offer; the requesting city's HR officer then sees the name and
contact, and another city's HR officer is refused.
"""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from talentbank.accounts.models import User
from talentbank.cities.models import City
from talentbank.demo.accounts import DEMO_PASSWORD
from talentbank.dispatches.models import Dispatch, Offer
from talentbank.extensions import db
from talentbank.matching.models import MatchingRound, Proposal
from talentbank.specialists.models import Specialist
from talentbank.specialists.claims import claim_profile, create_claim_link

from .conftest import log_in, screenshot

COORDINATOR = "coordinator@demo.talentbank.example"
SPECIALIST_PASSWORD = "mizu-no-michi-2027"


def _hr(city: City) -> str:
    return f"hr.{city.name_en.lower()}@demo.talentbank.example"


def test_round_review_approve_accept_in_the_browser(app, live_server, browser_page, new_browser_page, make):
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    page = browser_page

    # The coordinating city starts a round; the progress page hands over to the review when done.
    log_in(page, live_server, COORDINATOR, DEMO_PASSWORD)
    page.click("nav >> text=マッチング")
    page.click("button:has-text('マッチングを実行')")
    # The web only queues the round; the scheduler process runs it (here: what its tick does, once).
    expect(page.locator("body")).to_contain_text("計算")
    from talentbank.matching.runner import queued_round_ids, run_queued_round
    db.session.expire_all()
    queued = queued_round_ids()
    assert len(queued) == 1
    run_queued_round(queued[0])
    page.wait_for_url("**/matching/rounds/*", timeout=120_000)
    expect(page.locator("#city-summary")).to_be_visible(timeout=120_000)
    db.session.expire_all()
    rnd = db.session.scalar(select(MatchingRound).order_by(MatchingRound.id.desc()))
    assert rnd.status == "succeeded", rnd.error
    expect(page.locator("h1")).to_contain_text("審査")
    screenshot(page, "review-round-all-cities")

    proposal = db.session.scalar(
        select(Proposal).join(Specialist, Specialist.id == Proposal.specialist_id)
        .where(Proposal.round_id == rnd.id, Proposal.status == "proposed", Specialist.kind == "retired",
               Specialist.user_id.is_(None)).order_by(Proposal.priority_position, Proposal.id).limit(1))
    assert proposal is not None
    specialist = db.session.get(Specialist, proposal.specialist_id)
    city = db.session.get(City, proposal.city_id)
    other = db.session.scalar(select(City).where(City.is_member.is_(True), City.id != city.id).order_by(City.code))

    # The review of the requesting city alone: the proposal with its card, score parts and priority.
    page.goto(f"{live_server}/matching/rounds/{rnd.id}?city_id={city.id}")
    approve = page.locator(f"button[name='approve_one'][value='{proposal.id}']")
    approve.scroll_into_view_if_needed()
    expect(approve).to_be_visible()
    expect(page.locator("body")).to_contain_text(specialist.reference)
    screenshot(page, "review-round-one-city")
    approve.click()
    expect(page.get_by_text("提案を承認しました。本人に打診されます。")).to_be_visible()
    screenshot(page, "review-after-approval")
    db.session.expire_all()
    offer = db.session.scalar(select(Offer).where(Offer.proposal_id == proposal.id))
    assert offer is not None and offer.status == "pending"

    # The retiree claims an account (link from the coordinating city) and accepts in their own browser.
    coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
    claim_profile(create_claim_link(coordinator, specialist.id), SPECIALIST_PASSWORD, True)
    name, email = specialist.name_kanji, specialist.email
    retiree = new_browser_page()
    log_in(retiree, live_server, email, SPECIALIST_PASSWORD)
    retiree.click("nav >> text=派遣の打診")
    retiree.click(f"a[data-offer='{offer.id}']")
    expect(retiree.locator("#offer-facts")).to_contain_text(city.name_ja)
    screenshot(retiree, "offer-to-the-specialist")
    retiree.click("#accept-offer")
    expect(retiree.get_by_text("打診を承諾しました。", exact=False)).to_be_visible()
    screenshot(retiree, "dispatch-seen-by-the-specialist")
    db.session.expire_all()
    dispatch = db.session.scalar(select(Dispatch).where(Dispatch.offer_id == offer.id))
    assert dispatch is not None

    # The requesting city's HR officer sees who comes, with the contact details.
    hr = new_browser_page()
    log_in(hr, live_server, _hr(city), DEMO_PASSWORD)
    hr.click("nav >> text=派遣一覧")
    roster_row = hr.locator(f"#roster tr[data-dispatch='{dispatch.id}']")
    expect(roster_row).to_contain_text(name)
    expect(roster_row).to_contain_text(email)
    screenshot(hr, "roster-of-the-receiving-city")
    roster_row.locator("text=詳細").click()
    expect(hr.locator("#dispatch-contact")).to_contain_text(email)
    screenshot(hr, "dispatch-seen-by-the-receiving-city")

    # Another city's HR officer is refused the page and does not find the person in the roster.
    outsider = new_browser_page()
    log_in(outsider, live_server, _hr(other), DEMO_PASSWORD)
    response = outsider.goto(f"{live_server}/dispatches/{dispatch.id}")
    assert response.status == 403
    expect(outsider.get_by_text("この操作を行う権限がありません。")).to_be_visible()
    outsider.goto(f"{live_server}/dispatches/?status=all")
    expect(outsider.locator("#roster")).to_be_attached()
    html = outsider.content()  # the settled roster's source, attributes included
    assert name not in html and email not in html
    screenshot(outsider, "roster-of-another-city")
