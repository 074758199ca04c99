"""The solver's interchange records: frozen dataclasses in, result dataclasses out.

``load_problem`` turns a JSON-like dict into a validated :class:`Problem`; every
error names the record and field (``requests[3] (id "R12"): ...``) so an HR officer
or an operator can fix the input without reading code.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

PROFESSION_MODES = ("onsite", "remote")
REQUEST_MODES = ("onsite", "remote", "either")
URGENCY_CLASSES = ("disaster", "statutory", "ordinary")  # highest priority first
INDICATORS = ("staff_per_10k", "allowance_rate", "fiscal_index")
RULE_SET_METHODS = ("lexicographic", "weighted")
# Where the exchange market stands among the urgency classes, highest first:
# "first" (before disaster), "after_disaster", "after_statutory" (default), "last" (after ordinary).
EXCHANGE_PRIORITIES = ("first", "after_disaster", "after_statutory", "last")
DEFAULT_EXCHANGE_PRIORITY = "after_statutory"
MAX_DAYS_PER_WEEK = 5
DEFAULT_TIME_LIMIT_S = 30.0
# The urgency class whose requests a profession's training requirement applies to.
TRAINING_URGENCY = "disaster"
MAX_TRAINING_MONTHS = 60


class ProblemError(ValueError):
    """Raised for invalid input; the message names the record and the field."""


# ----------------------------------------------------------------------------- input


@dataclass(frozen=True)
class City:
    code: str
    name: str
    population: int
    general_staff: int
    allowance_rate: float
    fiscal_index: float
    # False for a municipality that is only a specialist's home town: it is not ranked with the members.
    is_member: bool = True

    @property
    def staff_per_10k(self) -> float:
        """General staff per 10,000 residents: fewer means more need."""
        return self.general_staff / self.population * 10000.0


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def covers(self, start: dt.date, end: dt.date) -> bool:
        """True when this window contains the whole inclusive period start..end."""
        return self.start <= start and end <= self.end


@dataclass(frozen=True)
class Specialist:
    id: str
    professions: frozenset[str]
    licences: frozenset[str]
    experience: Mapping[str, float] = field(hash=False)
    home_city: str
    employer_city: str | None
    availability: tuple[Period, ...]
    days_per_week: int
    modes: frozenset[str]
    max_travel_minutes: int
    excluded_cities: frozenset[str] = frozenset()
    preferred_cities: frozenset[str] = frozenset()
    previous_cities: frozenset[str] = frozenset()
    # committed elsewhere (e.g. an approved ring of an earlier round): not free on these days
    busy: tuple[Period, ...] = ()
    # profession code -> the latest day they attended a training session suiting that profession
    trainings: Mapping[str, dt.date] = field(default_factory=dict, hash=False)

    def busy_during(self, start: dt.date, end: dt.date) -> bool:
        """True when a busy period shares a day with the inclusive period start..end."""
        return any(b.start <= end and start <= b.end for b in self.busy)


@dataclass(frozen=True)
class Request:
    id: str
    city: str
    profession: str
    required_licences: frozenset[str]
    desired_fields: tuple[str, ...]
    slots: int
    start: dt.date
    end: dt.date
    days_per_week: int
    mode: str
    urgency: str
    carry_over: int
    posted_at: dt.datetime

    def overlaps(self, other: "Request") -> bool:
        """Two requests overlap when their inclusive periods share a day."""
        return self.start <= other.end and other.start <= self.end


@dataclass(frozen=True)
class ExchangeOffer:
    """A city offers a serving officer; ``wants_profession`` None = one-way (wants nothing back)."""

    id: str
    city: str
    officer: str
    wants_profession: str | None
    wants_licences: frozenset[str]
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Criterion:
    indicator: str
    weight: float = 1.0


@dataclass(frozen=True)
class RuleSet:
    version: str = "default"
    method: str = "lexicographic"
    criteria: tuple[Criterion, ...] = (
        Criterion("staff_per_10k"),
        Criterion("allowance_rate"),
        Criterion("fiscal_index"),
    )
    max_cycle_length: int = 3
    exchange_priority: str = DEFAULT_EXCHANGE_PRIORITY

    @property
    def classes_before_exchange(self) -> tuple[str, ...]:
        """Urgency classes served before the exchange market chooses its rings."""
        return URGENCY_CLASSES[:EXCHANGE_PRIORITIES.index(self.exchange_priority)]


@dataclass(frozen=True)
class Pair:
    specialist: str
    request: str


@dataclass(frozen=True)
class Problem:
    cities: tuple[City, ...]
    travel: Mapping[tuple[str, str], int] = field(hash=False)
    specialists: tuple[Specialist, ...]
    requests: tuple[Request, ...]
    exchange_offers: tuple[ExchangeOffer, ...]
    rule_set: RuleSet
    pinned: tuple[Pair, ...]
    forbidden: frozenset[Pair]
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    # profession code -> N: its disaster-recovery requests need a training attended within N months
    disaster_training_months: Mapping[str, int] = field(default_factory=dict, hash=False)

    def travel_minutes(self, from_city: str, to_city: str) -> int | None:
        """On-site travel time; None means out of reach (pair not listed)."""
        if from_city == to_city:
            return 0
        return self.travel.get((from_city, to_city))

    @property
    def specialist_by_id(self) -> dict[str, Specialist]:
        """Specialists keyed by id."""
        return {s.id: s for s in self.specialists}

    @property
    def request_by_id(self) -> dict[str, Request]:
        """Requests keyed by id."""
        return {r.id: r for r in self.requests}


# ----------------------------------------------------------------------------- output


@dataclass(frozen=True)
class Assignment:
    specialist: str
    request: str
    score: Mapping[str, int] = field(hash=False)
    priority_position: int
    served_mode: str
    is_pinned: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON form of one proposal."""
        return {
            "specialist": self.specialist,
            "request": self.request,
            "score": dict(self.score),
            "priority_position": self.priority_position,
            "served_mode": self.served_mode,
            "pinned": self.is_pinned,
        }


