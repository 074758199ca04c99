"""The review desk in a real browser on the demo data: decide without losing your place (in place with
JavaScript, back at the row without it), the reason dialog, search by TB number, the bulk confirmation, and
the keyboard. Screenshots of each go to test-artifacts/."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from talentbank.accounts.models import User
from talentbank.cities.models import City
from talentbank.demo.accounts import DEMO_PASSWORD
from talentbank.extensions import db
from talentbank.matching import services
from talentbank.matching.models import Proposal
from talentbank.exchange.rings.models import ExchangeCycle
from talentbank.matching.reasons import PROPOSAL_REJECTION_REASONS, RING_REJECTION_REASONS

from ..matching.builders import matching_app
from .conftest import ARTIFACTS, TIMEOUT_MS, log_in, screenshot

COORDINATOR = "coordinator@demo.talentbank.example"


@pytest.fixture
def review_round(app, make):
    """The demo data and a fresh round of it, solved in this process."""
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    # The demo's own exchange offers are already in its agreed ring: two more cities offer a swap, so this
    # round has a ring to review (information for social welfare, away from the dispatch requests).
    kamakura = db.session.scalar(select(City).where(City.code == "142042"))
    yamato = db.session.scalar(select(City).where(City.code == "142131"))
    make.exchange_offer(kamakura, make.serving_officer(kamakura, professions=("information",)), wants="social_welfare")
    make.exchange_offer(yamato, make.serving_officer(yamato, professions=("social_welfare",)), wants="information")
    matching_app(app)
    coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
    rnd = services.run_round_now(services.queue_round(coordinator).id)
    assert rnd.status == "succeeded", rnd.error
    return rnd


def _window(page, name: str) -> None:
    """What the window shows (the full-page screenshot of a 7,000-px review is too small to read)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-window.png"))


def _status(proposal_id: int) -> Proposal:
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id)


def _pending_rows(page):
    return page.locator("#decide-form tr[id^='proposal-']:has(button[name='approve_one'])")


def _id_of(row) -> int:
    return int(row.get_attribute("id").removeprefix("proposal-"))


def _fixed(page, row):
    """The row by its id: a locator that still finds it once it is decided."""
    proposal_id = _id_of(row)
    return proposal_id, page.locator(f"#proposal-{proposal_id}")


