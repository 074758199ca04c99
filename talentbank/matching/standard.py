"""The priority rule every installation starts with (version 1), and the one function that seeds it.

Migration 0009 runs ``seed_first_rule_set`` so that a new installation can run a round at once;
``services.ensure_rule_set`` runs the same function when the table is empty (tests, an emptied
database). Version 1 follows the prefecture's scheme: fewer staff per 10,000 residents, then a lower
regional allowance rate, then a lower fiscal capability index come first.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

DEFAULT_CRITERIA = [{"indicator": "staff_per_10k", "weight": 1.0}, {"indicator": "allowance_rate", "weight": 1.0},
                    {"indicator": "fiscal_index", "weight": 1.0}]
FIRST_RULE_SET_NOTE = ("初期設定：神奈川県の市町村専門職員派遣要綱に準じた順序"
                       "（人口1万人あたり職員数、地域手当支給率、財政力指数）")

_RULE_SETS = sa.table("rule_set_versions", sa.column("id"), sa.column("version"), sa.column("method"),
                      sa.column("criteria", sa.JSON()), sa.column("max_cycle_length"), sa.column("is_published"),
                      sa.column("note"), sa.column("created_at"), sa.column("published_at"),
                      sa.column("exchange_priority"))


def seed_first_rule_set(connection: Connection) -> int | None:
    """Insert version 1 (published) when no version exists at all; returns its id, or None when there was one."""
    if connection.execute(sa.select(sa.func.count()).select_from(_RULE_SETS)).scalar():
        return None
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return connection.execute(_RULE_SETS.insert().values(
        version=1, method="lexicographic", criteria=DEFAULT_CRITERIA, max_cycle_length=3, is_published=True,
        note=FIRST_RULE_SET_NOTE, created_at=now, published_at=now, exchange_priority="after_statutory",
    ).returning(_RULE_SETS.c.id)).scalar_one()
