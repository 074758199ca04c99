"""The request lifecycle: draft → open → partly filled → filled, withdrawn or expired; who may do each."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.extensions import db
from talentbank.requests import events, services
from talentbank.requests.models import StaffingRequest

from .builders import request_values


@pytest.fixture
def people(make):
    """Zushi's and Fujisawa's HR officers, the coordinator and an admin, on a fixed day."""
    clock.freeze(datetime(2026, 11, 30, 1, 0))
    cities = make.demo_cities()
    return {
        "zushi": make.user(Role.CITY_HR, city=cities["142085"]),
        "fujisawa": make.user(Role.CITY_HR, city=cities["142051"]),
        "coordinator": make.user(Role.COORDINATOR),
        "admin": make.user(Role.ADMIN),
        "specialist": make.user(Role.SPECIALIST),
    }


@pytest.fixture
def proposals():
    """Pretend the matching engine proposed someone for the request ids put in this set."""
    proposed: set[int] = set()
    with events.request_frozen.connected_to(proposed.__contains__):
        yield proposed


def audit_actions(request_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity_type == "staffing_request", AuditEntry.entity_id == str(request_id))
        .order_by(AuditEntry.id)))


def draft(make, actor) -> StaffingRequest:
    return services.create_request(actor, request_values(make))


def test_draft_opens_onto_the_board_and_runs_the_opened_hooks(make, people):
    opened = []
    with events.request_opened.connected_to(opened.append):
        req = services.open_request(people["zushi"], draft(make, people["zushi"]).id)
    assert req.status == "open" and req.posted_at == datetime(2026, 11, 30, 1, 0)
    assert [r.id for r in opened] == [req.id]
    assert audit_actions(req.id) == ["request.created", "request.opened"]
    assert [r.id for r in services.open_requests_for_matching()] == [req.id]


def test_a_failing_opened_hook_does_not_undo_the_opening(make, people):
    def broken(_req):
        raise RuntimeError("fast-track unavailable")

    with events.request_opened.connected_to(broken):
        req = services.open_request(people["zushi"], draft(make, people["zushi"]).id)
    db.session.expire_all()
    assert db.session.get(StaffingRequest, req.id).status == "open"


def test_only_a_draft_can_be_opened(make, people):
    req = services.open_request(people["zushi"], draft(make, people["zushi"]).id)
    with pytest.raises(UserError, match="下書きの派遣要請だけを公開できます。"):
        services.open_request(people["zushi"], req.id)


def test_an_old_draft_whose_start_has_passed_cannot_be_opened(make, people):
    req = draft(make, people["zushi"])
    clock.freeze(datetime(2027, 1, 15, 1, 0))
    with pytest.raises(UserError) as caught:
        services.open_request(people["zushi"], req.id)
    assert "開始日に過去の日付は指定できません" in str(caught.value)
    db.session.rollback()
    assert db.session.get(StaffingRequest, req.id).status == "draft"


def test_hr_edits_a_draft_and_an_open_request_and_each_change_is_audited(make, people):
    req = draft(make, people["zushi"])
    services.update_request(people["zushi"], req.id, request_values(make, people=3))
    services.open_request(people["zushi"], req.id)
    services.update_request(people["zushi"], req.id, request_values(make, people=3, days_per_week=4))
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "request.updated")
                                 .order_by(AuditEntry.id)).all()
    assert [e.changes for e in entries] == [{"people": [2, 3]}, {"days_per_week": [3, 4]}]
    assert all(e.actor_id == people["zushi"].id and e.city_id == req.city_id for e in entries)


def test_saving_without_changes_writes_no_audit_entry(make, people):
    req = draft(make, people["zushi"])
    services.update_request(people["zushi"], req.id, request_values(make))
    assert audit_actions(req.id) == ["request.created"]


def test_nothing_may_change_once_something_is_proposed(make, people, proposals):
    req = services.open_request(people["zushi"], draft(make, people["zushi"]).id)
    proposals.add(req.id)
    with pytest.raises(UserError, match="既に提案された候補者がいるため変更できません"):
        services.update_request(people["zushi"], req.id, request_values(make, people=5))
    db.session.rollback()
    with pytest.raises(UserError, match="既に提案された候補者がいるため取り下げできません"):
        services.withdraw_request(people["zushi"], req.id, "不要になった")
    db.session.rollback()
    req = db.session.get(StaffingRequest, req.id)
    assert (req.people, req.status) == (2, "open")
    assert services.allowed_actions(people["zushi"], req) == set()


@pytest.mark.parametrize("status", ["partly_filled", "filled", "withdrawn", "expired"])
def test_hr_cannot_edit_outside_draft_and_open(make, people, status):
    req = make.staffing_request(people["zushi"].city, status=status,
                                filled_count=2 if status == "filled" else (1 if status == "partly_filled" else 0))
    with pytest.raises(UserError, match="下書きまたは募集中の派遣要請だけを変更できます。"):
        services.update_request(people["zushi"], req.id, request_values(make))


def test_hr_withdraws_their_open_request_with_an_optional_reason(make, people):
    withdrawn = []
    with events.request_withdrawing.connected_to(withdrawn.append):
        req = services.open_request(people["zushi"], draft(make, people["zushi"]).id)
        req = services.withdraw_request(people["zushi"], req.id)
    assert req.status == "withdrawn" and req.closed_at is not None
    assert [r.id for r in withdrawn] == [req.id]
    assert services.open_requests_for_matching() == []
    with pytest.raises(UserError, match="既に終了しているため取り下げできません"):
        services.withdraw_request(people["zushi"], req.id)


def test_coordinator_withdraws_even_with_proposals_but_only_with_a_reason(make, people, proposals):
    req = services.open_request(people["zushi"], draft(make, people["zushi"]).id)
    proposals.add(req.id)
    with pytest.raises(UserError, match="取り下げの理由を入力してください。"):
        services.withdraw_request(people["coordinator"], req.id, " ")
    db.session.rollback()
    services.withdraw_request(people["coordinator"], req.id, "逗子市から電話で取り下げの依頼")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "request.withdrawn")).one()
    assert entry.reason == "逗子市から電話で取り下げの依頼" and entry.actor_id == people["coordinator"].id


def test_coordinator_correction_needs_a_reason_and_is_audited_as_a_correction(make, people, proposals):
    req = services.open_request(people["zushi"], draft(make, people["zushi"]).id)
    proposals.add(req.id)  # the coordinating city may correct even then
    with pytest.raises(UserError, match="訂正の理由を入力してください。"):
        services.update_request(people["coordinator"], req.id, request_values(make, days_per_week=2))
    db.session.rollback()
    services.update_request(people["coordinator"], req.id, request_values(make, days_per_week=2),
                            reason="要請書の記載（週2日）と入力が食い違っていたため")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "request.corrected")).one()
    assert entry.changes == {"days_per_week": [3, 2]}
    assert entry.reason == "要請書の記載（週2日）と入力が食い違っていたため"
    assert entry.city_id == req.city_id


def test_a_correction_of_the_head_count_moves_the_fill_state(make, people):
    req = make.staffing_request(people["zushi"].city, status="partly_filled", filled_count=2, people=3)
    services.update_request(people["coordinator"], req.id, request_values(make, people=2), reason="2人で足りる")
    assert db.session.get(StaffingRequest, req.id).status == "filled"
    with pytest.raises(UserError, match="既に派遣が決まった人数（2人）より少なくはできません。"):
        services.update_request(people["coordinator"], req.id, request_values(make, people=1), reason="x")
    db.session.rollback()
    services.update_request(people["coordinator"], req.id, request_values(make, people=4), reason="追加で必要")
    assert db.session.get(StaffingRequest, req.id).status == "partly_filled"


def test_a_running_request_can_still_be_corrected_after_its_start(make, people):
    """Dates already saved may lie in the past; only new dates must lie ahead."""
    req = make.staffing_request(people["zushi"].city, status="partly_filled", filled_count=1,
                                start_date=clock.today_tokyo() - timedelta(days=10))
    values = request_values(make, start_date=req.start_date, end_date=req.end_date, description="工事監理を追加")
    services.update_request(people["coordinator"], req.id, values, reason="業務内容の追記")
    assert db.session.get(StaffingRequest, req.id).description == "工事監理を追加"


def test_coordinator_reopens_a_withdrawn_request_and_hr_cannot(make, people):
    req = make.staffing_request(people["zushi"].city, status="withdrawn")
    with pytest.raises(PermissionDenied):
        services.reopen_request(people["zushi"], req.id, "間違えた")
    with pytest.raises(UserError, match="再公開の理由を入力してください。"):
        services.reopen_request(people["coordinator"], req.id, "")
    services.reopen_request(people["coordinator"], req.id, "誤って取り下げたとの連絡")
    assert db.session.get(StaffingRequest, req.id).status == "open"
    assert audit_actions(req.id) == ["request.reopened"]


def test_a_request_whose_period_passed_cannot_be_reopened(make, people):
    req = make.staffing_request(people["zushi"].city, status="expired",
                                start_date=clock.today_tokyo() - timedelta(days=3))
    with pytest.raises(UserError, match="先に期間を訂正してから再公開してください"):
        services.reopen_request(people["coordinator"], req.id, "延長")


def test_fill_state_follows_the_approved_dispatches(make, people):
    req = make.staffing_request(people["zushi"].city, people=3)
    assert services.mark_fill_state(req.id, 1).status == "partly_filled"
    assert services.mark_fill_state(req.id, 3).status == "filled"
    assert db.session.get(StaffingRequest, req.id).closed_at is not None
    assert services.mark_fill_state(req.id, 2).status == "partly_filled"  # a dispatch was cancelled
    assert services.mark_fill_state(req.id, 0).status == "open"
    actions = audit_actions(req.id)
    assert actions == ["request.fill_changed"] * 4
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "request.fill_changed")
                               .order_by(AuditEntry.id)).first()
    assert entry.actor_id is None and entry.actor_label == "system"


@pytest.mark.parametrize("count", [-1, 4])
def test_fill_count_must_fit_the_head_count(make, people, count):
    req = make.staffing_request(people["zushi"].city, people=3)
    with pytest.raises(UserError, match="充足人数は0〜3人の範囲"):
        services.mark_fill_state(req.id, count)


@pytest.mark.parametrize("status", ["draft", "withdrawn", "expired"])
def test_fill_state_applies_only_to_live_requests(make, people, status):
    req = make.staffing_request(people["zushi"].city, status=status)
    with pytest.raises(UserError):
        services.mark_fill_state(req.id, 1)


def test_fill_state_without_commit_joins_the_callers_transaction(make, people):
    req = make.staffing_request(people["zushi"].city, people=2)
    services.mark_fill_state(req.id, 1, commit=False)
    db.session.rollback()
    assert db.session.get(StaffingRequest, req.id).status == "open"


def test_a_request_expires_only_after_its_period_began_unfilled(make, people):
    today = clock.today_tokyo()
    starts_today = make.staffing_request(people["zushi"].city, start_date=today)
    began = make.staffing_request(people["zushi"].city, start_date=today - timedelta(days=1))
    old_draft = make.staffing_request(people["zushi"].city, status="draft", start_date=today - timedelta(days=5))
    running = make.staffing_request(people["zushi"].city, status="partly_filled", filled_count=1,
                                    start_date=today - timedelta(days=5))
    with pytest.raises(UserError, match="期間が始まる前"):
        services.expire_request(starts_today.id)
    db.session.rollback()
    assert services.expire_due_requests() == [began.id, old_draft.id]
    assert {r.id: r.status for r in db.session.scalars(select(StaffingRequest))} == {
        starts_today.id: "open", began.id: "expired", old_draft.id: "expired", running.id: "partly_filled"}
    assert audit_actions(began.id) == ["request.expired"]


def test_matching_sees_only_live_requests_whose_period_has_not_begun(make, people):
    city = people["zushi"].city
    today = clock.today_tokyo()
    open_ = make.staffing_request(city, licences=("surveyor",), fields=("roads",))
    partly = make.staffing_request(city, status="partly_filled", filled_count=1)
    for status in ("draft", "filled", "withdrawn", "expired"):
        make.staffing_request(city, status=status, filled_count=2 if status == "filled" else 0)
    make.staffing_request(city, start_date=today - timedelta(days=1))
    found = services.open_requests_for_matching()
    assert [r.id for r in found] == [open_.id, partly.id]
    assert [t.code for t in found[0].required_licences] == ["surveyor"]
    assert found[0].city.code == "142085" and found[0].profession.code == "civil"


def test_carry_over_counts_rounds_left_unfilled_without_making_open_forms_stale(make, people):
    req = services.open_request(people["zushi"], draft(make, people["zushi"]).id)
    seen = req.lock_version
    services.add_carry_over([req.id])
    services.add_carry_over([req.id])
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(StaffingRequest, req.id).carry_over_count == 2
    # The officer's edit form, opened before the rounds, still saves.
    services.update_request(people["zushi"], req.id, request_values(make, people=3), expected_version=seen)
    assert db.session.get(StaffingRequest, req.id).carry_over_count == 2


def test_an_edit_made_on_a_stale_page_is_refused(make, people):
    req = draft(make, people["zushi"])
    seen = req.lock_version
    services.update_request(people["zushi"], req.id, request_values(make, people=3), expected_version=seen)
    with pytest.raises(UserError, match="他の人が先に更新しました"):
        services.update_request(people["zushi"], req.id, request_values(make, people=4), expected_version=seen)
    db.session.rollback()
    assert db.session.get(StaffingRequest, req.id).people == 3


# ----------------------------------------------------------------------------- who may do what


@pytest.mark.parametrize("actor", ["fujisawa", "specialist"])
def test_another_city_and_specialists_may_do_nothing_to_a_request(make, people, actor):
    req = draft(make, people["zushi"])
    who = people[actor]
    for call in (
        lambda: services.get_request(who, req.id),
        lambda: services.request_history(who, req.id),
        lambda: services.update_request(who, req.id, request_values(make, people=9)),
        lambda: services.open_request(who, req.id),
        lambda: services.withdraw_request(who, req.id, "x"),
        lambda: services.reopen_request(who, req.id, "x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
        db.session.rollback()
    req = db.session.get(StaffingRequest, req.id)
    assert (req.status, req.people) == ("draft", 2)
    assert services.allowed_actions(who, req) == set()


def test_only_hr_officers_create_requests_and_always_for_their_own_city(make, people):
    for actor in ("coordinator", "admin", "specialist"):
        with pytest.raises(PermissionDenied):
            services.create_request(people[actor], request_values(make))
    req = services.create_request(people["fujisawa"], request_values(make))
    assert req.city_id == people["fujisawa"].city_id


def test_buttons_offered_match_the_rules(make, people):
    req = draft(make, people["zushi"])
    assert services.allowed_actions(people["zushi"], req) == {"edit", "open", "withdraw"}
    assert services.allowed_actions(people["coordinator"], req) == {"edit", "open", "withdraw"}
    req.status = "withdrawn"
    assert services.allowed_actions(people["zushi"], req) == set()
    assert services.allowed_actions(people["coordinator"], req) == {"edit", "reopen"}


def test_hr_list_shows_only_their_city_and_the_coordinator_sees_all(make, people):
    zushi_req = make.staffing_request(people["zushi"].city)
    fujisawa_req = make.staffing_request(people["fujisawa"].city)
    listing, counts = services.list_requests(people["fujisawa"], services.ListFilter(city_id=zushi_req.city_id), 1, 50)
    assert [r.id for r in listing.items] == [fujisawa_req.id] and listing.total == 1 and counts == {"open": 1}
    listing, _counts = services.list_requests(people["coordinator"], services.ListFilter(), 1, 50)
    assert {r.id for r in listing.items} == {zushi_req.id, fujisawa_req.id}
