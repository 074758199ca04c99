"""The registry search with 50,000 specialists on PostgreSQL: right answers, fast, flat query count.

Runs only on PostgreSQL (``TALENTBANK_DATABASE_URL=postgresql+psycopg://…``): the point is the
production database's plans and indexes. Results are checked against sets computed in Python
from the raw link tables, so a wrong join or filter cannot pass by being fast.
"""
from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from talentbank.cities.models import City
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.demo.specialists import bulk_pool
from talentbank.extensions import db
from talentbank.specialists.models import (
    AvailabilityWindow,
    Specialist,
    SpecialistExperience,
    specialist_licences,
    specialist_professions,
)
from talentbank.specialists.search import SearchFilter, search_candidates, search_registry
from talentbank.vocabulary.models import ExperienceField, Licence, Profession

COUNT = 50_000


@pytest.fixture
def big_registry(make):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the 50,000-row search test runs on PostgreSQL (set TALENTBANK_DATABASE_URL)")
    cities = make.demo_cities()
    make.vocabulary()
    assert bulk_pool(COUNT) == COUNT
    return cities


def ids_where(statement) -> set[int]:
    return set(db.session.scalars(statement))


def test_search_over_50000_specialists_is_right_and_fast(big_registry, make, query_counter):
    coordinator = make.user(Role.COORDINATOR)
    zushi = big_registry["142085"]
    civil = make.term(Profession, "civil").id
    gijutsushi = make.term(Licence, "gijutsushi_construction").id
    slopes = make.term(ExperienceField, "slopes").id
    day = clock.today_tokyo() + timedelta(days=90)

    with_licence = ids_where(select(specialist_licences.c.specialist_id)
                             .where(specialist_licences.c.licence_id == gijutsushi))
    civil_ids = ids_where(select(specialist_professions.c.specialist_id)
                          .where(specialist_professions.c.profession_id == civil))
    available = ids_where(select(AvailabilityWindow.specialist_id).where(AvailabilityWindow.start_date <= day,
                                                                         AvailabilityWindow.end_date >= day))
    slope_veterans = ids_where(select(SpecialistExperience.specialist_id).where(
        SpecialistExperience.field_id == slopes, SpecialistExperience.years >= 10))
    in_zushi = ids_where(select(Specialist.id).where(Specialist.home_city_id == zushi.id))
    active = ids_where(select(Specialist.id).where(Specialist.status == "active"))
    assert len(with_licence) > 3000 and len(available) > 10000  # the pool is big enough to mean something

    cases = [
        (SearchFilter(licence_id=gijutsushi, sort="reference"), with_licence),
        (SearchFilter(profession_id=civil, available_on=day, sort="reference"), civil_ids & available),
        (SearchFilter(field_id=slopes, min_years=10, home_city_id=zushi.id, sort="reference"),
         slope_veterans & in_zushi),
        (SearchFilter(licence_id=gijutsushi, available_on=day, status="active", sort="reference", page=3),
         with_licence & available & active),
    ]
    timings, statement_counts = [], []
    for flt, expected in cases:
        for _ in range(3):
            db.session.expire_all()
            with query_counter() as count:
                started = time.perf_counter()
                page = search_registry(coordinator, flt)
                timings.append(time.perf_counter() - started)
            statement_counts.append(count.value)
        assert page.total == len(expected), flt
        first = (flt.page - 1) * flt.per_page
        assert [s.id for s in page.items] == sorted(expected)[first:first + flt.per_page], flt
        assert all(s.professions and s.home_city for s in page.items)
    assert len(set(statement_counts)) == 1, statement_counts  # the same statements whatever the filter
    assert statistics.median(timings) < 0.5, timings

    hr = make.user(Role.CITY_HR, city=zushi)
    started = time.perf_counter()
    cards = search_candidates(hr, SearchFilter(licence_id=gijutsushi, available_on=day))
    assert time.perf_counter() - started < 1.0
    assert cards.total > 0 and len(cards.items) == 50
    shown = {c.specialist_id for c in cards.items}
    excluded_zushi = ids_where(select(Specialist.id).where(Specialist.excluded_cities.any(City.id == zushi.id)))
    assert shown <= (with_licence & available & active) - excluded_zushi
