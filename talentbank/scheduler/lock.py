"""Only one scheduler per database: a PostgreSQL advisory lock, or a file lock beside SQLite.

The PostgreSQL lock lives on a connection of its own, held open for the life of the process;
if that connection drops, the lock is gone, ``is_held`` says so and the process stops (its
supervisor restarts it, and it takes the lock again only if nobody else did meanwhile).
Advisory locks are per database, so two databases on one server each get their scheduler.
"""
from __future__ import annotations

import fcntl
import os
import zlib
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import NullPool

# A fixed 32-bit key: pg_try_advisory_lock(int, int) with a namespace keeps clear of other apps.
LOCK_NAMESPACE = 0x7A1B  # "talentbank"
LOCK_KEY = zlib.crc32(b"talentbank.scheduler") & 0x7FFFFFFF


class InstanceLock(Protocol):
    kind: str

    def acquire(self) -> bool: ...

    def is_held(self) -> bool: ...

    def release(self) -> None: ...

    def describe(self) -> str: ...


class PostgresAdvisoryLock:
    """``pg_try_advisory_lock`` on a dedicated connection, outside any transaction."""

    kind = "postgresql-advisory-lock"

    def __init__(self, url: str | URL) -> None:
        self._engine = create_engine(url, poolclass=NullPool)
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        got = connection.execute(text("SELECT pg_try_advisory_lock(:ns, :key)"),
                                 {"ns": LOCK_NAMESPACE, "key": LOCK_KEY}).scalar()
        if got:
            self._connection = connection
            return True
        connection.close()
        return False

    def is_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            held = self._connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                " AND classid = :ns AND objid = :key AND granted"), {"ns": LOCK_NAMESPACE, "key": LOCK_KEY}).scalar()
        except Exception:  # the connection is gone, and the lock with it
            return False
        return bool(held)

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:ns, :key)"),
                                         {"ns": LOCK_NAMESPACE, "key": LOCK_KEY})
                self._connection.close()
            except Exception:
                pass
            self._connection = None
        self._engine.dispose()

    def describe(self) -> str:
        return f"PostgreSQL advisory lock ({LOCK_NAMESPACE}, {LOCK_KEY}) on database {self._engine.url.database}"


class FileLock:
    """``flock`` on a file: released by the kernel when the process ends, however it ends."""

    kind = "file-lock"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return True

    def is_held(self) -> bool:
        return self._handle is not None and not self._handle.closed

    def release(self) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def holder_pid(self) -> str:
        try:
            return self.path.read_text().strip()
        except OSError:
            return "?"

    def describe(self) -> str:
        return f"file lock {self.path}"


def lock_for(database_url: str, instance_path: str, lock_file: str | None = None) -> InstanceLock:
    """The right lock for the database: advisory on PostgreSQL, a file beside the SQLite file."""
    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        return PostgresAdvisoryLock(url)
    if lock_file:
        return FileLock(Path(lock_file))
    if url.database and url.database != ":memory:":
        # Beside the database file, so each database has its own scheduler (tests use many).
        return FileLock(Path(url.database + ".scheduler.lock"))
    return FileLock(Path(instance_path) / "scheduler.lock")
