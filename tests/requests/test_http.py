"""The request pages over HTTP: the forms, the buttons, and a city never reading or changing another's."""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.requests import services
from talentbank.requests.events import request_frozen
from talentbank.requests.models import StaffingRequest
from talentbank.vocabulary.models import Profession

from .builders import form_data


@pytest.fixture
def world(make):
    clock.freeze(datetime(2026, 11, 30, 1, 0))
    cities = make.demo_cities()
    zushi, fujisawa = cities["142085"], cities["142051"]
    make.term(Profession, "civil")  # the standard vocabulary, as seed-demo loads it
    return {
        "zushi": zushi, "fujisawa": fujisawa,
        "zushi_hr": make.user(Role.CITY_HR, city=zushi, name="逗子 人事"),
        "fujisawa_hr": make.user(Role.CITY_HR, city=fujisawa, name="藤沢 人事"),
        "coordinator": make.user(Role.COORDINATOR),
    }


def count_requests() -> int:
    return db.session.scalar(select(func.count(StaffingRequest.id)))


def test_hr_creates_a_request_through_the_form_and_opens_it(make, client, auth, world):
    auth.login(world["zushi_hr"].email)
    page = client.get("/requests/new")
    assert page.status_code == 200 and "派遣要請を作成" in page.text and "法面・崖地" in page.text
    response = client.post("/requests/new", data=form_data(make), follow_redirects=True)
    assert "派遣要請を下書きとして保存しました。" in response.text
    req = db.session.scalars(select(StaffingRequest)).one()
    assert (req.city_id, req.status, req.people, req.urgency) == (world["zushi"].id, "draft", 2, "disaster")
    assert [t.code for t in req.desired_fields] == ["slopes"]
    response = client.post(f"/requests/{req.id}/open", follow_redirects=True)
    assert "派遣要請を公開しました。" in response.text
    db.session.expire_all()
    assert db.session.get(StaffingRequest, req.id).status == "open"
    assert "逗子市" in client.get("/requests/board").text


def test_the_form_lists_every_problem_in_japanese_and_saves_nothing(make, client, auth, world):
    auth.login(world["zushi_hr"].email)
    response = client.post("/requests/new", data=form_data(
        make, people="0", days_per_week="6", start_date="2026-11-29", end_date="2026-11-28", urgency_reason="",
        required_licence_ids=["999999"]))
    assert response.status_code == 200
    for message in ("人数は1〜99人の範囲で入力してください。", "週あたりの勤務日数は1〜5日の範囲で入力してください。",
                    "終了日は開始日以降の日付にしてください。", "開始日に過去の日付は指定できません（今日は2026-11-30です）。",
                    "災害復旧または法定・安全業務の要請には、その理由を記入してください。",
                    "登録されていない資格が含まれています。"):
        assert message in response.text
    assert count_requests() == 0


def test_a_non_number_is_refused_by_the_form_in_japanese(make, client, auth, world):
    auth.login(world["zushi_hr"].email)
    response = client.post("/requests/new", data=form_data(make, people="二人"))
    assert "無効な整数です。" in response.text and count_requests() == 0


def test_hr_edits_their_open_request_with_the_stale_page_check(make, client, auth, world):
    req = make.staffing_request(world["zushi"], created_by=world["zushi_hr"])
    auth.login(world["zushi_hr"].email)
    page = client.get(f"/requests/{req.id}/edit")
    assert page.status_code == 200 and 'name="lock_version"' in page.text
    seen = str(req.lock_version)
    first = client.post(f"/requests/{req.id}/edit", data=form_data(make, people="3", lock_version=seen))
    assert first.status_code == 302
    stale = client.post(f"/requests/{req.id}/edit", data=form_data(make, people="4", lock_version=seen))
    assert "他の人が先に更新しました" in stale.text
    db.session.expire_all()
    assert db.session.get(StaffingRequest, req.id).people == 3


def test_detail_shows_internal_notes_and_history_to_the_own_city(make, client, auth, world):
    auth.login(world["zushi_hr"].email)
    client.post("/requests/new", data=form_data(make))
    req = db.session.scalars(select(StaffingRequest)).one()
    page = client.get(f"/requests/{req.id}")
    assert "補正予算で人件費を確保済み" in page.text
    assert "派遣要請の作成" in page.text  # the history
    assert "公開する" in page.text and "取り下げる" in page.text
    client.post(f"/requests/{req.id}/open")
    history = client.get(f"/requests/{req.id}").text
    assert "状態: 下書き → 募集中" in history and "派遣要請の公開" in history


def test_a_request_is_always_for_the_posting_officers_own_city(make, client, auth, world):
    auth.login(world["fujisawa_hr"].email)
    client.post("/requests/new", data=form_data(make, city_id=str(world["zushi"].id)))
    req = db.session.scalars(select(StaffingRequest)).one()
    assert req.city_id == world["fujisawa"].id and req.created_by_id == world["fujisawa_hr"].id


def test_hr_withdraws_with_the_button(make, client, auth, world):
    req = make.staffing_request(world["zushi"])
    auth.login(world["zushi_hr"].email)
    response = client.post(f"/requests/{req.id}/withdraw", data={"reason": "予算が付かなかった", "confirmed": "y"},
                           follow_redirects=True)
    assert "派遣要請を取り下げました。" in response.text
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "request.withdrawn")).one()
    assert entry.reason == "予算が付かなかった"


def test_a_refused_button_explains_why(make, client, auth, world):
    req = make.staffing_request(world["zushi"])
    auth.login(world["zushi_hr"].email)
    response = client.post(f"/requests/{req.id}/open", follow_redirects=True)
    assert "下書きの派遣要請だけを公開できます。" in response.text


