"""Training sessions: posting rules, audience, capacity and the waiting list, attendance, roles, notices."""
from __future__ import annotations

import threading
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.extensions import db
from talentbank.notifications.models import Notification, OutboxMessage
from talentbank.training import services
from talentbank.training.models import TrainingRegistration, TrainingSession
from talentbank.vocabulary.models import Profession

from datetime import datetime

NOW = datetime(2026, 12, 4, 1, 0)  # 10:00 in Japan


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(NOW)
    yield
    clock.freeze(None)


@pytest.fixture
def world(make):
    cities = make.demo_cities()
    make.vocabulary()
    fujisawa, yokohama = cities["142051"], cities["142018"]
    return {
        "cities": cities,
        "fujisawa": fujisawa,
        "hr": make.user(Role.CITY_HR, city=fujisawa),
        "other_hr": make.user(Role.CITY_HR, city=cities["141003"]),
        "coordinator": make.user(Role.COORDINATOR, city=cities["142085"]),
        "other": yokohama,
    }


def _values(make, **overrides) -> services.SessionInput:
    values = dict(title="法面点検の基礎", description="法面の点検と記録", day=date(2026, 12, 20), start_time=time(13, 30),
                  end_time=time(16, 0), is_online=False, place="藤沢市役所 本庁舎", online_url="", capacity=2,
                  audience="both", profession_ids=[make.term(Profession, "civil").id],
                  registration_deadline=date(2026, 12, 18))
    values.update(overrides)
    return services.SessionInput(**values)


def _retiree(make, city):
    user = make.user(Role.SPECIALIST)
    return make.specialist(city, user=user), user


def _messages(user, kind):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                         Notification.kind == kind)).all()


# ------------------------------------------------------------------------------------------------ posting


def test_hr_posts_a_session_for_their_city_in_japan_time_audited(make, world):
    session = services.post_session(world["hr"], _values(make))
    assert session.city_id == world["fujisawa"].id
    assert session.starts_at == datetime(2026, 12, 20, 4, 30)  # 13:30 JST
    assert [p.code for p in session.professions] == ["civil"]
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "training.post")) is not None


@pytest.mark.parametrize("overrides, field", [
    (dict(title="  "), "title"),
    (dict(day=None), "day"),
    (dict(end_time=time(13, 0)), "end_time"),
    (dict(day=date(2026, 12, 1), registration_deadline=date(2026, 11, 30)), "day"),
    (dict(is_online=True, online_url=""), "online_url"),
    (dict(is_online=True, online_url="javascript:alert(1)"), "online_url"),
    (dict(place=""), "place"),
    (dict(capacity=0), "capacity"),
    (dict(capacity=None), "capacity"),
    (dict(audience="everyone"), "audience"),
    (dict(profession_ids=[]), "profession_ids"),
    (dict(profession_ids=[999999]), "profession_ids"),
    (dict(registration_deadline=date(2026, 12, 21)), "registration_deadline"),
    (dict(registration_deadline=None), "registration_deadline"),
])
def test_posting_refuses_bad_input_and_saves_nothing(make, world, overrides, field):
    with pytest.raises(UserError) as refused:
        services.post_session(world["hr"], _values(make, **overrides))
    fields = {e.field for e in getattr(refused.value, "errors", [refused.value])}
    assert field in fields
    assert db.session.scalar(select(TrainingSession.id)) is None


def test_every_problem_is_said_at_once(make, world):
    with pytest.raises(UserError) as refused:
        services.post_session(world["hr"], _values(make, title="", capacity=0, profession_ids=[]))
    assert {e.field for e in refused.value.errors} == {"title", "capacity", "profession_ids"}


def test_specialists_may_not_post_and_coordinator_names_the_city(make, world):
    _person, user = _retiree(make, world["fujisawa"])
    with pytest.raises(PermissionDenied):
        services.post_session(user, _values(make))
    with pytest.raises(UserError):
        services.post_session(world["coordinator"], _values(make))
    session = services.post_session(world["coordinator"], _values(make, city_id=world["other"].id))
    assert session.city_id == world["other"].id


