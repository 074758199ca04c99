"""Accessibility of the main screens of every role, checked by axe-core in Chromium on the demo data.

Each page is loaded as its users see it (Japanese, and a few in English), axe-core runs on it, and
the test fails on any violation of impact "serious" or "critical", naming the rule, its help and
the elements. Counts by impact for every page go to ``test-artifacts/axe-results-*.txt``.
Besides axe: ids are unique and every id reference resolves, each form hint and error is tied to its
input, the skip link is the first thing the keyboard reaches and moves focus to the one <main>, and
every keyboard stop shows a focus ring.
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from talentbank.accounts import tokens
from talentbank.accounts.models import User
from talentbank.accounts.services import invite_user
from talentbank.accounts.tokens import TokenPurpose
from talentbank.cities.models import City
from talentbank.consultations.models import Consultation
from talentbank.core import clock
from talentbank.core.fiscal import fiscal_year_of
from talentbank.demo.accounts import DEMO_PASSWORD
from talentbank.demo.specialists import DEMO_SPECIALIST_EMAIL
from talentbank.dispatches.models import Dispatch, Offer
from talentbank.dispatches.services import accept_offer, advance_dispatches
from talentbank.exchange.models import ExchangeOffer
from talentbank.exchange.rings.models import ExchangeCycle
from talentbank.extensions import db
from talentbank.library.models import LibraryEntry
from talentbank.matching.decisions import approve_proposal
from talentbank.matching.models import MatchingRound, Proposal
from talentbank.matching.rounds import queue_round, run_round_now
from talentbank.requests.models import StaffingRequest
from talentbank.specialists.claims import claim_profile, create_claim_link
from talentbank.specialists.models import Specialist
from talentbank.training.models import TrainingSession
from talentbank.vocabulary.models import Profession

from .conftest import (ARTIFACTS, AXE_FAILING_IMPACTS, axe_violations, describe_violations, log_in,
                       screenshot)

COORDINATOR = "coordinator@demo.talentbank.example"
ADMIN = "admin@demo.talentbank.example"
CLAIMED_PASSWORD = "yama-no-michi-2027"
IMPACTS = ("critical", "serious", "moderate", "minor")

# What axe does not check: ids are unique, every id reference points at an element, header cells
# have a scope, labels are for form controls, and each hint or error of a form field (``.hint`` or
# ``.error`` in a ``.field``, or directly in a fieldset, with inputs) is read with its input, through
# the input's (or the fieldset's) aria-describedby.
LINK_CHECK_JS = """() => {
  const problems = [];
  const where = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.name ? '[name=' + el.name + ']' : '');
  const counts = new Map();
  // Hidden inputs (every form's csrf_token) are never focused, labelled or referred to.
  for (const el of document.querySelectorAll('[id]:not(input[type=hidden])')) counts.set(el.id, (counts.get(el.id) || 0) + 1);
  for (const [id, n] of counts) if (n > 1) problems.push('duplicate id "' + id + '" (' + n + ' elements)');
  for (const attr of ['aria-describedby', 'aria-labelledby', 'aria-controls', 'for']) {
    for (const el of document.querySelectorAll('[' + attr + ']')) {
      for (const ref of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(ref)) problems.push(where(el) + ' ' + attr + '="' + ref + '": no element has that id');
      }
    }
  }
  // Header cells say what they head (scope="col" in heads and header rows, "row" beside data).
  for (const th of document.querySelectorAll('th:not([scope])')) {
    problems.push('header cell "' + th.textContent.trim().slice(0, 30) + '" has no scope');
  }
  // A label names a form control; one whose "for" points at a list or a box names nothing.
  for (const label of document.querySelectorAll('label[for]')) {
    const target = document.getElementById(label.getAttribute('for'));
    if (target && !target.matches('input, select, textarea, button, meter, output, progress')) {
      problems.push('label "' + label.textContent.trim().slice(0, 30) + '" is for ' + where(target) + ', which is not a form control');
    }
  }
  const described = (el, id) => (el.getAttribute('aria-describedby') || '').split(/\\s+/).includes(id);
  const notes = 'main .field .hint, main .field .error, main fieldset > .hint, main fieldset > .error';
  for (const note of document.querySelectorAll(notes)) {
    if (!note.checkVisibility()) continue;  // an error paragraph kept empty and hidden for scripts
    const box = note.closest('.field, fieldset');
    const controls = [...box.querySelectorAll('input:not([type=hidden]), select, textarea')];
    if (!controls.length) continue;
    const linked = note.id && (controls.some((c) => described(c, note.id)) || described(box, note.id));
    if (!linked) problems.push((note.classList.contains('error') ? 'error' : 'hint') + ' "' + note.textContent.trim().slice(0, 40) + '" is not tied to ' + where(controls[0]) + ' by aria-describedby');
  }
  return problems;
}"""


class AxeWalk:
    """Visits pages, runs axe on each and keeps every page's violations for one report at the end."""

    def __init__(self, axe, base_url: str) -> None:
        self.axe, self.base_url = axe, base_url
        self.pages: list[tuple[str, str, list[dict]]] = []
        self.link_problems: list[str] = []

    def check(self, page, who: str, path: str, *, status: int = 200) -> None:
        """Open ``path`` (or check the page as it is when ``path`` is empty) and run axe on it."""
        if path:
            response = page.goto(f"{self.base_url}{path}")
            if response is None or response.status != status:  # noted, and the walk goes on to the next page
                self.link_problems.append(f"{who} {path}: HTTP {response.status if response else '-'}, not {status}")
                return
        page.wait_for_load_state("load")
        label = f"{who} {path or page.url.removeprefix(self.base_url)}"
        # Folded parts (reason forms, details) are checked open, as a user who opens them sees them.
        page.evaluate("document.querySelectorAll('details:not([open])').forEach(d => { d.open = true; })")
        self.pages.append((label, page.url, axe_violations(self.axe, page)))
        self.link_problems += [f"{label}: {problem}" for problem in page.evaluate(LINK_CHECK_JS)]

    def check_errors(self, page, who: str, path: str, submit: str = "main form button[type=submit]") -> None:
        """Send the form of ``path`` as it comes (required fields empty) and check the page with its errors."""
        page.goto(f"{self.base_url}{path}")
        # The server's answer is what is checked: the browser's own checks (required) are set aside.
        page.evaluate("document.querySelectorAll('main form').forEach(f => { f.noValidate = true; })")
        page.locator(submit).first.click()
        expect(page.locator("main .error, main .error-summary").first).to_be_visible()
        self.check(page, f"{who} (errors)", "")

    def failures(self) -> str:
        """What fails the test: serious and critical violations, pages not answering, id and link problems."""
        text = []
        for label, url, violations in self.pages:
            failing = [v for v in violations if v["impact"] in AXE_FAILING_IMPACTS]
            if failing:
                text.append(f"{label} ({url}):\n{describe_violations(failing)}")
        if self.link_problems:
            text.append("pages, ids and descriptions:\n  " + "\n  ".join(self.link_problems))
        return "\n".join(text)

    def summary(self) -> str:
        """One line a page: the number of violated rules and of offending elements by impact."""
        lines = ["page\t" + "\t".join(IMPACTS) + "\t(rules/elements)"]
        for label, _url, violations in self.pages:
            rules = Counter(v["impact"] for v in violations)
            nodes = Counter()
            for v in violations:
                nodes[v["impact"]] += len(v["nodes"])
            lines.append(label + "\t" + "\t".join(f"{rules[i]}/{nodes[i]}" for i in IMPACTS)
                         + ("\t" + ", ".join(sorted({v["id"] for v in violations})) if violations else ""))
        return "\n".join(lines)

    def write(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"axe-results-{name}.txt"
        path.write_text(self.summary() + "\n\n" + (self.failures() or "no serious or critical violation") + "\n",
                        encoding="utf-8")
        return path


def _switch_language(page) -> None:
    """The header's language button, as a user would press it."""
    before = page.locator("html").get_attribute("lang")
    page.click("header .account button[lang]")
    expect(page.locator("html")).not_to_have_attribute("lang", before)


def _hr_email(city: City) -> str:
    return f"hr.{city.name_en.lower()}@demo.talentbank.example"


def test_logged_out_pages_have_no_serious_violations(app, live_server, browser_page, axe, make):
    cities = make.demo_cities()
    make.vocabulary()
    user = make.user("specialist", email="someone@test.example")
    reset = tokens.issue(TokenPurpose.RESET_PASSWORD, user.id, user.email, timedelta(hours=1))
    coordinator = make.user("coordinator", email="coord@test.example")
    imported = make.specialist(cities["142085"], user=None)
    claim = create_claim_link(coordinator, imported.id)
    _invitation, invited = invite_user(coordinator, "new.hr@test.example", "新任 人事", "city_hr",
                                       cities["142085"].id)
    db.session.commit()
    walk, page = AxeWalk(axe, live_server), browser_page

    for path in ("/login", "/signup", "/password/forgot", f"/password/reset/{reset}", f"/claim/{claim}",
                 f"/invitations/{invited}"):
        walk.check(page, "anonymous", path)
    walk.check(page, "anonymous", "/password/reset/not-a-link", status=410)  # a dead link says so
    walk.check(page, "anonymous", "/no-such-page", status=404)
    # Forms sent empty: the error summary and each field's error.
    walk.check_errors(page, "anonymous", "/signup", "main form button[type=submit].primary")
    walk.check_errors(page, "anonymous", "/password/forgot")
    # Errors on table rows (a period ending before it starts, years without a field) are read with their inputs.
    page.goto(f"{live_server}/signup")
    page.fill("#windows-0-start_date", "2030-05-01")
    page.fill("#windows-0-end_date", "2030-04-01")
    page.fill("#experiences-0-years", "5")
    page.locator("main form button[type=submit].primary").click()
    expect(page.locator("#windows-0-end-error")).to_be_visible()
    expect(page.locator("#experiences-0-error")).to_be_visible()
    walk.check(page, "anonymous (row errors)", "")
    page.goto(f"{live_server}/login")
    _switch_language(page)
    walk.check(page, "anonymous en", "/login")
    walk.check(page, "anonymous en", "/signup")

    report = walk.write("logged-out")
    assert not walk.failures(), f"accessibility problems (summary in {report}):\n{walk.failures()}"


def _seed_round_offer_and_dispatch(app) -> dict:
    """Demo data, one round, two approved pairings: one offer left pending, one accepted (a dispatch)."""
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
    rnd = queue_round(coordinator, "manual")
    run_round_now(rnd.id)
    db.session.expire_all()
    rnd = db.session.get(MatchingRound, rnd.id)
    assert rnd.status == "succeeded", rnd.error
    proposals = db.session.scalars(
        select(Proposal).join(Specialist, Specialist.id == Proposal.specialist_id)
        .where(Proposal.round_id == rnd.id, Proposal.status == "proposed", Specialist.kind == "retired",
               Specialist.user_id.is_(None)).order_by(Proposal.priority_position, Proposal.id)).all()
    chosen, cities_seen = [], set()
    for proposal in proposals:  # two different specialists in two different cities
        if proposal.city_id not in cities_seen and all(p.specialist_id != proposal.specialist_id for p in chosen):
            chosen.append(proposal)
            cities_seen.add(proposal.city_id)
        if len(chosen) == 2:
            break
    assert len(chosen) == 2
    accounts = []
    for proposal in chosen:
        approve_proposal(coordinator, proposal.id)
        specialist = db.session.get(Specialist, proposal.specialist_id)
        user = claim_profile(create_claim_link(coordinator, specialist.id), CLAIMED_PASSWORD, True)
        offer = db.session.scalar(select(Offer).where(Offer.proposal_id == proposal.id))
        accounts.append((user.email, offer.id))
    dispatch = accept_offer(db.session.scalar(select(User).where(User.email == accounts[1][0])), accounts[1][1])
    city = db.session.get(City, chosen[1].city_id)
    return {"round": rnd, "pending": accounts[0], "dispatched": accounts[1], "dispatch_id": dispatch.id,
            "city": city}


def test_main_screens_of_every_role_have_no_serious_violations(app, live_server, new_browser_page, axe, make):
    world = _seed_round_offer_and_dispatch(app)
    rnd, city = world["round"], world["city"]
    walk = AxeWalk(axe, live_server)
    request_of_city = db.session.scalar(select(StaffingRequest).where(StaffingRequest.city_id == city.id)
                                        .order_by(StaffingRequest.id))
    any_request = db.session.scalar(select(StaffingRequest).order_by(StaffingRequest.id))
    exchange_offer = db.session.scalar(select(ExchangeOffer).order_by(ExchangeOffer.id))
    ring = db.session.scalar(select(ExchangeCycle).order_by(ExchangeCycle.id))
    specialist = db.session.scalar(select(Specialist).where(Specialist.kind == "retired").order_by(Specialist.id))
    profession = db.session.scalar(select(Profession).order_by(Profession.id))
    proposal = db.session.scalar(select(Proposal).where(Proposal.round_id == rnd.id).order_by(Proposal.id))

    # The coordinating city.
    page = new_browser_page()
    log_in(page, live_server, COORDINATOR, DEMO_PASSWORD)
    coordinator_paths = [
        "/", "/specialists/", f"/specialists/{specialist.id}", f"/specialists/{specialist.id}/edit",
        "/specialists/verification/", f"/specialists/{specialist.id}/verification", "/specialists/statistics",
        "/specialists/import", "/requests/", f"/requests/{any_request.id}", "/requests/board",
        f"/requests/board/{any_request.id}", "/exchange/", "/exchange-rings/", "/matching/",
        f"/matching/rounds/{rnd.id}?city_id={city.id}", f"/matching/rounds/{rnd.id}/requests/{proposal.request_id}",
        f"/matching/cities/{city.id}", "/matching/rule-sets", "/matching/rule-sets/new", "/schedule",
        "/dispatches/", f"/dispatches/{world['dispatch_id']}", "/audit/", "/cities/", f"/cities/{city.id}/edit",
        "/cities/travel", "/vocabulary/", f"/vocabulary/professions/{profession.id}/edit", "/inbox/", "/users",
        "/users/invite", "/account/password",
    ]
    if exchange_offer is not None:
        coordinator_paths.append(f"/exchange/{exchange_offer.id}")
    if ring is not None:
        coordinator_paths.append(f"/exchange-rings/{ring.id}")
    for path in coordinator_paths:
        walk.check(page, "coordinator", path)
    walk.check(page, "coordinator", f"/matching/rounds/{rnd.id}")  # every city: the longest page
    still_proposed = db.session.scalar(select(Proposal).where(Proposal.round_id == rnd.id,
                                                              Proposal.status == "proposed").order_by(Proposal.id))
    walk.check(page, "coordinator", f"/matching/proposals/{still_proposed.id}/reject")
    for path in ("/reports/", "/reports/alliance", f"/reports/rounds/{rnd.id}"):
        walk.check(page, "coordinator", path)
    # Terms, documents and the ledger (the demo's agreed ring and retiree dispatch carry terms).
    year = fiscal_year_of(clock.today_tokyo())
    for path in ("/agreements/defaults", "/agreements/defaults/retiree_appointment", "/agreements/templates",
                 f"/agreements/ledger/{year}", f"/agreements/special-grant/{year}", f"/reports/fiscal-year/{year}",
                 f"/dispatches/{world['dispatch_id']}/terms"):
        walk.check(page, "coordinator", path)
    for path in ("/users/invite", "/vocabulary/professions/new", "/account/password"):
        walk.check_errors(page, "coordinator", path)
    # Know-how sharing: consultations, training, the lessons library (the demo seeds all three).
    consultation = db.session.scalar(select(Consultation).order_by(Consultation.id))
    session = db.session.scalar(select(TrainingSession).order_by(TrainingSession.id))
    entry = db.session.scalar(select(LibraryEntry).order_by(LibraryEntry.id))
    for path in ("/consultations/", f"/consultations/{consultation.id}", f"/consultations/advice/{specialist.id}",
                 "/training/", "/training/?when=past", f"/training/{session.id}", "/training/new",
                 f"/training/{session.id}/edit", f"/training/{session.id}/cancel", "/library/",
                 "/library/?q=%E6%B3%95%E9%9D%A2", f"/library/{entry.id}", "/library/documents/new"):
        walk.check(page, "coordinator", path)
    for path in ("/training/new", "/library/documents/new"):
        walk.check_errors(page, "coordinator", path)
    # The review desk's two steps that are not pages of their own: the bulk confirmation, the reason dialog.
    review_path = f"/matching/rounds/{rnd.id}?city_id={city.id}"
    page.goto(f"{live_server}{review_path}")
    page.locator("#decide-form input[type=checkbox][name=proposal_id]").first.check()
    page.click("#decide-form button[name=action][value=approve]")
    expect(page.locator("#bulk-count")).to_be_visible()
    walk.check(page, "coordinator bulk confirmation", "")
    page.goto(f"{live_server}{review_path}")
    page.locator("button[name=reject_one]").first.click()
    expect(page.locator("dialog.reason-dialog[open]")).to_be_visible()
    walk.check(page, "coordinator reason dialog", "")
    page.goto(f"{live_server}{review_path}")
    screenshot(page, "axe-review-one-city")
    _switch_language(page)
    for path in ("/", "/specialists/", f"/matching/rounds/{rnd.id}?city_id={city.id}", "/audit/", "/cities/",
                 "/vocabulary/"):
        walk.check(page, "coordinator en", path)

    # The administrator's own pages.
    page = new_browser_page()
    log_in(page, live_server, ADMIN, DEMO_PASSWORD)
    for path in ("/admin/jobs", "/admin/outbox"):
        walk.check(page, "admin", path)

    # The HR officer of the city that received the dispatch.
    page = new_browser_page()
    log_in(page, live_server, _hr_email(city), DEMO_PASSWORD)
    hr_paths = ["/", "/requests/", "/requests/new", "/requests/board", "/exchange/", "/exchange/new",
                "/exchange-rings/", "/candidates/", "/officers/", f"/officers/city/{city.id}/new",
                "/matching/results", f"/matching/cities/{city.id}", "/dispatches/",
                f"/dispatches/{world['dispatch_id']}", f"/dispatches/{world['dispatch_id']}/arrival", "/inbox/",
                "/reports/", f"/dispatches/{world['dispatch_id']}/terms", "/agreements/ledger"]
    if request_of_city is not None:
        hr_paths += [f"/requests/{request_of_city.id}", f"/requests/{request_of_city.id}/edit"]
    for path in hr_paths:
        walk.check(page, "hr", path)
    for path in ("/requests/new", "/exchange/new", f"/officers/city/{city.id}/new"):
        walk.check_errors(page, "hr", path)
    own_consultation = db.session.scalar(select(Consultation).where(Consultation.city_id == city.id)
                                         .order_by(Consultation.id))
    for path in ["/consultations/", "/consultations/new", "/training/", "/training/mine", "/library/",
                 "/library/notes", "/library/?q=%E5%B4%A9%E8%90%BD"] + (
                     [f"/consultations/{own_consultation.id}"] if own_consultation is not None else []):
        walk.check(page, "hr", path)
    for path in ("/consultations/new", "/training/new"):
        walk.check_errors(page, "hr", path)
    walk.check(page, "hr", "/audit/", status=403)  # the refusal page
    _switch_language(page)
    for path in ("/", "/candidates/", "/requests/board", "/requests/new", "/matching/results"):
        walk.check(page, "hr en", path)
    # The dispatch ends (the daily job, run the day after its last): both sides are asked to evaluate it.
    advance_dispatches(today=db.session.get(Dispatch, world["dispatch_id"]).end_date + timedelta(days=1))
    walk.check_errors(page, "hr en", f"/dispatches/{world['dispatch_id']}", "#evaluation-form button[type=submit]")
    expect(page.locator("#rating")).to_have_attribute("aria-describedby", re.compile("rating-error-1"))

    # Retired specialists: the demo account, one with an offer waiting, one dispatched.
    page = new_browser_page()
    log_in(page, live_server, DEMO_SPECIALIST_EMAIL, DEMO_PASSWORD)
    for path in ("/", "/me", "/me/edit", "/me/licences", "/me/withdraw", "/offers/", "/inbox/",
                 "/consultations/", "/consultations/advice", "/training/", "/training/mine", "/library/",
                 "/library/?q=%E6%B3%95%E9%9D%A2"):
        walk.check(page, "specialist", path)
    offered = db.session.scalar(select(Consultation).where(Consultation.status == "open")
                                 .order_by(Consultation.id))
    if offered is not None:
        walk.check(page, "specialist", f"/consultations/{offered.id}")
    _switch_language(page)
    for path in ("/me", "/me/edit"):
        walk.check(page, "specialist en", path)
    page = new_browser_page()
    email, offer_id = world["pending"]
    log_in(page, live_server, email, CLAIMED_PASSWORD)
    for path in ("/offers/", f"/offers/{offer_id}"):
        walk.check(page, "specialist with offer", path)
    page = new_browser_page()
    log_in(page, live_server, world["dispatched"][0], CLAIMED_PASSWORD)
    for path in ("/dispatches/", f"/dispatches/{world['dispatch_id']}"):
        walk.check(page, "specialist dispatched", path)

    report = walk.write("roles")
    assert not walk.failures(), f"accessibility problems (summary in {report}):\n{walk.failures()}"


def test_skip_link_is_the_first_stop_and_focus_is_visible(app, live_server, browser_page, make):
    make.demo_cities()
    make.user("coordinator", email="coord@test.example")
    db.session.commit()
    page = browser_page
    log_in(page, live_server, "coord@test.example", make.password)
    page.goto(f"{live_server}/cities/")
    assert page.locator("main").count() == 1
    assert page.locator("main").get_attribute("id") == "main"
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("本文へ移動")
    expect(focused).to_be_visible()
    assert _focus_ring(page) >= 2, "the skip link has a visible focus ring"
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/cities/#main")
    page.keyboard.press("Tab")
    in_main = page.evaluate("document.activeElement.closest('main') !== null")
    assert in_main, "the next Tab after the skip link lands inside <main>"
    # Every stop of the keyboard in the page (links, buttons, fields) shows a ring at least 2 px wide,
    # not the browser's thin default (WCAG 2.4.7, and 2.4.13's 2 px).
    stops = 0
    while page.evaluate("document.activeElement !== document.body") and stops < 40:
        what = page.evaluate("(e => e.tagName + ' ' + (e.textContent || e.name || '').trim().slice(0, 30))(document.activeElement)")
        assert _focus_ring(page) >= 2, f"no visible focus ring on {what}"
        stops += 1
        page.keyboard.press("Tab")
    assert stops >= 5


def _focus_ring(page) -> float:
    """Width in px of the solid outline drawn around the focused element (0 when none)."""
    return page.evaluate("""() => {
      const style = getComputedStyle(document.activeElement);
      return style.outlineStyle === 'solid' ? parseFloat(style.outlineWidth) : 0;
    }""")
