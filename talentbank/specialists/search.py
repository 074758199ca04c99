"""Finding specialists: the coordinator's registry and HR officers' pseudonymised candidate search.

Every filter is an EXISTS on an indexed link table, the page is fetched with LIMIT/OFFSET and its
relationships with one ``selectinload`` query each, so the number of queries per page is the
same for 10 rows or 200 and the search stays fast with 50,000 specialists.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from ..audit import services as audit
from ..core import clock, permissions
from ..core.bounds import parse_id
from ..core.permissions import Role
from ..extensions import db
from .verification import matchable_clause
from .cards import CandidateCard, candidate_cards
from .events import CandidateRequirement, candidate_requirements_wanted
from .models import (
    AvailabilityWindow,
    Specialist,
    SpecialistExperience,
    SpecialistStatus,
    specialist_excluded_cities,
    specialist_licences,
    specialist_professions,
)

MAX_PER_PAGE = 200
REGISTRY_SORTS = ("newest", "kana", "confirmed_desc", "confirmed_asc", "reference")
CANDIDATE_SORTS = ("confirmed_desc", "newest", "experience")
STATUSES = tuple(s.value for s in SpecialistStatus)


@dataclass(frozen=True)
class SearchFilter:
    profession_id: int | None = None
    licence_id: int | None = None
    field_id: int | None = None
    min_years: int | None = None
    home_city_id: int | None = None
    available_on: date | None = None
    status: str | None = None
    kind: str | None = None
    text: str = ""
    # Candidates for a disaster-recovery request (starting on ``available_on``, or today): the rounds' rules
    # for that urgency apply too (``events.candidate_requirements_wanted``: the training a profession requires).
    disaster: bool = False
    sort: str = "newest"
    page: int = 1
    per_page: int = 50

    def clamped(self) -> SearchFilter:
        return replace(self, page=max(1, self.page), per_page=min(max(1, self.per_page), MAX_PER_PAGE))


def _filtered(query: Select, flt: SearchFilter) -> Select:
    s = Specialist
    if flt.profession_id:
        query = query.where(exists().where(specialist_professions.c.specialist_id == s.id,
                                           specialist_professions.c.profession_id == flt.profession_id))
    if flt.licence_id:
        query = query.where(exists().where(specialist_licences.c.specialist_id == s.id,
                                           specialist_licences.c.licence_id == flt.licence_id))
    if flt.field_id:
        condition = [SpecialistExperience.specialist_id == s.id, SpecialistExperience.field_id == flt.field_id]
        if flt.min_years:
            condition.append(SpecialistExperience.years >= flt.min_years)
        query = query.where(exists().where(*condition))
    if flt.home_city_id:
        query = query.where(s.home_city_id == flt.home_city_id)
    if flt.available_on:
        query = query.where(exists().where(AvailabilityWindow.specialist_id == s.id,
                                           AvailabilityWindow.start_date <= flt.available_on,
                                           AvailabilityWindow.end_date >= flt.available_on))
    if flt.status in STATUSES:
        query = query.where(s.status == flt.status)
    if flt.kind in ("retired", "serving"):
        query = query.where(s.kind == flt.kind)
    text = flt.text.strip()
    if text:
        reference = text.upper().removeprefix("TB-").lstrip("0")
        like = f"%{text.lower()}%"
        conditions = [func.lower(s.name_kanji).like(like), func.lower(s.name_kana).like(like),
                      s.email.like(like)]
        if parse_id(reference) is not None:
            conditions.append(s.id == parse_id(reference))
        query = query.where(or_(*conditions))
    return query


def _order(query: Select, sort: str) -> Select:
    s = Specialist
    # Plain column orderings (NULLS placed explicitly) so that the indexes on these columns serve them.
    if sort == "kana":
        return query.order_by(s.name_kana.asc().nulls_last(), s.id)
    if sort == "confirmed_desc":
        return query.order_by(s.availability_confirmed_at.desc().nulls_last(), s.id.desc())
    if sort == "confirmed_asc":
        return query.order_by(s.availability_confirmed_at.asc().nulls_first(), s.id)
    if sort == "reference":
        return query.order_by(s.id)
    return query.order_by(s.created_at.desc(), s.id.desc())


def _page_options() -> tuple:
    """What the registry page shows of each row (templates/specialists/registry.html), one query each."""
    return (selectinload(Specialist.professions), selectinload(Specialist.licences),
            selectinload(Specialist.availability_windows), selectinload(Specialist.home_city),
            selectinload(Specialist.employer_city))


def _count_seconds() -> int:
    """How long a search's total may be reused (SEARCH_COUNT_SECONDS; unset: 60, and 0 under tests)."""
    seconds = current_app.config.get("SEARCH_COUNT_SECONDS")
    if seconds is None or seconds == "":
        return 0 if current_app.testing else 60
    return int(seconds)


def _total(query: Select, key: tuple[Any, ...]) -> int:
    """How many rows ``query`` finds, reused for ``_count_seconds()`` in this process under ``key``."""
    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0

    seconds = _count_seconds()
    if seconds <= 0:
        return count()
    counts = current_app.extensions.setdefault("talentbank_search_counts", {})
    now = time.monotonic()
    hit = counts.get(key)
    if hit is None or now - hit[0] > seconds:
        if len(counts) > 2000:  # many different filters: start again rather than grow
            counts.clear()
        counts[key] = hit = (now, count())
    return hit[1]


