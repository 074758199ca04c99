"""The per-process caches of vocabularies and cities: a change made anywhere is seen everywhere.

Two app objects on one database stand for two gunicorn workers (each keeps its own copies)."""
from __future__ import annotations

import pytest
from sqlalchemy import event, insert, select, text, update

from talentbank.cities import services as cities
from talentbank.cities.models import City, TravelTime
from talentbank.core import cache
from talentbank.core.cache import CacheVersion, Row
from talentbank.extensions import db
from talentbank.vocabulary import services as vocabulary
from talentbank.vocabulary.models import Licence, Profession
from talentbank.vocabulary.services import TermValues


@pytest.fixture
def second_worker(app):
    """Another app object on the same database, as a second gunicorn worker would be."""
    from talentbank.app import create_app

    other = create_app({**{key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "WTF_CSRF_ENABLED", "PASSWORD_HASH_METHOD",
        "RATELIMIT_ENABLED")}})
    yield other
    with other.app_context():
        db.session.remove()


def in_worker(worker, call):
    with worker.app_context():
        try:
            return call()
        finally:
            db.session.remove()


def names(model) -> list[str]:
    return [term.name_ja for term in vocabulary.active_terms(model)]


def statements(engine):
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    return seen, lambda: event.remove(engine, "before_cursor_execute", count)


def test_a_term_renamed_in_one_worker_is_seen_by_the_other(app_ctx, make, second_worker):
    make.vocabulary()
    coordinator = make.user()
    assert "土木" in in_worker(second_worker, lambda: names(Profession))  # the second worker has its copy
    civil = db.session.scalar(select(Profession).where(Profession.code == "civil"))
    vocabulary.update_term(coordinator, "professions", civil.id,
                           TermValues("civil", "土木（道路・河川）", "Civil", civil.sort_order, True))
    assert "土木（道路・河川）" in in_worker(second_worker, lambda: names(Profession))
    assert "土木" not in in_worker(second_worker, lambda: names(Profession))


def test_a_term_retired_or_added_is_seen_by_the_other_worker(app_ctx, make, second_worker):
    make.vocabulary()
    coordinator = make.user()
    before = in_worker(second_worker, lambda: names(Licence))
    vocabulary.create_term(coordinator, "licences", TermValues("drone_pilot", "無人航空機操縦士", "Drone pilot"))
    assert in_worker(second_worker, lambda: names(Licence)) == before + ["無人航空機操縦士"]
    drone = db.session.scalar(select(Licence).where(Licence.code == "drone_pilot"))
    vocabulary.update_term(coordinator, "licences", drone.id,
                           TermValues("drone_pilot", "無人航空機操縦士", "Drone pilot", drone.sort_order, False))
    assert in_worker(second_worker, lambda: names(Licence)) == before


def test_a_city_added_by_a_plain_insert_is_seen_by_both_workers(app_ctx, make, second_worker):
    make.city()
    db.session.commit()
    assert [c.code for c in in_worker(second_worker, cities.city_rows)] == ["142085"]
    assert [c.code for c in cities.city_rows()] == ["142085"]
    # not through the ORM: a script's bulk insert (the trigger still gives the table a new token)
    db.session.execute(insert(City.__table__).values(
        code="141003", name_ja="横浜市", name_en="Yokohama", prefecture="神奈川県", population=3_700_000,
        general_staff=19_000, allowance_rate=16, fiscal_index=0.96, indicators_year=2020, is_member=True,
        is_coordinating=False, is_sample_indicators=False))
    assert [c.code for c in cities.city_rows()] == ["141003", "142085"]  # this transaction sees its own insert
    db.session.commit()
    assert [c.code for c in in_worker(second_worker, cities.city_rows)] == ["141003", "142085"]


