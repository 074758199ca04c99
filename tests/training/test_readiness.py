"""The readiness rule on the pages: a profession's "training within N months for disaster-recovery requests"
leaves out of the HR officers' candidate search (and of a specialist's fitting requests, ``lacking_training_clause``)
exactly whom a round's hard rule ``training`` refuses, with the month-end edge of the rounds."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import event, select

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.requests.models import StaffingRequest
from talentbank.solver.rules import months_before
from talentbank.specialists.models import Specialist
from talentbank.training import readiness, services
from talentbank.training.records import attended_by_profession
from talentbank.vocabulary.models import Profession

BEFORE = datetime(2026, 11, 20, 1, 0)  # 20 Nov 10:00 in Japan: the session is posted
DURING = datetime(2026, 11, 30, 5, 0)  # 30 Nov 14:00 in Japan: attendance recorded (the session began 13:30)
AFTER = datetime(2026, 12, 10, 1, 0)  # 10 Dec: the pages are read
TRAINED_ON = date(2026, 11, 30)  # the last day of a 30-day month


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(BEFORE)
    yield
    clock.freeze(None)


def _require(client, auth, coordinator, code: str, months: int | None) -> None:
    """The coordinating city sets the profession's requirement on the vocabulary page."""
    term = db.session.scalar(select(Profession).where(Profession.code == code))
    auth.login(coordinator.email)
    response = client.post(f"/vocabulary/professions/{term.id}/edit", data={
        "code": term.code, "name_ja": term.name_ja, "name_en": term.name_en, "sort_order": str(term.sort_order),
        "is_active": "y", "disaster_training_months": "" if months is None else str(months)})
    assert response.status_code in (302, 303), response.text
    auth.logout()
    db.session.expire_all()
    assert db.session.get(Profession, term.id).disaster_training_months == months


@pytest.fixture
def world(make, client, auth):
    cities = make.demo_cities()
    make.vocabulary()
    fujisawa, zushi = cities["142051"], cities["142085"]
    organiser = make.user(Role.CITY_HR, city=fujisawa)
    coordinator = make.user(Role.COORDINATOR, city=zushi)
    people = {}
    for name in ("trained", "absent", "untrained"):
        user = make.user(Role.SPECIALIST)
        people[name] = make.specialist(cities["142018"], user=user)
        people[name + "_user"] = user
    # Fujisawa posts a civil-engineering session on 30 November; two register, one attends.
    session = services.post_session(organiser, services.SessionInput(
        title="法面点検の基礎", description="法面の点検と記録", day=TRAINED_ON, start_time=time(13, 30),
        end_time=time(16, 0), is_online=False, place="藤沢市役所", online_url="", capacity=10, audience="both",
        profession_ids=[make.term(Profession, "civil").id], registration_deadline=date(2026, 11, 28)))
    trained = services.register_self(people["trained_user"], session.id)
    absent = services.register_self(people["absent_user"], session.id)
    clock.freeze(DURING)
    services.record_attendance(organiser, session.id, {trained.id: "attended", absent.id: "absent"})
    clock.freeze(AFTER)
    return {"cities": cities, "zushi": zushi, "coordinator": coordinator,
            "hr": make.user(Role.CITY_HR, city=zushi), **people}


def _candidates(client, auth, hr, **args) -> str:
    auth.login(hr.email)
    query = "&".join(f"{k}={v}" for k, v in args.items())
    response = client.get(f"/candidates/?per_page=200&{query}")
    auth.logout()
    assert response.status_code == 200
    return response.text


def _shown(page: str, person) -> bool:
    return f'data-reference="{person.reference}"' in page


def _civil(make) -> int:
    return make.term(Profession, "civil").id


