"""Each person's training record: the sessions they attended, read in bulk as plain rows.

``attended_by_profession`` is what the matching round reads for the readiness rule ("a profession can
require a training within N months for disaster-recovery requests"); the profile pages read
``attended_sessions``. Only attendance the organiser recorded counts, and never a cancelled session.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ..cities.services import cities_by_id
from ..core.clock import TOKYO, tokyo_day_start
from ..extensions import db
from ..specialists.sections import ProfileSection
from ..vocabulary.models import Profession
from .models import Attendance, SessionStatus, TrainingRegistration, TrainingSession, training_session_professions

# Bound parameters per IN clause: well under SQLite's and PostgreSQL's limits.
CHUNK = 5000


def tokyo_date(at: datetime) -> date:
    """The calendar day in Japan of a stored naive-UTC time."""
    return at.replace(tzinfo=UTC).astimezone(TOKYO).date()


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def attended_conditions(*, since: date | None = None, up_to: date | None = None) -> list[Any]:
    """SQL conditions on a registration joined to its session: what counts as "attended a training" for
    the readiness rule, the one definition the round (``attended_by_profession``) and the pages
    (``training.readiness``) share. The organiser recorded the person as attended, the session was not
    cancelled, and it was held on a Japan day from ``since`` up to ``up_to`` (either bound left open
    when None; the round and the pages pass their day as ``up_to``: a session recorded ahead of its day
    does not count yet)."""
    conditions = [TrainingRegistration.attendance == Attendance.ATTENDED.value,
                  TrainingRegistration.specialist_id.is_not(None),
                  TrainingSession.status != SessionStatus.CANCELLED.value]
    if since is not None:
        conditions.append(TrainingSession.starts_at >= tokyo_day_start(since))
    if up_to is not None:
        conditions.append(TrainingSession.starts_at < tokyo_day_start(up_to + timedelta(days=1)))
    return conditions


def attended_by_profession(specialist_ids: Iterable[int] | None = None, *,
                           up_to: date | None = None) -> dict[int, dict[str, date]]:
    """For each specialist, profession code → the latest day (Japan) they attended a session suiting it,
    counting only sessions held up to ``up_to`` (None: every recorded one).

    ``None`` reads everybody; a list is read in chunks of ``CHUNK`` ids. People without any recorded
    attendance are absent from the answer.
    """
    base = (
        select(TrainingRegistration.specialist_id, Profession.code, func.max(TrainingSession.starts_at))
        .join(TrainingSession, TrainingSession.id == TrainingRegistration.session_id)
        .join(training_session_professions, training_session_professions.c.session_id == TrainingSession.id)
        .join(Profession, Profession.id == training_session_professions.c.profession_id)
        .where(*attended_conditions(up_to=up_to))
        # The latest start per person and profession: the latest Japan date too (one time zone).
        .group_by(TrainingRegistration.specialist_id, Profession.code)
    )
    if specialist_ids is None:
        statements = [base]
    else:
        wanted = sorted({int(i) for i in specialist_ids})
        statements = [base.where(TrainingRegistration.specialist_id.in_(chunk)) for chunk in _chunks(wanted)]
    result: dict[int, dict[str, date]] = {}
    for statement in statements:
        for specialist_id, code, starts_at in db.session.execute(statement):
            day = tokyo_date(starts_at)
            per_person = result.setdefault(specialist_id, {})
            if code not in per_person or per_person[code] < day:
                per_person[code] = day
    return result


@dataclass(frozen=True)
class AttendedSession:
    """One line of a training record."""

    session_id: int
    title: str
    day: date
    city_id: int
    profession_ids: tuple[int, ...]


def attended_sessions(*, specialist_id: int | None = None, user_id: int | None = None) -> list[AttendedSession]:
    """The sessions one person attended, newest first (a specialist or a staff account)."""
    if (specialist_id is None) == (user_id is None):
        raise ValueError("name exactly one person")
    who = (TrainingRegistration.specialist_id == specialist_id if specialist_id is not None
           else TrainingRegistration.user_id == user_id)
    rows = db.session.execute(
        select(TrainingSession.id, TrainingSession.title, TrainingSession.starts_at, TrainingSession.city_id)
        .join(TrainingRegistration, TrainingRegistration.session_id == TrainingSession.id)
        .where(who, TrainingRegistration.attendance == Attendance.ATTENDED.value,
               TrainingSession.status != SessionStatus.CANCELLED.value)
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())
    ).all()
    professions: dict[int, list[int]] = {}
    if rows:
        for session_id, profession_id in db.session.execute(
                select(training_session_professions.c.session_id, training_session_professions.c.profession_id)
                .where(training_session_professions.c.session_id.in_([r[0] for r in rows]))):
            professions.setdefault(session_id, []).append(profession_id)
    return [AttendedSession(session_id=r[0], title=r[1], day=tokyo_date(r[2]), city_id=r[3],
                            profession_ids=tuple(sorted(professions.get(r[0], ()))))
            for r in rows]


def profile_section(specialist: Any, **_: Any) -> ProfileSection:
    """The training record on a specialist's profile pages (their own and the registry's)."""
    lines = attended_sessions(specialist_id=specialist.id)
    by_id = cities_by_id()  # cached read-only rows (core/cache.py)
    cities = {line.city_id: by_id[line.city_id] for line in lines if line.city_id in by_id}
    wanted = {i for line in lines for i in line.profession_ids}
    professions = {p.id: p for p in db.session.scalars(select(Profession).where(Profession.id.in_(wanted)))} \
        if wanted else {}
    return ProfileSection("training/_record.html", {
        "lines": lines, "cities": cities, "professions": professions})
