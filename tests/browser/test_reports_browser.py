"""The alliance picture and a fiscal-year report in a real browser: the SVG charts and their Japanese labels show,
the HR officer's city is highlighted, and the printed page has no menu."""
from __future__ import annotations

from playwright.sync_api import expect

from talentbank.core import clock

from ..reports.test_alliance import world  # noqa: F401  (the same rows the figure tests count)
from .conftest import axe_violations, describe_violations, log_in, screenshot


def test_alliance_picture_and_fiscal_year_report(live_server, browser_page, world, axe):  # noqa: F811
    clock.freeze(None)  # the server keeps real time for its sessions
    page = browser_page
    log_in(page, live_server, world.hr.email, "correct-horse-42")
    page.click("nav >> text=報告")
    page.click("text=連携の状況")
    chart = page.locator("svg#chart-round_by_city")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("role", "img")
    expect(chart.locator("title")).to_have_text(f"市別の充足率（マッチング No.{world.latest.id}）")
    expect(chart.locator("text", has_text="逗子市")).to_be_visible()
    expect(chart.locator("g.own-city text").first).to_have_text("逗子市")
    expect(page.locator("svg#chart-supply_demand text", has_text="土木")).to_be_visible()
    expect(page.locator("svg#chart-reasons text", has_text="必要な資格を持つ人がいない")).to_be_visible()
    expect(page.locator("#table-round_by_city tr.own-city th")).to_contain_text("逗子市")
    screenshot(page, "reports-alliance-hr-zushi")
    serious = [v for v in axe_violations(axe, page) if v["impact"] in ("critical", "serious")]
    assert not serious, describe_violations(serious)

    page.goto(f"{live_server}/reports/rounds/{world.latest.id}")
    expect(page.locator("svg#chart-reasons text", has_text="より優先度の高い要請に配置された")).to_be_visible()
    screenshot(page, "reports-round-hr-zushi")

    page.goto(f"{live_server}/reports/fiscal-year/2026")
    expect(page.locator("h1")).to_have_text("2026年度の報告")
    expect(page.locator("svg#chart-fiscal_by_city")).to_be_visible()
    expect(page.locator("svg#chart-fiscal_by_city text", has_text="要請された枠")).to_be_visible()
    screenshot(page, "reports-fiscal-year-2026")
    serious = [v for v in axe_violations(axe, page) if v["impact"] in ("critical", "serious")]
    assert not serious, describe_violations(serious)
    page.emulate_media(media="print")
    expect(page.locator("nav.mainnav")).to_be_hidden()
    expect(page.locator("svg#chart-fiscal_by_city")).to_be_visible()
    screenshot(page, "reports-fiscal-year-2026-print")
