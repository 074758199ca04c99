"""Arrival details of a dispatch: who may enter them, what is checked, who sees them, the audit and the notice."""
from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.dispatches.arrival import ArrivalValues, DispatchArrival, arrival_for, save_arrival
from talentbank.extensions import db
from talentbank.notifications.models import Notification, OutboxMessage


@pytest.fixture
def world(make):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    specialist_user = make.user(Role.SPECIALIST, email="hanako@test.example", name="保健 花子", language="en")
    today = clock.today_tokyo()
    specialist = make.specialist(cities["142018"], user=specialist_user, email=specialist_user.email,
                                 windows=((today, today + timedelta(days=800)),))
    request = make.staffing_request(zushi, people=1, days_per_week=2)
    return {
        "zushi": zushi, "specialist": specialist, "specialist_user": specialist_user, "request": request,
        "dispatch": make.dispatch(specialist, request),
        "coordinator": make.user(Role.COORDINATOR, email="coord@test.example"),
        "zushi_hr": make.user(Role.CITY_HR, city=zushi, email="hr.zushi@test.example"),
        "kamakura_hr": make.user(Role.CITY_HR, city=kamakura, email="hr.kamakura@test.example"),
    }


def _values(dispatch, **overrides) -> ArrivalValues:
    values = dict(contact_name="逗子 太郎", contact_phone="046-873-1111", contact_email="road@city.zushi.example",
                  place="逗子市役所 3階 道路課", first_day_on=dispatch.start_date, meeting_time=time(8, 30),
                  what_to_bring="作業着、安全靴、印鑑")
    values.update(overrides)
    return ArrivalValues(**values)


def _form(dispatch, **overrides) -> dict[str, str]:
    data = {"contact_name": "逗子 太郎", "contact_phone": "046-873-1111", "contact_email": "",
            "place": "逗子市役所 3階 道路課", "first_day_on": dispatch.start_date.isoformat(), "meeting_time": "08:30",
            "what_to_bring": "作業着"}
    data.update(overrides)
    return data


def _notices(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.kind == "dispatch.arrival_details"))


def test_receiving_hr_enters_details_the_specialist_is_told_once_and_each_save_is_audited(world):
    d, user = world["dispatch"], world["specialist_user"]
    save_arrival(world["zushi_hr"], d.id, _values(d))
    stored = arrival_for(d.id)
    assert (stored.contact_name, stored.meeting_time, stored.first_day_on) == ("逗子 太郎", time(8, 30), d.start_date)
    assert _notices(user.id) == 1
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "dispatch.arrival_details"))
    assert mail.to_address == user.email and mail.language == "en"  # in the person's language
    assert "逗子市役所 3階 道路課" in mail.body

    save_arrival(world["coordinator"], d.id, _values(d, place="逗子市役所 本館 2階"))
    assert arrival_for(d.id).place == "逗子市役所 本館 2階"
    assert _notices(user.id) == 1  # told when first entered, not at every change
    actions = list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.entity_type == "dispatch", AuditEntry.entity_id == str(d.id),
        AuditEntry.action.like("dispatch.arrival%")).order_by(AuditEntry.id)))
    assert actions == ["dispatch.arrival_entered", "dispatch.arrival_changed"]
    change = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "dispatch.arrival_changed"))
    assert change.changes == {"place": ["逗子市役所 3階 道路課", "逗子市役所 本館 2階"]}


def test_saving_the_same_details_again_records_nothing(world):
    d = world["dispatch"]
    save_arrival(world["zushi_hr"], d.id, _values(d))
    save_arrival(world["zushi_hr"], d.id, _values(d))
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action.like("dispatch.arrival%"))) == 1


def test_only_the_receiving_city_and_the_coordinating_city_may_enter_them(world):
    d = world["dispatch"]
    with pytest.raises(PermissionDenied):
        save_arrival(world["kamakura_hr"], d.id, _values(d))
    with pytest.raises(PermissionDenied):
        save_arrival(world["specialist_user"], d.id, _values(d))
    db.session.rollback()
    assert arrival_for(d.id) is None


@pytest.mark.parametrize("overrides, field", [
    ({"contact_name": " "}, "contact_name"),
    ({"contact_phone": "call me"}, "contact_phone"),
    ({"contact_phone": ""}, "contact_phone"),
    ({"contact_email": "not-an-address"}, "contact_email"),
    ({"place": ""}, "place"),
    ({"first_day_on": None}, "first_day_on"),
    ({"what_to_bring": "x" * 1001}, "what_to_bring"),
])
def test_bad_details_are_refused_with_the_field_named_and_nothing_saved(world, overrides, field):
    d = world["dispatch"]
    with pytest.raises(UserError) as refused:
        save_arrival(world["zushi_hr"], d.id, _values(d, **overrides))
    assert field in {e.field for e in getattr(refused.value, "errors", [refused.value])}
    db.session.rollback()
    assert arrival_for(d.id) is None


def test_the_first_day_must_lie_in_the_dispatch_period(world):
    d = world["dispatch"]
    for day in (d.start_date - timedelta(days=1), d.end_date + timedelta(days=1)):
        with pytest.raises(UserError):
            save_arrival(world["zushi_hr"], d.id, _values(d, first_day_on=day))
        db.session.rollback()
    save_arrival(world["zushi_hr"], d.id, _values(d, first_day_on=d.end_date))
    assert arrival_for(d.id).first_day_on == d.end_date


def test_a_cancelled_dispatch_takes_no_details(world, make):
    d = world["dispatch"]
    d.status, d.cancel_reason = "cancelled", "テストのための中止"
    db.session.commit()
    with pytest.raises(UserError):
        save_arrival(world["zushi_hr"], d.id, _values(d))


def test_the_form_saves_shows_errors_and_refuses_other_cities(world, client, auth):
    d = world["dispatch"]
    auth.login("hr.kamakura@test.example")
    assert client.get(f"/dispatches/{d.id}/arrival").status_code == 403
    assert client.post(f"/dispatches/{d.id}/arrival", data=_form(d)).status_code == 403
    auth.logout()
    auth.login("hanako@test.example")
    assert client.post(f"/dispatches/{d.id}/arrival", data=_form(d)).status_code == 403
    auth.logout()

    auth.login("hr.zushi@test.example")
    bad_time = client.post(f"/dispatches/{d.id}/arrival", data=_form(d, meeting_time="25:99"))
    assert bad_time.status_code == 400 and "時刻は HH:MM の形式で" in bad_time.get_data(as_text=True)
    bad = client.post(f"/dispatches/{d.id}/arrival", data=_form(d, contact_phone="abc", place=""))
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert "電話番号は半角数字とハイフンで入力してください" in page and "初日に行く場所を入力してください" in page
    assert db.session.scalar(select(func.count()).select_from(DispatchArrival)) == 0
    assert client.post(f"/dispatches/{d.id}/arrival", data=_form(d)).status_code == 302
    assert client.get("/dispatches/999999/arrival").status_code == 404
    auth.logout()

    # The specialist and both cities see them on the dispatch page; only the cities may change them.
    for email, may_change in (("hanako@test.example", False), ("hr.zushi@test.example", True),
                              ("coord@test.example", True)):
        auth.login(email)
        page = client.get(f"/dispatches/{d.id}").get_data(as_text=True)
        assert "逗子 太郎" in page and "046-873-1111" in page and "08:30" in page, email
        assert (f'href="/dispatches/{d.id}/arrival"' in page) is may_change, email
        auth.logout()
