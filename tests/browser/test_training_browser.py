"""Training in a real browser (issue 18): Fujisawa's HR officer posts a session, a retiree registers, Fujisawa
records attendance once it has begun, and the session shows in the retiree's training record on their profile."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db

from .conftest import AXE_FAILING_IMPACTS, axe_violations, describe_violations, log_in, screenshot

PASSWORD = "correct-horse-42"


@pytest.fixture
def alliance(make):
    cities = make.demo_cities()
    make.vocabulary()
    fujisawa_hr = make.user(Role.CITY_HR, cities["142051"], email="hr.fujisawa@test.example")
    retiree_user = make.user(Role.SPECIALIST, email="retiree@test.example", name="退職 一郎")
    make.specialist(cities["142085"], user=retiree_user, name_kanji="退職 一郎", email="retiree@test.example")
    db.session.commit()
    return fujisawa_hr, retiree_user


def _accessible(axe, page) -> None:
    """No serious or critical axe-core finding on the page as it stands."""
    violations = [v for v in axe_violations(axe, page) if v["impact"] in AXE_FAILING_IMPACTS]
    assert not violations, f"{page.url}:\n" + describe_violations(violations)


def test_fujisawa_posts_a_retiree_registers_attendance_recorded_and_on_the_profile(
        live_server, browser_page, new_browser_page, alliance, axe):
    clock.freeze(None)
    fujisawa_hr, retiree = alliance
    day = clock.today_tokyo() + timedelta(days=2)

    # Fujisawa's HR officer posts the session through the form.
    hr = browser_page
    log_in(hr, live_server, fujisawa_hr.email, PASSWORD)
    hr.goto(f"{live_server}/training/")
    hr.get_by_role("link", name="研修を登録する").click()
    hr.fill("input[name=title]", "法面の点検と応急対応の実務")
    hr.fill("textarea[name=description]", "豪雨のあとの法面点検と応急対策の判断")
    hr.fill("input[name=day]", day.isoformat())
    hr.fill("input[name=start_time]", "09:30")
    hr.fill("input[name=end_time]", "12:00")
    hr.fill("input[name=place]", "藤沢市役所 本庁舎 5階 会議室")
    hr.fill("input[name=capacity]", "20")
    hr.get_by_label("土木", exact=True).check()
    hr.fill("input[name=registration_deadline]", (day - timedelta(days=1)).isoformat())
    screenshot(hr, "training-posting-form")
    _accessible(axe, hr)
    hr.get_by_role("button", name="登録する").click()
    expect(hr.locator("h1")).to_contain_text("法面の点検と応急対応の実務")
    expect(hr.locator("#training-facts")).to_contain_text("藤沢市")
    session_url = hr.url

    # A retiree finds it in the list and registers.
    person = new_browser_page()
    log_in(person, live_server, retiree.email, PASSWORD)
    person.goto(f"{live_server}/training/")
    person.get_by_role("link", name="法面の点検と応急対応の実務").click()
    person.get_by_role("button", name="この研修に申し込む").click()
    expect(person.locator("#training-own-status")).to_contain_text("参加確定")
    screenshot(person, "training-registered")
    _accessible(axe, person)

    # The session has begun: Fujisawa records the retiree as attended.
    clock.freeze(clock.utcnow() + timedelta(days=2, hours=1))
    try:
        # (two days on, the log-in sessions have lapsed: both log in again)
        log_in(hr, live_server, fujisawa_hr.email, PASSWORD)
        hr.goto(session_url)
        row = hr.locator("#training-registrants tr", has_text="退職 一郎")
        row.get_by_label("出席").check()
        hr.get_by_role("button", name="出欠を記録する").click()
        expect(hr.locator(".flash").first).to_contain_text("出欠を記録しました")
        expect(hr.locator("#training-registrants")).to_contain_text("退職 一郎")
        screenshot(hr, "training-attendance-recorded")
        _accessible(axe, hr)

        # The session is in the retiree's training record on their profile.
        log_in(person, live_server, retiree.email, PASSWORD)
        person.goto(f"{live_server}/me")
        record = person.locator("#training-record")
        expect(record).to_contain_text("法面の点検と応急対応の実務")
        expect(record).to_contain_text(day.isoformat())
        expect(record).to_contain_text("藤沢市")
        screenshot(person, "training-record-on-profile")
        _accessible(axe, person)
        person.goto(f"{live_server}/training/?when=past")
        _accessible(axe, person)
    finally:
        clock.freeze(None)
