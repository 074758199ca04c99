"""One function per hard rule, per priority criterion and per quality part.

These scalar functions are the reference wording of docs/matching-rules.md. The vectorised
index in ``eligibility.py`` must agree with them (tests compare the two).
"""
from __future__ import annotations

import calendar
import datetime as dt
from typing import Callable, Iterable, Mapping

from talentbank.solver.days import busiest_day_load
from talentbank.solver.problem import (
    TRAINING_URGENCY,
    URGENCY_CLASSES,
    City,
    Pair,
    Problem,
    Request,
    RuleSet,
    Specialist,
)

# ----------------------------------------------------------------------------- hard rules


def has_profession(s: Specialist, r: Request, problem: Problem) -> bool:
    """The request's profession must be one of the specialist's."""
    return r.profession in s.professions


def holds_required_licences(s: Specialist, r: Request, problem: Problem) -> bool:
    """Every licence the request requires must be held."""
    return r.required_licences <= s.licences


def is_available_for_period(s: Specialist, r: Request, problem: Problem) -> bool:
    """One availability window must cover the request's whole period."""
    return any(w.covers(r.start, r.end) for w in s.availability)


def not_busy(s: Specialist, r: Request, problem: Problem) -> bool:
    """No busy period (committed elsewhere, e.g. an approved ring) overlaps the request period."""
    return not s.busy_during(r.start, r.end)


def offers_enough_days(s: Specialist, r: Request, problem: Problem) -> bool:
    """A single request's days per week must fit in what the specialist offers."""
    return r.days_per_week <= s.days_per_week


def fits_work_mode(s: Specialist, r: Request, problem: Problem) -> bool:
    """On-site needs an on-site specialist, remote a remote one; either takes anyone."""
    if r.mode == "either":
        return True
    return r.mode in s.modes


def served_mode(s: Specialist, r: Request) -> str:
    """How the work would be done: `either` is remote when the specialist works remotely."""
    if r.mode == "either":
        return "remote" if "remote" in s.modes else "onsite"
    return r.mode


def travel_minutes_for(s: Specialist, r: Request, problem: Problem) -> int | None:
    """Travel minutes home city -> request city when served on site, 0 when remote."""
    if served_mode(s, r) == "remote":
        return 0
    return problem.travel_minutes(s.home_city, r.city)


def within_travel_limit(s: Specialist, r: Request, problem: Problem) -> bool:
    """On-site work must be reachable within the specialist's travel limit."""
    minutes = travel_minutes_for(s, r, problem)
    return minutes is not None and minutes <= s.max_travel_minutes


def city_not_excluded(s: Specialist, r: Request, problem: Problem) -> bool:
    """The specialist may exclude cities they will not work for."""
    return r.city not in s.excluded_cities


def not_own_employer(s: Specialist, r: Request, problem: Problem) -> bool:
    """A serving officer is never dispatched to their own employer."""
    return r.city != s.employer_city


def pair_not_forbidden(s: Specialist, r: Request, problem: Problem) -> bool:
    """A rejected or declined pair stays rejected."""
    return Pair(s.id, r.id) not in problem.forbidden


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day when it is shorter)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 - months, 12)
    if year < dt.MINYEAR:  # before the calendar's first day: every training counts
        return dt.date.min
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))


def training_since(urgency: str, months: int | None, start: dt.date) -> dt.date | None:
    """The earliest training day that still counts for a request of this urgency starting on ``start``
    whose profession requires a training within ``months`` (None: no requirement), or None when none is
    required. The one wording of the rule: the app's pages (training.readiness) use it too."""
    if urgency != TRAINING_URGENCY or months is None:
        return None
    return months_before(start, months)


def training_cutoff(r: Request, problem: Problem) -> dt.date | None:
    """The earliest training day that still counts for the request, or None when none is required.

    Only disaster-recovery requests of a profession with ``disaster_training_months`` = N require one:
    a training of that profession attended on or after the request's start minus N calendar months.
    """
    return training_since(r.urgency, problem.disaster_training_months.get(r.profession), r.start)


