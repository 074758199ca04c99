"""Issue 13, a registry the cities can trust: a retired public health nurse signs up (an empty form
first, its problems summarised at the top), confirms the address from the e-mail a real SMTP server
received, reads the readiness checklist and enters the licence's particulars; the coordinating city
verifies the licence, and only then is the person matchable."""
from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select
from werkzeug.serving import make_server

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.mail import deliver_due_messages
from talentbank.specialists.models import Specialist
from talentbank.specialists.registry import matchable_specialists
from tests.notifications.conftest import SmtpServer, free_port

from .conftest import log_in, screenshot

NAME, KANA, EMAIL, PHONE = "葉山 澄子", "はやま すみこ", "sumiko.hayama@example.jp", "046-871-2222"
PASSWORD = "Shiosai-no-michi 47 kaigan"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def mailing_live_server(app, tmp_path):
    """Like ``live_server`` (conftest.py), but its own app, so that the links in its e-mail name its
    address (PUBLIC_BASE_URL, read when a message is put in the outbox) and licence copies go to a
    temporary folder rather than the instance folder."""
    from talentbank.app import create_app

    live_app = create_app({
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "live-test-secret",
        "WTF_CSRF_ENABLED": True,
        "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
    })
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["PUBLIC_BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base_url
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def smtp(app):
    """A loopback SMTP server (tests/notifications/conftest.py) that the tests' app delivers the outbox to."""
    server = SmtpServer(free_port())
    server.start()
    keys = ("SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "SMTP_USER", "SMTP_PASSWORD", "MAIL_FROM", "SMTP_TIMEOUT_SECONDS")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TLS="none", SMTP_USER=None,
                      SMTP_PASSWORD=None, MAIL_FROM="専門人材バンク <no-reply@talentbank.test>", SMTP_TIMEOUT_SECONDS=5)
    yield server
    app.config.update(saved)
    server.stop()


def delivered_to(smtp: SmtpServer, address: str) -> list:
    """Send what waits in the outbox through the loopback server; the messages ``address`` has received."""
    db.session.expire_all()  # the live server wrote the outbox rows
    report = deliver_due_messages()
    assert report.failed == 0 and not report.error, report
    return smtp.mailbox.to(address)


def specialist_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Specialist.id)))