def test_only_the_organising_city_and_coordinator_change_a_session(make, world):
    session = services.post_session(world["hr"], _values(make))
    with pytest.raises(PermissionDenied):
        services.edit_session(world["other_hr"], session.id, _values(make, title="別"))
    with pytest.raises(PermissionDenied):
        services.cancel_session(world["other_hr"], session.id, "都合")
    services.edit_session(world["coordinator"], session.id, _values(make, title="変更後"))
    assert db.session.get(TrainingSession, session.id).title == "変更後"


# ------------------------------------------------------------------------------------------------ audience


def test_audience_is_enforced(make, world):
    staff_only = services.post_session(world["hr"], _values(make, audience="staff"))
    specialists_only = services.post_session(world["hr"], _values(make, audience="specialists"))
    person, user = _retiree(make, world["fujisawa"])
    officer = make.serving_officer(world["fujisawa"])
    with pytest.raises(UserError):
        services.register_self(user, staff_only.id)
    assert services.register_self(user, specialists_only.id).status == "confirmed"
    with pytest.raises(UserError):
        services.register_staff(world["hr"], specialists_only.id, specialist_id=officer.id)
    assert services.register_staff(world["hr"], staff_only.id, specialist_id=officer.id).status == "confirmed"
    with pytest.raises(UserError):
        services.register_self(world["hr"], specialists_only.id)


def test_hr_registers_only_their_own_city_staff(make, world):
    session = services.post_session(world["hr"], _values(make, capacity=5))
    stranger = make.serving_officer(world["other"])
    with pytest.raises(UserError):
        services.register_staff(world["hr"], session.id, specialist_id=stranger.id)
    with pytest.raises(UserError):
        services.register_staff(world["hr"], session.id, user_id=world["other_hr"].id)
    colleague = make.user(Role.CITY_HR, city=world["fujisawa"])
    assert services.register_staff(world["hr"], session.id, user_id=colleague.id).user_id == colleague.id
    person, _user = _retiree(make, world["fujisawa"])
    with pytest.raises(UserError):  # a retiree is not staff of the city
        services.register_staff(world["hr"], session.id, specialist_id=person.id)


def test_no_double_registration_and_deadline(make, world):
    session = services.post_session(world["hr"], _values(make))
    _person, user = _retiree(make, world["fujisawa"])
    services.register_self(user, session.id)
    with pytest.raises(UserError):
        services.register_self(user, session.id)
    assert db.session.query(TrainingRegistration).count() == 1
    clock.freeze(datetime(2026, 12, 18, 15, 30))  # 19 Dec 00:30 JST: past the deadline
    _late, late_user = _retiree(make, world["fujisawa"])
    with pytest.raises(UserError):
        services.register_self(late_user, session.id)


# ------------------------------------------------------------------------------------------------ places


def _full_session(make, world, capacity=2, waiting=2):
    session = services.post_session(world["hr"], _values(make, capacity=capacity))
    people = [_retiree(make, world["fujisawa"]) for _ in range(capacity + waiting)]
    regs = [services.register_self(user, session.id) for _p, user in people]
    return session, people, regs


def test_a_full_session_puts_people_on_the_waiting_list_in_order(make, world):
    session, people, regs = _full_session(make, world)
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert [r.id for r in services.waiting_list(session.id)] == [regs[2].id, regs[3].id]
    assert len(_messages(people[2][1], "training.waiting")) == 1
    assert len(_messages(people[0][1], "training.confirmed")) == 1


def test_cancelling_promotes_the_first_waiting_and_tells_them(make, world):
    session, people, regs = _full_session(make, world)
    services.cancel_registration(people[0][1], regs[0].id)
    db.session.expire_all()
    assert db.session.get(TrainingRegistration, regs[2].id).status == "confirmed"
    assert db.session.get(TrainingRegistration, regs[3].id).status == "waiting"
    assert len(_messages(people[2][1], "training.promoted")) == 1
    assert not _messages(people[3][1], "training.promoted")


