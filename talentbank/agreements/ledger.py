"""The ledger: per fiscal year and pair of cities, what was agreed and what each side bears.

A dispatch counts in a fiscal year with the person-days of the part of its agreed period inside
that year (``core.fiscal``: weekdays × days per week ÷ 5), so a dispatch from January to June splits
at 31 March / 1 April. Amounts are computed where the terms give a rate:

- salary (報酬・謝金): a daily rate × person-days; an hourly rate × person-days × 7.75 hours (the
  standard working day of 7 h 45 min);
- travel: per day × person-days; per trip × one round trip per working week (weekdays ÷ 5, rounded up).

Each amount is borne by the side the terms name for that item; the other items have no amount here
(the sending city's own salary, allowances and so on are not known to the system), only their bearer.
Amounts are whole yen, rounded half up once per dispatch, item and year.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from math import ceil
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..cities.models import City
from ..core import permissions
from ..core.fiscal import fiscal_year_bounds, person_days_exact, weekdays_in_year
from ..core.permissions import Role
from ..dispatches.models import AGREED_DISPATCH_STATUSES, Dispatch
from ..extensions import db
from .models import DispatchTerms

HOURS_PER_DAY = Fraction(31, 4)  # 7 h 45 min, the standard working day of local government
FIRST_LEDGER_YEAR = 2000
LAST_LEDGER_YEAR = 2100


def yen(value: Fraction) -> int:
    """Whole yen, half up."""
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))


def salary_amount(rate_amount: int | None, rate_unit: str | None, person_days: Fraction) -> int | None:
    """The 報酬 of ``person_days`` at the agreed rate; None without a rate."""
    if rate_amount is None or rate_unit is None:
        return None
    if rate_unit == "hour":
        return yen(person_days * HOURS_PER_DAY * rate_amount)
    return yen(person_days * rate_amount)


def travel_amount(amount: int | None, unit: str | None, person_days: Fraction, weekdays: int) -> int | None:
    """Travel costs: per day worked, or one round trip per working week; None without an amount."""
    if amount is None or unit is None:
        return None
    if unit == "trip":
        return ceil(Fraction(weekdays, 5)) * amount if weekdays else 0
    return yen(person_days * amount)


def estimated_cost(start: date, end: date, days_per_week: int, rate_amount: int | None,
                   rate_unit: str | None) -> int | None:
    """The estimated 報酬 of a request or offer over its whole period: days per week × weeks × daily rate.

    Weeks are the weekdays of the period ÷ 5, so the same as person-days over every fiscal year; an hourly
    rate counts 7.75 hours a day.
    """
    if rate_amount is None or rate_unit is None or end < start:
        return None
    from ..core.fiscal import fiscal_years_touched
    days = sum((person_days_exact(start, end, days_per_week, y) for y in fiscal_years_touched(start, end)),
               Fraction(0))
    return salary_amount(rate_amount, rate_unit, days)


@dataclass
class LedgerRow:
    """One dispatch in one fiscal year."""

    dispatch_id: int
    terms: DispatchTerms
    receiving_city: City
    sending_city: City | None
    start: date  # the part of the period inside the year
    end: date
    person_days: Fraction
    salary: int | None
    travel: int | None

    @property
    def amounts(self) -> dict[str, int | None]:
        return {"salary": self.salary, "travel": self.travel}

    def borne_by(self, side: str) -> int:
        """Yen of the known amounts this side bears."""
        return sum(v for item, v in self.amounts.items() if v is not None and self.terms.bearer(item) == side)

    @property
    def person_days_float(self) -> float:
        return float(self.person_days)


@dataclass
class PairTotal:
    """One pair of cities (receiving, sending) in one fiscal year."""

    receiving_city: City
    sending_city: City | None
    rows: list[LedgerRow] = field(default_factory=list)

    @property
    def person_days(self) -> Fraction:
        return sum((r.person_days for r in self.rows), Fraction(0))

    @property
    def receiving_bears(self) -> int:
        return sum(r.borne_by("receiving") for r in self.rows)

    @property
    def sending_bears(self) -> int:
        return sum(r.borne_by("sending") for r in self.rows)


def is_ledger_year(year: int) -> bool:
    return FIRST_LEDGER_YEAR <= year <= LAST_LEDGER_YEAR


def _ledger_terms(year: int, city_id: int | None) -> list[tuple[Dispatch, DispatchTerms]]:
    """The current terms of each agreed dispatch whose period touches the fiscal year."""
    first, last = fiscal_year_bounds(year)
    latest = (select(DispatchTerms.dispatch_id, db.func.max(DispatchTerms.version).label("v"))
              .group_by(DispatchTerms.dispatch_id).subquery())
    q = (select(Dispatch, DispatchTerms)
         .join(latest, latest.c.dispatch_id == Dispatch.id)
         .join(DispatchTerms, (DispatchTerms.dispatch_id == Dispatch.id) & (DispatchTerms.version == latest.c.v))
         .where(Dispatch.status.in_(AGREED_DISPATCH_STATUSES), DispatchTerms.start_date <= last,
                DispatchTerms.end_date >= first)
         .options(joinedload(DispatchTerms.receiving_city), joinedload(DispatchTerms.sending_city))
         .order_by(Dispatch.id))
    if city_id is not None:
        q = q.where((DispatchTerms.receiving_city_id == city_id) | (DispatchTerms.sending_city_id == city_id))
    return list(db.session.execute(q).tuples())


def ledger_row(terms: DispatchTerms, year: int) -> LedgerRow | None:
    """One version of terms seen from one fiscal year (None when its period misses the year)."""
    first, last = fiscal_year_bounds(year)
    start, end = max(terms.start_date, first), min(terms.end_date, last)
    if end < start:
        return None
    days = person_days_exact(terms.start_date, terms.end_date, terms.days_per_week, year)
    weekdays = weekdays_in_year(terms.start_date, terms.end_date, year)
    return LedgerRow(dispatch_id=terms.dispatch_id, terms=terms, receiving_city=terms.receiving_city,
                     sending_city=terms.sending_city, start=start, end=end, person_days=days,
                     salary=salary_amount(terms.rate_amount, terms.rate_unit, days),
                     travel=travel_amount(terms.travel_amount, terms.travel_unit, days, weekdays))


def _scope(actor: Any, city_id: int | None) -> int | None:
    """The coordinating city sees every city (or one it picks); HR officers only their own."""
    permissions.check(actor, "ledger.view")
    if actor.role == Role.CITY_HR:
        if city_id is not None and city_id != actor.city_id:
            raise permissions.PermissionDenied("ledger.view")
        return actor.city_id
    return city_id


def ledger(actor: Any, year: int, city_id: int | None = None) -> list[LedgerRow]:
    """Every agreed dispatch of the fiscal year the actor may see, with its share of the year."""
    scope = _scope(actor, city_id)
    rows = [ledger_row(t, year) for _d, t in _ledger_terms(year, scope)]
    return [r for r in rows if r is not None]


def pair_totals(rows: list[LedgerRow]) -> list[PairTotal]:
    """The rows grouped by (receiving city, sending city), in city-code order."""
    pairs: dict[tuple[int, int | None], PairTotal] = {}
    for row in rows:
        key = (row.receiving_city.id, row.sending_city.id if row.sending_city else None)
        pairs.setdefault(key, PairTotal(row.receiving_city, row.sending_city)).rows.append(row)
    return sorted(pairs.values(), key=lambda p: (p.receiving_city.code, p.sending_city.code if p.sending_city else ""))


def city_totals(rows: list[LedgerRow], city_id: int) -> dict[str, int]:
    """What one city bears in the rows: as receiving city and as sending city."""
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.receiving_city.id == city_id:
            totals["as_receiving"] += row.borne_by("receiving")
        if row.sending_city is not None and row.sending_city.id == city_id:
            totals["as_sending"] += row.borne_by("sending")
    totals["total"] = totals["as_receiving"] + totals["as_sending"]
    return dict(totals)


def special_grant_rows(actor: Any, year: int, city_id: int | None = None) -> list[LedgerRow]:
    """The 特別交付税 list: dispatches flagged for it, by receiving city (the one that applies)."""
    rows = [r for r in ledger(actor, year, city_id) if r.terms.special_grant]
    if city_id is not None:
        rows = [r for r in rows if r.receiving_city.id == city_id]
    elif actor.role == Role.CITY_HR:
        rows = [r for r in rows if r.receiving_city.id == actor.city_id]
    return sorted(rows, key=lambda r: (r.receiving_city.code, r.dispatch_id))


def city_by_code(code: str) -> City | None:
    return db.session.scalars(select(City).where(City.code == code)).first()


# --- estimates and workbooks -------------------------------------------------------------------

@dataclass
class Estimate:
    """The estimated 報酬 of a request or an offer over its whole period, with how it was reached."""

    amount: int
    rate_amount: int
    rate_unit: str
    days_per_week: int
    weeks: Fraction


def estimate(start: date | None, end: date | None, days_per_week: int | None, rate_amount: int | None,
             rate_unit: str | None) -> Estimate | None:
    """``estimated_cost`` with its parts, or None while anything it needs is missing or out of range."""
    if (start is None or end is None or days_per_week is None or rate_amount is None or rate_unit is None
            or not 1 <= days_per_week <= 5 or rate_amount < 0 or rate_unit not in ("day", "hour") or end < start):
        return None
    from ..core.fiscal import weekdays_between
    amount = estimated_cost(start, end, days_per_week, rate_amount, rate_unit)
    if amount is None:
        return None
    return Estimate(amount=amount, rate_amount=rate_amount, rate_unit=rate_unit, days_per_week=days_per_week,
                    weeks=Fraction(weekdays_between(start, end), 5))


def _name(city: City | None, locale: str) -> str:
    return city.display_name(locale) if city is not None else ""


def settlement_sheets(rows: list[LedgerRow], city: City, year: int, locale: str) -> list[Any]:
    """The settlement workbook of one city: each dispatch it is a party to, and totals per counterpart."""
    from flask_babel import gettext as _

    from ..core.spreadsheets import Sheet
    from .models import BEARER_LABELS, COST_ITEM_LABELS, COST_ITEMS, LEGAL_FORM_LABELS

    mine = [r for r in rows if r.receiving_city.id == city.id or (r.sending_city and r.sending_city.id == city.id)]
    headers = [_("派遣 No."), _("相手の市"), _("自市の立場"), _("法的形式"), _("年度内の開始日"), _("年度内の終了日"),
               _("週の勤務日数"), _("人日"), _("報酬額（円）"), _("旅費額（円）"), _("自市の負担額（円）"),
               _("相手の市の負担額（円）"), _("特別交付税")] + [
        _("%(item)sの負担", item=_(COST_ITEM_LABELS[i])) for i in COST_ITEMS]
    data = []
    per_counterpart: dict[str, list[int]] = {}
    for r in mine:
        side = "receiving" if r.receiving_city.id == city.id else "sending"
        other_side = "sending" if side == "receiving" else "receiving"
        counterpart = r.sending_city if side == "receiving" else r.receiving_city
        counterpart_name = _name(counterpart, locale) or _("（退職専門人材：相手の市なし）")
        own, other = r.borne_by(side), r.borne_by(other_side)
        data.append([r.dispatch_id, counterpart_name, _(BEARER_LABELS[side]), _(LEGAL_FORM_LABELS[r.terms.legal_form]),
                     r.start, r.end, r.terms.days_per_week, float(r.person_days),
                     r.salary if r.salary is not None else "", r.travel if r.travel is not None else "",
                     own, other, _("特別交付税の対象") if r.terms.special_grant else ""]
                    + [_(BEARER_LABELS[r.terms.bearer(i)]) for i in COST_ITEMS])
        totals = per_counterpart.setdefault(counterpart_name, [0, 0, 0])
        totals[0] += own
        totals[1] += other
        totals[2] += 1
    summary = [[name, n, own, other] for name, (own, other, n) in sorted(per_counterpart.items())]
    return [Sheet(_("精算 %(year)s年度", year=year)[:31], headers, data),
            Sheet(_("相手の市別")[:31], [_("相手の市"), _("件数"), _("自市の負担額（円）"), _("相手の市の負担額（円）")],
                  summary)]


def special_grant_sheet(rows: list[LedgerRow], year: int, locale: str) -> Any:
    """The 特別交付税 list of a receiving city as one worksheet."""
    from flask_babel import gettext as _

    from ..core.spreadsheets import Sheet
    from .models import LEGAL_FORM_LABELS

    headers = [_("派遣 No."), _("派遣先の市"), _("派遣元の市"), _("法的形式"), _("年度内の開始日"), _("年度内の終了日"),
               _("人日"), _("派遣先の市の負担額（円）")]
    data = [[r.dispatch_id, _name(r.receiving_city, locale), _name(r.sending_city, locale) or "—",
             _(LEGAL_FORM_LABELS[r.terms.legal_form]), r.start, r.end, float(r.person_days), r.borne_by("receiving")]
            for r in rows]
    return Sheet(_("特別交付税 %(year)s年度", year=year)[:31], headers, data)