@dataclass(frozen=True)
class Unfilled:
    request: str
    slots: int
    priority_position: int
    reason: Mapping[str, Any] = field(hash=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON form of a request's empty slots and why they are empty."""
        return {
            "request": self.request,
            "slots": self.slots,
            "priority_position": self.priority_position,
            "reason": self.reason,
        }


@dataclass
class SolveResult:
    status: str
    assignments: list[Assignment]
    unfilled: list[Unfilled]
    exchange_cycles: list[dict[str, Any]]
    stats: dict[str, Any]
    input_fingerprint: str
    rule_set_version: str
    priority_order: list[dict[str, Any]]
    city_need_rank: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    exchange_status: str | None = None
    unmatched_offers: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the round, in the documented result format."""
        return {
            "status": self.status,
            "rule_set_version": self.rule_set_version,
            "input_fingerprint": self.input_fingerprint,
            "assignments": [a.to_dict() for a in self.assignments],
            "unfilled": [u.to_dict() for u in self.unfilled],
            "exchange_cycles": self.exchange_cycles,
            "exchange_status": self.exchange_status,
            "unmatched_offers": self.unmatched_offers,
            "priority_order": self.priority_order,
            "city_need_rank": self.city_need_rank,
            "warnings": self.warnings,
            "stats": self.stats,
        }


# ----------------------------------------------------------------------------- parsing


class _Record:
    """Names the record being parsed so every error says where it is."""

    def __init__(self, where: str, data: Any):
        self.where = where
        if not isinstance(data, dict):
            raise ProblemError(f"{where}: must be an object, got {type(data).__name__}")
        self.data = data

    def fail(self, key: str, message: str) -> ProblemError:
        return ProblemError(f"{self.where}: {key} {message}")

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def required(self, key: str) -> Any:
        if not self.has(key):
            raise self.fail(key, "is required")
        return self.data[key]

    def ident(self, key: str, *, optional: bool = False) -> str | None:
        if optional and not self.has(key):
            return None
        value = self.required(key)
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.fail(key, f"must be a string or integer id, got {value!r}")
        text = str(value).strip()
        if not text:
            raise self.fail(key, "must not be empty")
        return text

    def text(self, key: str, default: str | None = None) -> str:
        if not self.has(key):
            if default is None:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            raise self.fail(key, f"must be a string, got {value!r}")
        return str(value)

    def integer(self, key: str, low: int | None = None, high: int | None = None,
                default: int | None = None) -> int:
        if not self.has(key):
            if default is None:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise self.fail(key, f"must be an integer, got {value!r}")
        value = int(value)
        if (low is not None and value < low) or (high is not None and value > high):
            bounds = f"{low if low is not None else ''}..{high if high is not None else ''}"
            raise self.fail(key, f"must be {bounds}, got {value}")
        return value

    def number(self, key: str, low: float | None = None, default: float | None = None,
               strictly_positive: bool = False) -> float:
        if not self.has(key):
            if default is None:
                raise self.fail(key, "is required")
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise self.fail(key, f"must be a number, got {value!r}")
        if strictly_positive and value <= 0:
            raise self.fail(key, f"must be > 0, got {value}")
        if low is not None and value < low:
            raise self.fail(key, f"must be >= {low}, got {value}")
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, got {value!r}")
        return value

    def date(self, key: str) -> dt.date:
        value = self.required(key)
        if not isinstance(value, str):
            raise self.fail(key, f"must be an ISO date YYYY-MM-DD, got {value!r}")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.fail(key, f"must be an ISO date YYYY-MM-DD, got {value!r}") from None

    def moment(self, key: str, default: dt.datetime) -> dt.datetime:
        if not self.has(key):
            return default
        value = self.data[key]
        if not isinstance(value, str):
            raise self.fail(key, f"must be an ISO date or datetime, got {value!r}")
        try:
            if len(value) == 10:
                return dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(key, f"must be an ISO date or datetime, got {value!r}") from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return moment

    def strings(self, key: str, allowed: tuple[str, ...] | None = None) -> frozenset[str]:
        value = self.data.get(key)
        if value is None:
            return frozenset()
        if type(value) is list and all(type(item) is str for item in value):
            names = frozenset(value)  # the common case, kept fast for national-scale input
            if allowed is None or names <= frozenset(allowed):
                return names
        return frozenset(self.string_list(key, allowed))

    def string_list(self, key: str, allowed: tuple[str, ...] | None = None) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list, got {value!r}")
        items = []
        for item in value:
            if isinstance(item, bool) or not isinstance(item, (str, int)):
                raise self.fail(key, f"must hold strings, got {item!r}")
            item = str(item)
            if allowed is not None and item not in allowed:
                raise self.fail(key, f"must hold only {'/'.join(allowed)}, got {item!r}")
            items.append(item)
        return tuple(dict.fromkeys(items))

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(key, default)
        if value not in allowed:
            raise self.fail(key, f"must be one of {'/'.join(allowed)}, got {value!r}")
        return value


def _records(data: Mapping[str, Any], key: str, *, required: bool = False) -> list[tuple[str, Any]]:
    value = data.get(key)
    if value is None:
        if required:
            raise ProblemError(f"{key}: is required")
        return []
    if not isinstance(value, list):
        raise ProblemError(f"{key}: must be a list")
    return [(f"{key}[{i}]", item) for i, item in enumerate(value)]


def _where(where: str, item: Any) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), (str, int)) and not isinstance(item.get("id"), bool):
        return f'{where} (id "{item["id"]}")'
    return where


def _unique(records: list[Any], label: str, key: str = "id") -> None:
    seen: dict[str, int] = {}
    for i, rec in enumerate(records):
        value = getattr(rec, key)
        if value in seen:
            raise ProblemError(f'{label}[{i}] (id "{value}"): {key} duplicates {label}[{seen[value]}]')
        seen[value] = i


def _parse_city(where: str, item: Any) -> City:
    rec = _Record(where, item)
    code = rec.ident("code")
    rec.where = f'{where} (code "{code}")'
    return City(
        code=code,
        name=rec.text("name", default=code),
        population=rec.integer("population", low=1),
        general_staff=rec.integer("general_staff", low=0),
        allowance_rate=rec.number("allowance_rate", low=0.0),
        fiscal_index=rec.number("fiscal_index", low=0.0),
        is_member=rec.boolean("is_member", default=True),
    )


def _parse_specialist(where: str, item: Any, cities: set[str]) -> Specialist:
    rec = _Record(_where(where, item), item)
    sid = rec.ident("id")

    def city_ref(key: str, optional: bool = False) -> str | None:
        code = rec.ident(key, optional=optional)
        if code is not None and code not in cities:
            raise rec.fail(key, f'names unknown city "{code}"')
        return code

    def city_refs(key: str) -> frozenset[str]:
        codes = rec.strings(key)
        for code in sorted(codes):
            if code not in cities:
                raise rec.fail(key, f'names unknown city "{code}"')
        return codes

    professions = rec.strings("professions")
    if not professions:
        raise rec.fail("professions", "must list at least one profession")
    experience_raw = rec.data.get("experience") or {}
    if not isinstance(experience_raw, dict):
        raise rec.fail("experience", "must be an object {field: years}")
    experience: dict[str, float] = {}
    for name, years in sorted(experience_raw.items()):
        if isinstance(years, bool) or not isinstance(years, (int, float)) or years < 0:
            raise rec.fail("experience", f'must give years >= 0 for field "{name}", got {years!r}')
        experience[str(name)] = float(years)
    windows = []
    for i, window in enumerate(rec.data.get("availability") or []):
        wrec = _Record(f"{rec.where}: availability[{i}]", window)
        period = Period(wrec.date("start"), wrec.date("end"))
        if period.end < period.start:
            raise wrec.fail("end", f"is before start ({period.end} < {period.start})")
        windows.append(period)
    if not rec.has("availability"):
        raise rec.fail("availability", "is required")
    busy = []
    if rec.has("busy") and not isinstance(rec.data["busy"], list):
        raise rec.fail("busy", f"must be a list of {{start, end}}, got {rec.data['busy']!r}")
    for i, window in enumerate(rec.data.get("busy") or []):
        wrec = _Record(f"{rec.where}: busy[{i}]", window)
        period = Period(wrec.date("start"), wrec.date("end"))
        if period.end < period.start:
            raise wrec.fail("end", f"is before start ({period.end} < {period.start})")
        busy.append(period)
    modes = rec.strings("modes", PROFESSION_MODES) if rec.has("modes") else frozenset({"onsite"})
    if not modes:
        raise rec.fail("modes", "must list onsite and/or remote")
    trainings_raw = rec.data.get("trainings") or {}
    if not isinstance(trainings_raw, dict):
        raise rec.fail("trainings", f"must be an object {{profession: YYYY-MM-DD}}, got {trainings_raw!r}")
    trainings: dict[str, dt.date] = {}
    for name, day in sorted(trainings_raw.items()):
        try:
            trainings[str(name)] = dt.date.fromisoformat(day)
        except (TypeError, ValueError):
            raise rec.fail("trainings", f'must give an ISO date YYYY-MM-DD for profession "{name}", '
                                        f"got {day!r}") from None
    return Specialist(
        id=sid,
        professions=professions,
        licences=rec.strings("licences"),
        experience=experience,
        home_city=city_ref("home_city"),
        employer_city=city_ref("employer_city", optional=True),
        availability=tuple(sorted(windows, key=lambda p: (p.start, p.end))),
        days_per_week=rec.integer("days_per_week", 1, MAX_DAYS_PER_WEEK),
        modes=modes,
        max_travel_minutes=rec.integer("max_travel_minutes", low=0, default=60),
        excluded_cities=city_refs("excluded_cities"),
        preferred_cities=city_refs("preferred_cities"),
        previous_cities=city_refs("previous_cities"),
        busy=tuple(sorted(set(busy), key=lambda p: (p.start, p.end))),
        trainings=trainings,
    )


def _parse_request(where: str, item: Any, cities: set[str]) -> Request:
    rec = _Record(_where(where, item), item)
    rid = rec.ident("id")
    city = rec.ident("city")
    if city not in cities:
        raise rec.fail("city", f'names unknown city "{city}"')
    start, end = rec.date("start"), rec.date("end")
    if end < start:
        raise rec.fail("end", f"is before start ({end} < {start})")
    carry = rec.data.get("carry_over", 0)
    if carry is True or carry is False:
        carry_over = int(carry)
    else:
        carry_over = rec.integer("carry_over", low=0, default=0)
    return Request(
        id=rid,
        city=city,
        profession=rec.text("profession"),
        required_licences=rec.strings("required_licences"),
        desired_fields=tuple(sorted(rec.strings("desired_fields"))),
        slots=rec.integer("slots", low=1, default=1),
        start=start,
        end=end,
        days_per_week=rec.integer("days_per_week", 1, MAX_DAYS_PER_WEEK),
        mode=rec.choice("mode", REQUEST_MODES, default="onsite"),
        urgency=rec.choice("urgency", URGENCY_CLASSES, default="ordinary"),
        carry_over=carry_over,
        posted_at=rec.moment("posted_at", dt.datetime.combine(start, dt.time())),
    )


def _parse_offer(where: str, item: Any, cities: set[str], specialists: dict[str, Specialist]) -> ExchangeOffer:
    rec = _Record(_where(where, item), item)
    oid = rec.ident("id")
    city = rec.ident("city")
    if city not in cities:
        raise rec.fail("city", f'names unknown city "{city}"')
    officer = rec.ident("officer")
    if officer not in specialists:
        raise rec.fail("officer", f'names unknown specialist "{officer}"')
    if specialists[officer].employer_city != city:
        raise rec.fail("officer", f'"{officer}" is not employed by city "{city}"')
    # wants null or absent: a one-way secondment (no ring; dispatch sees the officer as a specialist)
    wants = _Record(f"{rec.where}: wants", rec.data["wants"]) if rec.has("wants") else None
    start, end = rec.date("start"), rec.date("end")
    if end < start:
        raise rec.fail("end", f"is before start ({end} < {start})")
    return ExchangeOffer(
        id=oid,
        city=city,
        officer=officer,
        wants_profession=wants.text("profession") if wants is not None else None,
        wants_licences=wants.strings("required_licences") if wants is not None else frozenset(),
        start=start,
        end=end,
    )


def _parse_rule_set(data: Any) -> RuleSet:
    if data is None:
        return RuleSet()
    rec = _Record("rule_set", data)
    method = rec.choice("method", RULE_SET_METHODS, default="lexicographic")
    criteria = []
    seen = set()
    for where, item in _records(rec.data, "criteria"):
        crec = _Record(f"rule_set.{where}", item)
        indicator = crec.choice("indicator", INDICATORS)
        if indicator in seen:
            raise crec.fail("indicator", f'repeats "{indicator}"')
        seen.add(indicator)
        criteria.append(Criterion(indicator, crec.number("weight", low=0.0, default=1.0)))
    if not criteria:
        criteria = list(RuleSet().criteria)
    return RuleSet(
        version=rec.text("version", default="default"),
        method=method,
        criteria=tuple(criteria),
        max_cycle_length=rec.integer("max_cycle_length", 2, 6, default=3),
        exchange_priority=rec.choice("exchange_priority", EXCHANGE_PRIORITIES,
                                     default=DEFAULT_EXCHANGE_PRIORITY),
    )


def _parse_training_months(data: Any) -> dict[str, int]:
    """``disaster_training_months``: {profession: N}, N whole months from 1 to MAX_TRAINING_MONTHS."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProblemError(f"disaster_training_months: must be an object {{profession: months}}, got {data!r}")
    months: dict[str, int] = {}
    for name, value in sorted(data.items(), key=lambda item: str(item[0])):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TRAINING_MONTHS:
            raise ProblemError(f'disaster_training_months: profession "{name}" must be an integer '
                               f"1..{MAX_TRAINING_MONTHS}, got {value!r}")
        months[str(name)] = value
    return months


def _parse_pairs(data: Mapping[str, Any], key: str, specialists: dict[str, Specialist],
                 requests: dict[str, Request]) -> list[Pair]:
    pairs = []
    for where, item in _records(data, key):
        rec = _Record(where, item)
        sid, rid = rec.ident("specialist"), rec.ident("request")
        if sid not in specialists:
            raise rec.fail("specialist", f'names unknown specialist "{sid}"')
        if rid not in requests:
            raise rec.fail("request", f'names unknown request "{rid}"')
        pairs.append(Pair(sid, rid))
    return pairs


def load_problem(data: Mapping[str, Any]) -> Problem:
    """Validate a JSON-like dict and build the immutable Problem the solver reads."""
    if not isinstance(data, dict):
        raise ProblemError("problem: must be a JSON object")
    cities = [_parse_city(w, item) for w, item in _records(data, "cities", required=True)]
    _unique(cities, "cities", "code")
    codes = {c.code for c in cities}

    travel: dict[tuple[str, str], int] = {}
    explicit: set[tuple[str, str]] = set()
    for where, item in _records(data, "travel_minutes"):
        rec = _Record(where, item)
        a, b = rec.ident("from"), rec.ident("to")
        for key, code in (("from", a), ("to", b)):
            if code not in codes:
                raise rec.fail(key, f'names unknown city "{code}"')
        minutes = rec.integer("minutes", low=0)
        if a == b:
            continue
        travel[(a, b)] = minutes
        explicit.add((a, b))
        if (b, a) not in explicit:
            travel[(b, a)] = minutes

    specialists = [_parse_specialist(w, item, codes) for w, item in _records(data, "specialists")]
    _unique(specialists, "specialists")
    requests = [_parse_request(w, item, codes) for w, item in _records(data, "requests")]
    _unique(requests, "requests")
    by_spec = {s.id: s for s in specialists}
    by_req = {r.id: r for r in requests}
    offers = [_parse_offer(w, item, codes, by_spec) for w, item in _records(data, "exchange_offers")]
    _unique(offers, "exchange_offers")

    pinned = _parse_pairs(data, "pinned", by_spec, by_req)
    forbidden = _parse_pairs(data, "forbidden", by_spec, by_req)
    clash = sorted(set(pinned) & set(forbidden), key=lambda p: (p.specialist, p.request))
    if clash:
        p = clash[0]
        raise ProblemError(f'pinned: pair ("{p.specialist}", "{p.request}") is also forbidden')
    if len(set(pinned)) != len(pinned):
        raise ProblemError("pinned: a pair is listed twice")

    time_limit = data.get("time_limit_s", DEFAULT_TIME_LIMIT_S)
    if isinstance(time_limit, bool) or not isinstance(time_limit, (int, float)) or not time_limit > 0:
        raise ProblemError(f"time_limit_s: must be a number > 0, got {time_limit!r}")

    return Problem(
        cities=tuple(sorted(cities, key=lambda c: c.code)),
        travel=travel,
        specialists=tuple(sorted(specialists, key=lambda s: s.id)),
        requests=tuple(sorted(requests, key=lambda r: r.id)),
        exchange_offers=tuple(sorted(offers, key=lambda o: o.id)),
        rule_set=_parse_rule_set(data.get("rule_set")),
        pinned=tuple(sorted(set(pinned), key=lambda p: (p.specialist, p.request))),
        forbidden=frozenset(forbidden),
        time_limit_s=float(time_limit),
        disaster_training_months=_parse_training_months(data.get("disaster_training_months")),
    )


# ----------------------------------------------------------------------------- canonical form


def problem_to_dict(problem: Problem, *, include_time_limit: bool = True) -> dict[str, Any]:
    """The normalised problem as JSON: sorted, defaults filled, ids as strings."""
    def iso_list(items):
        return sorted(items)

    data: dict[str, Any] = {
        "cities": [
            {"code": c.code, "name": c.name, "population": c.population,
             "general_staff": c.general_staff, "allowance_rate": c.allowance_rate,
             "fiscal_index": c.fiscal_index, "is_member": c.is_member}
            for c in problem.cities
        ],
        "travel_minutes": [
            {"from": a, "to": b, "minutes": m} for (a, b), m in sorted(problem.travel.items())
        ],
        "specialists": [
            {"id": s.id, "professions": iso_list(s.professions), "licences": iso_list(s.licences),
             "experience": dict(sorted(s.experience.items())), "home_city": s.home_city,
             "employer_city": s.employer_city,
             "availability": [{"start": p.start.isoformat(), "end": p.end.isoformat()}
                              for p in s.availability],
             "days_per_week": s.days_per_week, "modes": iso_list(s.modes),
             "max_travel_minutes": s.max_travel_minutes,
             "excluded_cities": iso_list(s.excluded_cities),
             "preferred_cities": iso_list(s.preferred_cities),
             "previous_cities": iso_list(s.previous_cities),
             # only when given, so problems without busy periods keep their fingerprints
             **({"busy": [{"start": p.start.isoformat(), "end": p.end.isoformat()} for p in s.busy]}
                if s.busy else {}),
             **({"trainings": {k: d.isoformat() for k, d in sorted(s.trainings.items())}}
                if s.trainings else {})}
            for s in problem.specialists
        ],
        "requests": [
            {"id": r.id, "city": r.city, "profession": r.profession,
             "required_licences": iso_list(r.required_licences),
             "desired_fields": list(r.desired_fields), "slots": r.slots,
             "start": r.start.isoformat(), "end": r.end.isoformat(),
             "days_per_week": r.days_per_week, "mode": r.mode, "urgency": r.urgency,
             "carry_over": r.carry_over, "posted_at": r.posted_at.isoformat()}
            for r in problem.requests
        ],
        "exchange_offers": [
            {"id": o.id, "city": o.city, "officer": o.officer,
             "wants": None if o.wants_profession is None else
                      {"profession": o.wants_profession,
                       "required_licences": iso_list(o.wants_licences)},
             "start": o.start.isoformat(), "end": o.end.isoformat()}
            for o in problem.exchange_offers
        ],
        "rule_set": {
            "version": problem.rule_set.version, "method": problem.rule_set.method,
            "criteria": [{"indicator": c.indicator, "weight": c.weight}
                         for c in problem.rule_set.criteria],
            "max_cycle_length": problem.rule_set.max_cycle_length,
            # only when not the default, so problems that do not set it keep their fingerprints
            **({"exchange_priority": problem.rule_set.exchange_priority}
               if problem.rule_set.exchange_priority != DEFAULT_EXCHANGE_PRIORITY else {}),
        },
        "pinned": [{"specialist": p.specialist, "request": p.request} for p in problem.pinned],
        "forbidden": [{"specialist": p.specialist, "request": p.request}
                      for p in sorted(problem.forbidden, key=lambda p: (p.specialist, p.request))],
    }
    if problem.disaster_training_months:  # only when set, so problems without it keep their fingerprints
        data["disaster_training_months"] = dict(sorted(problem.disaster_training_months.items()))
    if include_time_limit:
        data["time_limit_s"] = problem.time_limit_s
    return data


def input_fingerprint(problem: Problem) -> str:
    """sha256 of the canonical normalised problem (time limit excluded), for the audit trail."""
    canonical = json.dumps(problem_to_dict(problem, include_time_limit=False),
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
