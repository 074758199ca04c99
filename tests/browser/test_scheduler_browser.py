"""In a real browser: the inbox badge and a notice that leads to its page; the coordinator sets the
round schedule; the administrator asks for a job run and a test e-mail (CSRF protection on)."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.models import OutboxMessage
from talentbank.notifications.services import notify
from talentbank.matching.models import ScheduleSetting
from talentbank.scheduler.models import JobRun

from .conftest import log_in, screenshot


def test_a_notice_in_the_inbox_leads_to_its_request(live_server, browser_page, make):
    zushi = make.demo_cities()["142085"]
    hr = make.user(Role.CITY_HR, city=zushi, email="hr.zushi@test.example", name="逗子 人事")
    request = make.staffing_request(zushi, status="expired")
    notify(hr, "request.expired", {
        "department": request.department, "section": request.section,
        "profession": {"ja": "土木", "en": "Civil engineering"}, "people": request.people,
        "start_date": request.start_date.isoformat(), "end_date": request.end_date.isoformat()},
        link=f"/requests/{request.id}")
    notify(hr, "mail.test", {})
    db.session.commit()
    page = browser_page

    log_in(page, live_server, hr.email, make.password)
    expect(page.locator("#inbox-link .badge")).to_have_text("2")
    page.click("#inbox-link")
    expect(page.locator("#inbox .inbox-entry.unread")).to_have_count(2)
    screenshot(page, "inbox-two-unread")
    page.click("#inbox button.inbox-title:has-text('派遣要請が期限切れになりました')")
    expect(page).to_have_url(f"{live_server}/requests/{request.id}")
    expect(page.locator("#inbox-link .badge")).to_have_text("1")


def test_the_coordinator_sets_the_schedule_and_the_admin_runs_a_job(live_server, browser_page, new_browser_page,
                                                                    make):
    coordinator = make.user(Role.COORDINATOR, email="coord@test.example", name="幹事 花子")
    admin = make.user(Role.ADMIN, email="admin@test.example", name="管理 次郎")
    page = browser_page

    log_in(page, live_server, coordinator.email, make.password)
    page.click("nav >> text=マッチングの日程")
    expect(page.locator("#schedule-summary")).to_contain_text("毎月第1月曜日 9:00")
    page.select_option("select[name=week_of_month]", "5")
    page.select_option("select[name=weekday]", "4")
    page.fill("input[name=hour]", "17")
    page.fill("input[name=minute]", "30")
    page.fill("textarea[name=reason]", "幹事市会議（12月）の決定による")
    page.click("#schedule-form button.primary")
    expect(page.get_by_text("マッチングの日程を保存しました。")).to_be_visible()
    expect(page.locator("#schedule-summary")).to_contain_text("毎月最終金曜日 17:30")
    screenshot(page, "schedule-last-friday")
    db.session.expire_all()
    assert db.session.get(ScheduleSetting, 1).weekday == 4

    page.click("nav >> text=定期ジョブ")
    expect(page.locator("#jobs")).to_be_visible()
    expect(page.locator("#jobs button:has-text('今すぐ実行')")).to_have_count(0)  # coordinators watch

    admin_page = new_browser_page()
    log_in(admin_page, live_server, admin.email, make.password)
    admin_page.goto(f"{live_server}/admin/jobs")
    expect(admin_page.locator("#scheduler-state")).to_contain_text("スケジューラーはまだ一度も起動していません")
    admin_page.click("#job-requests-expire button:has-text('今すぐ実行')")
    expect(admin_page.get_by_text("起動するまで実行されません")).to_be_visible()
    expect(admin_page.locator("#job-requests-expire")).to_contain_text("実行待ち")
    screenshot(admin_page, "jobs-run-queued")
    assert db.session.scalar(select(JobRun.status).where(JobRun.job_name == "requests.expire")) == "queued"

    admin_page.click("nav >> text=送信メール")
    admin_page.click("button:has-text('自分宛てにテストメールを送る')")
    expect(admin_page.locator("#outbox")).to_contain_text("admin@test.example")
    screenshot(admin_page, "outbox-test-mail-waiting")
    assert db.session.scalar(select(OutboxMessage.to_address)) == "admin@test.example"
