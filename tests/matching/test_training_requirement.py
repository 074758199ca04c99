"""The training requirement in a round: the profession's N months and each person's attendance reach the
solver, and a disaster-recovery request is not given someone who has not attended a recent training."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.matching import services
from talentbank.matching.models import Proposal, UnfilledSlot
from talentbank.matching.rule_sets import ensure_rule_set
from talentbank.matching.snapshot import build_snapshot
from talentbank.training.models import TrainingRegistration, TrainingSession
from talentbank.vocabulary.models import Profession

from .builders import matching_app, scenario, specialist


@pytest.fixture
def world(app, make):
    matching_app(app)
    return scenario(make)


def _require(make, code: str, months: int | None) -> None:
    make.term(Profession, code).disaster_training_months = months
    db.session.commit()


def _attended(make, person, *, days_ago: int, professions=("civil",), attendance="attended", status="scheduled"):
    """A session of Zushi held ``days_ago`` days ago (10:00 Japan time), suiting ``professions``, and the
    person's registration with the organiser's record."""
    city = person.home_city
    day = clock.today_tokyo() - timedelta(days=days_ago)
    starts_at = datetime(day.year, day.month, day.day, 1, 0)  # 10:00 in Japan
    session = TrainingSession(city_id=city.id, title="法面点検の基礎", description="", starts_at=starts_at,
                              ends_at=starts_at + timedelta(hours=2), is_online=False, place="市役所",
                              capacity=10, audience="both", registration_deadline=day - timedelta(days=1),
                              status=status)
    session.professions = [make.term(Profession, code) for code in professions]
    db.session.add(session)
    db.session.flush()
    db.session.add(TrainingRegistration(session_id=session.id, specialist_id=person.id, status="confirmed",
                                        attendance=attendance))
    db.session.commit()
    return day


def _records(problem) -> dict[str, dict]:
    return {s["id"]: s for s in problem["specialists"]}


def test_without_a_requirement_the_problem_carries_no_training(world, make):
    _attended(make, world.engineer_licensed, days_ago=30)
    problem = build_snapshot(ensure_rule_set()).problem
    assert "disaster_training_months" not in problem
    assert not any("trainings" in s for s in problem["specialists"])


def test_the_snapshot_reads_the_requirement_and_attendance_from_the_database(world, make):
    _require(make, "civil", 12)
    licensed, roads, _other = world.engineers
    recent = _attended(make, licensed, days_ago=40)
    _attended(make, licensed, days_ago=200)  # older: the latest day counts
    _attended(make, roads, days_ago=10, professions=("architecture",))  # no requirement: not sent
    _attended(make, world.nurse, days_ago=5, attendance="absent")  # absent: not attended
    _attended(make, world.nurse, days_ago=6, status="cancelled")  # a cancelled session never counts
    _attended(make, _other, days_ago=-3)  # recorded ahead of the session: not yet attended on the round's day
    problem = build_snapshot(ensure_rule_set()).problem
    assert problem["disaster_training_months"] == {"civil": 12}
    records = _records(problem)
    assert records[str(licensed.id)]["trainings"] == {"civil": recent.isoformat()}
    for person in (roads, world.nurse, _other):
        assert "trainings" not in records[str(person.id)]


def test_reading_attendance_stays_a_fixed_number_of_statements(world, make):
    _require(make, "civil", 6)
    rule_set = ensure_rule_set()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def measured() -> int:
        db.session.expire_all()
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            build_snapshot(rule_set)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    _attended(make, world.engineer_licensed, days_ago=20)
    before = measured()
    people = [specialist(make, world.cities["142085"]) for _ in range(5)]
    for person in people:
        _attended(make, person, days_ago=20)
    assert measured() == before  # one read per chunk of ids, never one per person
    records = _records(build_snapshot(ensure_rule_set()).problem)
    assert all("trainings" in records[str(p.id)] for p in people)


def test_a_disaster_request_whose_only_candidate_lacks_the_training_stays_empty_then_is_filled(world, make, client,
                                                                                                auth):
    _require(make, "civil", 12)
    first = services.start_round(world.coordinator)
    assert first.status == "succeeded", first.error
    zushi = world.zushi_request
    assert db.session.scalars(select(Proposal).where(Proposal.round_id == first.id,
                                                     Proposal.request_id == zushi.id)).all() == []
    empty = db.session.scalars(select(UnfilledSlot).where(UnfilledSlot.round_id == first.id,
                                                          UnfilledSlot.request_id == zushi.id)).one()
    assert empty.reason["kind"] == "no_eligible" and empty.reason["training_months"] == 12
    assert empty.reason["ruled_out"]["training"] == 1  # the licensed engineer: every other rule passed
    # the coordinating city's review desk and Zushi's HR officer read why, in plain words
    auth.login(world.coordinator.email)
    desk = client.get(f"/matching/rounds/{first.id}/requests/{zushi.id}").text
    assert "1人は、他の条件は満たしていますが、災害復旧の要請に必要な研修（12か月以内の受講）を受けていません。" in desk
    auth.logout()
    hr = make.user(Role.CITY_HR, city=world.cities["142085"])
    auth.login(hr.email)
    page = client.get("/matching/results").text
    assert "1人は、他の条件は満たしていますが、災害復旧の要請に必要な研修（12か月以内の受講）を受けていません。" in page
    client.post("/lang/en")
    page = client.get("/matching/results").text
    assert "1 meet every other condition but have not attended the training disaster-recovery requests need " \
           "(within 12 months)." in page

    _attended(make, world.engineer_licensed, days_ago=60)
    second = services.start_round(world.coordinator)
    assert second.status == "succeeded", second.error
    pairs = {(p.request_id, p.specialist_id) for p in
             db.session.scalars(select(Proposal).where(Proposal.round_id == second.id))}
    assert (zushi.id, world.engineer_licensed.id) in pairs


def test_ordinary_requests_ignore_the_requirement(world, make):
    _require(make, "civil", 1)
    rnd = services.start_round(world.coordinator)
    kamakura = {p.specialist_id for p in db.session.scalars(
        select(Proposal).where(Proposal.round_id == rnd.id, Proposal.request_id == world.kamakura_request.id))}
    assert len(kamakura) == 2  # nobody attended a training; the ordinary request is filled all the same
