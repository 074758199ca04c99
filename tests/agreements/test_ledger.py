"""The ledger: person-days and amounts split across fiscal years, per pair of cities, on the page and in workbooks."""
from __future__ import annotations

import io
from datetime import date, timedelta
from fractions import Fraction

import pytest
from openpyxl import load_workbook

from talentbank.agreements import ledger, terms
from talentbank.core import fiscal
from talentbank.extensions import db

from .conftest import JAN_TO_JUNE, a_dispatch


def _weekdays(start: date, end: date) -> int:
    """Counted day by day (a different method from core.fiscal's)."""
    n, day = 0, start
    while day <= end:
        n += day.weekday() < 5
        day += timedelta(days=1)
    return n


def _jan_to_june(make, tworld, *, rate=(10000, "day"), travel=(700, "day"), special_grant=False):
    req = tworld["request"]
    req.start_date, req.end_date = JAN_TO_JUNE
    req.offered_rate_amount, req.offered_rate_unit = rate
    db.session.commit()
    d = a_dispatch(make, tworld["retiree"], req, start_date=JAN_TO_JUNE[0], end_date=JAN_TO_JUNE[1], days_per_week=3)
    t = terms.current_terms(d.id)
    t.travel_amount, t.travel_unit = travel
    t.special_grant = special_grant
    db.session.commit()
    return d


def test_a_dispatch_from_january_to_june_splits_between_two_fiscal_years(make, tworld):
    d = _jan_to_june(make, tworld)
    first = _weekdays(date(2027, 1, 4), date(2027, 3, 31))   # FY2026
    second = _weekdays(date(2027, 4, 1), date(2027, 6, 30))  # FY2027
    rows = {year: ledger.ledger(tworld["coordinator"], year) for year in (2025, 2026, 2027, 2028)}
    assert rows[2025] == [] and rows[2028] == []
    (a,), (b,) = rows[2026], rows[2027]
    assert (a.dispatch_id, a.start, a.end) == (d.id, date(2027, 1, 4), date(2027, 3, 31))
    assert (b.start, b.end) == (date(2027, 4, 1), date(2027, 6, 30))
    assert a.person_days == Fraction(first * 3, 5) and b.person_days == Fraction(second * 3, 5)
    assert a.salary == round(first * 3 / 5 * 10000) and b.salary == round(second * 3 / 5 * 10000)
    assert a.travel == round(first * 3 / 5 * 700)
    # Both halves add up to the whole period, and the receiving city bears both items of a retiree.
    assert a.person_days + b.person_days == Fraction(_weekdays(*JAN_TO_JUNE) * 3, 5)
    assert a.borne_by("receiving") == a.salary + a.travel and a.borne_by("sending") == 0


def test_person_days_are_the_reports_person_days():
    from talentbank.reports.figures import person_days

    for start, end, dpw in ((date(2027, 1, 4), date(2027, 6, 30), 3), (date(2026, 4, 1), date(2027, 3, 31), 5),
                            (date(2026, 3, 30), date(2026, 4, 2), 2), (date(2027, 2, 27), date(2027, 3, 1), 1)):
        for year in (2025, 2026, 2027):
            assert float(fiscal.person_days_exact(start, end, dpw, year)) == pytest.approx(
                person_days(start, end, dpw, year))


def test_hourly_rates_and_trips():
    days = Fraction(12)
    assert ledger.salary_amount(2000, "hour", days) == 12 * 2000 * 31 // 4  # 7.75 hours a day
    assert ledger.travel_amount(5000, "trip", days, 11) == 3 * 5000  # 11 weekdays: 3 working weeks
    assert ledger.travel_amount(5000, "trip", days, 0) == 0
    assert ledger.salary_amount(None, None, days) is None


def test_the_estimated_cost_of_a_request():
    start, end = date(2027, 1, 4), date(2027, 6, 30)
    expected = _weekdays(start, end) * 3 * 12000 // 5
    assert ledger.estimated_cost(start, end, 3, 12000, "day") == expected
    est = ledger.estimate(start, end, 3, 12000, "day")
    assert est.amount == expected and est.weeks == Fraction(_weekdays(start, end), 5)
    assert ledger.estimate(start, end, 3, None, None) is None
    assert ledger.estimate(end, start, 3, 12000, "day") is None


def test_the_request_page_the_form_and_the_offer_show_the_estimate(make, tworld, client, auth):
    req = tworld["request"]
    req.offered_rate_amount, req.offered_rate_unit = 12000, "day"
    db.session.commit()
    amount = ledger.estimated_cost(req.start_date, req.end_date, req.days_per_week, 12000, "day")
    auth.login(tworld["zushi_hr"].email)
    page = client.get(f"/requests/{req.id}")
    assert page.status_code == 200 and f"{amount:,}円" in page.text and "日額 12,000円" in page.text
    auth.logout()
    offer = make.dispatch_offer(tworld["retiree"], req)
    auth.login(tworld["retiree_user"].email)
    page = client.get(f"/offers/{offer.id}")
    assert page.status_code == 200 and f"{amount:,}円" in page.text


def test_a_request_refuses_a_rate_without_its_unit(make, tworld):
    from talentbank.requests.services import offered_rate_problems

    assert offered_rate_problems(None, "") == []
    assert offered_rate_problems(12000, "day") == []
    assert offered_rate_problems(12000, "")[0].field == "offered_rate_unit"
    assert offered_rate_problems(None, "hour")[0].field == "offered_rate_amount"
    assert offered_rate_problems(-5, "day")[0].field == "offered_rate_amount"
    assert offered_rate_problems(5, "week")[0].field == "offered_rate_unit"