def test_someone_else_may_not_cancel_my_registration(make, world):
    session, people, regs = _full_session(make, world)
    with pytest.raises(PermissionDenied):
        services.cancel_registration(people[1][1], regs[0].id)


def test_the_organiser_removing_someone_promotes_the_first_waiting(make, world):
    session, people, regs = _full_session(make, world)
    services.remove_registration(world["hr"], regs[1].id, "対象外のため")
    db.session.expire_all()
    assert db.session.get(TrainingRegistration, regs[1].id).status == "removed"
    assert db.session.get(TrainingRegistration, regs[2].id).status == "confirmed"
    assert len(_messages(people[1][1], "training.removed")) == 1
    with pytest.raises(PermissionDenied):
        services.remove_registration(world["other_hr"], regs[0].id)


def test_raising_the_capacity_promotes_in_order_and_lowering_below_confirmed_is_refused(make, world):
    session, people, regs = _full_session(make, world)
    services.edit_session(world["hr"], session.id, _values(make, capacity=3))
    db.session.expire_all()
    assert [db.session.get(TrainingRegistration, r.id).status for r in regs] == \
        ["confirmed", "confirmed", "confirmed", "waiting"]
    with pytest.raises(UserError):
        services.edit_session(world["hr"], session.id, _values(make, capacity=2))


def test_two_people_taking_the_last_place_at_once_one_confirmed_one_waiting(app, make, world):
    session = services.post_session(world["hr"], _values(make, capacity=1))
    users = [_retiree(make, world["fujisawa"])[1].id for _ in range(2)]
    session_id = session.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = ["", ""]

    def run(i: int) -> None:
        from talentbank.accounts.models import User
        with app.app_context():
            clock.freeze(NOW)
            try:
                actor = db.session.get(User, users[i])
                barrier.wait(timeout=20)
                outcomes[i] = services.register_self(actor, session_id).status
            except Exception as exc:  # noqa: BLE001
                db.session.rollback()
                outcomes[i] = f"crash: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["confirmed", "waiting"], outcomes
    db.session.expire_all()
    assert services.counts([session_id])[session_id] == {"confirmed": 1, "waiting": 1}


def test_cancelling_a_session_tells_everyone_and_closes_it(make, world):
    session, people, regs = _full_session(make, world)
    with pytest.raises(UserError):
        services.cancel_session(world["hr"], session.id, "  ")
    services.cancel_session(world["hr"], session.id, "講師の都合により")
    assert all(len(_messages(user, "training.cancelled")) == 1 for _p, user in people)
    _late, user = _retiree(make, world["fujisawa"])
    with pytest.raises(UserError):
        services.register_self(user, session.id)


def test_a_new_time_is_told_to_registrants_a_new_title_is_not(make, world):
    session, people, regs = _full_session(make, world)
    services.edit_session(world["hr"], session.id, _values(make, title="題名だけ変更"))
    assert not _messages(people[0][1], "training.changed")
    services.edit_session(world["hr"], session.id, _values(make, title="題名だけ変更", start_time=time(14, 0)))
    assert len(_messages(people[0][1], "training.changed")) == 1
    assert len(_messages(people[3][1], "training.changed")) == 1


# ------------------------------------------------------------------------------------------------ attendance


def test_attendance_after_the_start_only_by_the_organiser_and_only_for_confirmed(make, world):
    session, people, regs = _full_session(make, world)
    with pytest.raises(UserError):
        services.record_attendance(world["hr"], session.id, {regs[0].id: "attended"})
    clock.freeze(datetime(2026, 12, 20, 5, 0))  # during the session
    with pytest.raises(PermissionDenied):
        services.record_attendance(world["other_hr"], session.id, {regs[0].id: "attended"})
    with pytest.raises(UserError):
        services.record_attendance(world["hr"], session.id, {regs[2].id: "attended"})  # waiting
    with pytest.raises(UserError):
        services.record_attendance(world["hr"], session.id, {regs[0].id: "late"})
    changed = services.record_attendance(world["hr"], session.id, {regs[0].id: "attended", regs[1].id: "absent"})
    assert changed == 2
    from talentbank.training.records import attended_by_profession
    assert attended_by_profession() == {people[0][0].id: {"civil": date(2026, 12, 20)}}
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "training.attendance")) is not None


