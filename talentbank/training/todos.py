"""What training leaves for people to act on: the counts the home pages show.

Each is one SQL aggregate that starts from the sessions by ``(status, starts_at)`` or ``(city_id, starts_at)``
and reaches the registrations by ``(session_id, status)`` (or one person's by ``specialist_id`` / ``user_id``),
with the first session to open; nothing is read row by row.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select

from ..accounts.models import User
from ..core.permissions import Role
from ..extensions import db
from ..specialists.models import Specialist, SpecialistKind
from .models import RegistrationStatus, SessionStatus, TrainingRegistration, TrainingSession

COMING_DAYS = 7  # "in the coming days": sessions starting within a week
CHANGED_DAYS = 7  # a session cancelled (or a place removed by the organiser) stays on the list this long


@dataclass(frozen=True)
class Waiting:
    count: int = 0
    first_session_id: int | None = None


def _counted(where: list[Any], order: Any) -> Waiting:
    """How many registrations match, and the session of the first of them in ``order``."""
    base = select(TrainingRegistration).join(TrainingSession, TrainingSession.id == TrainingRegistration.session_id)
    total = int(db.session.scalar(base.with_only_columns(func.count(TrainingRegistration.id)).where(*where)) or 0)
    if not total:
        return Waiting()
    first = db.session.scalar(base.with_only_columns(TrainingSession.id).where(*where)
                              .order_by(order, TrainingSession.id).limit(1))
    return Waiting(total, first)


def coming_registrations(now: datetime, *, specialist_id: int | None = None, user_id: int | None = None) -> Waiting:
    """Places confirmed for one person (a specialist, or a staff account) at scheduled sessions starting within
    ``COMING_DAYS`` days."""
    people = []
    if specialist_id is not None:
        people.append(TrainingRegistration.specialist_id == specialist_id)
    if user_id is not None:
        people.append(TrainingRegistration.user_id == user_id)
    if not people:
        return Waiting()
    return _counted([or_(*people), TrainingRegistration.status == RegistrationStatus.CONFIRMED.value,
                     TrainingSession.status == SessionStatus.SCHEDULED.value, TrainingSession.starts_at > now,
                     TrainingSession.starts_at <= now + timedelta(days=COMING_DAYS)], TrainingSession.starts_at)


def _city_staff(city_id: int) -> Any:
    """SQL: the registration is of the city's staff (a serving officer it employs, or one of its HR accounts)."""
    return or_(exists().where(Specialist.id == TrainingRegistration.specialist_id,
                              Specialist.kind == SpecialistKind.SERVING.value, Specialist.employer_city_id == city_id),
               exists().where(User.id == TrainingRegistration.user_id, User.role == Role.CITY_HR.value,
                              User.city_id == city_id))


def staff_waiting(city_id: int, now: datetime) -> Waiting:
    """The city's staff on a waiting list of a scheduled session still to come."""
    return _counted([TrainingSession.status == SessionStatus.SCHEDULED.value, TrainingSession.starts_at > now,
                     TrainingRegistration.status == RegistrationStatus.WAITING.value, _city_staff(city_id)],
                    TrainingSession.starts_at)


def staff_changed(city_id: int, now: datetime) -> Waiting:
    """The city's staff whose coming session was cancelled, or whose place the organiser removed, in the last
    ``CHANGED_DAYS`` days."""
    since = now - timedelta(days=CHANGED_DAYS)
    cancelled = and_(TrainingSession.status == SessionStatus.CANCELLED.value, TrainingSession.cancelled_at >= since,
                     TrainingRegistration.status.in_((RegistrationStatus.CONFIRMED.value,
                                                      RegistrationStatus.WAITING.value)))
    removed = and_(TrainingSession.status == SessionStatus.SCHEDULED.value,
                   TrainingRegistration.status == RegistrationStatus.REMOVED.value,
                   TrainingRegistration.cancelled_at >= since)
    return _counted([TrainingSession.starts_at > now, or_(cancelled, removed), _city_staff(city_id)],
                    TrainingSession.starts_at)


def attendance_due(city_id: int, now: datetime) -> Waiting:
    """The city's sessions that have ended with a confirmed person whose attendance is not recorded (counted as
    sessions)."""
    where = [TrainingSession.city_id == city_id, TrainingSession.status == SessionStatus.SCHEDULED.value,
             TrainingSession.ends_at <= now,
             exists().where(TrainingRegistration.session_id == TrainingSession.id,
                            TrainingRegistration.status == RegistrationStatus.CONFIRMED.value,
                            TrainingRegistration.attendance.is_(None))]
    total = int(db.session.scalar(select(func.count()).select_from(TrainingSession).where(*where)) or 0)
    if not total:
        return Waiting()
    first = db.session.scalar(select(TrainingSession.id).where(*where)
                              .order_by(TrainingSession.starts_at, TrainingSession.id).limit(1))
    return Waiting(total, first)
