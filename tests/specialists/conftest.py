"""Fixtures for registry tests."""
from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import event


@pytest.fixture
def query_counter(app_ctx):
    """``with query_counter() as count: ...`` then ``count.value`` is the number of SQL statements run."""
    from talentbank.extensions import db

    @contextmanager
    def counting():
        counter = SimpleNamespace(value=0, statements=[])

        def before(_conn, _cursor, statement, *_args):
            counter.value += 1
            counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting
