"""Who is offered a consultation: the dispatch's hard rules and quality parts, the rounds' priority rule.

Each open consultation is read as a one-slot request of the solver's problem format and each adviser (a
specialist the registry would match, ``verification.matchable_clause``, who accepts advice work) as the
round's specialist record (``matching.snapshot``: usable professions, verified licences, verified years).
The hard rules are the solver's own functions (``solver/rules.py``), in the solver's order, except one:

* availability: a consultation takes hours, not a period, so one availability window must *meet* the
  days from today to the wanted-by date (the solver's rule asks a window to cover a whole period);

and two of their own, counted after the solver's:

* ``hour_cap``: the hours of this consultation, added to the hours the person spent on consultations
  closed this month (Japan time) and the hours of the ones they hold now, must stay within their cap;
* ``held``: within the cap, but the hours are held by pending offers of consultations of higher priority.

Candidates are ranked by ``score_parts`` (experience in the consultation's field, extra licences, travel,
preferred city, continuity), ties by ``pair_tie_value``, then by id. Consultations are allocated in the
priority order of rounds (``priority_key``: urgency, the city's need under the published rule set, offer
batches already sent as carry-over, posting time): a pending offer of a higher-priority consultation holds
the person's hours against lower ones, so a scarce person goes to the consultation that ranks first.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import func, select

from ..cities.models import TravelTime
from ..cities.services import city_rows
from ..core import clock
from ..extensions import db
from ..matching.rule_sets import current_rule_set
from ..matching.snapshot import _specialist_records, city_record
from ..solver import load_problem
from ..solver import rules
from ..solver.problem import Problem, Request, Specialist as SolverSpecialist
from ..specialists.models import Specialist, specialist_professions
from ..specialists.verification import matchable_clause
from .models import Consultation, ConsultationOffer

DEFAULT_OFFER_COUNT = 5


def offer_count() -> int:
    """How many specialists one batch of offers goes to (``CONSULTATION_OFFER_COUNT``)."""
    return max(1, int(current_app.config.get("CONSULTATION_OFFER_COUNT") or DEFAULT_OFFER_COUNT))


def available_by(s: SolverSpecialist, r: Request, problem: Problem) -> bool:
    """An availability window meets the days from today (``r.start``) to the wanted-by date (``r.end``)."""
    return any(w.start <= r.end and r.start <= w.end for w in s.availability)


# The solver's hard rules that apply to a few hours of advice, in the solver's order (first failed is counted).
CONSULTATION_RULES: tuple[tuple[str, rules.PairRule], ...] = (
    ("profession", rules.has_profession),
    ("licences", rules.holds_required_licences),
    ("availability", available_by),
    ("mode", rules.fits_work_mode),
    ("travel", rules.within_travel_limit),
    ("excluded_city", rules.city_not_excluded),
    ("own_employer", rules.not_own_employer),
    ("declined", rules.pair_not_forbidden),
)
# Every reason a count may name, in the order a page lists them.
REASON_NAMES = ("advice_off", *(name for name, _ in CONSULTATION_RULES), "hour_cap", "held")


def first_failed(s: SolverSpecialist, r: Request, problem: Problem) -> str | None:
    for name, rule in CONSULTATION_RULES:
        if not rule(s, r, problem):
            return name
    return None


@dataclass(frozen=True)
class Candidate:
    specialist_id: int
    score: dict[str, int]
    tie: int


@dataclass
class Fit:
    """The outcome of allocating one consultation: whom to offer it to now, and why the rest were left out."""

    consultation_id: int
    chosen: list[Candidate] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    eligible: int = 0


def month_start_utc(today: dt.date | None = None) -> dt.datetime:
    today = today or clock.today_tokyo()
    return clock.tokyo_day_start(today.replace(day=1))


def hours_in_use(specialist_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """Hours that count against each person's monthly cap: spent on consultations closed this month (Japan
    time), plus the hours needed by those they hold now (taken, not yet closed)."""
    spent = select(Consultation.specialist_id, func.sum(Consultation.hours_spent)).where(
        Consultation.status == "closed", Consultation.closed_at >= month_start_utc(),
        Consultation.hours_spent.is_not(None))
    held = select(Consultation.specialist_id, func.sum(Consultation.hours_needed)).where(
        Consultation.status == "taken")
    if specialist_ids is not None:
        ids = list(specialist_ids)
        spent = spent.where(Consultation.specialist_id.in_(ids))
        held = held.where(Consultation.specialist_id.in_(ids))
    used: dict[int, Decimal] = defaultdict(Decimal)
    for query in (spent.group_by(Consultation.specialist_id), held.group_by(Consultation.specialist_id)):
        for specialist_id, hours in db.session.execute(query):
            if specialist_id is not None and hours is not None:
                used[specialist_id] += Decimal(str(hours))
    return used


def adviser_ids(profession_ids: Iterable[int] | None = None) -> list[int]:
    """Everyone a round could propose who accepts advice work; with ``profession_ids``, only those who declared
    one of them (the others fail the profession rule anyway: read in SQL, not one by one)."""
    query = select(Specialist.id).where(matchable_clause(), Specialist.accepts_advice.is_(True))
    if profession_ids is not None:
        sp = specialist_professions
        query = query.where(Specialist.id.in_(select(sp.c.specialist_id).where(
            sp.c.profession_id.in_(sorted(set(profession_ids)))).scalar_subquery()))
    return list(db.session.scalars(query.order_by(Specialist.id)))


def adviser_count() -> int:
    return db.session.scalar(select(func.count(Specialist.id)).where(
        matchable_clause(), Specialist.accepts_advice.is_(True))) or 0


def advice_off_count() -> int:
    """People a round could propose who do not accept advice work (the first reason counted)."""
    return db.session.scalar(select(func.count(Specialist.id)).where(
        matchable_clause(), Specialist.accepts_advice.is_(False))) or 0


def _request_record(c: Consultation, today: dt.date) -> dict[str, Any]:
    return {
        "id": str(c.id), "city": c.city.code, "profession": c.profession.code,
        "required_licences": sorted(lic.code for lic in c.required_licences),
        "desired_fields": [c.field.code] if c.field is not None else [],
        "slots": 1, "start": today.isoformat(), "end": max(today, c.wanted_by).isoformat(),
        "days_per_week": 1, "mode": c.work_mode, "urgency": c.urgency,
        "carry_over": max(0, c.offer_batches - 1),
        "posted_at": c.created_at.replace(microsecond=0).isoformat(),
    }


def build_problem(consultations: list[Consultation], ids: list[int]) -> Problem:
    """The consultations as one-slot requests and the advisers as the round's records, in one problem."""
    today = clock.today_tokyo()
    cities = city_rows()  # cached read-only rows (core/cache.py), code order
    city_code = {c.id: c.code for c in cities}
    records = list(_specialist_records(sorted(ids), city_code, {}, {})) if ids else []
    included = {r["id"] for r in records}
    wanted = {str(c.id) for c in consultations}
    declined = db.session.execute(select(ConsultationOffer.specialist_id, ConsultationOffer.consultation_id).where(
        ConsultationOffer.status == "declined",
        ConsultationOffer.consultation_id.in_([c.id for c in consultations]))) if consultations else []
    forbidden = [{"specialist": str(s), "request": str(r)} for s, r in declined
                 if str(s) in included and str(r) in wanted]
    travel = [{"from": city_code[a], "to": city_code[b], "minutes": m} for a, b, m in db.session.execute(
        select(TravelTime.from_city_id, TravelTime.to_city_id, TravelTime.minutes)) if a in city_code and b in city_code]
    rule_set = current_rule_set()
    data = {
        "cities": [city_record(c) for c in cities],
        "travel_minutes": travel,
        "specialists": records,
        "requests": [_request_record(c, today) for c in consultations],
        "forbidden": forbidden,
        **({"rule_set": rule_set.to_solver()} if rule_set is not None else {}),
    }
    return load_problem(data)


