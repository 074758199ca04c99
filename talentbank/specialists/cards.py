"""The pseudonymised candidate card: how HR officers see a specialist before a dispatch is agreed.

One function builds it (``candidate_cards``) for every screen that shows candidates: the candidate
search (``/candidates/``), a profile seen as a card, and the review of a matching round, which shows
thousands of them. The card copies no name or contact, so it cannot leak them; it is read with one
query per table, however many cards are asked for.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from ..cities.models import City
from ..cities.services import cities_by_id
from ..core.clock import utcnow
from ..extensions import db
from ..vocabulary.models import ExperienceField, Licence, Profession
from ..vocabulary.services import terms_by_id
from .models import (
    AvailabilityWindow,
    Specialist,
    SpecialistExperience,
    specialist_licences,
    specialist_preferred_cities,
    specialist_professions,
)

# After this many days without confirmation the profile page asks the specialist to confirm.
AVAILABILITY_FRESH_DAYS = 90


def needs_reconfirmation(specialist: Any, now: datetime | None = None) -> bool:
    """True when the availability was last confirmed more than 90 days ago (or never)."""
    now = now or utcnow()
    confirmed = specialist.availability_confirmed_at
    return confirmed is None or now - confirmed > timedelta(days=AVAILABILITY_FRESH_DAYS)


@dataclass(frozen=True)
class CandidateCard:
    """A specialist as HR officers see them before a dispatch is agreed: no name, no contact."""

    specialist_id: int
    reference: str
    kind: str
    home_city: City
    employer_city: City | None
    professions: tuple[Profession, ...]
    licences: tuple[Licence, ...]
    experiences: tuple[tuple[ExperienceField, int], ...]
    windows: tuple[tuple[date, date], ...]
    days_per_week: int
    can_work_onsite: bool
    can_work_remote: bool
    max_travel_minutes: int | None
    prefers_viewer_city: bool
    availability_confirmed_at: datetime | None
    is_stale: bool
    # Declared but not (yet) checked by the coordinating city: shown as such, not counted by a round.
    unverified_licence_ids: frozenset[int] = frozenset()
    unverified_field_ids: frozenset[int] = frozenset()


def id_conditions(column: Any, ids: Iterable[int], source: Any = None, chunk: int = 2000) -> list[Any]:
    """Conditions selecting ``column`` in ``source`` (a subquery: one short statement, however many rows)
    plus the few ``ids`` it does not cover; without a source, the ids in chunks (one statement each)."""
    ids = sorted(set(ids))
    if source is not None:
        return [or_(column.in_(source), column.in_(ids)) if ids else column.in_(source)]
    return [column.in_(ids[i:i + chunk]) for i in range(0, len(ids), chunk)]


def candidate_cards(specialist_ids: Iterable[int], viewer_city_id: int | None = None,
                    source: Any = None) -> dict[int, CandidateCard]:
    """The cards of these specialists (and of those in ``source``, a subquery of ids) as ``viewer_city_id`` sees them.

    Plain rows and one query per table, terms and cities looked up once: a page of 20 and a round of
    2,000 proposals cost the same number of statements.
    """
    specialist_ids = set(specialist_ids)
    if not specialist_ids and source is None:
        return {}
    sp = Specialist.__table__.c
    people: dict[int, Any] = {}
    for condition in id_conditions(sp.id, specialist_ids, source):
        for row in db.session.execute(select(
                sp.id, sp.kind, sp.home_city_id, sp.employer_city_id, sp.days_per_week, sp.can_work_onsite,
                sp.can_work_remote, sp.max_travel_minutes, sp.availability_confirmed_at).where(condition)):
            people[row.id] = row
    if not people:
        return {}
    # Terms and cities from the per-process cache (read-only rows; core/cache.py).
    terms: dict[Any, dict[int, Any]] = {model: terms_by_id(model) for model in (Profession, Licence, ExperienceField)}
    cities = cities_by_id()
    professions: dict[int, list[Profession]] = defaultdict(list)
    licences: dict[int, list[Licence]] = defaultdict(list)
    experiences: dict[int, list[tuple[ExperienceField, int]]] = defaultdict(list)
    windows: dict[int, list[tuple[date, date]]] = defaultdict(list)
    preferred: set[int] = set()
    unverified_licences: dict[int, set[int]] = defaultdict(set)
    unverified_fields: dict[int, set[int]] = defaultdict(set)
    pl = specialist_professions.c
    for condition in id_conditions(pl.specialist_id, people):
        for sid, term_id in db.session.execute(select(pl.specialist_id, pl.profession_id).where(condition)):
            professions[sid].append(terms[Profession][term_id])
    ll = specialist_licences.c
    for condition in id_conditions(ll.specialist_id, people):
        for sid, term_id, status in db.session.execute(select(ll.specialist_id, ll.licence_id, ll.status)
                                                       .where(condition)):
            licences[sid].append(terms[Licence][term_id])
            if status != "verified":
                unverified_licences[sid].add(term_id)
    ex = SpecialistExperience.__table__.c
    for condition in id_conditions(ex.specialist_id, people):
        for sid, field_id, years, verified_at in db.session.execute(
                select(ex.specialist_id, ex.field_id, ex.years, ex.verified_at).where(condition).order_by(ex.id)):
            experiences[sid].append((terms[ExperienceField][field_id], years))
            if verified_at is None:
                unverified_fields[sid].add(field_id)
    aw = AvailabilityWindow.__table__.c
    for condition in id_conditions(aw.specialist_id, people):
        for sid, start, end in db.session.execute(
                select(aw.specialist_id, aw.start_date, aw.end_date).where(condition).order_by(aw.start_date, aw.id)):
            windows[sid].append((start, end))
    if viewer_city_id is not None:
        pc = specialist_preferred_cities.c
        for condition in id_conditions(pc.specialist_id, people):
            preferred.update(db.session.scalars(
                select(pc.specialist_id).where(condition, pc.city_id == viewer_city_id)))
    now = utcnow()

    def by_order(terms_of: list[Any]) -> tuple[Any, ...]:
        return tuple(sorted(terms_of, key=lambda term: (term.sort_order, term.id)))

    return {sid: CandidateCard(
        specialist_id=sid,
        reference=Specialist.reference.fget(row),  # the registry's numbering, from the id alone
        kind=row.kind,
        home_city=cities[row.home_city_id],
        employer_city=cities.get(row.employer_city_id) if row.employer_city_id is not None else None,
        professions=by_order(professions[sid]),
        licences=by_order(licences[sid]),
        experiences=tuple(experiences[sid]),
        windows=tuple(windows[sid]),
        days_per_week=row.days_per_week,
        can_work_onsite=row.can_work_onsite,
        can_work_remote=row.can_work_remote,
        max_travel_minutes=row.max_travel_minutes,
        prefers_viewer_city=sid in preferred,
        availability_confirmed_at=row.availability_confirmed_at,
        is_stale=needs_reconfirmation(row, now),
        unverified_licence_ids=frozenset(unverified_licences.get(sid, ())),
        unverified_field_ids=frozenset(unverified_fields.get(sid, ())),
    ) for sid, row in people.items()}


def candidate_card(specialist_id: int, viewer_city_id: int | None = None) -> CandidateCard:
    """The card of one specialist (``candidate_cards`` for one id)."""
    return candidate_cards({specialist_id}, viewer_city_id)[specialist_id]
