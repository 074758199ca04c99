"""Fiscal-year figures counted by hand from the rows made here, against the service, the page and the workbook.

Fiscal year Y runs from 1 April Y to 31 March Y+1 in Japan: a request posted at 23:30 on 31 March (Tokyo)
is in Y-1, one posted at 00:30 on 1 April in Y; a dispatch from January to June splits its days.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from statistics import median

import pytest

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.reports import figures

from .helpers import by_label, page_tables, workbook_sheets

NOW = datetime(2026, 12, 3, 3, 0)  # UTC; 3 December 2026 in Tokyo: fiscal year 2026


def tokyo_day(moment: datetime) -> date:
    return (moment + timedelta(hours=9)).date()


def fy_of(day: date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def weekday_days(start: date, end: date, year: int, days_per_week: int) -> float:
    first, last = date(year, 4, 1), date(year + 1, 3, 31)
    day, n = max(start, first), 0
    while day <= min(end, last):
        n += day.weekday() < 5
        day += timedelta(days=1)
    return n * days_per_week / 5


class World:
    """What was made, as plain values, so the expected figures never go through the code under test."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.dispatches: list[dict] = []
        self.people: list[dict] = []


@pytest.fixture
def world(make):
    clock.freeze(NOW)
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    w = World()
    w.zushi, w.kamakura = zushi, kamakura
    w.coordinator = make.user(Role.COORDINATOR)
    w.hr = make.user(Role.CITY_HR, city=zushi)
    w.specialist_user = make.user(Role.SPECIALIST)

    def person(city, professions, created_at):
        s = make.specialist(city, professions=professions, days_per_week=5, created_at=created_at)
        w.people.append({"city": city.id, "professions": [p.id for p in s.professions], "created_at": created_at})
        return s

    def request(city, profession, people, posted_at, status="open"):
        r = make.staffing_request(city, profession=profession, people=people, posted_at=posted_at, status=status)
        w.requests.append({"obj": r, "city": city.id, "profession": r.profession_id, "people": people,
                           "posted_at": posted_at, "status": status})
        return r

    def dispatch(specialist, req, start, end, dpw, created_at, status="active"):
        d = make.dispatch(specialist, req, status=status, start_date=start, end_date=end, days_per_week=dpw,
                          created_at=created_at)
        w.dispatches.append({"request": req.id, "city": req.city_id, "profession": req.profession_id, "start": start,
                             "end": end, "dpw": dpw, "created_at": created_at, "status": status, "exchange": False})
        return d

    a = person(zushi, ("civil",), datetime(2025, 5, 1, 1, 0))
    b = person(zushi, ("civil",), datetime(2026, 3, 31, 16, 0))  # 1 April, 01:00 in Tokyo: FY2026
    c = person(kamakura, ("civil", "public_health_nurse"), datetime(2026, 3, 31, 14, 0))  # 31 March 23:00: FY2025
    e = person(kamakura, ("public_health_nurse",), datetime(2026, 6, 1))
    f = person(zushi, ("civil",), datetime(2026, 4, 2))

    r_march = request(zushi, "civil", 2, datetime(2026, 3, 31, 14, 30), status="filled")  # 31 March 23:30 Tokyo
    r_april = request(zushi, "civil", 3, datetime(2026, 3, 31, 15, 30), status="partly_filled")  # 1 April 00:30
    request(zushi, "civil", 4, datetime(2026, 5, 1), status="withdrawn")
    request(zushi, "civil", 5, None, status="draft")
    r_nurse = request(kamakura, "public_health_nurse", 1, datetime(2026, 6, 1, 0, 0), status="filled")

    # January to June: its weekdays split between FY2025 and FY2026.
    dispatch(a, r_march, date(2026, 1, 5), date(2026, 6, 30), 5, datetime(2026, 4, 10, 3, 0))
    # One day on 31 March (a Tuesday), two days a week: FY2025.
    dispatch(b, r_march, date(2026, 3, 31), date(2026, 3, 31), 2, datetime(2026, 3, 31, 5, 0))
    # One day on 1 April: FY2026.
    dispatch(c, r_april, date(2026, 4, 1), date(2026, 4, 1), 5, datetime(2026, 4, 5, 3, 0))
    dispatch(f, r_april, date(2026, 5, 1), date(2026, 5, 29), 3, datetime(2026, 4, 20), status="cancelled")
    dispatch(e, r_nurse, date(2026, 7, 1), date(2026, 9, 30), 3, datetime(2026, 6, 15, 2, 0), status="completed")

    # An exchange ring of Zushi and Kamakura, agreed on 1 May 2026: one leg received by each city.
    from talentbank.dispatches.cycles import dispatches_for_agreed_ring
    clock.freeze(datetime(2026, 5, 1, 3, 0))
    ring = make.exchange_ring([make.exchange_offer(zushi, wants="civil"),
                               make.exchange_offer(kamakura, wants="civil")], status="confirmed")
    for leg in dispatches_for_agreed_ring(ring):
        w.dispatches.append({"request": None, "city": leg.city_id, "profession": None, "start": leg.start_date,
                             "end": leg.end_date, "dpw": leg.days_per_week, "created_at": leg.created_at,
                             "status": leg.status, "exchange": True})
    db.session.commit()
    # The officers were registered on 1 May too.
    from talentbank.specialists.models import Specialist
    for member in ring.members:
        officer = db.session.get(Specialist, member.officer_id)
        w.people.append({"city": officer.home_city_id, "professions": [p.id for p in officer.professions],
                         "created_at": officer.created_at})
    clock.freeze(NOW)
    return w


