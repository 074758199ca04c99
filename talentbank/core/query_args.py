"""Reading filter values from the query string: bad values mean "no filter", never an error page."""
from __future__ import annotations

from datetime import date

from flask import request


def int_arg(name: str) -> int | None:
    """A non-negative whole number from ``?name=``, or ``None`` when absent or not a number."""
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def date_arg(name: str) -> date | None:
    """An ISO date from ``?name=``, or ``None`` when absent or not a date."""
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def page_arg() -> int:
    """The page number from ``?page=``: 1 unless a positive whole number is given."""
    return max(int_arg("page") or 1, 1)
