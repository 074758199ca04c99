"""The alliance's figures: what the alliance picture, the round reports and the fiscal-year reports show.

Every figure is counted by the database (``GROUP BY`` over plain columns; no counted row is loaded as an
ORM object, only the few dozen cities and professions for their names), so the pages stay fast at
50,000 specialists, 20,000 requests and 100 rounds. Python only
finishes what SQL cannot say portably: the weekdays of a period, a median from a histogram, and the
group a reason code falls in. Each figure's definition is the docstring of the function that counts it;
the pages and the workbooks show these numbers and nothing else.

Words used below:
- *agreed dispatch*: a dispatch (派遣) whose status is scheduled, active or completed (the specialist
  accepted the offer; a cancelled one counts nowhere);
- *exchange leg*: one officer sent to another city by a confirmed exchange ring (one ``Dispatch`` row
  made from the ring; counted for the receiving city);
- *Tokyo date*: the calendar date in Asia/Tokyo of a stored UTC time (Japan has no daylight saving, so
  it is the UTC time plus nine hours).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Integer, and_, case, cast, distinct, exists, func, literal_column, or_, select

from ..cities.models import City
from ..core import clock
# The one definition of fiscal years and weekdays, shared with the ledger (re-exported for the report's callers).
from ..core.fiscal import fiscal_year_bounds, fiscal_year_of, person_days_exact, weekdays_between  # noqa: F401
from ..dispatches.models import AGREED_DISPATCH_STATUSES, Dispatch
from ..exchange.rings.models import ExchangeCycle, ExchangeCycleMember
from ..extensions import db
from ..matching.models import REVIEWABLE_KINDS, MatchingRound, Proposal, UnfilledSlot
from ..requests.models import LIVE_STATUSES, StaffingRequest
from ..specialists.models import (
    AvailabilityWindow,
    LicenceStatus,
    Specialist,
    specialist_licences,
    specialist_professions,
)
from ..specialists.verification import matchable_clause
from ..vocabulary.models import Licence, Profession

# Requests a city took back count in no fiscal year: the need was withdrawn, not left unmet.
UNCOUNTED_REQUEST_STATUSES = ("draft", "withdrawn")
# Rounds shown in the trend of the alliance picture.
TREND_ROUNDS = 12
# The earliest fiscal year a report is made for (the URL answers 404 before it).
FIRST_FISCAL_YEAR = 2000

# ---------------------------------------------------------------- why slots stay empty

# The groups the alliance picture shows, in this order.
REASON_GROUPS = ("missing_licence", "untrained", "unavailable", "too_far", "outranked", "no_candidates", "other")
# The solver's hard rules (docs/solver-format.md) and the group each belongs to. ``profession`` has no
# group of its own: people of another profession were never candidates (see ``reason_group``).
RULE_GROUPS: dict[str, str] = {
    "licences": "missing_licence",
    "availability": "unavailable",
    "busy": "unavailable",
    "days_per_week": "unavailable",
    "travel": "too_far",
    "excluded_city": "too_far",
    "mode": "other",
    "own_employer": "other",
    "forbidden": "other",
    "training": "untrained",
}
HARD_RULES = ("profession", "licences", "availability", "busy", "days_per_week", "mode", "travel",
              "excluded_city", "own_employer", "forbidden", "training")


def reason_group(kind: str | None, ruled_out: Mapping[str, int | None], total: int | None) -> str:
    """The group of one empty-slot reason as the solver stored it (``UnfilledSlot.reason``).

    - ``outranked`` (everyone eligible went to a request of higher priority, or to an exchange ring):
      *outranked*;
    - ``no_eligible``: nobody passed the hard rules. The solver counts each registered person once, under
      the first rule they fail. When nobody has the profession at all the group is *no_candidates*;
      otherwise the rule that stopped the most people of the profession decides (on a tie, the rule
      that comes first in the solver's order): ``licences`` → *missing_licence*; ``availability``,
      ``busy``, ``days_per_week`` → *unavailable* (nobody available in the period); ``travel``,
      ``excluded_city`` → *too_far*; ``mode``, ``own_employer``, ``forbidden`` → *other*; ``training``
      (a disaster-recovery request's required training not attended in time) → *untrained*;
    - any other kind: *other*.
    """
    if kind == "outranked":
        return "outranked"
    if kind != "no_eligible":
        return "other"
    if int(total or 0) - int(ruled_out.get("profession") or 0) <= 0:
        return "no_candidates"
    decisive, most = "", 0
    for rule in HARD_RULES[1:]:  # strictly more: on a tie the earlier rule stays
        count = int(ruled_out.get(rule) or 0)
        if count > most:
            decisive, most = rule, count
    return RULE_GROUPS[decisive] if decisive else "other"


def _reason_columns() -> list[Any]:
    """The reason's kind, total and per-rule counts, read out of the JSON by the database."""
    reason = UnfilledSlot.reason
    return [reason["kind"].as_string(), reason["total"].as_integer(),
            *(reason[("ruled_out", rule)].as_integer() for rule in HARD_RULES)]


def _grouped_reasons(rows: Iterable[Any]) -> dict[tuple[int, str], int]:
    """(city id, group) -> empty slots, from rows of (city, slots, kind, total, *rule counts)."""
    slots: dict[tuple[int, str], int] = defaultdict(int)
    for city_id, count, kind, total, *rule_counts in rows:
        group = reason_group(kind, dict(zip(HARD_RULES, rule_counts)), total)
        slots[(city_id, group)] += int(count)
    return dict(slots)


# ---------------------------------------------------------------- dates

def current_fiscal_year() -> int:
    return fiscal_year_of(clock.today_tokyo())


def is_reportable_year(year: int) -> bool:
    """Years a fiscal-year report is made for: from FY2000 to the year after the current one."""
    return FIRST_FISCAL_YEAR <= year <= current_fiscal_year() + 1


def person_days(start: date, end: date, days_per_week: int, year: int) -> float:
    """Person-days of one dispatch inside fiscal year ``year``.

    The weekdays (Monday to Friday; public holidays are not subtracted) of the part of the period that
    falls inside the fiscal year, times the days per week the dispatch was agreed for, divided by five:
    a five-day dispatch counts every weekday, a two-day one two fifths of them. A dispatch running from
    January to June thus splits its days between two fiscal years at 31 March / 1 April.
    """
    return float(person_days_exact(start, end, days_per_week, year))


def _tokyo_day_number(column: Any) -> Any:
    """SQL: the Tokyo date of a stored UTC time as a whole day number (differences are days)."""
    if db.engine.dialect.name == "postgresql":
        return cast(column + literal_column("INTERVAL '9 hours'"), Date) - literal_column("DATE '2000-01-01'")
    return cast(func.julianday(func.date(column, "+9 hours")), Integer)


def _median(histogram: Mapping[int, int]) -> float | None:
    """The median of values given as value -> how many times (the mean of the two middle ones if even)."""
    n = sum(histogram.values())
    if n == 0:
        return None
    wanted = [(n - 1) // 2, n // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return (found[0] + found[1]) / 2


def rate(part: int, whole: int) -> float | None:
    """``part`` ÷ ``whole``, or None when nothing was asked for (shown as "—", never as 0 %)."""
    return part / whole if whole else None


# ---------------------------------------------------------------- names

@dataclass
class Names:
    """Cities and professions by id, to show their names in the reader's language."""

    cities: dict[int, City]
    professions: dict[int, Profession]

    def city_order(self, ids: Iterable[int]) -> list[int]:
        """Member cities by local government code first, then the others by code."""
        return sorted(set(ids), key=lambda i: (not self.cities[i].is_member, self.cities[i].code))

    def profession_order(self, ids: Iterable[int | None]) -> list[int | None]:
        """Professions in their list order; None (exchange legs, no profession) last."""
        return sorted(set(ids), key=lambda i: (i is None, (self.professions[i].sort_order, i) if i else (0, 0)))


def load_names() -> Names:
    """Every city and profession (a few dozen rows each)."""
    return Names(cities={c.id: c for c in db.session.scalars(select(City))},
                 professions={p.id: p for p in db.session.scalars(select(Profession))})


# ---------------------------------------------------------------- supply and demand

@dataclass
class SupplyDemand:
    profession_id: int
    available_people: int
    open_slots: int


def supply_and_demand(today: date | None = None) -> list[SupplyDemand]:
    """Per profession: verified available people against open slots.

    *Available people*: specialists a round may propose (``verification.matchable_clause``: active,
    consented, identity confirmed, a usable profession) for whom this profession is usable (verified by
    the coordinating city or the officer's own city, or backed by a verified licence of the profession)
    and who have an availability window that has not ended (ends today or later). A person with two
    usable professions counts under both.
    *Open slots*: slots of open or partly filled requests still wanted (people − filled), as on the
    demand board.
    """
    today = today or clock.today_tokyo()
    # Aliased: matchable_clause() has its own subqueries over these tables, which must not correlate with ours.
    sp, sl = specialist_professions.alias("declared"), specialist_licences.alias("backing")
    backed = exists().where(sl.c.specialist_id == sp.c.specialist_id, sl.c.status == LicenceStatus.VERIFIED.value,
                            Licence.id == sl.c.licence_id, Licence.profession_id == sp.c.profession_id)
    available = exists().where(AvailabilityWindow.specialist_id == Specialist.id,
                               AvailabilityWindow.end_date >= today)
    supply = dict(db.session.execute(
        # One declared row per person and profession, so a plain count counts people.
        select(sp.c.profession_id, func.count())
        .join(Specialist, Specialist.id == sp.c.specialist_id)
        .where(matchable_clause(), or_(sp.c.verified_at.is_not(None), backed), available)
        .group_by(sp.c.profession_id)).all())
    demand = dict(db.session.execute(
        select(StaffingRequest.profession_id, func.sum(StaffingRequest.people - StaffingRequest.filled_count))
        .where(StaffingRequest.status.in_(LIVE_STATUSES)).group_by(StaffingRequest.profession_id)).all())
    ids = set(supply) | set(demand)
    return [SupplyDemand(pid, int(supply.get(pid, 0)), int(demand.get(pid) or 0)) for pid in ids]


# ---------------------------------------------------------------- rounds

def reviewable_rounds_query() -> Any:
    """Rounds that have figures: succeeded rounds whose proposals people decide on (not what-ifs)."""
    return select(MatchingRound.id).where(MatchingRound.status == "succeeded",
                                          MatchingRound.kind.in_(REVIEWABLE_KINDS))


def latest_round_id() -> int | None:
    return db.session.scalar(reviewable_rounds_query().order_by(MatchingRound.id.desc()).limit(1))


@dataclass
class RoundCell:
    """One city and profession in one round."""

    city_id: int
    profession_id: int
    filled: int = 0
    empty: int = 0

    @property
    def asked(self) -> int:
        return self.filled + self.empty

    @property
    def fill_rate(self) -> float | None:
        return rate(self.filled, self.asked)


@dataclass
class RoundFigures:
    """A round's fill and its empty slots by reason group.

    *Slots asked*: the slots the round tried to fill = the slots it proposed someone for plus the slots
    it left empty. Slots already held by pairings approved in earlier rounds are in neither.
    *Filled*: slots with a proposal of this round, whatever was decided about it later.
    *Fill rate of the round* = filled ÷ asked.
    """

    round_id: int
    cells: list[RoundCell]
    reasons: dict[tuple[int, str], int]  # (city id, group) -> empty slots
    decisions: dict[str, int] = field(default_factory=dict)  # proposal status -> count

    def by_city(self) -> dict[int, RoundCell]:
        return _sum_cells(self.cells, lambda c: c.city_id)

    def by_profession(self) -> dict[int, RoundCell]:
        return _sum_cells(self.cells, lambda c: c.profession_id)

    def total(self) -> RoundCell:
        return _sum_cells(self.cells, lambda c: 0).get(0, RoundCell(0, 0))

    def reasons_by_group(self, city_id: int | None = None) -> dict[str, int]:
        """Empty slots per group, of one city or of the alliance (None)."""
        out = dict.fromkeys(REASON_GROUPS, 0)
        for (cid, group), slots in self.reasons.items():
            if city_id is None or cid == city_id:
                out[group] += slots
        return out


def _sum_cells(cells: Iterable[RoundCell], key: Any) -> dict[Any, RoundCell]:
    out: dict[Any, RoundCell] = {}
    for cell in cells:
        k = key(cell)
        total = out.setdefault(k, RoundCell(cell.city_id, cell.profession_id))
        total.filled += cell.filled
        total.empty += cell.empty
    return out


def round_figures(round_id: int) -> RoundFigures:
    """Fill by city and profession, empty slots by reason group, and the decisions on its proposals."""
    cells: dict[tuple[int, int], RoundCell] = {}
    proposals = db.session.execute(
        select(Proposal.city_id, StaffingRequest.profession_id, func.count())
        .join(StaffingRequest, StaffingRequest.id == Proposal.request_id)
        .where(Proposal.round_id == round_id)
        .group_by(Proposal.city_id, StaffingRequest.profession_id))
    for city_id, profession_id, count in proposals:
        cells.setdefault((city_id, profession_id), RoundCell(city_id, profession_id)).filled += int(count)
    empty = db.session.execute(
        select(UnfilledSlot.city_id, StaffingRequest.profession_id, func.sum(UnfilledSlot.slots))
        .join(StaffingRequest, StaffingRequest.id == UnfilledSlot.request_id)
        .where(UnfilledSlot.round_id == round_id)
        .group_by(UnfilledSlot.city_id, StaffingRequest.profession_id))
    for city_id, profession_id, slots in empty:
        cells.setdefault((city_id, profession_id), RoundCell(city_id, profession_id)).empty += int(slots or 0)
    # Grouped over a subquery's labelled columns: PostgreSQL matches GROUP BY expressions only when their
    # bound JSON paths are the same parameters, which two calls of _reason_columns() are not.
    extracted = (select(UnfilledSlot.city_id, UnfilledSlot.slots,
                        *(c.label(f"r{k}") for k, c in enumerate(_reason_columns())))
                 .where(UnfilledSlot.round_id == round_id).subquery())
    keys = [extracted.c[f"r{k}"] for k in range(len(HARD_RULES) + 2)]
    reason_rows = db.session.execute(
        select(extracted.c.city_id, func.sum(extracted.c.slots), *keys).group_by(extracted.c.city_id, *keys))
    decisions = dict(db.session.execute(
        select(Proposal.status, func.count()).where(Proposal.round_id == round_id).group_by(Proposal.status)).all())
    return RoundFigures(round_id, list(cells.values()), _grouped_reasons(reason_rows),
                        {k: int(v) for k, v in decisions.items()})


@dataclass
class TrendPoint:
    """One past round: its date and its fill, for the alliance and per city."""

    round_id: int
    finished_at: Any
    by_city: dict[int, RoundCell]
    by_profession: dict[int, RoundCell] = field(default_factory=dict)

    @property
    def total(self) -> RoundCell:
        return _sum_cells(self.by_city.values(), lambda c: 0).get(0, RoundCell(0, 0))


def fill_trend(limit: int = TREND_ROUNDS) -> list[TrendPoint]:
    """The fill rate of the last ``limit`` rounds with figures (oldest first): per city, per profession and
    in total (definitions as in ``RoundFigures``)."""
    rounds = db.session.execute(
        select(MatchingRound.id, MatchingRound.finished_at).where(MatchingRound.id.in_(reviewable_rounds_query()))
        .order_by(MatchingRound.id.desc()).limit(limit)).all()
    ids = [r.id for r in rounds]
    points = {r.id: TrendPoint(r.id, r.finished_at, {}) for r in rounds}
    if not ids:
        return []
    for round_id, city_id, count in db.session.execute(
            select(Proposal.round_id, Proposal.city_id, func.count()).where(Proposal.round_id.in_(ids))
            .group_by(Proposal.round_id, Proposal.city_id)):
        points[round_id].by_city.setdefault(city_id, RoundCell(city_id, 0)).filled += int(count)
    for round_id, city_id, slots in db.session.execute(
            select(UnfilledSlot.round_id, UnfilledSlot.city_id, func.sum(UnfilledSlot.slots))
            .where(UnfilledSlot.round_id.in_(ids)).group_by(UnfilledSlot.round_id, UnfilledSlot.city_id)):
        points[round_id].by_city.setdefault(city_id, RoundCell(city_id, 0)).empty += int(slots or 0)
    profession = StaffingRequest.profession_id
    for round_id, profession_id, count in db.session.execute(
            select(Proposal.round_id, profession, func.count())
            .join(StaffingRequest, StaffingRequest.id == Proposal.request_id).where(Proposal.round_id.in_(ids))
            .group_by(Proposal.round_id, profession)):
        points[round_id].by_profession.setdefault(profession_id, RoundCell(0, profession_id)).filled += int(count)
    for round_id, profession_id, slots in db.session.execute(
            select(UnfilledSlot.round_id, profession, func.sum(UnfilledSlot.slots))
            .join(StaffingRequest, StaffingRequest.id == UnfilledSlot.request_id)
            .where(UnfilledSlot.round_id.in_(ids)).group_by(UnfilledSlot.round_id, profession)):
        points[round_id].by_profession.setdefault(profession_id, RoundCell(0, profession_id)).empty += int(slots or 0)
    return [points[i] for i in reversed(ids)]


# ---------------------------------------------------------------- dispatches and exchanges now

@dataclass
class CityActivity:
    """What is going on for one city today.

    *Scheduled* / *active* dispatches: agreed dispatches (requests and exchange legs alike) received by
    the city, not yet started / under way. *Exchange rings*: confirmed rings the city takes part in
    (every city of the ring confirmed; a released leg does not undo the ring).
    """

    city_id: int
    scheduled: int = 0
    active: int = 0
    rings: int = 0


def city_activity() -> dict[int, CityActivity]:
    out: dict[int, CityActivity] = {}
    for city_id, status, count in db.session.execute(
            select(Dispatch.city_id, Dispatch.status, func.count())
            .where(Dispatch.status.in_(("scheduled", "active"))).group_by(Dispatch.city_id, Dispatch.status)):
        setattr(out.setdefault(city_id, CityActivity(city_id)), status, int(count))
    for city_id, count in db.session.execute(
            select(ExchangeCycleMember.city_id, func.count(distinct(ExchangeCycleMember.cycle_id)))
            .join(ExchangeCycle, ExchangeCycle.id == ExchangeCycleMember.cycle_id)
            .where(ExchangeCycle.status == "confirmed").group_by(ExchangeCycleMember.city_id)):
        out.setdefault(city_id, CityActivity(city_id)).rings = int(count)
    return out


def confirmed_ring_count() -> int:
    """Exchange rings agreed by every city in them (status confirmed)."""
    return int(db.session.scalar(select(func.count()).where(ExchangeCycle.status == "confirmed")) or 0)


# ---------------------------------------------------------------- the fiscal year

@dataclass
class FiscalRow:
    """One city and profession (or one city's exchange legs: ``profession_id`` None) in one fiscal year."""

    city_id: int | None
    profession_id: int | None
    requested: int = 0
    filled: int = 0
    person_days: float = 0.0
    exchanges: int = 0
    registrations: int = 0
    days_to_agreement: dict[int, int] = field(default_factory=dict)  # days -> dispatches

    @property
    def fill_rate(self) -> float | None:
        return rate(self.filled, self.requested)

    @property
    def median_days(self) -> float | None:
        return _median(self.days_to_agreement)

    def add(self, other: FiscalRow) -> None:
        self.requested += other.requested
        self.filled += other.filled
        self.person_days += other.person_days
        self.exchanges += other.exchanges
        for days, n in other.days_to_agreement.items():
            self.days_to_agreement[days] = self.days_to_agreement.get(days, 0) + n


@dataclass
class FiscalYear:
    """The figures of fiscal year ``year`` (1 April ``year`` to 31 March ``year + 1``, Tokyo dates).

    Per city and profession:
    - *slots requested*: people asked for by requests posted in the year (Tokyo date of ``posted_at``),
      drafts and withdrawn requests left out;
    - *slots filled*: of those requests' slots, the ones with an agreed dispatch (at most the people
      asked for per request), whenever the dispatch was agreed;
    - *fill rate* (充足率) = filled ÷ requested;
    - *person-days*: ``person_days()`` of every agreed dispatch (requests and exchange legs) whose
      period overlaps the year, counted for the receiving city, only the days inside the year;
    - *exchanges agreed*: exchange legs whose ring was agreed in the year (Tokyo date the leg's dispatch
      was made, i.e. the last city's confirmation), counted for the receiving city, on the row without
      a profession;
    - *registrations*: specialists (retired and serving, withdrawn ones included) registered in the year,
      by home city and each declared profession (someone with two professions is on two rows; the
      city and alliance totals count people once);
    - *median days from request to agreement*: for the agreed dispatches of the requests counted above,
      Tokyo date the dispatch was agreed − Tokyo date the request was posted; the median of those days.
    """

    year: int
    rows: dict[tuple[int | None, int | None], FiscalRow]
    registrations_by_city: dict[int, int]
    registrations_total: int

    @property
    def start(self) -> date:
        return fiscal_year_bounds(self.year)[0]

    @property
    def end(self) -> date:
        return fiscal_year_bounds(self.year)[1]

    def by_city(self) -> dict[int | None, FiscalRow]:
        """Per city; registrations count people once."""
        out: dict[int | None, FiscalRow] = {}
        for (city_id, _profession_id), row in self.rows.items():
            out.setdefault(city_id, FiscalRow(city_id, None)).add(row)
        for city_id in self.registrations_by_city:  # someone registered without a profession counts too
            out.setdefault(city_id, FiscalRow(city_id, None))
        for city_id, total in out.items():
            total.registrations = self.registrations_by_city.get(city_id or 0, 0)
        return out

    def by_profession(self) -> dict[int | None, FiscalRow]:
        """Per profession (None: exchange legs); registrations per declared profession."""
        out: dict[int | None, FiscalRow] = {}
        for (_city_id, profession_id), row in self.rows.items():
            total = out.setdefault(profession_id, FiscalRow(None, profession_id))
            total.add(row)
            total.registrations += row.registrations
        return out

    def total(self) -> FiscalRow:
        """The alliance; registrations count people once."""
        out = FiscalRow(None, None)
        for row in self.rows.values():
            out.add(row)
        out.registrations = self.registrations_total
        return out


def fiscal_year(year: int) -> FiscalYear:
    """Count fiscal year ``year``'s figures (definitions: ``FiscalYear``)."""
    first, last = fiscal_year_bounds(year)
    since, until = clock.tokyo_day_start(first), clock.tokyo_day_start(last + timedelta(days=1))
    rows: dict[tuple[int | None, int | None], FiscalRow] = {}

    def row(city_id: int | None, profession_id: int | None) -> FiscalRow:
        return rows.setdefault((city_id, profession_id), FiscalRow(city_id, profession_id))

    req = StaffingRequest
    counted = and_(req.posted_at >= since, req.posted_at < until, req.status.not_in(UNCOUNTED_REQUEST_STATUSES))
    for city_id, profession_id, people in db.session.execute(
            select(req.city_id, req.profession_id, func.sum(req.people)).where(counted)
            .group_by(req.city_id, req.profession_id)):
        row(city_id, profession_id).requested += int(people or 0)

    # Agreed dispatches per counted request, capped at the people asked for.
    agreed = (select(Dispatch.request_id, func.count().label("n"))
              .where(Dispatch.status.in_(AGREED_DISPATCH_STATUSES), Dispatch.request_id.is_not(None))
              .group_by(Dispatch.request_id).subquery())
    capped = case((agreed.c.n > req.people, req.people), else_=agreed.c.n)
    for city_id, profession_id, filled in db.session.execute(
            select(req.city_id, req.profession_id, func.sum(capped)).join(agreed, agreed.c.request_id == req.id)
            .where(counted).group_by(req.city_id, req.profession_id)):
        row(city_id, profession_id).filled += int(filled or 0)

    waited = (_tokyo_day_number(Dispatch.created_at) - _tokyo_day_number(req.posted_at)).label("days")
    for city_id, profession_id, days, count in db.session.execute(
            select(req.city_id, req.profession_id, waited, func.count())
            .join(Dispatch, Dispatch.request_id == req.id)
            .where(counted, Dispatch.status.in_(AGREED_DISPATCH_STATUSES))
            .group_by(req.city_id, req.profession_id, waited)):
        row(city_id, profession_id).days_to_agreement[int(days)] = int(count)

    # Person-days: dispatches overlapping the year, grouped by their period clipped to the year.
    clipped_start = case((Dispatch.start_date < first, first), else_=Dispatch.start_date)
    clipped_end = case((Dispatch.end_date > last, last), else_=Dispatch.end_date)
    for city_id, profession_id, start, end, days_per_week, count in db.session.execute(
            select(Dispatch.city_id, req.profession_id, clipped_start, clipped_end, Dispatch.days_per_week,
                   func.count())
            .outerjoin(req, req.id == Dispatch.request_id)
            .where(Dispatch.status.in_(AGREED_DISPATCH_STATUSES), Dispatch.start_date <= last,
                   Dispatch.end_date >= first)
            .group_by(Dispatch.city_id, req.profession_id, clipped_start, clipped_end, Dispatch.days_per_week)):
        start, end = _as_date(start), _as_date(end)
        row(city_id, profession_id).person_days += person_days(start, end, int(days_per_week), year) * int(count)

    for city_id, count in db.session.execute(
            select(Dispatch.city_id, func.count())
            .where(Dispatch.exchange_cycle_id.is_not(None), Dispatch.status.in_(AGREED_DISPATCH_STATUSES),
                   Dispatch.created_at >= since, Dispatch.created_at < until)
            .group_by(Dispatch.city_id)):
        row(city_id, None).exchanges += int(count)

    registered = and_(Specialist.created_at >= since, Specialist.created_at < until)
    sp = specialist_professions
    for city_id, profession_id, count in db.session.execute(
            # One declared row per person and profession: a plain count counts people.
            select(Specialist.home_city_id, sp.c.profession_id, func.count())
            .join(sp, sp.c.specialist_id == Specialist.id).where(registered)
            .group_by(Specialist.home_city_id, sp.c.profession_id)):
        row(city_id, profession_id).registrations += int(count)
    by_city = {city_id: int(n) for city_id, n in db.session.execute(
        select(Specialist.home_city_id, func.count()).where(registered).group_by(Specialist.home_city_id))}
    return FiscalYear(year, rows, by_city, sum(by_city.values()))  # everyone has one home city


def tokyo_date(moment: datetime) -> date:
    """The Tokyo calendar date of a stored (naive UTC) time."""
    return moment.replace(tzinfo=UTC).astimezone(clock.TOKYO).date()


def _as_date(value: Any) -> date:
    """SQLite hands back a CASE over dates as text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def fiscal_years_with_data() -> list[int]:
    """Fiscal years from the first posted request or registration to the current one, newest first."""
    firsts = [db.session.scalar(select(func.min(StaffingRequest.posted_at))),
              db.session.scalar(select(func.min(Specialist.created_at)))]
    current = current_fiscal_year()
    known = [fiscal_year_of(tokyo_date(moment)) for moment in firsts if moment is not None]
    first = max(FIRST_FISCAL_YEAR, min(known + [current]))
    return list(range(current, first - 1, -1))