def test_candidate_search_for_a_disaster_request_leaves_out_people_without_the_recent_training(world, make, client,
                                                                                               auth):
    _require(client, auth, world["coordinator"], "civil", 1)
    trained, absent, untrained = world["trained"], world["absent"], world["untrained"]
    # A request starting 31 December: one month earlier is 30 November (December's 31st has no November
    # twin: the month's last day), so the training of 30 November still counts.
    page = _candidates(client, auth, world["hr"], profession_id=_civil(make), available_on="2026-12-31", disaster=1)
    assert _shown(page, trained) and not _shown(page, absent) and not _shown(page, untrained)
    assert "災害復旧の要請には、この職種の研修を1か月以内（2026-11-30以降）に受講した人だけがマッチングで選ばれます。" in page
    assert "その受講の記録がないため2人を除きました。" in page
    assert 'name="disaster" value="1" checked' in page
    # Starting on 1 January, the cutoff is 1 December: nobody's training counts any more.
    page = _candidates(client, auth, world["hr"], profession_id=_civil(make), available_on="2027-01-01", disaster=1)
    assert not any(_shown(page, p) for p in (trained, absent, untrained))
    assert "（2026-12-01以降）" in page and "その受講の記録がないため3人を除きました。" in page
    # A longer requirement reaches back further.
    _require(client, auth, world["coordinator"], "civil", 2)
    page = _candidates(client, auth, world["hr"], profession_id=_civil(make), available_on="2027-01-01", disaster=1)
    assert _shown(page, trained) and not _shown(page, untrained)


def test_the_rule_applies_only_to_a_disaster_request_of_a_profession_that_requires_it(world, make, client, auth):
    everyone = (world["trained"], world["absent"], world["untrained"])
    # no requirement set: a disaster-recovery search leaves nobody out and says nothing about training
    page = _candidates(client, auth, world["hr"], profession_id=_civil(make), available_on="2027-01-01", disaster=1)
    assert all(_shown(page, p) for p in everyone) and 'id="training-requirement"' not in page
    _require(client, auth, world["coordinator"], "civil", 1)
    # not a disaster-recovery search: the requirement does not apply
    page = _candidates(client, auth, world["hr"], profession_id=_civil(make), available_on="2027-01-01")
    assert all(_shown(page, p) for p in everyone) and 'id="training-requirement"' not in page
    # without a profession the page says how to apply it
    page = _candidates(client, auth, world["hr"], disaster=1)
    assert all(_shown(page, p) for p in everyone)
    assert "職種を選ぶと、その職種が災害復旧の要請に求める研修の受講も確かめます。" in page


def test_the_candidate_note_in_english(world, make, client, auth):
    _require(client, auth, world["coordinator"], "civil", 1)
    auth.login(world["hr"].email)
    client.post("/lang/en")
    page = client.get(f"/candidates/?profession_id={_civil(make)}&available_on=2026-12-31&disaster=1").text
    assert "Only people who attended a training of this profession within 1 month (since 2026-11-30) are matched " \
           "to disaster-recovery requests." in page
    assert "2 people left out: no such training recorded." in page
    assert "Candidates for a disaster-recovery request" in page


def test_a_session_held_after_the_day_read_does_not_count_yet(world, make, training):
    civil = _civil(make)
    later = training.session(world["zushi"], starts_at=datetime(2026, 12, 20, 1, 0))  # after 10 Dec
    training.registration(later, specialist=world["untrained"], attendance="attended")  # recorded ahead
    today = clock.today_tokyo()
    assert world["untrained"].id not in attended_by_profession(up_to=today)
    assert attended_by_profession(up_to=date(2026, 12, 20))[world["untrained"].id] == {"civil": date(2026, 12, 20)}

    def trained(up_to: date) -> set[int]:
        clause = readiness.trained_clause(Specialist.id, civil, date(2026, 11, 1), up_to)
        return set(db.session.scalars(select(Specialist.id).where(clause)))

    assert trained(today) == {world["trained"].id}
    assert trained(date(2026, 12, 20)) == {world["trained"].id, world["untrained"].id}
    assert trained(date(2026, 11, 29)) == set()  # the 30 November session is after that day too


