"""Each role's home page on the demo data, in a real browser: the to-dos come first, with counts and links.

Screenshots (test-artifacts/dashboard-*.png) show the coordinating city's, an HR officer's and the demo
retiree's home page as they log in. Every count on screen is compared with the database.
"""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from talentbank.cities.models import City
from talentbank.core import clock
from talentbank.demo.accounts import DEMO_PASSWORD
from talentbank.dispatches.models import Dispatch
from talentbank.demo.specialists import DEMO_SPECIALIST_EMAIL
from talentbank.extensions import db
from talentbank.main.dashboard import arrivals_missing_clause
from talentbank.requests.models import STATUSES, StaffingRequest
from talentbank.specialists.verification import queue_count

from .conftest import log_in, screenshot

COORDINATOR = "coordinator@demo.talentbank.example"


def _todo(page, key: str):
    return page.locator(f"#todos [data-todo='{key}']")


def _expect_todo(page, key: str, count: int, href: str | None = None) -> None:
    item = _todo(page, key)
    expect(item).to_be_visible()
    expect(item).to_have_attribute("data-count", str(count))
    expect(item.locator(".todo-count")).to_have_text(str(count))
    if href is not None:
        expect(item.locator("a")).to_have_attribute("href", href)


def _soon_clause(today):
    return (StaffingRequest.status.in_(("open", "partly_filled")),
            StaffingRequest.filled_count < StaffingRequest.people, StaffingRequest.start_date >= today,
            StaffingRequest.start_date <= today + timedelta(days=14))


def test_each_roles_home_page_shows_its_to_dos_first(app, app_ctx, live_server, browser_page, new_browser_page):
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    today = clock.today_tokyo()

    # The coordinating city: checks waiting, requests starting soon with empty slots (and why), rounds to review.
    page = browser_page
    log_in(page, live_server, COORDINATOR, DEMO_PASSWORD)
    page.goto(f"{live_server}/")
    expect(page.locator("h2#todos-title")).to_have_text("やること")
    waiting = queue_count()
    soon = db.session.scalar(select(func.count()).select_from(StaffingRequest).where(*_soon_clause(today)))
    assert waiting and soon, "the demo data should give the coordinating city something to do"
    _expect_todo(page, "verification", waiting, "/specialists/verification/")
    _expect_todo(page, "escalation", soon, "#escalation")
    _expect_todo(page, "proposals", 0, "/matching/")
    expect(page.locator("#escalation-rows tbody tr")).to_have_count(min(soon, 20))
    # The open slots by city and profession as a chart (the reports' SVG partial) with Japanese labels.
    first = db.session.scalar(select(StaffingRequest).where(*_soon_clause(today)).order_by(StaffingRequest.id))
    expect(page.locator("svg#chart-escalation_slots")).to_be_visible()
    expect(page.locator("svg#chart-escalation_slots")).to_contain_text(first.city.name_ja)
    # To-dos first, the menu after them.
    todos_box = page.locator("#todos").bounding_box()
    menu_box = page.locator("#menu").bounding_box()
    assert todos_box["y"] < menu_box["y"]
    screenshot(page, "dashboard-coordinator")
    _todo(page, "verification").locator("a").click()
    expect(page).to_have_url(f"{live_server}/specialists/verification/")

    # An HR officer: the city with a request starting soon, if the demo has one; their requests by state.
    city_id = db.session.scalar(select(StaffingRequest.city_id).where(*_soon_clause(today))
                                .order_by(StaffingRequest.start_date).limit(1))
    city = db.session.get(City, city_id) if city_id else db.session.scalar(select(City).where(City.code == "142085"))
    hr_page = new_browser_page()
    log_in(hr_page, live_server, f"hr.{city.name_en.lower()}@demo.talentbank.example", DEMO_PASSWORD)
    hr_page.goto(f"{live_server}/")
    city_soon = db.session.scalar(select(func.count()).select_from(StaffingRequest).where(
        *_soon_clause(today), StaffingRequest.city_id == city.id))
    _expect_todo(hr_page, "unfilled_soon", city_soon, "#escalation")
    expect(hr_page.locator("#escalation-rows tbody tr")).to_have_count(city_soon)
    _expect_todo(hr_page, "rings", 0, "/exchange-rings/")
    by_status = dict(db.session.execute(select(StaffingRequest.status, func.count()).where(
        StaffingRequest.city_id == city.id).group_by(StaffingRequest.status)).all())
    for status in STATUSES:
        item = hr_page.locator(f"#requests-by-status [data-status='{status}']")
        expect(item).to_have_attribute("data-count", str(by_status.get(status, 0)))
        expect(item.locator("a")).to_have_attribute("href", f"/requests/?status={status}")
    expect(hr_page.locator("#requests-by-status h2")).to_contain_text(city.name_ja)
    screenshot(hr_page, "dashboard-hr-officer")
    hr_page.locator("#requests-by-status [data-status='open'] a").click()
    expect(hr_page).to_have_url(f"{live_server}/requests/?status=open")

    # The demo retiree: what is left to do before matching, and the open requests that fit.
    retiree = new_browser_page()
    log_in(retiree, live_server, DEMO_SPECIALIST_EMAIL, DEMO_PASSWORD)
    retiree.goto(f"{live_server}/")
    readiness = retiree.locator("#readiness-todos li")
    expect(_todo(retiree, "readiness")).to_have_attribute("data-count", str(readiness.count()))
    expect(_todo(retiree, "readiness").locator("a")).to_have_attribute("href", "/me#readiness")
    _expect_todo(retiree, "offers", 0, "/offers/")
    fitting = retiree.locator("#fitting-requests")
    expect(fitting).to_be_visible()
    shown = retiree.locator("#fitting-requests tbody tr").count()
    assert int(fitting.get_attribute("data-count")) >= shown
    expect(retiree.locator("#my-dispatches")).to_contain_text("決まった派遣はまだありません。")
    screenshot(retiree, "dashboard-retiree")