def expected(w: World, year: int) -> dict:
    """The figures of ``year`` per (city, profession), per city and in total, counted from the rows above."""
    rows: dict = defaultdict(lambda: {"requested": 0, "filled": 0, "person_days": 0.0, "exchanges": 0,
                                      "registrations": 0, "waits": []})
    counted = {r["obj"].id: r for r in w.requests
               if r["posted_at"] is not None and r["status"] not in ("draft", "withdrawn")
               and fy_of(tokyo_day(r["posted_at"])) == year}
    for r in counted.values():
        rows[(r["city"], r["profession"])]["requested"] += r["people"]
    agreed = [d for d in w.dispatches if d["status"] in ("scheduled", "active", "completed")]
    for rid, r in counted.items():
        mine = [d for d in agreed if d["request"] == rid]
        rows[(r["city"], r["profession"])]["filled"] += min(len(mine), r["people"])
        for d in mine:
            rows[(r["city"], r["profession"])]["waits"].append(
                (tokyo_day(d["created_at"]) - tokyo_day(r["posted_at"])).days)
    for d in agreed:
        days = weekday_days(d["start"], d["end"], year, d["dpw"])
        if days:
            rows[(d["city"], d["profession"])]["person_days"] += days
        if d["exchange"] and fy_of(tokyo_day(d["created_at"])) == year:
            rows[(d["city"], None)]["exchanges"] += 1
    people_by_city: dict = defaultdict(int)
    total_people = 0
    for p in w.people:
        if fy_of(tokyo_day(p["created_at"])) == year:
            total_people += 1
            people_by_city[p["city"]] += 1
            for pid in p["professions"]:
                rows[(p["city"], pid)]["registrations"] += 1
    by_city: dict = defaultdict(lambda: {"requested": 0, "filled": 0, "person_days": 0.0, "exchanges": 0,
                                         "waits": []})
    for (city, _p), v in rows.items():
        for k in ("requested", "filled", "person_days", "exchanges"):
            by_city[city][k] += v[k]
        by_city[city]["waits"] += v["waits"]
    for city, v in by_city.items():
        v["registrations"] = people_by_city.get(city, 0)
    return {"rows": {k: v for k, v in rows.items() if any(v[x] for x in ("requested", "filled", "person_days",
                                                                         "exchanges", "registrations"))},
            "by_city": by_city, "total_people": total_people}


def _rate(filled, requested):
    return filled / requested if requested else None


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_service_counts_match_a_count_by_hand(world, year):
    want = expected(world, year)
    fy = figures.fiscal_year(year)
    got = {k: r for k, r in fy.rows.items()
           if r.requested or r.filled or r.person_days or r.exchanges or r.registrations}
    assert set(got) == set(want["rows"])
    for key, v in want["rows"].items():
        row = got[key]
        assert (row.requested, row.filled, row.exchanges, row.registrations) == (
            v["requested"], v["filled"], v["exchanges"], v["registrations"]), key
        assert row.person_days == pytest.approx(v["person_days"]), key
        assert row.median_days == (median(v["waits"]) if v["waits"] else None), key
    assert fy.total().registrations == want["total_people"]


def test_fiscal_year_boundaries(world):
    """31 March (Tokyo) is the old year, 1 April the new; January–June splits; the Tokyo date decides."""
    zushi_civil = (world.zushi.id, world.requests[0]["profession"])
    old, new = figures.fiscal_year(2025), figures.fiscal_year(2026)
    assert old.rows[zushi_civil].requested == 2  # posted 31 March 23:30 in Tokyo
    assert new.rows[zushi_civil].requested == 3  # posted 1 April 00:30 in Tokyo (still 31 March in UTC)
    # January 5 – March 31 2026: 62 weekdays at five days, plus the one-day dispatch on 31 March at two days.
    assert old.rows[zushi_civil].person_days == pytest.approx(62 + 0.4)
    # April 1 – June 30 2026: 65 weekdays of the January–June dispatch, plus the one-day dispatch on 1 April.
    assert new.rows[zushi_civil].person_days == pytest.approx(65 + 1)
    assert figures.fiscal_year_of(date(2026, 3, 31)) == 2025 and figures.fiscal_year_of(date(2026, 4, 1)) == 2026


