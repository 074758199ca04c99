"""Deciding transactions: one decider at a time on SQLite, as row locks give on PostgreSQL.

PostgreSQL serialises two people deciding on the same proposal or offer with ``SELECT ... FOR
UPDATE``; SQLite ignores ``FOR UPDATE``, and pysqlite starts a transaction only at the first write,
so two deciders both read "proposed" outside any transaction and both write. ``begin_deciding``
takes SQLite's write lock (``BEGIN IMMEDIATE``) before anything is read, so the second decider waits
for the first to commit and then reads the decided state; the caller's usual status check refuses it
with the same message PostgreSQL users get.
"""
from __future__ import annotations

from sqlalchemy.exc import OperationalError

from ..extensions import db
from .errors import N_, UserError

BUSY = N_("ほかの操作と重なったため、処理できませんでした。画面を更新してから、もう一度お試しください。")


def begin_deciding() -> None:
    """Call first in a service whose decision may race: on SQLite it waits for the write lock."""
    if db.engine.dialect.name != "sqlite":
        return
    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    if raw.in_transaction:
        # pysqlite opens a transaction only at a write, which already holds SQLite's write lock.
        return
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError:  # still locked after the busy timeout
        db.session.rollback()
        raise UserError(BUSY) from None
    # What this session read before the lock may be stale: read it again under the lock.
    if not (db.session.new or db.session.dirty or db.session.deleted):
        db.session.expire_all()
