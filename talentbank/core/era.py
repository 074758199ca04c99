"""Japanese-era dates (和暦) and yen amounts as official papers write them.

Agreements and appointment notices between cities are dated in the era calendar
(令和8年4月1日) and show amounts with thousands separators (123,456円). Each era starts
on the day named in ``ERAS``; its first year is written 元年.
"""
from __future__ import annotations

from datetime import date

# (first day, name) newest first: an era runs from its first day to the day before the next one's.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
    (date(1926, 12, 25), "昭和"),
    (date(1912, 7, 30), "大正"),
    # The Meiji era was proclaimed on 1868-10-23; the calendar was lunar until 1873, so papers of this
    # product never reach back before that day.
    (date(1868, 10, 23), "明治"),
)


def era_of(day: date) -> tuple[str, int]:
    """The era and its year for ``day``: what every era date on a paper is built from."""
    for first_day, name in ERAS:
        if day >= first_day:
            return name, day.year - first_day.year + 1
    raise ValueError(f"{day.isoformat()} is before the Meiji era")


def wareki_year(day: date) -> str:
    """``令和8年`` (``令和元年`` in an era's first year): the year part of an era date."""
    name, year = era_of(day)
    return f"{name}{'元' if year == 1 else year}年"


def wareki(day: date) -> str:
    """``令和8年4月1日``: a date as Japanese official documents write it."""
    return f"{wareki_year(day)}{day.month}月{day.day}日"


def yen(amount: int | float | None) -> str:
    """``123,456円``: an amount in whole yen with thousands separators (fractions rounded half up)."""
    if amount is None:
        return ""
    whole = int(amount + (0.5 if amount >= 0 else -0.5)) if isinstance(amount, float) else int(amount)
    return f"{whole:,}円"
