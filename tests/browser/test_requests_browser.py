"""Zushi's HR officer posts a disaster-recovery request in a real browser; Fujisawa's sees it but cannot edit it."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.requests.models import StaffingRequest
from talentbank.vocabulary.models import Profession

from .conftest import log_in, screenshot


def test_zushi_posts_a_disaster_request_and_fujisawa_sees_it_read_only(live_server, browser_page, new_browser_page,
                                                                      make):
    cities = make.demo_cities()
    make.term(Profession, "civil")  # the standard vocabulary, as seed-demo loads it
    zushi_hr = make.user(Role.CITY_HR, city=cities["142085"], email="hr.zushi@test.example", name="逗子 人事")
    fujisawa_hr = make.user(Role.CITY_HR, city=cities["142051"], email="hr.fujisawa@test.example", name="藤沢 人事")
    today = clock.today_tokyo()
    start, end = today + timedelta(days=30), today + timedelta(days=395)
    page = browser_page

    # Zushi's HR officer fills in the form: two civil engineers with slope experience, disaster recovery.
    log_in(page, live_server, zushi_hr.email, make.password)
    page.click("nav >> text=派遣要請")
    page.click("text=派遣要請を作成")
    page.fill("input[name=department]", "都市整備部")
    page.fill("input[name=section]", "道路・法面整備課")
    page.select_option("select[name=profession_id]", label="土木")
    page.fill("input[name=people]", "2")
    page.fill("input[name=start_date]", start.isoformat())
    page.fill("input[name=end_date]", end.isoformat())
    page.fill("input[name=days_per_week]", "3")
    page.check("#required_licence_ids >> text=1級土木施工管理技士")
    page.check("#desired_field_ids >> text=法面・崖地")
    page.check("#urgency >> text=災害復旧")
    page.fill("textarea[name=description]", "崖崩れ箇所の調査・復旧設計と工事監理")
    page.fill("textarea[name=internal_notes]", "補正予算で確保済み（他市には非公開）")
    # A disaster request without a reason is refused, with the reason shown next to the field.
    page.click("button:has-text('保存')")
    expect(page.get_by_text("災害復旧または法定・安全業務の要請には、その理由を記入してください。")).to_be_visible()
    assert db.session.scalar(select(StaffingRequest.id)) is None
    screenshot(page, "requests-form-reason-required")
    page.fill("textarea[name=urgency_reason]", "2020年の法面災害で同じ市道が再び崩落したため")
    page.click("button:has-text('保存')")
    expect(page.get_by_text("派遣要請を下書きとして保存しました。")).to_be_visible()
    page.click("button:has-text('公開する')")
    expect(page.get_by_text("派遣要請を公開しました。")).to_be_visible()
    request_id = db.session.scalars(select(StaffingRequest.id)).one()

    # It is on the demand board, first in the disaster class.
    page.click("nav >> text=需要ボード")
    row = page.locator(f"#board tr[data-request-id='{request_id}']")
    for text in ("逗子市", "2 / 2", "災害復旧"):
        expect(row).to_contain_text(text)
    expect(page.locator("#board-pivot tr[data-profession='civil'] td").last).to_have_text("2")
    screenshot(page, "requests-board-zushi")

    # Fujisawa's HR officer sees the same row, without Zushi's internal notes, and cannot edit it.
    other = new_browser_page()
    log_in(other, live_server, fujisawa_hr.email, make.password)
    other.click("nav >> text=需要ボード")
    row = other.locator(f"#board tr[data-request-id='{request_id}']")
    expect(row).to_contain_text("逗子市")
    row.locator("a").first.click()
    expect(other.locator("#board-entry")).to_contain_text("崖崩れ箇所の調査・復旧設計と工事監理")
    assert "補正予算で確保済み" not in other.content()  # the settled page's source, attributes included
    expect(other.get_by_text("変更する")).to_have_count(0)
    expect(other.get_by_text("取り下げる")).to_have_count(0)
    screenshot(other, "requests-board-entry-fujisawa")
    response = other.goto(f"{live_server}/requests/{request_id}/edit")
    assert response.status == 403
    expect(other.get_by_text("この操作を行う権限がありません。")).to_be_visible()
    response = other.goto(f"{live_server}/requests/{request_id}")
    assert response.status == 403
    screenshot(other, "requests-edit-forbidden-fujisawa")
    db.session.expire_all()
    saved = db.session.get(StaffingRequest, request_id)
    assert (saved.status, saved.people, saved.urgency) == ("open", 2, "disaster")