def has_recent_training(s: Specialist, r: Request, problem: Problem) -> bool:
    """A disaster-recovery request of a profession that requires it needs a recent training of it."""
    cutoff = training_cutoff(r, problem)
    if cutoff is None:
        return True
    attended = s.trainings.get(r.profession)
    return attended is not None and attended >= cutoff


PairRule = Callable[[Specialist, Request, Problem], bool]

# The fixed order in which a ruled-out specialist is counted (first rule failed).
HARD_RULES: tuple[tuple[str, PairRule], ...] = (
    ("profession", has_profession),
    ("licences", holds_required_licences),
    ("availability", is_available_for_period),
    ("busy", not_busy),
    ("days_per_week", offers_enough_days),
    ("mode", fits_work_mode),
    ("travel", within_travel_limit),
    ("excluded_city", city_not_excluded),
    ("own_employer", not_own_employer),
    ("forbidden", pair_not_forbidden),
    # last: a person counted here passes every other rule and lacks only the recent training
    ("training", has_recent_training),
)
HARD_RULE_NAMES: tuple[str, ...] = tuple(name for name, _ in HARD_RULES)


def first_failed_rule(s: Specialist, r: Request, problem: Problem) -> str | None:
    """Name of the first hard rule the pair fails, or None when the pair is eligible."""
    for name, rule in HARD_RULES:
        if not rule(s, r, problem):
            return name
    return None


def peak_days_per_week(requests: Iterable[Request]) -> int:
    """The most days per week the requests take on any one day (``days.busiest_day_load``)."""
    commitments = [(r.start, r.end, r.days_per_week) for r in requests]
    if not commitments:
        return 0
    first = min(start for start, _end, _days in commitments)
    last = max(end for _start, end, _days in commitments)
    return busiest_day_load(commitments, first, last)


def fits_days_per_week(s: Specialist, requests: Iterable[Request]) -> bool:
    """Everything proposed to one specialist that overlaps in time fits their days per week."""
    return peak_days_per_week(requests) <= s.days_per_week


# ----------------------------------------------------------------------------- priority


def city_need_values(cities: Iterable[City], rule_set: RuleSet) -> dict[str, tuple[float, ...]]:
    """Each city's need key under the rule set: lower key = higher need."""
    cities = list(cities)
    indicator_values = {
        c.code: {"staff_per_10k": c.staff_per_10k, "allowance_rate": c.allowance_rate,
                 "fiscal_index": c.fiscal_index}
        for c in cities
    }
    if rule_set.method == "lexicographic":
        return {code: tuple(round(v[c.indicator], 12) for c in rule_set.criteria)
                for code, v in indicator_values.items()}
    # weighted: min-max normalise each indicator over the cities, then weigh
    bounds = {}
    for crit in rule_set.criteria:
        values = [v[crit.indicator] for v in indicator_values.values()]
        bounds[crit.indicator] = (min(values, default=0.0), max(values, default=0.0))
    keys = {}
    for code, v in indicator_values.items():
        total = 0.0
        for crit in rule_set.criteria:
            low, high = bounds[crit.indicator]
            norm = (v[crit.indicator] - low) / (high - low) if high > low else 0.0
            total += crit.weight * norm
        keys[code] = (round(total, 12),)
    return keys


def rank_cities_by_need(cities: Iterable[City], rule_set: RuleSet) -> dict[str, int]:
    """City code -> need rank (0 = highest need), ties broken by city code.

    Member cities are ranked among themselves (a weighted rule normalises over them alone), so a
    specialist's home town outside the alliance never shifts the members' order; such towns
    follow the members, ranked the same way among themselves.
    """
    cities = list(cities)
    members = [c for c in cities if c.is_member]
    others = [c for c in cities if not c.is_member]
    ranks: dict[str, int] = {}
    for group in (members, others):
        keys = city_need_values(group, rule_set)
        for code in sorted(keys, key=lambda code: (keys[code], code)):
            ranks[code] = len(ranks)
    return ranks


def urgency_rank(r: Request) -> int:
    """Disaster recovery before statutory duty before ordinary work."""
    return URGENCY_CLASSES.index(r.urgency)


PRIORITY_KEY_NAMES = ("urgency", "city_need", "carry_over", "earlier_posting")


