"""The training record read in bulk: profession → latest day attended, per specialist."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import event

from talentbank.extensions import db
from talentbank.training import records
from talentbank.training.records import attended_by_profession, attended_sessions


def test_latest_attended_day_per_profession_in_japan_time(make, training):
    city = make.city()
    one, two, absent = (make.specialist(city) for _ in range(3))
    # 23:30 UTC on 1 March is 08:30 on 2 March in Japan.
    early = training.session(city, professions=("civil", "architecture"), starts_at=datetime(2026, 3, 1, 23, 30))
    late = training.session(city, professions=("civil",), starts_at=datetime(2026, 6, 10, 1, 0))
    training.registration(early, specialist=one, attendance="attended")
    training.registration(late, specialist=one, attendance="attended")
    training.registration(early, specialist=two, attendance="attended")
    training.registration(late, specialist=absent, attendance="absent")

    result = attended_by_profession()

    assert result[one.id] == {"civil": date(2026, 6, 10), "architecture": date(2026, 3, 2)}
    assert result[two.id] == {"civil": date(2026, 3, 2), "architecture": date(2026, 3, 2)}
    assert absent.id not in result


def test_unrecorded_waiting_and_cancelled_sessions_do_not_count(make, training):
    city = make.city()
    person = make.specialist(city)
    cancelled = training.session(city, status="cancelled")
    unrecorded = training.session(city)
    training.registration(cancelled, specialist=person, attendance="attended")
    training.registration(unrecorded, specialist=person)
    assert attended_by_profession() == {}
    assert attended_sessions(specialist_id=person.id) == []


def test_a_list_of_ids_is_read_in_chunks(make, training, monkeypatch):
    city = make.city()
    people = [make.specialist(city) for _ in range(5)]
    session = training.session(city)
    for person in people:
        training.registration(session, specialist=person, attendance="attended")
    monkeypatch.setattr(records, "CHUNK", 2)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        result = attended_by_profession([p.id for p in people[:4]] + [999999])
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert set(result) == {p.id for p in people[:4]}
    assert len([s for s in statements if "training_registrations" in s]) == 3  # 5 ids, 2 a chunk
    assert attended_by_profession([]) == {}


def test_attended_sessions_newest_first_with_professions(make, training):
    city = make.city()
    person = make.specialist(city)
    hr = make.user("city_hr", city=city)
    first = training.session(city, title="一回目", starts_at=datetime(2026, 1, 5, 1))
    second = training.session(city, title="二回目", professions=("civil", "architecture"),
                              starts_at=datetime(2026, 2, 5, 1))
    for session in (first, second):
        training.registration(session, specialist=person, attendance="attended")
    training.registration(second, user=hr, attendance="attended")
    lines = attended_sessions(specialist_id=person.id)
    assert [line.title for line in lines] == ["二回目", "一回目"]
    assert len(lines[0].profession_ids) == 2
    assert [line.title for line in attended_sessions(user_id=hr.id)] == ["二回目"]