def test_a_retiree_signs_up_confirms_the_address_and_becomes_matchable_once_the_licence_is_verified(
        mailing_live_server, smtp, browser_page, new_browser_page, make):
    base = mailing_live_server
    make.demo_cities()
    make.vocabulary()
    coordinator = make.user(Role.COORDINATOR, email="coord@test.example", name="幹事 花子")
    today = clock.today_tokyo()
    page = browser_page

    # An empty sign-up: nothing is saved, every problem is listed at the top, each linking to its field.
    page.goto(f"{base}/signup")
    expect(page.locator("h1")).to_have_text("退職専門人材の登録")
    for name in ("name_kanji", "email", "password", "consent"):
        expect(page.locator("#signup-form .field", has=page.locator(f"#{name}")).locator(".required")).to_have_text("必須")
    page.click("button:has-text('同意して登録する')")
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("入力内容を確認してください")
    for anchor in ("name_kanji", "email", "password", "consent"):
        expect(summary.locator(f"a[href='#{anchor}']").first).to_be_visible()
    # The summary comes before the form, and its links lead to the fields.
    assert page.evaluate("""() => {
        const s = document.getElementById('error-summary'), f = document.getElementById('signup-form');
        return !!(s.compareDocumentPosition(f) & Node.DOCUMENT_POSITION_FOLLOWING);
    }""")
    expect(page.locator("#password-cleared")).to_be_visible()
    screenshot(page, "verification-empty-signup")
    summary.locator("a[href='#email']").first.click()
    expect(page).to_have_url(re.compile(r"#email$"))
    assert specialist_count() == 0

    # Then the whole form: a public health nurse with the licence, living in Zushi, free from next month.
    start, end = today + timedelta(days=30), today + timedelta(days=400)
    page.fill("input[name=name_kanji]", NAME)
    page.fill("input[name=name_kana]", KANA)
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=phone]", PHONE)
    page.select_option("select[name=home_city_id]", label="逗子市（142085）")
    page.fill("input[name=former_employer]", "逗子市 福祉部 健康づくり課")
    page.fill("input[name=retirement_year]", "2024")
    page.locator("#profession_ids").get_by_label("保健師", exact=True).check()
    page.locator("#licence_ids").get_by_label("保健師免許", exact=True).check()
    page.select_option("select[name='experiences-0-field_id']", label="母子保健")
    page.fill("input[name='experiences-0-years']", "25")
    page.fill("input[name='windows-0-start_date']", start.isoformat())
    page.fill("input[name='windows-0-end_date']", end.isoformat())
    page.fill("input[name=days_per_week]", "3")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=confirm]", PASSWORD)
    page.check("input[name=consent]")
    page.click("button:has-text('同意して登録する')")
    expect(page.locator("#signup-sent")).to_contain_text(EMAIL)
    expect(page.locator("h1")).to_have_text("確認メールを送りました")
    expect(page.locator("form[action$='/logout']")).to_have_count(0)  # signed up, not logged in
    assert specialist_count() == 1

    # The confirmation mail, as a real SMTP server received it, carries the link to this server.
    messages = delivered_to(smtp, EMAIL)
    assert len(messages) == 1
    mail_text = messages[0].get_content()
    assert "メールアドレスの確認" in messages[0]["Subject"]
    link = re.search(rf"{re.escape(base)}/signup/confirm/\S+", mail_text)
    assert link, mail_text
    page.goto(link.group(0))
    page.click("#confirm-email")
    expect(page.get_by_text("メールアドレスを確認しました。")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))

    # Logged in, the person sees what is done and what still keeps them out of matching.
    log_in(page, base, EMAIL, PASSWORD)
    page.goto(f"{base}/me")
    readiness = page.locator("#readiness")
    expect(page.locator("#not-matchable")).to_have_text("登録中（準備が済むまでマッチングの対象外）")
    expect(page.locator("#matchable")).to_have_count(0)
    expect(readiness.locator("li[data-item=email]")).to_have_class("done")
    expect(readiness.locator("li[data-item=window]")).to_have_class("done")
    expect(readiness.locator("li[data-item=profession]")).to_have_class("todo")
    expect(readiness.locator("li[data-item=licence]")).to_have_class("note")
    expect(readiness.locator("li[data-item=licence]")).to_contain_text("保健師免許: 番号・発行者・取得日が未入力です。")
    screenshot(page, "verification-readiness-before")

    # The licence's particulars and a copy, from the checklist's link.
    readiness.locator("li[data-item=profession] a:has-text('資格の内容を登録する')").click()
    expect(page.locator("h1")).to_have_text("資格の番号と写し")
    fieldset = page.locator("#licences-form fieldset", has_text="保健師免許")
    prefix = fieldset.get_attribute("id")
    assert prefix and re.fullmatch(r"licence-\d+", prefix), prefix
    page.fill(f"#{prefix}-number", "第123456号")
    page.fill(f"#{prefix}-issuer", "厚生労働大臣")
    page.fill(f"#{prefix}-issued_on", date(1990, 4, 1).isoformat())
    page.set_input_files(f"#{prefix}-document", files=[
        {"name": "hokenshi-menkyo.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.click("#licences-form button[type=submit]")
    expect(page.get_by_text("資格の内容を保存しました（1件を変更）")).to_be_visible()
    expect(page.locator(f"#{prefix}")).to_contain_text("登録済み: hokenshi-menkyo.pdf")
    page.goto(f"{base}/me")
    expect(readiness.locator("li[data-item=licence]")).to_contain_text("保健師免許: 幹事市の確認待ちです。")
    expect(page.locator("#not-matchable")).to_be_visible()
    db.session.expire_all()
    person = db.session.scalar(select(Specialist).where(Specialist.email == EMAIL))
    reference = person.reference
    assert person.id not in {s.id for s in matchable_specialists()}

    # The coordinating city sees one person waiting, opens the check and verifies the licence.
    coord = new_browser_page()
    log_in(coord, base, coordinator.email, make.password)
    menu_entry = coord.locator("nav a", has_text="登録内容の確認")
    expect(menu_entry.locator(".count")).to_have_text("1")
    menu_entry.click()
    row = coord.locator(f"tr[data-reference='{reference}']")
    expect(row).to_contain_text(NAME)
    row.locator(f"a:has-text('{reference}')").click()
    expect(coord.locator("#person-not-matchable")).to_be_visible()
    item = coord.locator("div.verification-item[data-licence='public_health_nurse_licence']")
    expect(item).to_contain_text("第123456号")
    expect(item).to_contain_text("厚生労働大臣")
    expect(item).to_contain_text("1990-04-01")
    expect(item.locator("a", has_text="写しを開く（hokenshi-menkyo.pdf）")).to_be_visible()
    expect(coord.locator("div.verification-item[data-profession='public_health_nurse'] .tag")).to_have_text("未確認")
    item.locator("input[type=radio][value=verify]").check()
    coord.click("#save-decisions")
    expect(coord.get_by_text("確認結果を保存しました（確認済み 1件、確認できない 0件）")).to_be_visible()
    expect(coord.locator("#person-matchable")).to_have_text("マッチングの対象")
    expect(coord.locator("div.verification-item[data-profession='public_health_nurse'] .tag")).to_have_text(
        "資格により使用可")
    screenshot(coord, "verification-coordinator-verified")

    # The person is told, by e-mail and in the inbox, and the page now says they can be matched.
    decided = [m for m in delivered_to(smtp, EMAIL) if "確認結果" in m["Subject"]]
    assert len(decided) == 1 and "確認済み: 保健師免許" in decided[0].get_content()
    page.goto(f"{base}/me")
    expect(page.locator("#matchable")).to_have_text("登録中（マッチングの対象）")
    expect(page.locator("#not-matchable")).to_have_count(0)
    expect(readiness.locator("li[data-item=licence]")).to_have_class("done")
    expect(readiness.locator("li[data-item=licence]")).to_contain_text("保健師免許: 確認済みです。")
    expect(readiness.locator("li[data-item=profession]")).to_have_class("done")
    expect(readiness.locator("li.todo")).to_have_count(0)
    screenshot(page, "verification-readiness-after")

    db.session.expire_all()
    assert person.id in {s.id for s in matchable_specialists()}
