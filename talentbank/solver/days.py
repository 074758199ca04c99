"""The days-per-week rule, once: what a person's commitments take on the busiest day of a period.

Commitments are (start, end, days per week) with inclusive dates. The load of the others is a
step function that only rises on a start date, so its maximum over [start, end] is reached on
``start`` or on the first day of a commitment inside the period; only those days are tried.
The solver, the approval of a pairing, a specialist's acceptance and the database triggers of
migration 0006 all apply this rule (tests compare the trigger with this function case by case).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable


def busiest_day_load(commitments: Iterable[tuple[dt.date, dt.date, int]], start: dt.date, end: dt.date) -> int:
    """The most days per week ``commitments`` take on any one day of [start, end] (0 when none overlaps)."""
    booked = [(s, e, d) for s, e, d in commitments if s <= end and e >= start]
    probes = {start} | {s for s, _e, _d in booked if start < s <= end}
    return max((sum(d for s, e, d in booked if s <= day <= e) for day in probes), default=0)


def fits_days_per_week(commitments: Iterable[tuple[dt.date, dt.date, int]], start: dt.date, end: dt.date,
                       days: int, offered: int) -> bool:
    """Adding ``days`` per week over [start, end] keeps the busiest day within the ``offered`` days."""
    return busiest_day_load(commitments, start, end) + days <= offered