def test_hr_enters_first_day_details_and_the_retiree_sees_them_at_home(app, live_server, browser_page,
                                                                        new_browser_page, make):
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    from talentbank.specialists.models import Specialist
    from talentbank.accounts.models import User

    zushi = db.session.scalar(select(City).where(City.code == "142085"))
    retiree = db.session.scalar(select(Specialist).join(User, User.id == Specialist.user_id)
                                .where(User.email == DEMO_SPECIALIST_EMAIL))
    window = retiree.availability_windows[0]
    start = max(window.start_date, clock.today_tokyo() + timedelta(days=10))
    request = make.staffing_request(zushi, profession=retiree.professions[0].code, people=1, days_per_week=1,
                                    start_date=start, end_date=start + timedelta(days=30))
    dispatch = make.dispatch(retiree, request)

    # The receiving city's HR officer: the to-do leads to the form.
    page = browser_page
    log_in(page, live_server, "hr.zushi@demo.talentbank.example", DEMO_PASSWORD)
    page.goto(f"{live_server}/")
    # The demo's own dispatches to Zushi (a retiree's, an exchange leg) wait for their details too.
    missing = db.session.scalar(select(func.count()).select_from(Dispatch).where(*arrivals_missing_clause(zushi.id)))
    assert missing >= 1
    first = db.session.scalar(select(Dispatch.id).where(*arrivals_missing_clause(zushi.id)).order_by(
        Dispatch.start_date, Dispatch.id).limit(1))
    _expect_todo(page, "arrivals", missing, f"/dispatches/{first}/arrival")
    _todo(page, "arrivals").locator("a").click()
    expect(page).to_have_url(f"{live_server}/dispatches/{first}/arrival")
    page.goto(f"{live_server}/dispatches/{dispatch.id}/arrival")
    page.fill("input[name=contact_name]", "逗子 太郎")
    page.fill("input[name=contact_phone]", "046-873-1111")
    page.fill("input[name=place]", "逗子市役所 3階 道路課")
    page.fill("input[name=first_day_on]", start.isoformat())
    page.fill("input[name=meeting_time]", "08:30")
    page.fill("textarea[name=what_to_bring]", "作業着、安全靴")
    screenshot(page, "dashboard-arrival-form")
    page.click("#arrival-form button[type=submit]")
    expect(page.get_by_text("初日の案内を登録しました。本人に通知しました。")).to_be_visible()
    page.goto(f"{live_server}/")
    _expect_todo(page, "arrivals", missing - 1)

    # The retiree: the dispatch with whom to call and where to go, on the home page.
    person = new_browser_page()
    log_in(person, live_server, DEMO_SPECIALIST_EMAIL, DEMO_PASSWORD)
    person.goto(f"{live_server}/")
    card = person.locator(f"#my-dispatches [data-dispatch='{dispatch.id}']")
    expect(card).to_contain_text("逗子 太郎")
    expect(card).to_contain_text("046-873-1111")
    expect(card).to_contain_text(f"{start.isoformat()} 08:30")
    expect(card).to_contain_text("作業着、安全靴")
    screenshot(person, "dashboard-retiree-with-dispatch")
