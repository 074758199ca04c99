"""An amendment in a real browser: the receiving city's HR officer raises the daily rate on the terms form,
both cities confirm the new version, and HR downloads the agreement (協定書 第2版（変更）) whose Word text
says the new rate, the parties and the era dates; the first edition stays listed."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from talentbank.agreements import terms
from talentbank.agreements.defaults import current_defaults
from talentbank.agreements.terms import DispatchTermsValues
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db

from ..agreements.test_documents import docx_text
from .conftest import log_in, screenshot

PASSWORD = "correct-horse-42"


@pytest.fixture
def seconded(make, app, tmp_path, monkeypatch):
    """A Yokosuka officer seconded to Zushi for 令和8年度, terms version 1 confirmed by both cities."""
    make.vocabulary()
    zushi = make.city()
    yokosuka = make.city(code="142018", name_ja="横須賀市", name_en="Yokosuka")
    officer = make.serving_officer(yokosuka, name="山田 太郎")
    dispatch = make.dispatch(officer, make.staffing_request(zushi), start_date=date(2026, 4, 1),
                             end_date=date(2027, 3, 31), days_per_week=3)
    zushi_hr = make.user(Role.CITY_HR, zushi, email="hr.zushi@test.example")
    yokosuka_hr = make.user(Role.CITY_HR, yokosuka, email="hr.yokosuka@test.example")
    defaults = current_defaults("secondment_252_17")
    terms.amend_terms(zushi_hr, dispatch.id, DispatchTermsValues(
        bearers=defaults.bearers(), rate_amount=12000, rate_unit="day", reason="当初の条件",
        legal_form="secondment_252_17", days_per_week=3, start_date=dispatch.start_date,
        end_date=dispatch.end_date))
    terms.confirm_terms(zushi_hr, dispatch.id, 1)
    terms.confirm_terms(yokosuka_hr, dispatch.id, 1)
    db.session.commit()
    return dispatch, zushi_hr, yokosuka_hr


def _confirm_version(page, base: str, dispatch_id: int, version: int) -> None:
    page.goto(f"{base}/dispatches/{dispatch_id}#terms")
    terms_panel = page.locator("#terms")
    expect(terms_panel).to_contain_text(f"第{version}版")
    terms_panel.locator("input[name=confirmed]").check()
    terms_panel.get_by_role("button", name="この版を確認する").click()
    expect(page.locator(".flash, [role=status], [role=alert]").first).to_contain_text(f"第{version}版")


def test_rate_amended_confirmed_by_both_and_agreement_downloaded(live_server, browser_page, new_browser_page,
                                                                  seconded):
    clock.freeze(None)
    dispatch, zushi_hr, yokosuka_hr = seconded
    page = browser_page
    log_in(page, live_server, zushi_hr.email, PASSWORD)

    # The first edition is already there; the receiving city raises the daily rate.
    page.goto(f"{live_server}/dispatches/{dispatch.id}")
    expect(page.locator("#document-editions tr.document-edition")).to_have_count(1)
    page.get_by_role("link", name="条件を変更する（新しい版）").click()
    page.fill("input[name=rate_amount]", "18500")
    page.fill("textarea[name=reason]", "業務量の増加に伴う日額の見直し")
    screenshot(page, "agreements-terms-rate-amended")
    page.get_by_role("button", name="新しい版として保存する").click()
    expect(page.locator("#terms")).to_contain_text("18,500")

    # Both cities confirm version 2: Zushi on the dispatch page, Yokosuka in its own session. The sending
    # city may not open the dispatch page (dispatch.view is the receiving city's), so it sends the same
    # confirmation form (its CSRF token from the terms page it may open) from its browser session.
    _confirm_version(page, live_server, dispatch.id, 2)
    screenshot(page, "agreements-terms-confirmed-by-receiving-city")
    other = new_browser_page()
    log_in(other, live_server, yokosuka_hr.email, PASSWORD)
    other.goto(f"{live_server}/dispatches/{dispatch.id}/terms")
    token = other.locator("#terms-form input[name=csrf_token]").get_attribute("value")
    response = other.request.post(f"{live_server}/dispatches/{dispatch.id}/terms/2/confirm",
                                  form={"csrf_token": token, "confirmed": "y"}, max_redirects=0)
    assert response.status == 302
    other.goto(f"{live_server}/dispatches/{dispatch.id}/terms")
    expect(other.locator(".flash").first).to_contain_text("条件の第2版を自市として確認しました")

    # Zushi's HR officer sees two editions and downloads the amended agreement.
    page.goto(f"{live_server}/dispatches/{dispatch.id}")  # not only a new #fragment: the page must load again
    editions = page.locator("#document-editions tr.document-edition")
    expect(editions).to_have_count(2)
    expect(editions.first).to_contain_text("第2版（変更）")
    expect(editions.nth(1)).to_contain_text("第1版")
    screenshot(page, "agreements-documents-two-editions")
    with page.expect_download() as info:
        editions.first.get_by_role("link", name="Word").first.click()
    download = info.value
    assert download.suggested_filename == f"dispatch-{dispatch.id}-kyoteisho-v2.docx"
    text = docx_text(open(download.path(), "rb").read())
    assert "職員の派遣に関する協定書" in text
    assert "第2版（変更）" in text
    assert "逗子市長（以下「甲」という。）と横須賀市長（以下「乙」という。）" in text
    assert "日額 18,500円" in text
    assert "令和8年4月1日から令和9年3月31日まで" in text
    assert "業務量の増加に伴う日額の見直し" in text
    # The first edition still says the first rate.
    with page.expect_download() as info:
        editions.nth(1).get_by_role("link", name="Word").first.click()
    assert "日額 12,000円" in docx_text(open(info.value.path(), "rb").read())