def _counted_page(query: Select, flt: SearchFilter, scope: tuple[Any, ...]) -> Pagination:
    """A page of ids with the total. The total of the same filter is reused for ``_count_seconds()`` in
    this process: counting every match reads all 50,000 profiles (50-130 ms), the page itself a few
    rows. The rows shown are always current; only "N found" may lag a change by that long."""
    seconds = _count_seconds()
    found = db.paginate(query, page=flt.page, per_page=flt.per_page, max_per_page=None, error_out=False,
                        count=seconds <= 0)
    if seconds > 0:
        found.total = _total(query, (*scope, replace(flt, page=1, per_page=1, sort="")))
    return found


def candidate_requirements(flt: SearchFilter, today: date) -> list[CandidateRequirement]:
    """The rounds' rules other domains add for this filter (the training a disaster-recovery request needs)."""
    return [answer for _receiver, answer in candidate_requirements_wanted.send(flt, today=today)
            if isinstance(answer, CandidateRequirement)]


def search_registry(actor: Any, flt: SearchFilter) -> Pagination:
    """The coordinator's registry: every profile, names included; the page shown is audited."""
    permissions.check(actor, "specialist.view_full")
    flt = flt.clamped()
    sort = flt.sort if flt.sort in REGISTRY_SORTS else "newest"
    found = _counted_page(_order(_filtered(select(Specialist.id), flt), sort), flt, ("registry",))
    ids = list(found.items)
    if not ids:
        return found
    # Names on a list are personal data too: which profiles were shown is written down (and committed
    # before the rows are loaded, so the commit does not expire what the page is about to show).
    audit.record(actor, "specialist.listed", "specialist", None, changes={"shown": [None, ids]},
                 summary=f"{len(ids)} / {found.total}: {describe(flt)}"[:300])
    db.session.commit()
    loaded = {s.id: s for s in db.session.scalars(
        select(Specialist).where(Specialist.id.in_(ids)).options(*_page_options()))}
    found.items = [loaded[i] for i in ids]
    return found


def search_candidates(actor: Any, flt: SearchFilter) -> Pagination:
    """HR officers' search: pseudonymised cards of matchable specialists their city may ask for."""
    permissions.check(actor, "candidate.view")
    flt = replace(flt.clamped(), status=None, text="")
    sort = flt.sort if flt.sort in CANDIDATE_SORTS else "confirmed_desc"
    # Only people a round could propose: confirmed, with a profession the coordinating city has seen.
    base = select(Specialist.id).where(matchable_clause(per_row=True))
    city_id = actor.city_id if actor.role == Role.CITY_HR else None
    if city_id is not None:
        excluded = specialist_excluded_cities.c
        base = base.where(
            # NOT IN (not NOT EXISTS): the database reads the city's few exclusions once into a hash
            # instead of probing the index for each of 50,000 profiles (the ids are never NULL).
            Specialist.id.not_in(select(excluded.specialist_id).where(excluded.city_id == city_id)),
            # A city's own serving officers are not candidates for its own requests.
            or_(Specialist.employer_city_id.is_(None), Specialist.employer_city_id != city_id),
        )
    if sort == "experience" and flt.field_id:
        # A join (one row per person: a field is held once) instead of a scalar subquery per profile.
        e = SpecialistExperience
        joined = base.join(e, and_(e.specialist_id == Specialist.id, e.field_id == flt.field_id,
                                   e.years >= (flt.min_years or 0)))
        query = (_filtered(joined, replace(flt, field_id=None, min_years=None))  # the join is the field filter
                 .order_by(e.years.desc(), Specialist.id))
    else:
        query = _order(_filtered(base, flt), "confirmed_desc" if sort == "experience" else sort)
    today = clock.today_tokyo()
    requirements = candidate_requirements(flt, today) if flt.disaster else []
    left_out = 0
    if requirements:
        # Everyone else the filter finds but a round would refuse for lacking what is required: one count,
        # cached like the total (no query per person).
        met = and_(*[r.clause for r in requirements])
        left_out = _total(query.where(~met), ("candidates-left-out", city_id, today,
                                               replace(flt, page=1, per_page=1, sort="")))
        query = query.where(met)
    found = _counted_page(query, flt, ("candidates", city_id, today))
    ids = list(found.items)
    by_id = candidate_cards(ids, city_id)
    cards: list[CandidateCard] = [by_id[i] for i in ids]
    found.items = cards
    found.requirements = requirements  # said on the page with how many they left out
    found.left_out = left_out
    return found


def describe(flt: SearchFilter) -> str:
    """The filter in a few words, for the audit entry of a registry page."""
    parts = [f"{name}={value}" for name, value in (
        ("profession", flt.profession_id), ("licence", flt.licence_id), ("field", flt.field_id),
        ("home_city", flt.home_city_id), ("available_on", flt.available_on), ("status", flt.status),
        ("kind", flt.kind), ("text", "…" if flt.text else None), ("disaster", flt.disaster),
        ("page", flt.page)) if value]
    return " ".join(parts) or "all"