def priority_key(r: Request, need_rank: Mapping[str, int]) -> tuple:
    """The strict prefectural order: urgency, city need, carry-over, posting time, id."""
    return (urgency_rank(r), need_rank[r.city], -r.carry_over, r.posted_at, r.id)


def order_requests_by_priority(requests: Iterable[Request], need_rank: Mapping[str, int]) -> list[Request]:
    """Requests from the highest priority to the lowest."""
    return sorted(requests, key=lambda r: priority_key(r, need_rank))


def why_ranks_higher(higher: Request, lower: Request, need_rank: Mapping[str, int]) -> str:
    """The first criterion that puts `higher` ahead of `lower` (or `request_id` on a full tie)."""
    a, b = priority_key(higher, need_rank), priority_key(lower, need_rank)
    for name, x, y in zip(PRIORITY_KEY_NAMES + ("request_id",), a, b):
        if x != y:
            return name
    return "same_request"


# ----------------------------------------------------------------------------- quality

EXPERIENCE_CAP_YEARS = 30
EXTRA_LICENCE_POINTS = 2
EXTRA_LICENCE_CAP = 5
TRAVEL_POINTS = 20
TRAVEL_MINUTES_PER_POINT = 6
PREFERRED_CITY_POINTS = 10
CONTINUITY_POINTS = 10


def experience_points(s: Specialist, r: Request) -> int:
    """Years of experience in the request's desired fields, capped."""
    years = sum(s.experience.get(f, 0.0) for f in r.desired_fields)
    return int(min(EXPERIENCE_CAP_YEARS, years))


def extra_licence_points(s: Specialist, r: Request) -> int:
    """Licences held beyond those required."""
    extra = len(s.licences - r.required_licences)
    return EXTRA_LICENCE_POINTS * min(EXTRA_LICENCE_CAP, extra)


def travel_points(minutes: int) -> int:
    """Shorter travel scores higher; remote work scores as no travel."""
    return max(0, TRAVEL_POINTS - minutes // TRAVEL_MINUTES_PER_POINT)


def preferred_city_points(s: Specialist, r: Request) -> int:
    """The specialist said they would like to work for this city."""
    return PREFERRED_CITY_POINTS if r.city in s.preferred_cities else 0


def continuity_points(s: Specialist, r: Request) -> int:
    """The city had this specialist before."""
    return CONTINUITY_POINTS if r.city in s.previous_cities else 0


TIE_MINUTES_CAP = 255
TIE_YEARS_CAP = 63
TIE_LICENCES_CAP = 7


def tie_value(minutes: int, years: float, extra_licences: int) -> int:
    """Breaks ties between equal scores by the facts the rounded parts hide (higher = better).

    Shorter journey first (minutes, capped at 255; remote = 0), then more years in the desired
    fields (whole years, capped at 63), then more licences beyond those required (capped at 7):
    ``((255 - minutes) * 64 + years) * 8 + licences``, 0 <= value < 256 * 64 * 8 = 131,072.
    """
    m = min(max(0, int(minutes)), TIE_MINUTES_CAP)
    y = min(max(0, int(years)), TIE_YEARS_CAP)
    x = min(max(0, int(extra_licences)), TIE_LICENCES_CAP)
    return ((TIE_MINUTES_CAP - m) * (TIE_YEARS_CAP + 1) + y) * (TIE_LICENCES_CAP + 1) + x


def pair_tie_value(s: Specialist, r: Request, problem: Problem) -> int:
    """``tie_value`` of one pair, from its raw facts."""
    minutes = travel_minutes_for(s, r, problem) or 0
    years = sum(s.experience.get(f, 0.0) for f in r.desired_fields)
    return tie_value(minutes, years, len(s.licences - r.required_licences))


def score_parts(s: Specialist, r: Request, problem: Problem) -> dict[str, int]:
    """A proposal's quality, broken into named parts plus the total."""
    minutes = travel_minutes_for(s, r, problem) or 0
    parts = {
        "experience": experience_points(s, r),
        "extra_licences": extra_licence_points(s, r),
        "travel": travel_points(minutes),
        "preferred_city": preferred_city_points(s, r),
        "continuity": continuity_points(s, r),
    }
    parts["total"] = sum(parts.values())
    return parts
