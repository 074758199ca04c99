"""In the browser: the limit beside a field counts as one types (static/forms.js), and a pasted text is
kept to the limit by maxlength while the note says how many characters there are."""
from __future__ import annotations

from playwright.sync_api import expect


def _with_counter(page, base_url: str) -> None:
    """Load forms.js when the page has not (base.html is what loads it on every page)."""
    if not page.evaluate("document.querySelector('script[src$=\"/static/forms.js\"]') !== null"):
        page.add_script_tag(url=f"{base_url}/static/forms.js")


def test_the_note_limit_counts_while_typing(make, live_server, browser_page):
    make.vocabulary()
    make.city()
    from talentbank.extensions import db

    db.session.commit()
    page = browser_page
    page.goto(f"{live_server}/signup")
    note = page.locator("#notes-limit")
    expect(note).to_contain_text("2,000文字まで")
    _with_counter(page, live_server)
    expect(note).to_contain_text("（いま0文字）")
    page.fill("#notes", "法面の復旧設計を担当しました。")
    expect(note).to_contain_text("（いま15文字）")
    page.fill("#notes", "あ" * 2_500)
    assert page.eval_on_selector("#notes", "el => Array.from(el.value).length") == 2_000  # maxlength holds
    expect(note).to_contain_text("（いま2,000文字）")
    assert page.get_attribute("#notes", "aria-describedby").split()[-1] == "notes-limit"
