"""What a staffing request must satisfy: each rule refused with its own Japanese message, nothing saved."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from talentbank.core import clock
from talentbank.core.errors import UserErrors
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.requests import services
from talentbank.requests.models import StaffingRequest
from talentbank.vocabulary.models import Licence, Profession

from .builders import request_values


@pytest.fixture
def zushi_hr(make):
    clock.freeze(datetime(2026, 11, 30, 1, 0))  # 10:00 in Tokyo, 30 November 2026
    return make.user(Role.CITY_HR, city=make.city())


def refused(make, actor, **overrides) -> dict[str, str]:
    """Try to create the request; return {field: message} of every problem, checking nothing was saved."""
    with pytest.raises(UserErrors) as caught:
        services.create_request(actor, request_values(make, **overrides))
    db.session.rollback()
    assert db.session.scalar(select(func.count(StaffingRequest.id))) == 0
    return {e.field: str(e) for e in caught.value.errors}


def test_a_complete_request_is_saved_as_a_draft(make, zushi_hr):
    req = services.create_request(zushi_hr, request_values(make))
    assert req.status == "draft" and req.city_id == zushi_hr.city_id and req.posted_at is None
    assert [t.code for t in req.required_licences] == ["civil_works_manager_1"]
    assert [t.code for t in req.desired_fields] == ["slopes"]


def test_period_must_be_in_order(make, zushi_hr):
    today = clock.today_tokyo()
    errors = refused(make, zushi_hr, start_date=today + timedelta(days=40), end_date=today + timedelta(days=39))
    assert errors == {"end_date": "終了日は開始日以降の日付にしてください。"}


def test_a_one_day_period_is_allowed(make, zushi_hr):
    day = clock.today_tokyo() + timedelta(days=3)
    assert services.create_request(zushi_hr, request_values(make, start_date=day, end_date=day)).id


def test_period_may_not_start_in_the_past_but_may_start_today(make, zushi_hr):
    today = clock.today_tokyo()
    assert today.isoformat() == "2026-11-30"
    errors = refused(make, zushi_hr, start_date=today - timedelta(days=1))
    assert errors == {"start_date": "開始日に過去の日付は指定できません（今日は2026-11-30です）。"}
    assert services.create_request(zushi_hr, request_values(make, start_date=today)).start_date == today


def test_today_is_the_date_in_tokyo_not_in_utc(make, zushi_hr):
    # 20:00 UTC on 30 November is already 1 December in Japan.
    clock.freeze(datetime(2026, 11, 30, 20, 0))
    errors = refused(make, zushi_hr, start_date=datetime(2026, 11, 30).date())
    assert "今日は2026-12-01です" in errors["start_date"]


def test_period_longer_than_five_years_is_a_typing_mistake(make, zushi_hr):
    today = clock.today_tokyo()
    errors = refused(make, zushi_hr, end_date=today + timedelta(days=6 * 366))
    assert errors == {"end_date": "期間は5年以内にしてください。"}


def test_dates_are_required(make, zushi_hr):
    errors = refused(make, zushi_hr, start_date=None, end_date=None)
    assert errors == {"start_date": "開始日を入力してください。", "end_date": "終了日を入力してください。"}


@pytest.mark.parametrize("people", [0, -1, 100, None])
def test_people_between_one_and_ninety_nine(make, zushi_hr, people):
    assert refused(make, zushi_hr, people=people) == {"people": "人数は1〜99人の範囲で入力してください。"}


@pytest.mark.parametrize("days", [0, 6, None])
def test_days_per_week_between_one_and_five(make, zushi_hr, days):
    assert refused(make, zushi_hr, days_per_week=days) == {
        "days_per_week": "週あたりの勤務日数は1〜5日の範囲で入力してください。"}


@pytest.mark.parametrize("people,days", [(1, 1), (99, 5)])
def test_bounds_are_accepted(make, zushi_hr, people, days):
    req = services.create_request(zushi_hr, request_values(make, people=people, days_per_week=days))
    assert (req.people, req.days_per_week) == (people, days)


def test_unknown_licence_is_refused(make, zushi_hr):
    errors = refused(make, zushi_hr, required_licence_ids=(make.term(Licence, "surveyor").id, 987654))
    assert errors == {"required_licence_ids": "登録されていない資格が含まれています。"}


def test_retired_licence_is_refused_for_new_requests(make, zushi_hr):
    surveyor = make.term(Licence, "surveyor")
    surveyor.is_active = False
    db.session.commit()
    errors = refused(make, zushi_hr, required_licence_ids=(surveyor.id,))
    assert errors == {"required_licence_ids": "登録されていない資格が含まれています。"}


def test_retired_licence_already_on_a_request_may_stay(make, zushi_hr):
    req = services.create_request(zushi_hr, request_values(make))
    licence = req.required_licences[0]
    licence.is_active = False
    db.session.commit()
    updated = services.update_request(zushi_hr, req.id, request_values(make, people=3))
    assert [t.id for t in updated.required_licences] == [licence.id] and updated.people == 3


def test_unknown_field_and_profession_are_refused(make, zushi_hr):
    errors = refused(make, zushi_hr, desired_field_ids=(424242,), profession_id=535353)
    assert errors == {"desired_field_ids": "登録されていない経験分野が含まれています。",
                      "profession_id": "選ばれた職種は登録されていません。"}


def test_profession_is_required(make, zushi_hr):
    assert refused(make, zushi_hr, profession_id=None) == {"profession_id": "職種を選んでください。"}


@pytest.mark.parametrize("urgency", ["disaster", "statutory"])
def test_disaster_and_statutory_requests_need_a_written_reason(make, zushi_hr, urgency):
    errors = refused(make, zushi_hr, urgency=urgency, urgency_reason="   ")
    assert errors == {"urgency_reason": "災害復旧または法定・安全業務の要請には、その理由を記入してください。"}


def test_ordinary_request_needs_no_reason_and_keeps_none(make, zushi_hr):
    req = services.create_request(zushi_hr, request_values(make, urgency="ordinary", urgency_reason="念のため"))
    assert req.urgency == "ordinary" and req.urgency_reason is None


def test_unknown_urgency_and_work_mode_are_refused(make, zushi_hr):
    errors = refused(make, zushi_hr, urgency="urgent", work_mode="hybrid")
    assert errors == {"urgency": "緊急度を選んでください。", "work_mode": "勤務形態を選んでください。"}


def test_every_problem_is_reported_at_once(make, zushi_hr):
    errors = refused(make, zushi_hr, department=" ", section="", description="", people=0, days_per_week=9,
                     urgency_reason="")
    assert set(errors) == {"department", "section", "description", "people", "days_per_week", "urgency_reason"}
    assert errors["department"] == "部署名を入力してください。"


def test_overlong_text_is_refused(make, zushi_hr):
    errors = refused(make, zushi_hr, description="あ" * 4001)
    assert errors == {"description": "4000文字以内で入力してください。"}


@pytest.mark.parametrize("overrides", [
    {"days_per_week": 6}, {"people": 0}, {"urgency": "statutory", "urgency_reason": None},
    {"end_date": datetime(2026, 12, 1).date()}, {"status": "closed"}, {"work_mode": "hybrid"},
])
def test_the_database_refuses_what_the_service_would(make, zushi_hr, overrides):
    """The constraints hold even for code that skips the service (imports, scripts)."""
    from sqlalchemy.exc import IntegrityError

    values = dict(city_id=zushi_hr.city_id, department="都市整備部", section="道路課",
                  profession=make.term(Profession, "civil"), people=1, start_date=datetime(2026, 12, 10).date(),
                  end_date=datetime(2027, 3, 31).date(), days_per_week=1, work_mode="onsite", urgency="ordinary",
                  urgency_reason=None, description="点検")
    values.update(overrides)
    db.session.add(StaffingRequest(**values))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
