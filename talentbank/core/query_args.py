"""Reading filter values from the query string: bad values mean "no filter", never an error page."""
from __future__ import annotations

from datetime import date

from flask import request

from .bounds import PAGE_MAX, has_control_characters, parse_date, parse_int

TEXT_ARG_MAX = 100


def int_arg(name: str) -> int | None:
    """A whole number (an id, a count) from ``?name=`` in ASCII digits within 0..2^31-1, else ``None``."""
    return parse_int(request.args.get(name), 0)


def date_arg(name: str) -> date | None:
    """An ISO date within 1900..2200 from ``?name=``, or ``None`` when absent or not such a date."""
    return parse_date(request.args.get(name))


def page_arg() -> int:
    """The page number from ``?page=``: 1 unless a whole number within 1..100000 is given."""
    return parse_int(request.args.get("page"), 1, PAGE_MAX) or 1


def text_arg(name: str) -> str:
    """Search text or a code from ``?name=``: at most 100 characters; "" when absent or holding NUL or
    other control characters (PostgreSQL refuses NUL in a query parameter)."""
    value = request.args.get(name, "")[:TEXT_ARG_MAX]
    return "" if has_control_characters(value) else value