def allocate(target_ids: set[int], count: int | None = None) -> dict[int, Fit]:
    """Whom to offer each target consultation to now (at most ``count`` new people each).

    Every open consultation is walked in the rounds' priority order so that pending offers of
    higher-priority consultations hold their people's hours against lower ones."""
    count = count or offer_count()
    open_ones = list(db.session.scalars(select(Consultation).where(Consultation.status == "open")))
    if not any(c.id in target_ids for c in open_ones):
        return {}
    ids = adviser_ids({c.profession_id for c in open_ones})
    problem = build_problem(open_ones, ids)
    # Advisers left out in SQL (none of the open consultations' professions) fail the profession rule.
    outside = adviser_count() - len(problem.specialists)
    requests = problem.request_by_id
    need_rank = rules.rank_cities_by_need(problem.cities, problem.rule_set)
    order = sorted(open_ones, key=lambda c: rules.priority_key(requests[str(c.id)], need_rank))
    caps = {sid: cap for sid, cap in db.session.execute(
        select(Specialist.id, Specialist.advice_hours_per_month).where(Specialist.id.in_(ids)))} if ids else {}
    used = hours_in_use(ids)
    reserved: dict[int, Decimal] = defaultdict(Decimal)
    off = advice_off_count()
    results: dict[int, Fit] = {}
    for c in order:
        hours = Decimal(str(c.hours_needed))
        if c.id in target_ids:
            request = requests[str(c.id)]
            asked = {o.specialist_id for o in c.offers if o.status != "declined"}
            counts: Counter[str] = Counter()
            if off:
                counts["advice_off"] = off
            if outside:
                counts["profession"] = outside
            eligible: list[Candidate] = []
            for s in problem.specialists:
                sid = int(s.id)
                if sid in asked:
                    continue
                failed = first_failed(s, request, problem)
                if failed is None:
                    cap = caps.get(sid)
                    if cap is not None and used[sid] + hours > cap:
                        failed = "hour_cap"
                    elif cap is not None and used[sid] + reserved[sid] + hours > cap:
                        failed = "held"
                if failed is not None:
                    counts[failed] += 1
                    continue
                eligible.append(Candidate(sid, rules.score_parts(s, request, problem),
                                          rules.pair_tie_value(s, request, problem)))
            eligible.sort(key=lambda e: (-e.score["total"], -e.tie, e.specialist_id))
            fit = Fit(c.id, eligible[:count], dict(counts), len(eligible))
            results[c.id] = fit
            for chosen in fit.chosen:
                reserved[chosen.specialist_id] += hours
        for offer in c.offers:
            if offer.status == "pending":
                reserved[offer.specialist_id] += hours
    return results


def fits_cap(specialist: Specialist, hours: Decimal) -> bool:
    """At accepting: the person's hours this month plus ``hours`` stay within their cap."""
    cap = specialist.advice_hours_per_month
    if cap is None:
        return True
    return hours_in_use([specialist.id]).get(specialist.id, Decimal(0)) + hours <= cap


def remaining_hours(specialist: Specialist) -> Decimal | None:
    cap = specialist.advice_hours_per_month
    if cap is None:
        return None
    return max(Decimal(0), Decimal(cap) - hours_in_use([specialist.id]).get(specialist.id, Decimal(0)))


__all__ = ["allocate", "CONSULTATION_RULES", "REASON_NAMES", "Fit", "Candidate", "hours_in_use", "fits_cap",
           "remaining_hours", "offer_count"]