def test_the_review_desk_in_the_browser(live_server, browser_page, review_round):
    page, rnd = browser_page, review_round
    log_in(page, live_server, COORDINATOR, DEMO_PASSWORD)
    page.goto(f"{live_server}/matching/rounds/{rnd.id}")
    expect(page.locator("#what-if-entry")).to_be_visible()
    expect(page.locator("#what-if-needs")).to_contain_text("別の版の規則が必要です")  # one rule version only
    page.locator("#review-search").scroll_into_view_if_needed()
    _window(page, "review-desk-search-and-what-if")
    rows = _pending_rows(page)
    count = rows.count()
    assert count >= 4, "the demo round should propose a few pairings"

    # 承認 far down the list: the row changes where it stands, the page does not move or reload.
    proposal_id, row = _fixed(page, rows.nth(count - 1))
    row.scroll_into_view_if_needed()
    page.evaluate("window.__not_reloaded = true")
    before = page.evaluate("window.scrollY")
    assert before > 200, "the row should be below the first screen"
    row.locator("button[name='approve_one']").click()
    expect(page.locator("#review-live")).to_contain_text("提案を承認しました")
    expect(row.locator(".js-status")).not_to_contain_text("提案中")
    expect(row.locator("button[name='approve_one']")).to_have_count(0)
    assert page.evaluate("window.__not_reloaded") is True
    assert abs(page.evaluate("window.scrollY") - before) < 40
    assert _status(proposal_id).status in ("approved", "offered")
    screenshot(page, "review-desk-approved-in-place")
    _window(page, "review-desk-approved-in-place")

    # 却下 opens the reason dialog: empty is refused beside the field, nothing saved; a picked reason is saved.
    proposal_id, row = _fixed(page, _pending_rows(page).first)
    row.locator("button[name='reject_one']").click()
    dialog = page.locator("#proposal-reason-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".js-dialog-title")).to_contain_text("却下")
    dialog.locator("button[type='submit']").click()
    expect(dialog.locator(".js-error[data-field='reason_code']")).to_contain_text("却下の理由を選ぶか")
    expect(dialog).to_be_visible()
    assert _status(proposal_id).status == "proposed"
    screenshot(page, "review-desk-reason-refused")
    _window(page, "review-desk-reason-refused")
    dialog.get_by_label(PROPOSAL_REJECTION_REASONS["travel"]).check()
    dialog.locator("textarea[name='reason']").fill("片道2時間を超える")
    screenshot(page, "review-desk-reason-dialog")
    _window(page, "review-desk-reason-dialog")
    dialog.locator("button[type='submit']").click()
    expect(dialog).to_be_hidden()
    expect(row.locator(".js-status")).to_contain_text("却下")
    expect(row.locator(".js-reason")).to_contain_text(PROPOSAL_REJECTION_REASONS["travel"])
    saved = _status(proposal_id)
    assert saved.status == "rejected"
    assert saved.decision_reason == PROPOSAL_REJECTION_REASONS["travel"] + "：片道2時間を超える"

    # Esc closes the dialog and the focus goes back to the button that opened it; Tab stays inside.
    row = _pending_rows(page).first
    opener = row.locator("button[name='reject_one']")
    opener.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    for _ in range(15):
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('proposal-reason-dialog').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("document.activeElement.name") == "reject_one"

    # The keyboard: Tab from the row's checkbox, past the candidate's reference, reaches its 承認 button, which names the proposal, shows
    # its focus, and Enter decides.
    proposal_id, row = _fixed(page, _pending_rows(page).first)
    reference = row.get_attribute("data-ref")
    row.locator("input[name='proposal_id']").focus()
    page.keyboard.press("Tab")  # the candidate's reference (a link to the card) …
    assert page.evaluate("document.activeElement.textContent") == reference
    page.keyboard.press("Tab")  # … then the row's 承認
    focused = page.evaluate("[document.activeElement.name, document.activeElement.getAttribute('aria-label'),"
                            " getComputedStyle(document.activeElement).outlineStyle]")
    assert focused[0] == "approve_one" and reference in focused[1] and focused[2] != "none"
    screenshot(page, "review-desk-keyboard-focus")
    _window(page, "review-desk-keyboard-focus")
    page.keyboard.press("Enter")
    expect(row.locator("button[name='approve_one']")).to_have_count(0)
    assert _status(proposal_id).status in ("approved", "offered")

    # Search by TB number: that candidate's rows only.
    row = _pending_rows(page).first
    reference = row.get_attribute("data-ref")
    page.fill("#filter-q", reference)
    page.keyboard.press("Enter")
    expect(page.locator("#filter-result")).to_be_visible()
    shown = page.locator("#decide-form tr[id^='proposal-']")
    assert shown.count() >= 1
    for i in range(shown.count()):
        assert shown.nth(i).get_attribute("data-ref") == reference
    screenshot(page, "review-desk-search-by-tb-number")

    # Bulk: the confirmation says how many and which cities before anything is saved.
    page.goto(f"{live_server}/matching/rounds/{rnd.id}?status=proposed")
    boxes = page.locator("#decide-form input[name='proposal_id']")
    chosen = min(boxes.count(), 3)
    assert chosen >= 2
    ids, cities = [], set()
    for i in range(chosen):
        boxes.nth(i).check()
        box_row = page.locator(f"#proposal-{boxes.nth(i).get_attribute('value')}")
        ids.append(_id_of(box_row))
        cities.add(box_row.get_attribute("data-city"))
    expect(page.locator("#selected-count")).to_contain_text(f"{chosen}件を選択中")
    page.click("button[name='action'][value='approve']")
    expect(page.locator("#bulk-count")).to_contain_text(f"{chosen}件の提案を承認します。")
    for city in cities:
        expect(page.locator("#bulk-cities")).to_contain_text(city)
    assert all(_status(i).status == "proposed" for i in ids)
    screenshot(page, "review-desk-bulk-confirmation")
    page.click("#bulk-confirm-form button[type='submit']")
    expect(page.locator(".flash-success")).to_contain_text("件の提案を承認しました。")
    assert "status=proposed" in page.url
    assert all(_status(i).status != "proposed" for i in ids)

    # An exchange ring: 却下… opens the rings' reason dialog; the ring's status changes where it stands.
    page.goto(f"{live_server}/matching/rounds/{rnd.id}")
    card = page.locator("#cycles .ring-card:has(a.js-open-reason)").first
    assert card.count(), "the demo round proposes an exchange ring"
    open_ring = card.locator("a.js-open-reason")
    cycle_id = int(card.get_attribute("data-cycle"))
    open_ring.click()
    ring_dialog = page.locator("#ring-reason-dialog")
    expect(ring_dialog).to_be_visible()
    ring_dialog.get_by_label(RING_REJECTION_REASONS["timing"]).check()
    ring_dialog.locator("button[type='submit']").click()
    expect(ring_dialog).to_be_hidden()
    card = page.locator(f"#cycle-{cycle_id}")
    expect(card.locator(".js-status")).to_contain_text("却下")
    expect(card.locator(".js-reason")).to_contain_text(RING_REJECTION_REASONS["timing"])
    expect(card.locator("a.js-open-reason")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(ExchangeCycle, cycle_id).decision_reason == RING_REJECTION_REASONS["timing"]


def test_without_javascript_a_decision_comes_back_to_its_row(_browser, live_server, review_round):
    context = _browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        log_in(page, live_server, COORDINATOR, DEMO_PASSWORD)
        page.goto(f"{live_server}/matching/rounds/{review_round.id}?status=proposed")
        rows = _pending_rows(page)
        proposal_id, row = _fixed(page, rows.nth(rows.count() - 1))
        row.locator("button[name='approve_one']").click()
        # The row is no longer "proposed" but stays shown where it was (decided=), and the page is back at it.
        page.wait_for_url(f"**/matching/rounds/{review_round.id}?status=proposed&decided={proposal_id}"
                          f"#proposal-{proposal_id}")
        expect(page.locator(".flash-success")).to_contain_text("提案を承認しました")
        in_view = page.evaluate(f"(() => {{ const r = document.getElementById('proposal-{proposal_id}')"
                                ".getBoundingClientRect(); return r.top >= 0 && r.top < window.innerHeight; })()")
        assert in_view, "the page comes back scrolled to the decided row"
        screenshot(page, "review-desk-no-js-back-at-the-row")
        _window(page, "review-desk-no-js-back-at-the-row")

        # 却下 without JavaScript: the reason page, refused when empty, then back at the row.
        row = _pending_rows(page).first
        proposal_id = _id_of(row)
        row.locator("button[name='reject_one']").click()
        expect(page.locator("h1")).to_contain_text("提案を却下")
        page.click("form.reason-page button[type='submit']")
        expect(page.locator("form.reason-page .error").first).to_contain_text("却下の理由を選ぶか")
        assert _status(proposal_id).status == "proposed"
        page.get_by_label(PROPOSAL_REJECTION_REASONS["skills"]).check()
        screenshot(page, "review-desk-no-js-reason-page")
        page.click("form.reason-page button[type='submit']")
        page.wait_for_url(f"**/matching/rounds/{review_round.id}?status=proposed&decided={proposal_id}"
                          f"#proposal-{proposal_id}")
        assert _status(proposal_id).decision_reason == PROPOSAL_REJECTION_REASONS["skills"]
    finally:
        context.close()


JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")


def test_the_review_desk_reads_in_english(live_server, browser_page, review_round):
    page, rnd = browser_page, review_round
    log_in(page, live_server, COORDINATOR, DEMO_PASSWORD)
    page.goto(f"{live_server}/matching/rounds/{rnd.id}")
    page.click("button:has-text('English')")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # The desk's own parts hold no typed-in data: not one Japanese character in them.
    for part in ("#review-search", "#what-if-entry", "#bulk-bar", "#city-summary", "#cycles", "#unmatched-offers"):
        if page.locator(part).count():
            text = page.locator(part).inner_text()
            assert not JAPANESE.search(text), (part, JAPANESE.findall(text)[:10], text[:300])
    row = _pending_rows(page).first
    label = row.locator("button[name='approve_one']").get_attribute("aria-label")
    assert label.startswith("Approve TB-") and not JAPANESE.search(label)
    expect(row.locator("button[name='reject_one']")).to_have_text("Reject…")  # the verb, not the status
    assert not JAPANESE.search(row.locator("td.cand").inner_text())  # the candidate card: vocabulary and cities
    row.locator("button[name='reject_one']").click()
    dialog = page.locator("#proposal-reason-dialog")
    expect(dialog).to_be_visible()
    assert not JAPANESE.search(dialog.inner_text()), dialog.inner_text()
    _window(page, "review-desk-english-reason-dialog")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # the close event comes a moment after the dialog closed: it must not take the focus back from where the
    # person put it meanwhile (it did, and Enter in the search box then reopened the dialog)
    row.locator("button[name='reject_one']").click()
    expect(dialog).to_be_visible()
    page.evaluate("document.getElementById('proposal-reason-dialog').close(); document.getElementById('filter-q').focus()")
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.id") == "filter-q"
    page.fill("#filter-q", "nowhere-town")
    page.keyboard.press("Enter")
    expect(page.locator("#filter-errors")).to_be_visible()
    assert not JAPANESE.search(page.locator("#filter-errors").inner_text())
    screenshot(page, "review-desk-english")
