"""The types every input is read as, with their bounds: one place for what a number, an id, a date
and a line of text may be, shared by the query-string parser, the URL converter and the forms.

Bounds come from the database (ids and counts are 32-bit integers on PostgreSQL) and from sense
(no staffing request starts in the year 1). Values outside them are refused before any query runs.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date

# The range of the database's INTEGER columns (PostgreSQL's ``integer``; ids are serials of it).
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1
ID_MIN, ID_MAX = 1, DB_INT_MAX
PAGE_MAX = 100_000
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2200, 12, 31)

# Longest number we read as text: an integer within the bounds has at most 11 characters.
_INT_PATTERN = re.compile(r"[+-]?[0-9]{1,11}")
_DECIMAL_PATTERN = re.compile(r"[+-]?[0-9]{1,12}(\.[0-9]{1,12})?")
_ISO_DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LINE_BREAKS = frozenset("\r\n\t")


def parse_int(text: str | None, low: int = DB_INT_MIN, high: int = DB_INT_MAX) -> int | None:
    """An integer written in ASCII digits (``²`` and other Unicode digits are not) within ``low..high``."""
    if text is None or not _INT_PATTERN.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def parse_id(text: str | None) -> int | None:
    """A database id: ASCII digits within 1..2^31-1."""
    return parse_int(text, ID_MIN, ID_MAX)


def is_decimal_text(text: str) -> bool:
    """A plain decimal number (no exponent, NaN or infinity) of sane length, in ASCII digits."""
    return bool(_DECIMAL_PATTERN.fullmatch(text))


def id_in_range(value: object) -> bool:
    """Whether ``value`` may be looked up as an id without overflowing the database's integer."""
    return isinstance(value, int) and not isinstance(value, bool) and ID_MIN <= value <= ID_MAX


def date_in_range(value: date | None) -> bool:
    """Whether a date lies within the years an input may name (1900..2200)."""
    return value is not None and DATE_MIN <= value <= DATE_MAX


def parse_date(text: str | None) -> date | None:
    """An ISO date (YYYY-MM-DD) within 1900..2200, or ``None``."""
    if text is None or not _ISO_DATE_PATTERN.fullmatch(text):
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if date_in_range(value) else None


def has_control_characters(text: str, multiline: bool = False) -> bool:
    """NUL and other control characters (line breaks and tabs only where ``multiline``)."""
    allowed = LINE_BREAKS if multiline else frozenset()
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in text)