def test_person_days_split_between_two_years():
    assert figures.person_days(date(2026, 1, 5), date(2026, 6, 30), 5, 2025) == 62
    assert figures.person_days(date(2026, 1, 5), date(2026, 6, 30), 5, 2026) == 65
    assert figures.person_days(date(2026, 1, 5), date(2026, 6, 30), 2, 2026) == pytest.approx(26)
    assert figures.weekdays_between(date(2026, 4, 4), date(2026, 4, 5)) == 0  # a weekend


def _login(client, user):
    return client.post("/login", data={"email": user.email, "password": "correct-horse-42"})


def test_page_and_workbook_show_the_same_figures(world, client):
    _login(client, world.coordinator)
    want = expected(world, 2026)
    names = figures.load_names()
    html = client.get("/reports/fiscal-year/2026").get_data(as_text=True)
    tables, _own = page_tables(html)
    city_rows = by_label(tables["fiscal_by_city"])
    for city_id, v in want["by_city"].items():
        label = names.cities[city_id].name_ja
        requested, filled, fill, pdays, exchanges, regs, med = city_rows[label]
        assert (requested, filled, exchanges, regs) == (v["requested"], v["filled"], v["exchanges"],
                                                        v["registrations"])
        assert pdays == pytest.approx(round(v["person_days"], 1))
        assert fill == pytest.approx(_rate(v["filled"], v["requested"])) if v["requested"] else fill is None
        assert med == (median(v["waits"]) if v["waits"] else None)
    assert city_rows["連携市全体"][5] == want["total_people"]
    cells = by_label(tables["fiscal_by_city_profession"], 2)
    for (city_id, pid), v in want["rows"].items():
        key = (names.cities[city_id].name_ja, names.professions[pid].name_ja if pid else "職員交流・職種なし")
        assert cells[key][0] == v["requested"] and cells[key][1] == v["filled"], key
        assert cells[key][3] == pytest.approx(round(v["person_days"], 1)), key

    response = client.get("/reports/fiscal-year/2026.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = workbook_sheets(response.data)
    assert set(sheets) == {"市別", "職種別", "市・職種別"}
    header, *rows = sheets["市別"]
    assert header[0] == "市" and header[3] == "充足率（%）"
    book = by_label(rows)
    for city_id, v in want["by_city"].items():
        requested, filled, fill, pdays, exchanges, regs, med = book[names.cities[city_id].name_ja]
        assert isinstance(requested, int) and (requested, filled, exchanges, regs) == (
            v["requested"], v["filled"], v["exchanges"], v["registrations"])
        assert pdays == pytest.approx(round(v["person_days"], 1))
        assert fill == (round(100 * v["filled"] / v["requested"], 1) if v["requested"] else None)


def test_bad_years_answer_404_with_a_clear_page(world, client):
    _login(client, world.coordinator)
    for url in ("/reports/fiscal-year/2028", "/reports/fiscal-year/1999", "/reports/fiscal-year/2028.xlsx"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "年度の報告はありません" in response.get_data(as_text=True)
    for url in ("/reports/fiscal-year/abc", "/reports/fiscal-year/99999999999999", "/reports/fiscal-year/-1"):
        assert client.get(url).status_code == 404, url
    assert client.get("/reports/fiscal-year/2027").status_code == 200


def test_specialists_get_403_hr_officers_see_their_city_marked(world, client):
    _login(client, world.specialist_user)
    for url in ("/reports/", "/reports/alliance", "/reports/fiscal-year/2026", "/reports/fiscal-year/2026.xlsx"):
        assert client.get(url).status_code == 403, url
    client.post("/logout")
    _login(client, world.hr)
    html = client.get("/reports/fiscal-year/2026").get_data(as_text=True)
    _tables, own = page_tables(html)
    assert own["fiscal_by_city"] == ["逗子市"]
    assert set(own["fiscal_by_city_profession"]) == {"逗子市"}


def test_the_list_names_each_fiscal_year_since_the_first_data(world, client):
    _login(client, world.coordinator)
    html = client.get("/reports/").get_data(as_text=True)
    assert "/reports/fiscal-year/2026" in html and "/reports/fiscal-year/2025" in html
    assert "/reports/fiscal-year/2024" not in html


def test_a_request_is_never_more_than_filled(make):
    """Two agreed dispatches on a request for one person fill one slot, not two."""
    clock.freeze(NOW)
    zushi = make.city()
    req = make.staffing_request(zushi, people=1, posted_at=datetime(2026, 5, 1), status="filled")
    for _ in range(2):
        make.dispatch(make.specialist(zushi, days_per_week=5), req, start_date=date(2026, 6, 1),
                      end_date=date(2026, 6, 5), days_per_week=5)
    row = figures.fiscal_year(2026).rows[(zushi.id, req.profession_id)]
    assert (row.requested, row.filled, row.fill_rate) == (1, 1, 1.0)
    assert row.person_days == 10  # both people worked: days are not capped
