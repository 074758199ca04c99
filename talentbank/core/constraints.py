"""Helpers for the CHECK constraints the models declare (the same text on SQLite and PostgreSQL)."""
from __future__ import annotations

from collections.abc import Iterable


def one_of(column: str, values: Iterable[str]) -> str:
    """``status IN ('draft', 'open')``: the column holds one of the known values."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"
