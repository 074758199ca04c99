"""The coordinator edits Zushi's fiscal capability index in a real browser; Kamakura's HR cannot."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core.permissions import Role
from talentbank.extensions import db

from .conftest import log_in, screenshot


def glyph_coverage_ok(page, text: str) -> bool:
    """True when every character of ``text`` renders with a real font (no tofu boxes).

    Each character is drawn in the page's font stack and in a font that does not exist;
    if they have the same width as the missing-glyph box, the font had no glyph for it.
    """
    return page.evaluate(
        """(text) => {
            const canvas = document.createElement('canvas');
            const ctx = canvas.getContext('2d');
            const family = getComputedStyle(document.body).fontFamily;
            for (const ch of text) {
                if (ch.trim() === '') continue;
                ctx.font = `20px ${family}`;
                const real = ctx.measureText(ch).width;
                ctx.font = '20px "NoSuchFontAnywhere-x"';
                const fallback = ctx.measureText(ch).width;
                if (real === 0) return false;
                // a CJK glyph is about as wide as the font size; a missing-glyph box is narrower
                if (ch.charCodeAt(0) > 0x3000 && real < 14) return false;
            }
            return document.fonts.check(`20px ${family}`, text);
        }""",
        text,
    )


def test_coordinator_edits_zushi_and_sees_the_audit_entry(live_server, browser_page, new_browser_page, make):
    cities = make.demo_cities()
    zushi = cities["142085"]
    coordinator = make.user(Role.COORDINATOR, email="coord@test.example", name="幹事 花子")
    kamakura_hr = make.user(Role.CITY_HR, city=cities["142042"], email="hr.kamakura@test.example")
    page = browser_page

    log_in(page, live_server, coordinator.email, make.password)
    page.click("nav >> text=市の指標")
    row = page.locator("tr[data-code='142085']")
    expect(row.locator("td.fiscal")).to_have_text("0.860")
    row.locator("text=編集").click()
    page.fill("input[name=fiscal_index]", "0.812")
    page.fill("textarea[name=reason]", "令和4年度の決算カードに合わせて修正")
    page.click("button:has-text('保存')")
    expect(page.get_by_text("逗子市の指標を更新しました。")).to_be_visible()
    expect(page.locator("tr[data-code='142085'] td.fiscal")).to_have_text("0.812")
    screenshot(page, "cities-after-edit")

    page.click("nav >> text=監査ログ")
    entry = page.locator("#audit tbody tr").first
    for text in ("市の指標の変更", "財政力指数: 0.86 → 0.812", "令和4年度の決算カードに合わせて修正", "幹事 花子"):
        expect(entry).to_contain_text(text)
    path = screenshot(page, "audit-log-fiscal-index")
    assert path.stat().st_size > 10_000
    assert glyph_coverage_ok(page, "監査ログ逗子市財政力指数令和年度決算修正幹事花子")

    db.session.expire_all()
    saved = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "city.updated")).one()
    assert saved.city_id == zushi.id

    other = new_browser_page()
    log_in(other, live_server, kamakura_hr.email, make.password)
    expect(other.locator("nav")).to_contain_text("市の指標")
    response = other.goto(f"{live_server}/cities/{zushi.id}/edit")
    assert response.status == 403
    expect(other.get_by_text("この操作を行う権限がありません。")).to_be_visible()
    response = other.goto(f"{live_server}/audit/")
    assert response.status == 403
    screenshot(other, "kamakura-hr-forbidden")