def test_fitting_requests_leave_out_disaster_requests_the_person_lacks_the_training_for(world, make, client, auth):
    zushi = world["zushi"]
    assert readiness.lacking_training_clause(world["trained"].id) is None  # nothing required: nothing left out
    _require(client, auth, world["coordinator"], "civil", 1)
    edge = make.staffing_request(zushi, urgency="disaster", start_date=date(2026, 12, 31))
    late = make.staffing_request(zushi, urgency="disaster", start_date=date(2027, 1, 1))
    ordinary = make.staffing_request(zushi, urgency="ordinary", start_date=date(2027, 1, 1))
    statutory = make.staffing_request(zushi, urgency="statutory", start_date=date(2027, 1, 1))
    other = make.staffing_request(zushi, urgency="disaster", profession="architecture", start_date=date(2027, 1, 1))
    everything = {edge.id, late.id, ordinary.id, statutory.id, other.id}

    def fitting(person) -> set[int]:
        clause = readiness.lacking_training_clause(person.id)
        return set(db.session.scalars(select(StaffingRequest.id).where(~clause))) & everything

    assert fitting(world["trained"]) == {edge.id, ordinary.id, statutory.id, other.id}
    assert fitting(world["absent"]) == fitting(world["untrained"]) == {ordinary.id, statutory.id, other.id}
    _require(client, auth, world["coordinator"], "civil", 2)
    assert fitting(world["trained"]) == everything


def test_last_start_served_is_the_rounds_cutoff_turned_round():
    rng = random.Random(20261204)
    for _ in range(3000):
        attended = date(2024, 1, 1) + timedelta(days=rng.randrange(1200))
        months = rng.randint(1, 60)
        last = readiness.last_start_served(attended, months)
        assert months_before(last, months) <= attended < months_before(last + timedelta(days=1), months)
    assert readiness.last_start_served(date(2026, 11, 30), 1) == date(2026, 12, 31)
    assert readiness.last_start_served(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert readiness.last_start_served(date(2026, 1, 28), 1) == date(2026, 2, 28)
    assert readiness.last_start_served(date(2026, 1, 27), 1) == date(2026, 2, 27)


def test_the_candidate_search_reads_training_in_bulk(world, make, client, auth, training):
    _require(client, auth, world["coordinator"], "civil", 1)
    url = f"/candidates/?per_page=200&profession_id={_civil(make)}&available_on=2026-12-31&disaster=1"
    auth.login(world["hr"].email)
    client.get(url)  # the caches filled
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def measured() -> tuple[int, int]:
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            page = client.get(url).text
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        assert 'id="training-requirement"' in page
        return page.count('data-reference="TB-'), len(statements)

    before = measured()
    assert before[0] == 1
    for _ in range(4):
        trained = make.specialist(world["cities"]["142018"])
        make.specialist(world["cities"]["142018"])
        training.registration(training.session(world["zushi"], starts_at=datetime(2026, 12, 1, 1, 0)),
                              specialist=trained, attendance="attended")
    client.get(url)  # the caches read again after the changes
    assert measured() == (5, before[1])  # four more shown, four more left out: no more statements


def test_the_specialists_home_page_leaves_out_and_counts_disaster_requests_without_the_training(world, make, client,
                                                                                                   auth):
    """The specialist's "open requests that fit" (home page) applies the same rule and says how many it hid."""
    zushi = world["zushi"]
    edge = make.staffing_request(zushi, urgency="disaster", start_date=date(2026, 12, 31))
    late = make.staffing_request(zushi, urgency="disaster", start_date=date(2027, 1, 1))
    ordinary = make.staffing_request(zushi, urgency="ordinary", start_date=date(2027, 1, 1))

    def home(person_user, lang: str = "ja") -> tuple[set[int], str]:
        auth.login(person_user.email)
        if lang == "en":
            client.post("/lang/en")
        page = client.get("/").text
        auth.logout()
        shown = {r.id for r in (edge, late, ordinary) if f'data-request="{r.id}"' in page}
        return shown, page

    shown, page = home(world["trained_user"])
    assert shown == {edge.id, late.id, ordinary.id}  # nothing required yet
    assert 'id="fitting-training"' not in page
    _require(client, auth, world["coordinator"], "civil", 1)
    shown, page = home(world["trained_user"])
    assert shown == {edge.id, ordinary.id}
    assert "災害復旧の要請1件は" in page
    shown, page = home(world["untrained_user"])
    assert shown == {ordinary.id}
    assert "災害復旧の要請2件は" in page
    shown, page = home(world["untrained_user"], "en")
    assert shown == {ordinary.id}
    assert "2 disaster-recovery requests are not shown: they need a recent training of their profession." in page
    _require(client, auth, world["coordinator"], "civil", 2)
    shown, page = home(world["trained_user"])
    assert shown == {edge.id, late.id, ordinary.id}
    assert 'id="fitting-training"' not in page
