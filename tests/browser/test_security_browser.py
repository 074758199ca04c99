"""The Content-Security-Policy and Secure cookies in Chromium on http://127.0.0.1, as the demo serves them.

Chromium treats loopback as a secure context, so it keeps the Secure session cookie over plain HTTP;
the pages' scripts come from static files and run under the policy without a single violation.
"""
from __future__ import annotations

from playwright.sync_api import expect

from talentbank.core.permissions import Role
from talentbank.matching import services

from ..conftest import DEFAULT_TEST_PASSWORD
from ..matching.builders import matching_app, scenario
from .conftest import log_in


def _watch_policy(page) -> list[str]:
    """Chromium reports every blocked script, style or handler on the console."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def test_pages_run_their_scripts_under_the_policy_with_secure_cookies(app, live_server, browser_page,
                                                                      new_browser_page, make):
    matching_app(app)
    world = scenario(make)
    first = services.start_round(world.coordinator)
    second = services.start_round(world.coordinator)
    assert first.status == second.status == "succeeded"

    page = browser_page
    violations = _watch_policy(page)
    log_in(page, live_server, world.coordinator.email, DEFAULT_TEST_PASSWORD)
    session = next(c for c in page.context.cookies() if c["name"] == "session")
    assert session["secure"] and session["httpOnly"]

    # The review's bulk bar (static/matching/review.js): select all and count.
    page.goto(f"{live_server}/matching/rounds/{second.id}")
    page.check("#select-all")
    expect(page.locator("#selected-count")).to_contain_text("件を選択中")

    # The city page's round picker submits itself (static/talentbank.js, data-autosubmit).
    hr = make.user(Role.CITY_HR, city=world.cities["142042"], email="hr.kamakura@test.example")
    officer = new_browser_page()
    violations += _watch_policy(officer)
    log_in(officer, live_server, hr.email, DEFAULT_TEST_PASSWORD)
    officer.goto(f"{live_server}/matching/results")
    officer.select_option("select[name=round_id]", str(first.id))
    officer.wait_for_url(f"**round_id={first.id}**")
    assert violations == []