# ------------------------------------------------------------------------------------------------ reminders


def test_the_daily_job_reminds_confirmed_people_the_day_before_once(make, world):
    session, people, regs = _full_session(make, world)
    clock.freeze(datetime(2026, 12, 19, 0, 0))  # 19 Dec 09:00 JST: the session is tomorrow
    from talentbank.core.jobs import RunContext
    from talentbank.training.jobs import remind_tomorrow
    remind_tomorrow(RunContext(run_id=1, is_manual=False, started_at=clock.utcnow()))
    remind_tomorrow(RunContext(run_id=2, is_manual=False, started_at=clock.utcnow()))
    assert len(_messages(people[0][1], "training.tomorrow")) == 1
    assert not _messages(people[2][1], "training.tomorrow")  # waiting
    mails = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "training.tomorrow")).all()
    assert len(mails) == 2


def test_notices_are_in_the_recipients_language(make, world):
    session = services.post_session(world["hr"], _values(make))
    user = make.user(Role.SPECIALIST, language="en")
    make.specialist(world["fujisawa"], user=user)
    services.register_self(user, session.id)
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "training.confirmed"))
    assert "confirmed" in mail.subject.lower() or "place" in mail.subject.lower(), mail.subject
    assert "Fujisawa" in mail.body


def test_a_withdrawing_specialist_frees_their_place(make, world):
    session, people, regs = _full_session(make, world)
    from talentbank.specialists.personal_data import withdraw_specialist
    withdraw_specialist(world["coordinator"], people[0][0].id, "本人の申出")
    db.session.expire_all()
    assert db.session.get(TrainingRegistration, regs[0].id).status == "cancelled"
    assert db.session.get(TrainingRegistration, regs[2].id).status == "confirmed"


def test_specialists_see_only_sessions_open_to_them_staff_see_all(make, world):
    staff_only = services.post_session(world["hr"], _values(make, audience="staff", title="職員向け"))
    open_to_all = services.post_session(world["hr"], _values(make, title="だれでも"))
    _person, user = _retiree(make, world["fujisawa"])
    seen = [s.id for s in services.list_sessions(user, services.SessionFilters(), 1).items]
    assert seen == [open_to_all.id]
    with pytest.raises(services.SessionNotFound):
        services.get_session(user, staff_only.id)
    assert len(services.list_sessions(world["other_hr"], services.SessionFilters(), 1).items) == 2


def test_filters_by_profession_city_and_time(make, world):
    civil = services.post_session(world["hr"], _values(make, title="土木"))
    nurse = services.post_session(world["coordinator"], _values(
        make, title="保健", city_id=world["other"].id,
        profession_ids=[make.term(Profession, "public_health_nurse").id]))
    hr = world["other_hr"]

    def titles(**kw):
        return [s.title for s in services.list_sessions(hr, services.SessionFilters(**kw), 1).items]

    assert titles(profession_id=make.term(Profession, "civil").id) == ["土木"]
    assert titles(city_id=world["other"].id) == ["保健"]
    assert titles(when="past") == []
    clock.freeze(datetime(2026, 12, 21, 0, 0))
    assert sorted(titles(when="past")) == ["保健", "土木"] and titles() == []
    assert civil.id and nurse.id


def test_cancel_and_register_again_goes_to_the_back_removed_cannot_return_alone(make, world):
    session, people, regs = _full_session(make, world)
    services.cancel_registration(people[2][1], regs[2].id)  # first waiting leaves the line
    again = services.register_self(people[2][1], session.id)
    assert again.id == regs[2].id and again.status == "waiting"
    assert [r.id for r in services.waiting_list(session.id)] == [regs[3].id, regs[2].id]
    services.remove_registration(world["hr"], regs[0].id, "")
    with pytest.raises(UserError):
        services.register_self(people[0][1], session.id)