def test_edit_page_of_a_frozen_request_sends_hr_back_with_the_reason(make, client, auth, world):
    req = make.staffing_request(world["zushi"])
    with request_frozen.connected_to(lambda request_id: request_id == req.id):
        auth.login(world["zushi_hr"].email)
        response = client.get(f"/requests/{req.id}/edit", follow_redirects=True)
        assert "この派遣要請は現在の状態では変更できません。" in response.text
        assert "提案された候補者がいるため" in response.text
        response = client.post(f"/requests/{req.id}/edit", data=form_data(make, people="5"))
        assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(StaffingRequest, req.id).people == 2


def test_coordinator_corrects_with_a_required_reason(make, client, auth, world):
    req = make.staffing_request(world["zushi"])
    auth.login(world["coordinator"].email)
    page = client.get(f"/requests/{req.id}/edit")
    assert "幹事市による訂正です" in page.text and "訂正の理由" in page.text
    response = client.post(f"/requests/{req.id}/edit", data=form_data(make, people="1", urgency="ordinary"))
    assert "訂正の理由を入力してください。" in response.text
    response = client.post(f"/requests/{req.id}/edit", data=form_data(make, people="1", urgency="ordinary",
                                                                      reason="要請書は1人"), follow_redirects=True)
    assert "派遣要請を訂正しました。" in response.text and "要請書は1人" in response.text
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "request.corrected")).one()
    assert entry.changes["people"] == [2, 1] and entry.reason == "要請書は1人"


def test_coordinator_withdraw_button_needs_a_reason_then_reopens(make, client, auth, world):
    req = make.staffing_request(world["zushi"])
    auth.login(world["coordinator"].email)
    response = client.post(f"/requests/{req.id}/withdraw", data={"reason": "", "confirmed": "y"}, follow_redirects=True)
    assert "取り下げの理由を入力してください。" in response.text
    client.post(f"/requests/{req.id}/withdraw", data={"reason": "重複登録", "confirmed": "y"})
    response = client.post(f"/requests/{req.id}/reopen", data={"reason": "重複ではなかった"}, follow_redirects=True)
    assert "派遣要請を再公開しました。" in response.text
    db.session.expire_all()
    assert db.session.get(StaffingRequest, req.id).status == "open"


def test_lists_are_per_city_for_hr_and_filterable_for_the_coordinator(make, client, auth, world):
    zushi_req = make.staffing_request(world["zushi"], department="逗子市都市整備部")
    make.staffing_request(world["fujisawa"], department="藤沢市土木部")
    auth.login(world["fujisawa_hr"].email)
    page = client.get(f"/requests/?city_id={world['zushi'].id}")
    assert "藤沢市土木部" in page.text and "逗子市都市整備部" not in page.text
    auth.logout()
    auth.login(world["coordinator"].email)
    page = client.get(f"/requests/?city_id={world['zushi'].id}")
    assert "逗子市都市整備部" in page.text and "藤沢市土木部" not in page.text
    assert f'data-request-id="{zushi_req.id}"' in page.text


# ----------------------------------------------------------------------------- another city's request


def test_fujisawa_can_neither_read_nor_change_zushis_request_on_any_route(make, client, auth, world):
    req = make.staffing_request(world["zushi"], status="draft", internal_notes="議会説明前のため内密")
    auth.login(world["fujisawa_hr"].email)
    assert client.get(f"/requests/{req.id}").status_code == 403
    assert client.get(f"/requests/{req.id}/edit").status_code == 403
    assert client.post(f"/requests/{req.id}/edit", data=form_data(make, people="9")).status_code == 403
    assert client.post(f"/requests/{req.id}/open").status_code == 403
    assert client.post(f"/requests/{req.id}/withdraw", data={"reason": "x"}).status_code == 403
    assert client.post(f"/requests/{req.id}/reopen", data={"reason": "x"}).status_code == 403
    # A draft is not on the board either.
    assert client.get(f"/requests/board/{req.id}").status_code == 404
    db.session.expire_all()
    req = db.session.get(StaffingRequest, req.id)
    assert (req.status, req.people) == ("draft", 2)
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity_type == "staffing_request")) == 0


def test_fujisawa_sees_zushis_open_request_on_the_board_without_internal_notes(make, client, auth, world):
    req = make.staffing_request(world["zushi"], internal_notes="議会説明前のため内密", urgency="disaster")
    auth.login(world["fujisawa_hr"].email)
    board = client.get("/requests/board")
    assert f'data-request-id="{req.id}"' in board.text and "議会説明前のため内密" not in board.text
    # The board links to the public card, not the full page.
    assert f'href="/requests/board/{req.id}"' in board.text and f'href="/requests/{req.id}"' not in board.text
    card = client.get(f"/requests/board/{req.id}")
    assert card.status_code == 200 and "市道の法面点検と補修設計" in card.text
    assert "議会説明前のため内密" not in card.text and "変更する" not in card.text
    export = client.get("/requests/board.csv")
    assert export.status_code == 200 and "議会説明前のため内密" not in export.get_data(as_text=True)


def test_specialists_reach_no_request_page(make, client, auth, world):
    req = make.staffing_request(world["zushi"])
    auth.login(make.user(Role.SPECIALIST).email)
    for url in ("/requests/", "/requests/new", f"/requests/{req.id}", f"/requests/{req.id}/edit", "/requests/board",
                f"/requests/board/{req.id}", "/requests/board.csv", "/requests/board.xlsx"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/requests/{req.id}/withdraw").status_code == 403


def test_a_missing_request_is_not_found(client, auth, world):
    auth.login(world["coordinator"].email)
    assert client.get("/requests/999999").status_code == 404
    assert client.get("/requests/999999/edit").status_code == 404
    assert client.get("/requests/board/999999").status_code == 404