def test_travel_minutes_follow_the_table(app_ctx, make, second_worker):
    a, b = make.city(), make.city(code="142051", name_ja="藤沢市", name_en="Fujisawa")
    db.session.flush()
    db.session.add(TravelTime(from_city_id=min(a.id, b.id), to_city_id=max(a.id, b.id), minutes=30))
    db.session.commit()
    assert in_worker(second_worker, cities.travel_minutes)[(b.id, a.id)] == 30
    db.session.execute(update(TravelTime).values(minutes=45))
    db.session.commit()
    assert in_worker(second_worker, cities.travel_minutes)[(a.id, b.id)] == 45


def test_a_change_rolled_back_leaves_the_old_copy_right(app_ctx, make):
    make.vocabulary()
    before = names(Profession)
    civil = db.session.scalar(select(Profession).where(Profession.code == "civil"))
    civil.name_ja = "土木（取消）"
    assert "土木（取消）" in names(Profession)  # flushed in this transaction: seen here
    db.session.rollback()
    assert names(Profession) == before


def test_emptied_tables_leave_no_stale_copy(app, app_ctx, make):
    """What tests/conftest.py does between tests: delete every row, outside the session."""
    make.vocabulary()
    make.city()
    db.session.commit()
    assert names(Profession) and cities.city_rows()
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
    assert names(Profession) == [] and cities.city_rows() == ()
    make.city(code="141003", name_ja="横浜市", name_en="Yokohama")
    db.session.commit()
    assert [c.code for c in cities.city_rows()] == ["141003"]


def test_the_tokens_are_read_once_per_transaction_and_the_terms_not_at_all(app_ctx, make):
    make.vocabulary()
    names(Profession), vocabulary.active_terms(Licence), cities.city_rows()  # loaded
    db.session.commit()
    seen, stop = statements(db.engine)
    try:
        for _ in range(3):
            names(Profession)
            vocabulary.active_terms(Licence)
            cities.city_rows()
    finally:
        stop()
    assert len(seen) == 1 and "cache_versions" in seen[0]


def test_rows_read_like_the_model_and_refuse_changes(app_ctx, make):
    make.vocabulary()
    make.city(population=50_000, general_staff=500)
    db.session.commit()
    civil = next(t for t in vocabulary.active_terms(Profession) if t.code == "civil")
    orm_civil = db.session.scalar(select(Profession).where(Profession.code == "civil"))
    assert civil == orm_civil and orm_civil in vocabulary.active_terms(Profession)
    assert civil.display_name("en") == orm_civil.name_en
    city = cities.city_rows()[0]
    assert city.staff_per_10k == 100 and city.display_prefecture("en") == "Kanagawa"
    licence = next(t for t in vocabulary.active_terms(Licence) if t.profession_id is not None)
    assert licence.profession.id == licence.profession_id  # a many-to-one reads the ORM object
    with pytest.raises(AttributeError):
        civil.name_ja = "変更"
    # what a caller does to its list does not change the next caller's
    vocabulary.active_terms(Profession).clear()
    assert vocabulary.active_terms(Profession)


def test_a_database_without_the_versions_table_is_read_directly(app_ctx, make):
    make.vocabulary()
    db.session.commit()
    cache.clear()
    CacheVersion.__table__.drop(db.engine)
    try:
        assert names(Profession)
        db.session.commit()
        assert names(Profession)
    finally:
        db.session.remove()
        CacheVersion.__table__.create(db.engine)
        cache.clear()
    with db.engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM cache_versions")).scalar() == 0
    assert isinstance(vocabulary.active_terms(Profession)[0], Row)


def test_a_long_lived_process_sees_a_change_at_its_next_transaction(app_ctx, make, second_worker):
    """The scheduler keeps one app context for many jobs; each job ends its transaction."""
    make.vocabulary()
    coordinator = make.user()
    with second_worker.app_context():
        assert "土木" in names(Profession)
        assert "土木" in names(Profession)  # same transaction: the copy, no query
        db.session.commit()  # the job's end
        with app_ctx.app_context():
            civil = db.session.scalar(select(Profession).where(Profession.code == "civil"))
            vocabulary.update_term(coordinator, "professions", civil.id,
                                   TermValues("civil", "土木（新）", "Civil", civil.sort_order, True))
        assert "土木（新）" in names(Profession)
        db.session.remove()
