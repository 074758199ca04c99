"""The alliance picture and the round report, counted by hand from the rows made here.

Supply and demand by profession, each round's fill by city and profession, the empty slots grouped by
reason, the trend, dispatches and exchanges: the service, the page's tables and the workbook must all
show what a plain count over the created rows gives.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.matching.models import MatchingRound, UnfilledSlot
from talentbank.reports import figures

from .helpers import by_label, page_tables, workbook_sheets

NOW = datetime(2026, 12, 3, 3, 0)
TODAY = date(2026, 12, 3)


def no_eligible(total: int, **ruled_out: int) -> dict:
    return {"kind": "no_eligible", "total": total, "ruled_out": ruled_out}


OUTRANKED = {"kind": "outranked", "eligible": 1,
             "taken_by": [{"request": "1", "city": "142085", "priority_position": 0, "why": "urgency",
                           "specialists": ["1"]}]}


class World:
    pass


@pytest.fixture
def world(make):
    clock.freeze(NOW)
    w = World()
    cities = make.demo_cities()
    w.zushi, w.kamakura, w.yokosuka = cities["142085"], cities["142042"], cities["142018"]
    w.coordinator = make.user(Role.COORDINATOR)
    w.hr = make.user(Role.CITY_HR, city=w.zushi)
    w.specialist_user = make.user(Role.SPECIALIST)
    year = ((TODAY, TODAY + timedelta(days=365)),)
    past = ((date(2025, 1, 1), date(2025, 12, 31)),)
    # Who counts as supply: (profession codes, verified, status, windows, counts?)
    w.people = [
        (("civil",), True, "active", year, True),
        (("civil",), True, "active", year, True),
        (("civil", "public_health_nurse"), True, "active", year, True),
        (("civil",), True, "active", past, False),  # availability over
        (("civil",), False, "active", year, False),  # not checked by the coordinating city
        (("civil",), True, "paused", year, False),  # paused
        (("public_health_nurse",), True, "active", ((TODAY, TODAY),), True),  # available today still counts
    ]
    made = []
    for professions, verified, status, windows, _counts in w.people:
        made.append(make.specialist(w.zushi, professions=professions, verified=verified, status=status,
                                    windows=windows, days_per_week=5))
    # Live demand: (city, profession, people, filled, status)
    w.requests = [
        (w.zushi, "civil", 3, 1, "partly_filled"),
        (w.kamakura, "public_health_nurse", 2, 0, "open"),
        (w.yokosuka, "civil", 1, 0, "open"),
        (w.zushi, "civil", 2, 2, "filled"),  # not live
        (w.zushi, "public_health_nurse", 4, 0, "draft"),  # not live
    ]
    reqs = [make.staffing_request(city, profession=p, people=n, filled_count=f, status=s)
            for city, p, n, f, s in w.requests]
    w.reqs = reqs
    # Dispatches: one active in Zushi, one scheduled in Kamakura; a confirmed ring of Zushi and Kamakura
    # (the factories hang them on rounds of their own, made before the two rounds below).
    make.dispatch(made[3], reqs[0], status="active", start_date=TODAY, end_date=TODAY + timedelta(days=30))
    make.dispatch(made[6], reqs[1], status="scheduled", start_date=TODAY, end_date=TODAY)
    make.exchange_ring([make.exchange_offer(w.zushi, wants="civil"), make.exchange_offer(w.kamakura, wants="civil")],
                       status="confirmed")
    # An older round: Zushi 1 filled, Kamakura 2 empty.
    old = make.dispatch_round()
    make.approved_proposal(made[0], reqs[0], status="approved", rnd=old)
    db.session.add(UnfilledSlot(round_id=old.id, request_id=reqs[1].id, city_id=w.kamakura.id, slots=2,
                                priority_position=1, reason=no_eligible(7, profession=3, licences=4)))
    # The latest round: Zushi civil 2 proposed and 1 empty, Kamakura nurse 2 empty, Yokosuka civil 1 empty.
    latest = make.dispatch_round()
    make.approved_proposal(made[1], reqs[0], status="proposed", rnd=latest)
    make.approved_proposal(made[2], reqs[0], status="rejected", rnd=latest)
    w.latest_unfilled = [
        (reqs[0], w.zushi, 1, no_eligible(7, profession=2, availability=3, licences=1, travel=1)),  # unavailable
        (reqs[1], w.kamakura, 2, no_eligible(7, profession=3, licences=4)),  # missing licence
        (reqs[2], w.yokosuka, 1, OUTRANKED),  # outranked
    ]
    extra = make.staffing_request(w.yokosuka, profession="civil", people=3, status="open")
    w.latest_unfilled += [(extra, w.yokosuka, 3, no_eligible(7, profession=2, travel=3, mode=2))]  # too far
    nobody = make.staffing_request(w.kamakura, profession="public_health_nurse", people=1, status="open")
    w.latest_unfilled += [(nobody, w.kamakura, 1, no_eligible(7, profession=7))]  # no candidates
    w.requests += [(w.yokosuka, "civil", 3, 0, "open"), (w.kamakura, "public_health_nurse", 1, 0, "open")]
    for req, city, slots, reason in w.latest_unfilled:
        db.session.add(UnfilledSlot(round_id=latest.id, request_id=req.id, city_id=city.id, slots=slots,
                                    priority_position=0, reason=reason))
    # Rounds without figures: a what-if and a failed round, both after the latest.
    w.what_if = MatchingRound(kind="what_if", status="succeeded", rule_set_version_id=latest.rule_set_version_id,
                              stats={})
    w.failed = MatchingRound(kind="manual", status="failed", rule_set_version_id=latest.rule_set_version_id,
                             stats={})
    db.session.add_all([w.what_if, w.failed])
    db.session.commit()
    w.old, w.latest = old, latest
    return w


def expected_supply(w) -> dict[str, int]:
    supply: dict[str, int] = defaultdict(int)
    for professions, _v, _s, _w, counts in w.people:
        for p in professions:
            supply[p] += counts
    return dict(supply)


def expected_demand(w) -> dict[str, int]:
    demand: dict[str, int] = defaultdict(int)
    for _city, p, people, filled, status in w.requests:
        if status in ("open", "partly_filled"):
            demand[p] += people - filled
    return dict(demand)


def test_supply_and_demand_by_profession(world, make):
    from talentbank.vocabulary.models import Profession
    got = {db.session.get(Profession, i.profession_id).code: (i.available_people, i.open_slots)
           for i in figures.supply_and_demand()}
    supply, demand = expected_supply(world), expected_demand(world)
    assert got == {p: (supply.get(p, 0), demand.get(p, 0)) for p in set(supply) | set(demand)}
    assert got["civil"] == (3, 2 + 1 + 3)


def test_reason_codes_fall_into_their_groups():
    group = figures.reason_group
    assert group("outranked", {}, None) == "outranked"
    assert group("no_eligible", {"profession": 7}, 7) == "no_candidates"
    assert group("no_eligible", {"profession": 3, "licences": 4}, 7) == "missing_licence"
    assert group("no_eligible", {"profession": 2, "availability": 3, "licences": 1, "travel": 1}, 7) == "unavailable"
    assert group("no_eligible", {"busy": 2, "days_per_week": 1}, 3) == "unavailable"
    assert group("no_eligible", {"travel": 3, "mode": 2}, 5) == "too_far"
    assert group("no_eligible", {"excluded_city": 1}, 1) == "too_far"
    assert group("no_eligible", {"licences": 2, "travel": 2}, 4) == "missing_licence"  # a tie: the earlier rule
    assert group("no_eligible", {"forbidden": 1}, 1) == "other"
    assert group("no_eligible", {"profession": 1, "training": 3, "busy": 1}, 5) == "untrained"
    assert group("something_new", {}, 0) == "other"


def expected_round(w) -> tuple[dict, dict]:
    """(city code, profession code) -> [filled, empty] and group -> empty slots, for the latest round."""
    cells: dict = defaultdict(lambda: [0, 0])
    cells[("142085", "civil")][0] += 2  # two proposals of the latest round (one later rejected: still counted)
    groups = dict.fromkeys(figures.REASON_GROUPS, 0)
    names = {"unavailable": 1, "missing_licence": 2, "outranked": 1, "too_far": 3, "no_candidates": 1}
    for req, city, slots, _reason in w.latest_unfilled:
        cells[(city.code, req.profession.code)][1] += slots
    for g, n in names.items():
        groups[g] += n
    return dict(cells), groups


def test_round_figures_match_a_count_by_hand(world):
    cells, groups = expected_round(world)
    fig = figures.round_figures(world.latest.id)
    got = {(db.session.get(type(world.zushi), c.city_id).code, _code(c.profession_id)): [c.filled, c.empty]
           for c in fig.cells}
    assert got == cells
    assert fig.reasons_by_group() == groups
    assert fig.reasons_by_group(world.kamakura.id)["missing_licence"] == 2
    assert fig.decisions == {"proposed": 1, "rejected": 1}
    assert figures.latest_round_id() == world.latest.id  # not the what-if, not the failed round


def _code(profession_id):
    from talentbank.vocabulary.models import Profession
    return db.session.get(Profession, profession_id).code


def _login(client, user):
    return client.post("/login", data={"email": user.email, "password": "correct-horse-42"})


def test_alliance_page_tables_show_the_same_figures(world, client):
    _login(client, world.coordinator)
    response = client.get("/reports/alliance")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    tables, own = page_tables(html)
    assert not any(own.values())  # the coordinating city has no city of its own to highlight
    supply, demand = expected_supply(world), expected_demand(world)
    sd = by_label(tables["supply_demand"])
    assert sd["土木"][:2] == [supply["civil"], demand["civil"]]
    assert sd["保健師"][:2] == [supply["public_health_nurse"], demand["public_health_nurse"]]
    cells, groups = expected_round(world)
    by_city = by_label(tables["round_by_city"])
    for code, name in (("142085", "逗子市"), ("142042", "鎌倉市"), ("142018", "横須賀市")):
        filled = sum(v[0] for k, v in cells.items() if k[0] == code)
        empty = sum(v[1] for k, v in cells.items() if k[0] == code)
        asked, got_filled, got_empty, fill = by_city[name]
        assert (asked, got_filled, got_empty) == (filled + empty, filled, empty)
        assert fill == pytest.approx(filled / (filled + empty))
    reasons = by_label(tables["reasons"])
    labels = {"missing_licence": "必要な資格を持つ人がいない", "unavailable": "期間中に勤務できる人がいない",
              "too_far": "遠すぎる（移動時間・勤務先の除外）", "outranked": "より優先度の高い要請に配置された",
              "no_candidates": "その職種の登録者がいない"}
    for group, label in labels.items():
        assert reasons[label] == [groups[group]], group
    trend = tables["trend"]
    assert [r[0] for r in trend][-2:] == [f"No.{world.old.id}", f"No.{world.latest.id}"]
    assert trend[-2][2:5] == [3, 1, pytest.approx(1 / 3)]
    assert trend[-1][2:5] == [2 + 8, 2, pytest.approx(2 / 10)]
    by_round = by_label(tables["trend_by_city"])
    assert by_round["逗子市"][-2:] == [1.0, pytest.approx(2 / 3)]  # 1 of 1, then 2 of 3
    assert by_round["鎌倉市"][-2:] == [0.0, 0.0] and by_round["横須賀市"][-2:] == [None, 0.0]
    by_profession = by_label(tables["trend_by_profession"])
    assert by_profession["土木"][-2:] == [1.0, pytest.approx(2 / 7)]  # 1 of 1; 2 of 2 + 1 + 1 + 3
    assert by_profession["保健師"][-2:] == [0.0, 0.0]
    activity = by_label(tables["activity"])
    assert activity["逗子市"] == [0, 1, 1] and activity["鎌倉市"] == [1, 0, 1]
    # Every chart is an SVG image with a title, beside its table.
    assert html.count('role="img"') == 6 and "<title id=\"chart-supply_demand-title\">職種別の供給と需要</title>" in html
    assert "<script" not in html.split("<main")[1]


def test_hr_officer_sees_the_alliance_with_their_city_highlighted(world, client):
    _login(client, world.hr)
    html = client.get("/reports/alliance").get_data(as_text=True)
    tables, own = page_tables(html)
    assert own["round_by_city"] == ["逗子市"] and own["activity"] == ["逗子市"]
    assert len(tables["round_by_city"]) == 3  # every city, not only theirs
    reasons = by_label(tables["reasons"])
    assert reasons["期間中に勤務できる人がいない"] == [1, 1]  # the alliance, then Zushi
    assert reasons["必要な資格を持つ人がいない"] == [2, 0]
    assert 'class="bar-row own-city"' in html


def test_alliance_workbook_has_a_sheet_per_table(world, client):
    _login(client, world.coordinator)
    sheets = workbook_sheets(client.get("/reports/alliance.xlsx").data)
    assert list(sheets) == ["供給と需要", "市別", "職種別", "市・職種別", "空いた理由", "充足率の推移", "市別の充足率の推移",
                            "職種別の充足率の推移", "派遣と交流"]
    supply = by_label(sheets["供給と需要"][1:])
    assert supply["土木"][:2] == [expected_supply(world)["civil"], expected_demand(world)["civil"]]
    trend = by_label(sheets["市別の充足率の推移"][1:])
    assert trend["逗子市"][-1] == round(100 * 2 / 3, 1)


def test_round_report_page_and_workbook(world, client):
    _login(client, world.coordinator)
    cells, groups = expected_round(world)
    html = client.get(f"/reports/rounds/{world.latest.id}").get_data(as_text=True)
    tables, _own = page_tables(html)
    rows = by_label(tables["round_by_city_profession"], 2)
    assert rows[("逗子市", "土木")][:3] == [3, 2, 1]
    assert rows[("横須賀市", "土木")][:3] == [4, 0, 4]
    response = client.get(f"/reports/rounds/{world.latest.id}.xlsx")
    sheets = workbook_sheets(response.data)
    header, *book = sheets["市・職種別"]
    assert header == ["市", "職種", "提案を求めた枠", "提案された枠", "空いた枠", "充足率（%）"]
    book_rows = by_label(book, 2)
    for (code, profession), (filled, empty) in cells.items():
        key = ({"142085": "逗子市", "142042": "鎌倉市", "142018": "横須賀市"}[code],
               {"civil": "土木", "public_health_nurse": "保健師"}[profession])
        assert book_rows[key] == [filled + empty, filled, empty, round(100 * filled / (filled + empty), 1)]
    reasons = by_label(sheets["空いた理由"][1:])
    assert reasons["より優先度の高い要請に配置された"] == [groups["outranked"]]


def test_rounds_without_figures_and_unknown_rounds_are_404(world, client):
    _login(client, world.coordinator)
    for round_id in (world.what_if.id, world.failed.id, 999999):
        for url in (f"/reports/rounds/{round_id}", f"/reports/rounds/{round_id}.xlsx"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert "の報告はありません" in response.get_data(as_text=True)
    assert client.get("/reports/rounds/x").status_code == 404


def test_roles(world, client):
    assert client.get("/reports/alliance").status_code == 302  # log in first
    _login(client, world.specialist_user)
    for url in ("/reports/alliance", f"/reports/rounds/{world.latest.id}", f"/reports/rounds/{world.latest.id}.xlsx"):
        assert client.get(url).status_code == 403, url
    assert "/reports/" not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    _login(client, world.hr)
    assert client.get("/reports/").status_code == 200
    assert 'href="/reports/"' in client.get("/").get_data(as_text=True)


def test_english_shows_english_city_and_profession_names(world, client):
    _login(client, world.coordinator)
    with client.session_transaction() as session:
        session["lang"] = "en"
    tables, _own = page_tables(client.get("/reports/alliance").get_data(as_text=True))
    assert "Zushi" in by_label(tables["round_by_city"])
    sheets = workbook_sheets(client.get(f"/reports/rounds/{world.latest.id}.xlsx").data)
    assert any(row[0] == "Zushi" for sheet in sheets.values() for row in sheet)


def test_an_empty_alliance_renders(make, client):
    clock.freeze(NOW)
    coordinator = make.user(Role.COORDINATOR)
    _login(client, coordinator)
    for url in ("/reports/", "/reports/alliance", "/reports/fiscal-year/2026", "/reports/fiscal-year/2026.xlsx"):
        assert client.get(url).status_code == 200, url


def test_the_list_pages_through_the_rounds(world, client):
    _login(client, world.coordinator)
    html = client.get("/reports/").get_data(as_text=True)
    assert f'href="/reports/rounds/{world.latest.id}"' in html and f'href="/reports/rounds/{world.old.id}"' in html
    assert f'href="/reports/rounds/{world.what_if.id}"' not in html
    assert client.get("/reports/?page=abc").status_code == 200
    assert f'/reports/rounds/{world.latest.id}"' not in client.get("/reports/?page=99").get_data(as_text=True)
