"""The demand board: open slots by urgency and by profession × city, filters, order, and its exports."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from talentbank.core import clock
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.board.services import BoardFilter, board_rows_for_export, demand_board
from talentbank.board.export import HEADERS
from talentbank.vocabulary.models import Profession


@pytest.fixture
def demand(make):
    """Open demand of three cities, plus requests that must not count."""
    clock.freeze(datetime(2026, 11, 30, 1, 0))
    cities = make.demo_cities()
    zushi, kamakura, machida = cities["142085"], cities["142042"], cities["132098"]
    april = date(2027, 4, 1)
    made = {
        "slopes": make.staffing_request(zushi, people=2, urgency="disaster", start_date=april,
                                        end_date=date(2028, 3, 31), licences=("civil_works_manager_1",),
                                        fields=("slopes",)),
        "nurses_zushi": make.staffing_request(zushi, profession="public_health_nurse", people=1,
                                              urgency="statutory", start_date=date(2027, 1, 4),
                                              end_date=date(2027, 12, 28), work_mode="either"),
        "nurses_kamakura": make.staffing_request(kamakura, profession="public_health_nurse", people=3,
                                                 status="partly_filled", filled_count=1,
                                                 start_date=date(2027, 6, 1), end_date=date(2027, 9, 30)),
        "it_machida": make.staffing_request(machida, profession="information", people=1, work_mode="remote",
                                            start_date=date(2027, 2, 1), end_date=date(2027, 7, 31)),
    }
    for status in ("draft", "filled", "withdrawn", "expired"):
        make.staffing_request(zushi, status=status, people=5, filled_count=5 if status == "filled" else 0)
    return {"cities": cities, "requests": made, "hr": make.user(Role.CITY_HR, city=kamakura),
            "coordinator": make.user(Role.COORDINATOR)}


def test_totals_count_open_slots_of_live_requests_only(demand):
    board = demand_board(demand["hr"], BoardFilter(), 1, 50)
    assert board.total_requests == 4
    assert board.total_slots == 2 + 1 + 2 + 1  # Kamakura's 3 nurses, 1 already placed
    assert board.slots_by_urgency == {"disaster": 2, "statutory": 1, "ordinary": 3}
    assert board.requests_by_urgency == {"disaster": 1, "statutory": 1, "ordinary": 2}


def test_pivot_by_profession_and_city(make, demand):
    board = demand_board(demand["coordinator"], BoardFilter(), 1, 50)
    nurse = make.term(Profession, "public_health_nurse")
    zushi, kamakura = demand["cities"]["142085"], demand["cities"]["142042"]
    assert board.slots[(nurse.id, zushi.id)] == 1 and board.slots[(nurse.id, kamakura.id)] == 2
    assert board.slots_by_profession[nurse.id] == 3
    assert board.slots_by_city[zushi.id] == 3
    assert [p.code for p in board.professions] == ["civil", "public_health_nurse", "information"]


def test_rows_come_in_the_order_matching_serves_them(demand):
    rows = demand_board(demand["hr"], BoardFilter(), 1, 50).rows
    r = demand["requests"]
    assert [row.id for row in rows] == [r["slopes"].id, r["nurses_zushi"].id, r["it_machida"].id,
                                        r["nurses_kamakura"].id]
    assert rows[3].open_slots == 2 and rows[3].people == 3


@pytest.mark.parametrize("flt,expected", [
    (dict(urgency="disaster"), ["slopes"]),
    (dict(profession="public_health_nurse"), ["nurses_zushi", "nurses_kamakura"]),
    (dict(city="142042"), ["nurses_kamakura"]),
    (dict(work_mode="remote"), ["nurses_zushi", "it_machida"]),  # "either" suits remote work too
    (dict(work_mode="either"), ["nurses_zushi"]),
    (dict(period_from=date(2027, 8, 1), period_to=date(2027, 8, 31)), ["slopes", "nurses_zushi", "nurses_kamakura"]),
    (dict(period_to=date(2027, 1, 31)), ["nurses_zushi"]),
])
def test_filters(make, demand, flt, expected):
    if "profession" in flt:
        flt["profession_id"] = make.term(Profession, flt.pop("profession")).id
    if "city" in flt:
        flt["city_id"] = demand["cities"][flt.pop("city")].id
    rows = demand_board(demand["hr"], BoardFilter(**flt), 1, 50).rows
    assert {row.id for row in rows} == {demand["requests"][k].id for k in expected}


def test_pages(demand):
    first = demand_board(demand["hr"], BoardFilter(), 1, 3)
    second = demand_board(demand["hr"], BoardFilter(), 2, 3)
    assert len(first.rows) == 3 and len(second.rows) == 1 and first.total_requests == 4
    assert (first.page.total, first.page.pages, second.page.page) == (4, 2, 2)
    assert not {r.id for r in first.rows} & {r.id for r in second.rows}, "no request on both pages"


def test_specialists_may_not_see_the_board(make, demand):
    with pytest.raises(PermissionDenied):
        demand_board(make.user(Role.SPECIALIST), BoardFilter(), 1, 50)


def test_board_page_shows_totals_pivot_and_filters(client, auth, demand):
    auth.login(demand["hr"].email)
    page = client.get("/requests/board?urgency=statutory")
    assert page.status_code == 200
    assert 'id="board-pivot"' in page.text and "保健師" in page.text
    assert f'data-request-id="{demand["requests"]["nurses_zushi"].id}"' in page.text
    assert f'data-request-id="{demand["requests"]["slopes"].id}"' not in page.text
    assert "CSVで出力" in page.text and "/requests/board.csv?urgency=statutory" in page.text


def test_board_ignores_nonsense_filters(client, auth, demand):
    auth.login(demand["hr"].email)
    page = client.get("/requests/board?urgency=urgent&city_id=abc&period_from=tomorrow&page=-3")
    assert page.status_code == 200 and f'data-request-id="{demand["requests"]["slopes"].id}"' in page.text


def test_csv_export_has_a_bom_japanese_headers_and_the_filtered_rows(client, auth, demand):
    auth.login(demand["hr"].email)
    response = client.get("/requests/board.csv?urgency=disaster")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment; filename=demand-board-20261130.csv" == response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == HEADERS and rows[0][:3] == ["要請番号", "団体コード", "市"]
    assert len(rows) == 2
    row = dict(zip(HEADERS, rows[1]))
    assert row["市"] == "逗子市" and row["職種"] == "土木" and row["緊急度"] == "災害復旧"
    assert row["必要な資格"] == "1級土木施工管理技士" and row["望ましい経験分野"] == "法面・崖地"
    assert row["開始日"] == "2027-04-01" and row["未充足人数"] == "2" and row["勤務形態"] == "現地勤務"


def test_csv_export_keeps_typed_text_from_running_as_a_formula(make, client, auth, demand):
    make.staffing_request(demand["cities"]["142085"], department="=HYPERLINK(\"http://x\")", urgency="disaster")
    auth.login(demand["hr"].email)
    text = client.get("/requests/board.csv?urgency=disaster").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_xlsx_export_opens_with_japanese_headers_and_real_dates(make, client, auth, demand):
    make.staffing_request(demand["cities"]["142085"], department="=1+1", urgency="disaster")
    auth.login(demand["coordinator"].email)
    response = client.get("/requests/board.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "需要ボード" and list(rows[0]) == HEADERS and len(rows) == 6
    slopes = next(dict(zip(HEADERS, r)) for r in rows[1:] if r[0] == demand["requests"]["slopes"].id)
    assert slopes["市"] == "逗子市" and slopes["開始日"].date() == date(2027, 4, 1)
    assert any(dict(zip(HEADERS, r))["部署"] == "=1+1" for r in rows[1:])  # text, not a formula
    cell_types = {c.data_type for c in sheet[2]}
    assert "f" not in cell_types


def test_large_exports_are_streamed_in_chunks(make, demand):
    rows = list(board_rows_for_export(demand["coordinator"], BoardFilter(), chunk=3))
    assert len(rows) == 4 and len({r.row.id for r in rows}) == 4


def test_rows_start_soon_are_still_on_the_board_until_they_expire(make, demand):
    today = clock.today_tokyo()
    req = make.staffing_request(demand["cities"]["142042"], start_date=today, end_date=today + timedelta(days=5))
    rows = demand_board(demand["hr"], BoardFilter(), 1, 50).rows
    assert req.id in {row.id for row in rows}
