"""A consultation in a real browser (issue 18): Zushi's HR officer posts a question about a slope, it is offered at
once to a retiree who takes advice work, the retiree accepts and answers in the thread, Zushi records the time,
closes it with a summary and publishes it, and Kamakura's HR officer finds it in the library with a two- and a
three-character Japanese query."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db

from .conftest import log_in, screenshot

PASSWORD = "correct-horse-42"


@pytest.fixture
def people(make):
    make.vocabulary()
    cities = make.demo_cities()
    zushi_hr = make.user(Role.CITY_HR, cities["142085"], email="hr.zushi@test.example")
    kamakura_hr = make.user(Role.CITY_HR, cities["142042"], email="hr.kamakura@test.example")
    account = make.user(Role.SPECIALIST, email="retiree@test.example")
    retiree = make.specialist(cities["142018"], user=account, fields={"slopes": 20}, can_work_remote=True)
    retiree.accepts_advice, retiree.advice_hours_per_month = True, 10
    db.session.commit()
    return zushi_hr, kamakura_hr, account


def test_posted_accepted_answered_closed_published_and_found(live_server, browser_page, new_browser_page, people):
    clock.freeze(None)
    zushi_hr, kamakura_hr, account = people
    page = browser_page
    log_in(page, live_server, zushi_hr.email, PASSWORD)

    # Zushi posts the question from the menu.
    page.get_by_role("link", name="相談", exact=True).first.click()
    page.get_by_role("link", name="相談を登録する").click()
    page.fill("input[name=title]", "法面の崩落後の応急対策")
    page.select_option("select[name=profession_id]", label="土木")
    page.select_option("select[name=field_id]", label="法面・崖地")
    page.fill("textarea[name=question]", "市道の法面が崩落しました。応急対策の順序と通行止めの判断の目安を教えてください。")
    page.fill("input[name=hours_needed]", "1.5")
    page.fill("input[name=wanted_by]", (clock.today_tokyo() + timedelta(days=10)).isoformat())
    screenshot(page, "consultation-posted")
    page.get_by_role("button", name="登録して打診する").click()
    expect(page.locator(".flash").first).to_contain_text("1人の専門人材に打診しました")
    consultation_url = page.url

    # The retiree sees it among the consultations offered to them, accepts and answers with a file.
    retiree = new_browser_page()
    log_in(retiree, live_server, account.email, PASSWORD)
    retiree.goto(f"{live_server}/consultations/")
    retiree.get_by_role("link", name="法面の崩落後の応急対策").click()
    retiree.get_by_role("button", name="この相談を引き受ける").click()
    expect(retiree.locator(".flash").first).to_contain_text("相談を引き受けました")
    retiree.fill("textarea[name=body]", "まず上部の排水を処理し、亀裂に抜き板を設置して毎日記録してください。")
    retiree.set_input_files("input[name=attachment]", files=[{
        "name": "tenken.csv", "mimeType": "text/csv", "buffer": "日付,亀裂の幅(mm)\n12/1,3\n".encode()}])
    retiree.get_by_role("button", name="送信する").click()
    expect(retiree.locator("#thread")).to_contain_text("抜き板")
    expect(retiree.locator("#thread a.attachment")).to_have_text("tenken.csv")
    retiree.fill("input[name=hours_spent]", "1.5")
    retiree.get_by_role("button", name="記録する").click()
    expect(retiree.locator("#hours-spent")).to_contain_text("1.5")
    screenshot(retiree, "consultation-answered")

    # Zushi reads the answer, closes the consultation with a summary and publishes it.
    page.goto(consultation_url)
    expect(page.locator("#thread")).to_contain_text("抜き板")
    page.fill("textarea[name=summary]", "法面の崩落の直後は、上部の排水、亀裂の監視、通行止めの解除基準の順に決める。")
    page.check("input[name=publish]")
    page.get_by_role("button", name="完了にする").click()
    expect(page.locator("#published")).to_contain_text("ライブラリに公開済み")
    screenshot(page, "consultation-closed-and-published")

    # Kamakura searches the library: two and three characters of Japanese find the summary.
    kamakura = new_browser_page()
    log_in(kamakura, live_server, kamakura_hr.email, PASSWORD)
    for query in ("法面", "亀裂の"):
        kamakura.goto(f"{live_server}/library/?q={query}")
        expect(kamakura.locator("#library-results")).to_contain_text("法面の崩落後の応急対策")
    screenshot(kamakura, "consultation-found-in-library")
