"""Helpers for the CHECK constraints the models declare (the same text on SQLite and PostgreSQL)."""
from __future__ import annotations

from collections.abc import Iterable


def one_of(column: str, values: Iterable[str]) -> str:
    """``status IN ('draft', 'open')``: the column holds one of the known values."""
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def built_on(dialect_name: str):
    """Autogenerate's ``include_object``: leave out indexes and constraints the models build only on
    other databases (``Index(...).ddl_if(dialect="postgresql")``), which this one therefore lacks."""

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        if type_ == "table" and reflected and compare_to is None and is_search_index_table(name):
            return False
        if type_ not in ("index", "unique_constraint", "foreign_key_constraint") or reflected:
            return True
        ddl_if = getattr(obj, "_ddl_if", None)
        if ddl_if is None or ddl_if.dialect is None:
            return True
        wanted = ddl_if.dialect
        return dialect_name == wanted if isinstance(wanted, str) else dialect_name in wanted

    return include_object


def is_search_index_table(name: str) -> bool:
    """SQLite FTS5 search tables (named ``*_fts``) and their shadow tables (``*_fts_data`` ...): a migration
    makes and drops them with their triggers; the models do not describe them (library/search.py)."""
    return name.endswith("_fts") or "_fts_" in name
