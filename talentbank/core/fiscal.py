"""Japanese fiscal years (April–March) and person-days: the definitions the ledger and reports share.

One definition for the ledger (talentbank/agreements) and the reports (talentbank/reports/figures.py uses
these): person-days are the weekdays of the part of a period inside the fiscal year × days per week ÷ 5.
"""
from __future__ import annotations

from datetime import date
from fractions import Fraction


def fiscal_year_of(day: date) -> int:
    """FY Y runs from 1 April Y to 31 March Y+1."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_bounds(year: int) -> tuple[date, date]:
    """First and last day (both included) of fiscal year ``year``."""
    return date(year, 4, 1), date(year + 1, 3, 31)


def weekdays_between(start: date, end: date) -> int:
    """Monday-to-Friday days from ``start`` to ``end``, both included (0 when end < start)."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    first = start.weekday()
    return weeks * 5 + sum(1 for k in range(rest) if (first + k) % 7 < 5)


def weekdays_in_year(start: date, end: date, year: int) -> int:
    """Weekdays of the period ``start``–``end`` that fall inside fiscal year ``year``."""
    first, last = fiscal_year_bounds(year)
    return weekdays_between(max(start, first), min(end, last))


def person_days_exact(start: date, end: date, days_per_week: int, year: int) -> Fraction:
    """Person-days inside fiscal year ``year``, exactly (weekdays × days per week ÷ 5)."""
    return Fraction(weekdays_in_year(start, end, year) * days_per_week, 5)


def fiscal_years_touched(start: date, end: date) -> range:
    """Every fiscal year a period has at least one day in."""
    return range(fiscal_year_of(start), fiscal_year_of(end) + 1)
