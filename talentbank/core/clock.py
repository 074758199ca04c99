"""One clock for the whole app, so that jobs and tests can control time."""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")
_frozen: datetime | None = None


def utcnow() -> datetime:
    """Naive UTC now: the database stores naive UTC on SQLite and PostgreSQL alike."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None)


def today_tokyo() -> date:
    """The calendar date in Japan, which is what periods and deadlines refer to."""
    return utcnow().replace(tzinfo=UTC).astimezone(TOKYO).date()


def tokyo_day_start(day: date) -> datetime:
    """The first moment of ``day`` in Japan as naive UTC, to compare calendar days with stored times."""
    return datetime.combine(day, time.min, tzinfo=TOKYO).astimezone(UTC).replace(tzinfo=None)


def freeze(at: datetime | None) -> None:
    """Pin the clock (naive UTC) for tests and replays; ``None`` releases it."""
    global _frozen
    _frozen = at
