"""Dispatch records: who sees what, cancel, extend, start and end, evaluations, the roster and its files."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.dispatches import services
from talentbank.dispatches.models import Dispatch, DispatchEvaluation, DispatchExtension
from talentbank.extensions import db
from talentbank.matching.models import Proposal
from talentbank.notifications.models import Notification
from talentbank.requests.models import StaffingRequest


@pytest.fixture
def world(make):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    specialist_user = make.user(Role.SPECIALIST, email="hanako@test.example", name="保健 花子")
    today = clock.today_tokyo()
    specialist = make.specialist(cities["142018"], user=specialist_user, name_kanji="保健 花子",
                                 name_kana="ほけん はなこ", email=specialist_user.email, phone="046-822-1234",
                                 days_per_week=3, windows=((today, today + timedelta(days=800)),))
    request = make.staffing_request(zushi, people=1, days_per_week=2)
    return {
        "zushi": zushi, "kamakura": kamakura, "specialist": specialist, "specialist_user": specialist_user,
        "request": request, "dispatch": make.dispatch(specialist, request),
        "coordinator": make.user(Role.COORDINATOR, email="coord@test.example"),
        "zushi_hr": make.user(Role.CITY_HR, city=zushi, email="hr.zushi@test.example"),
        "kamakura_hr": make.user(Role.CITY_HR, city=kamakura, email="hr.kamakura@test.example"),
    }


def test_the_receiving_city_sees_name_and_contact_and_the_view_is_audited(world, client, auth):
    d = world["dispatch"]
    auth.login(world["zushi_hr"].email)
    page = client.get(f"/dispatches/{d.id}")
    assert page.status_code == 200
    for words in ("保健 花子", "hanako@test.example", "046-822-1234", "ほけん はなこ"):
        assert words in page.text
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "specialist.viewed",
                                                      AuditEntry.actor_id == world["zushi_hr"].id)) is not None
    roster = client.get("/dispatches/")
    assert "保健 花子" in roster.text and "hanako@test.example" in roster.text


def test_another_city_sees_nothing_of_it(world, client, auth):
    d = world["dispatch"]
    auth.login(world["kamakura_hr"].email)
    assert client.get(f"/dispatches/{d.id}").status_code == 403
    roster = client.get("/dispatches/?status=all")
    assert roster.status_code == 200
    assert "保健 花子" not in roster.text and world["specialist"].reference not in roster.text
    with pytest.raises(PermissionDenied):
        services.get_dispatch(world["kamakura_hr"], d.id)


def test_the_registry_card_turns_into_the_full_profile_for_the_receiving_city_only(world):
    from talentbank.specialists.privacy import Visibility, visibility

    assert visibility(world["zushi_hr"], world["specialist"]) == Visibility.FULL
    assert visibility(world["kamakura_hr"], world["specialist"]) != Visibility.FULL


def test_a_cancelled_dispatch_reveals_nothing_any_more(world, client, auth):
    services.cancel_dispatch(world["coordinator"], world["dispatch"].id, "本人の入院のため")
    auth.login(world["zushi_hr"].email)
    page = client.get(f"/dispatches/{world['dispatch'].id}")
    assert page.status_code == 200 and "本人の入院のため" in page.text
    assert "保健 花子" not in page.text and "hanako@test.example" not in page.text
    # Nor can the city find it by the person's name.
    assert f'data-dispatch="{world["dispatch"].id}"' in client.get("/dispatches/?status=all").text
    assert f'data-dispatch="{world["dispatch"].id}"' not in client.get("/dispatches/?status=all&q=保健").text


def test_cancel_needs_a_reason_frees_the_slot_and_tells_everyone(world, client, auth):
    from talentbank.matching.services import ensure_rule_set
    from talentbank.matching.snapshot import build_problem

    d = world["dispatch"]
    db.session.get(StaffingRequest, world["request"].id).filled_count = 1
    db.session.get(StaffingRequest, world["request"].id).status = "filled"
    db.session.commit()
    auth.login(world["coordinator"].email)
    refused = client.post(f"/dispatches/{d.id}/cancel", data={"reason": "  "})
    assert refused.status_code == 400 and "理由を入力してください。" in refused.text
    assert client.post(f"/dispatches/{d.id}/cancel", data={"reason": "本人の入院のため"}).status_code == 302
    db.session.expire_all()
    d = db.session.get(Dispatch, d.id)
    assert (d.status, d.cancel_reason) == ("cancelled", "本人の入院のため")
    req = db.session.get(StaffingRequest, world["request"].id)
    assert (req.status, req.filled_count) == ("open", 0)
    assert db.session.get(Proposal, d.proposal_id).status == "superseded"
    problem = build_problem(ensure_rule_set())
    assert not problem["pinned"]  # the pair no longer holds the slot; nor is it forbidden
    assert not problem["forbidden"]
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert (world["zushi_hr"].id, "dispatch.cancelled") in kinds
    assert (world["specialist_user"].id, "dispatch.cancelled") in kinds
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "dispatch.cancelled"))
    assert entry.reason == "本人の入院のため" and entry.actor_id == world["coordinator"].id


def test_only_the_coordinating_city_cancels_or_extends(world, client, auth):
    d = world["dispatch"]
    auth.login(world["zushi_hr"].email)
    assert client.post(f"/dispatches/{d.id}/cancel", data={"reason": "x"}).status_code == 403
    assert client.post(f"/dispatches/{d.id}/extend", data={"reason": "x"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.cancel_dispatch(world["specialist_user"], d.id, "x")


def test_extension_within_availability_is_recorded(world, client, auth):
    d = world["dispatch"]
    old_end = d.end_date
    new_end = old_end + timedelta(days=90)
    auth.login(world["coordinator"].email)
    response = client.post(f"/dispatches/{d.id}/extend", data={"new_end_date": new_end.isoformat(),
                                                               "reason": "復旧工事の長期化"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dispatch, d.id).end_date == new_end
    (extension,) = db.session.scalars(select(DispatchExtension)).all()
    assert (extension.previous_end_date, extension.new_end_date, extension.reason) == (old_end, new_end,
                                                                                       "復旧工事の長期化")
    page = client.get(f"/dispatches/{d.id}")
    assert "延長の履歴" in page.text and "復旧工事の長期化" in page.text


def test_extension_is_refused_beyond_availability_before_the_end_or_into_a_clash(make, world, client, auth):
    d = world["dispatch"]
    auth.login(world["coordinator"].email)
    beyond = client.post(f"/dispatches/{d.id}/extend", data={"new_end_date": (d.end_date + timedelta(days=900))
                                                             .isoformat(), "reason": "延長"})
    assert beyond.status_code == 400 and "活動可能期間" in beyond.text
    earlier = client.post(f"/dispatches/{d.id}/extend", data={"new_end_date": d.start_date.isoformat(),
                                                              "reason": "延長"})
    assert earlier.status_code == 400 and "現在の終了日" in earlier.text
    garbled = client.post(f"/dispatches/{d.id}/extend", data={"new_end_date": "来年", "reason": "延長"})
    assert garbled.status_code == 400 and "YYYY-MM-DD" in garbled.text
    # Another 2-day dispatch right after this one: lengthening into it would mean 4 days a week.
    after = make.staffing_request(world["kamakura"], days_per_week=2, start_date=d.end_date + timedelta(days=1),
                                  end_date=d.end_date + timedelta(days=60))
    make.dispatch(world["specialist"], after)
    with pytest.raises(UserError, match="週3日を超える"):
        services.extend_dispatch(world["coordinator"], d.id, d.end_date + timedelta(days=30), "延長")
    db.session.rollback()
    assert db.session.get(Dispatch, d.id).end_date == d.end_date


def test_dispatches_start_and_end_on_their_dates_and_ask_for_evaluations_once(world):
    d = world["dispatch"]
    clock.freeze(clock.utcnow() + timedelta(days=(d.start_date - clock.today_tokyo()).days))
    assert services.advance_dispatches() == (1, 0)
    assert db.session.get(Dispatch, d.id).status == "active"
    clock.freeze(clock.utcnow() + timedelta(days=(d.end_date - d.start_date).days + 1))
    assert services.advance_dispatches() == (0, 1)
    assert services.advance_dispatches() == (0, 0)
    assert db.session.get(Dispatch, d.id).status == "completed"
    asked = db.session.scalars(select(Notification).where(Notification.kind == "dispatch.evaluation_requested")).all()
    assert {n.user_id for n in asked} == {world["zushi_hr"].id, world["specialist_user"].id}
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("dispatch.started") == 1 and actions.count("dispatch.completed") == 1


def test_both_sides_evaluate_at_the_end_and_only_they(make, world, client, auth):
    d = world["dispatch"]
    with pytest.raises(UserError, match="評価は派遣の終了日"):
        services.evaluate(world["zushi_hr"], d.id, 4, "")
    d.status = "completed"
    db.session.commit()
    auth.login(world["zushi_hr"].email)
    assert client.post(f"/dispatches/{d.id}/evaluation", data={"rating": "9"}).status_code == 400
    assert client.post(f"/dispatches/{d.id}/evaluation", data={"rating": "4", "comment": "丁寧な設計でした"}
                       ).status_code == 302
    auth.logout()
    auth.login(world["specialist_user"].email)
    assert client.post(f"/dispatches/{d.id}/evaluation", data={"rating": "5"}).status_code == 302
    page = client.get(f"/dispatches/{d.id}")
    assert "丁寧な設計でした" not in page.text  # the other side's words stay private
    auth.logout()
    auth.login(world["kamakura_hr"].email)
    assert client.post(f"/dispatches/{d.id}/evaluation", data={"rating": "1"}).status_code == 403
    evaluations = {e.party: (e.rating, e.comment) for e in db.session.scalars(select(DispatchEvaluation))}
    assert evaluations == {"city": (4, "丁寧な設計でした"), "specialist": (5, "")}
    # A second save corrects the first, it does not add one.
    services.evaluate(world["zushi_hr"], d.id, 3, "訂正")
    assert db.session.query(DispatchEvaluation).count() == 2
    auth.logout()
    auth.login(world["coordinator"].email)
    page = client.get(f"/dispatches/{d.id}")
    assert "訂正" in page.text and "（5/5）" in page.text


def test_the_specialist_sees_only_their_own_dispatches(make, world, client, auth):
    other_user = make.user(Role.SPECIALIST, email="other@test.example")
    make.specialist(world["zushi"], user=other_user, email=other_user.email)
    auth.login(other_user.email)
    assert client.get(f"/dispatches/{world['dispatch'].id}").status_code == 403
    assert "保健 花子" not in client.get("/dispatches/").text
    auth.logout()
    auth.login(world["specialist_user"].email)
    assert "逗子市" in client.get("/offers/").text
    assert client.get(f"/dispatches/{world['dispatch'].id}").status_code == 200


def _csv_rows(response):
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_roster_files_have_japanese_headers_and_respect_the_city(make, world, client, auth):
    other = make.specialist(world["kamakura"], name_kanji="=HYPERLINK(1)", email="x@test.example")
    make.dispatch(other, make.staffing_request(world["kamakura"], days_per_week=1))
    auth.login(world["zushi_hr"].email)
    rows = _csv_rows(client.get("/dispatches/export.csv"))
    assert rows[0][:5] == ["派遣番号", "状態", "種別", "派遣先団体コード", "派遣先"] and "氏名" in rows[0]
    assert len(rows) == 2 and rows[1][4] == "逗子市" and "保健 花子" in rows[1]
    auth.logout()
    auth.login(world["coordinator"].email)
    rows = _csv_rows(client.get("/dispatches/export.csv"))
    assert len(rows) == 3 and any("'=HYPERLINK(1)" in row for row in rows)  # a formula stays text
    response = client.get("/dispatches/export.xlsx")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=dispatch-roster-")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.title == "派遣一覧" and sheet["A1"].value == "派遣番号" and sheet.max_row == 3
    exports = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "dispatch.roster_exported")).all()
    assert len(exports) == 3
    auth.logout()
    auth.login(world["specialist_user"].email)
    assert client.get("/dispatches/export.csv").status_code == 403


def test_roster_filters(make, world, client, auth):
    auth.login(world["coordinator"].email)
    d = world["dispatch"]
    assert f'data-dispatch="{d.id}"' in client.get("/dispatches/").text
    assert f'data-dispatch="{d.id}"' not in client.get("/dispatches/?status=completed").text
    assert f'data-dispatch="{d.id}"' in client.get(f"/dispatches/?on_date={d.start_date.isoformat()}").text
    assert f'data-dispatch="{d.id}"' not in client.get(
        f"/dispatches/?on_date={(d.end_date + timedelta(days=1)).isoformat()}").text
    assert f'data-dispatch="{d.id}"' in client.get(f"/dispatches/?q={world['specialist'].reference}").text
    assert f'data-dispatch="{d.id}"' in client.get("/dispatches/?q=ほけん").text
    assert f'data-dispatch="{d.id}"' not in client.get(f"/dispatches/?city_id={world['kamakura'].id}").text


def test_the_history_tells_the_whole_story_and_hides_the_person_once_cancelled(make, world, client, auth):
    from talentbank.matching.services import approve_proposal

    request = make.staffing_request(world["kamakura"], days_per_week=1)
    proposal = make.approved_proposal(world["specialist"], request, status="proposed")
    approve_proposal(world["coordinator"], proposal.id)
    offer = db.session.scalar(select(services.Offer).where(services.Offer.proposal_id == proposal.id))
    dispatch = services.accept_offer(world["specialist_user"], offer.id)
    kamakura_hr = world["kamakura_hr"]
    auth.login(kamakura_hr.email)
    page = client.get(f"/dispatches/{dispatch.id}").text
    for words in ("提案の承認", "派遣の打診", "打診の承諾", "派遣の成立", "派遣予定", "保健 花子"):
        assert words in page
    services.cancel_dispatch(world["coordinator"], dispatch.id, "派遣先の事情")
    page = client.get(f"/dispatches/{dispatch.id}").text
    assert "派遣の中止" in page and "保健 花子" not in page
    assert f"専門人材 {world['specialist'].reference}" in page


def test_the_pages_speak_english_on_request(world, client, auth):
    auth.login(world["zushi_hr"].email)
    client.post("/lang/en", data={"next": "/dispatches/"})
    roster = client.get("/dispatches/").text
    assert "Dispatch roster" in roster and "Scheduled" in roster and "Export CSV" in roster
    detail = client.get(f"/dispatches/{world['dispatch'].id}").text
    assert "Days per week" in detail and "History" in detail and "Contact" in detail
    auth.logout()
    auth.login(world["specialist_user"].email)
    client.post("/lang/en", data={"next": "/offers/"})
    assert "Agreed dispatches" in client.get("/offers/").text