def test_the_ledger_page_and_the_settlement_workbook_show_the_independent_figures(make, tworld, client, auth):
    d = _jan_to_june(make, tworld)
    officer_d = a_dispatch(make, tworld["officer"], tworld["request"], start_date=date(2026, 10, 1),
                           end_date=date(2027, 2, 26), days_per_week=5)
    t = terms.current_terms(officer_d.id)
    t.travel_amount, t.travel_unit = 1000, "day"
    db.session.commit()
    first = _weekdays(date(2027, 1, 4), date(2027, 3, 31))
    retiree_salary, retiree_travel = round(first * 3 / 5 * 10000), round(first * 3 / 5 * 700)
    officer_days = _weekdays(date(2026, 10, 1), date(2027, 2, 26))
    officer_travel = officer_days * 1000  # 252-17: the receiving city bears travel
    auth.login(tworld["coordinator"].email)
    page = client.get("/agreements/ledger/2026")
    assert page.status_code == 200
    for figure in (f"{retiree_salary:,}", f"{retiree_travel:,}", f"{officer_travel:,}",
                   f"{retiree_salary + retiree_travel:,}", f"{first * 3 / 5:.1f}", f"{float(officer_days):.1f}"):
        assert figure in page.text, figure
    book = client.get("/agreements/ledger/2026/142085.xlsx")
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.data)).worksheets[0]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[d.id][7] == pytest.approx(first * 3 / 5) and rows[d.id][8] == retiree_salary
    assert rows[d.id][10] == retiree_salary + retiree_travel and rows[d.id][11] == 0
    assert rows[officer_d.id][9] == officer_travel and rows[officer_d.id][10] == officer_travel
    totals = load_workbook(io.BytesIO(book.data)).worksheets[1]
    assert sum(r[2] for r in totals.iter_rows(min_row=2, values_only=True)) == \
        retiree_salary + retiree_travel + officer_travel
    # Yokosuka (the officer's employer) bears nothing known here, but sees the dispatch in its own workbook.
    yokosuka = load_workbook(io.BytesIO(client.get("/agreements/ledger/2026/142018.xlsx").data)).worksheets[0]
    assert [r[0] for r in yokosuka.iter_rows(min_row=2, values_only=True)] == [officer_d.id]


def test_hr_sees_their_own_city_only(make, tworld, client, auth):
    _jan_to_june(make, tworld)
    auth.login(tworld["kamakura_hr"].email)
    page = client.get("/agreements/ledger/2026")
    assert page.status_code == 200 and "この年度に決まった派遣はありません" in page.text
    assert client.get("/agreements/ledger/2026/142085.xlsx").status_code == 403
    assert client.get("/agreements/ledger/2026?city=142085").status_code == 403
    assert client.get("/agreements/special-grant/2026/142085.xlsx").status_code == 403
    auth.logout()
    auth.login(tworld["retiree_user"].email)
    assert client.get("/agreements/ledger/2026").status_code == 403
    auth.logout()
    auth.login(tworld["zushi_hr"].email)
    assert client.get("/agreements/ledger/2026/142085.xlsx").status_code == 200
    assert client.get("/agreements/ledger/1800").status_code == 404
    assert client.get("/agreements/ledger/2026/999999.xlsx").status_code == 404


def test_the_special_grant_list_of_the_receiving_city(make, tworld, client, auth):
    d = _jan_to_june(make, tworld, special_grant=True)
    a_dispatch(make, tworld["officer"], tworld["request"])  # not flagged
    first = _weekdays(date(2027, 1, 4), date(2027, 3, 31))
    auth.login(tworld["zushi_hr"].email)
    page = client.get("/agreements/special-grant/2026")
    assert page.status_code == 200 and f"No.{d.id}" in page.text
    book = load_workbook(io.BytesIO(client.get("/agreements/special-grant/2026/142085.xlsx").data)).worksheets[0]
    rows = list(book.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][0] == d.id
    assert rows[0][7] == round(first * 3 / 5 * 10000) + round(first * 3 / 5 * 700)


def test_hr_posts_a_request_with_an_offered_rate_and_sees_the_estimate(make, tworld, client, auth):
    from sqlalchemy import select

    from talentbank.requests.models import StaffingRequest

    from ..requests.builders import form_data

    auth.login(tworld["zushi_hr"].email)
    before = db.session.scalar(select(db.func.count(StaffingRequest.id)))
    refused = client.post("/requests/new", data=form_data(make, offered_rate_amount="12000", offered_rate_unit=""))
    assert refused.status_code in (200, 400) and "単位（日額・時間額）" in refused.text
    refused = client.post("/requests/new", data=form_data(make, offered_rate_amount="-3", offered_rate_unit="day"))
    assert "0円以上" in refused.text
    assert db.session.scalar(select(db.func.count(StaffingRequest.id))) == before
    answer = client.post("/requests/new", data=form_data(make, offered_rate_amount="12000", offered_rate_unit="day"))
    assert answer.status_code == 302
    req = db.session.scalar(select(StaffingRequest).order_by(StaffingRequest.id.desc()))
    assert (req.offered_rate_amount, req.offered_rate_unit) == (12000, "day")
    amount = ledger.estimated_cost(req.start_date, req.end_date, req.days_per_week, 12000, "day")
    assert f"{amount:,}円" in client.get(f"/requests/{req.id}").text
    # Without a rate the request posts as before.
    assert client.post("/requests/new", data=form_data(make, offered_rate_amount="", offered_rate_unit="")
                       ).status_code == 302
