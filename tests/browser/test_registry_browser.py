"""A retired engineer signs up in Japanese, adds a licence and a period; an HR officer finds the
pseudonymised card by that licence and sees no name."""
from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.specialists.models import Specialist

from .conftest import log_in, screenshot

NAME, KANA, EMAIL, PHONE = "葉山 健一", "はやま けんいち", "kenichi.hayama@example.jp", "046-875-1111"


def test_a_retired_engineer_signs_up_and_an_hr_officer_finds_the_card_without_the_name(
        live_server, browser_page, new_browser_page, make):
    cities = make.demo_cities()
    make.vocabulary()
    zushi_hr = make.user(Role.CITY_HR, city=cities["142085"], email="hr.zushi@test.example")
    today = clock.today_tokyo()
    page = browser_page

    # Sign-up, in Japanese, from the log-in page.
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    page.click("text=専門人材として新規登録する")
    expect(page.locator("h1")).to_have_text("退職専門人材の登録")
    page.fill("input[name=name_kanji]", NAME)
    page.fill("input[name=name_kana]", KANA)
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=phone]", PHONE)
    page.select_option("select[name=home_city_id]", label="横須賀市（142018）")
    page.fill("input[name=former_employer]", "横須賀市 土木部 道路建設課")
    page.fill("input[name=retirement_year]", "2023")
    page.check("#profession_ids label:has-text('土木') input")
    page.select_option("select[name='experiences-0-field_id']", label="法面・崖地")
    page.fill("input[name='experiences-0-years']", "18")
    page.fill("input[name=days_per_week]", "3")
    page.fill("input[name=max_travel_minutes]", "60")
    page.fill("input[name=password]", "midori-kaigan-8341")
    page.fill("input[name=confirm]", "midori-kaigan-8341")
    # Without consent nothing is saved, and the reason is shown in Japanese.
    page.click("button:has-text('同意して登録する')")
    expect(page.locator("#signup-form p.error")).to_have_text("登録には、上記の情報の取扱いへの同意が必要です。")
    assert db.session.scalar(select(Specialist.id)) is None
    page.fill("input[name=password]", "midori-kaigan-8341")
    page.fill("input[name=confirm]", "midori-kaigan-8341")
    page.check("input[name=consent]")
    page.click("button:has-text('同意して登録する')")
    expect(page.locator("#signup-sent")).to_contain_text(EMAIL)
    # The address is confirmed through the e-mailed link (tests/browser/test_verification_browser.py walks
    # that link); here the test marks it confirmed and the person logs in.
    specialist = db.session.scalars(select(Specialist)).one()
    specialist.email_confirmed_at = clock.utcnow()
    db.session.commit()
    log_in(page, live_server, EMAIL, "midori-kaigan-8341")
    page.goto(f"{live_server}/me")
    reference_text = page.locator("text=登録番号").locator("strong")
    expect(reference_text).to_have_text(re.compile(r"^TB-\d+$"))
    reference = reference_text.inner_text()

    # Then adds a licence and an availability window on the profile.
    page.click("text=プロフィールを編集")
    page.check("#licence_ids label:has-text('技術士（建設部門）') input")
    start, end = today + timedelta(days=30), today + timedelta(days=400)
    page.fill("input[name='windows-0-start_date']", start.isoformat())
    page.fill("input[name='windows-0-end_date']", end.isoformat())
    page.click("button:has-text('保存')")
    expect(page.get_by_text("プロフィールを保存しました。")).to_be_visible()
    expect(page.locator("#licences")).to_contain_text("技術士（建設部門）")
    expect(page.locator("#windows")).to_contain_text(f"{start.isoformat()} ～ {end.isoformat()}")
    screenshot(page, "registry-own-profile")

    # The coordinating city checks what was declared (tests/browser/test_verification_browser.py does it on screen).
    from talentbank.specialists.models import CheckedBy
    from talentbank.specialists.verification import vouch
    db.session.expire_all()
    vouch(None, db.session.scalars(select(Specialist)).one(), CheckedBy.COORDINATOR)
    db.session.commit()

    # Zushi's HR officer looks for a 技術士（建設部門） and finds the card, without name or contact.
    hr_page = new_browser_page()
    log_in(hr_page, live_server, zushi_hr.email, make.password)
    hr_page.click("nav >> text=候補者の検索")
    hr_page.select_option("select[name=licence_id]", label="技術士（建設部門）")
    hr_page.fill("input[name=available_on]", (start + timedelta(days=10)).isoformat())
    hr_page.click("#search-filters button:has-text('検索')")
    card = hr_page.locator(f"article.candidate-card[data-reference='{reference}']")
    for text in ("技術士（建設部門）", "法面・崖地 18年", "横須賀市"):
        expect(card).to_contain_text(text)
    card.locator(f"a:has-text('{reference}')").click()
    expect(hr_page.get_by_text("派遣が合意されるまで、氏名と連絡先は表示されません。")).to_be_visible()
    screenshot(hr_page, "registry-hr-candidate-card")
    html = hr_page.content()  # the settled page's source: not in the text, nor in any attribute or hidden field
    for secret in (NAME, KANA, EMAIL, PHONE, "道路建設課"):
        assert secret not in html, secret
    # A card is not personal data: nothing about it goes to the audit log as a view.
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "specialist.viewed")) is None
