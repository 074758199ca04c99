"""Training sessions (研修) any member city posts, and who registered, waits or attended.

A registration names either a person of the registry (``specialist_id``: a retired specialist or a
serving officer registered by their city) or a staff account (``user_id``: an HR officer of a member
city). Attendance counts only for ``confirmed`` registrations and only the organiser records it; the
training record of a specialist (``records.py``) and the solver's readiness rule read it.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cities.models import City
from ..core.clock import utcnow
from ..core.constraints import one_of
from ..core.errors import N_
from ..extensions import db
from ..specialists.models import Specialist
from ..vocabulary.models import Profession


class Audience(StrEnum):
    STAFF = "staff"  # staff of the member cities (serving officers, HR officers)
    SPECIALISTS = "specialists"  # people registered in the talent bank (retired specialists)
    BOTH = "both"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class RegistrationStatus(StrEnum):
    CONFIRMED = "confirmed"  # holds a place
    WAITING = "waiting"  # on the waiting list, in order of ``queued_at``
    CANCELLED = "cancelled"  # the person (or their city's HR officer) cancelled
    REMOVED = "removed"  # the organiser took them off


class Attendance(StrEnum):
    ATTENDED = "attended"
    ABSENT = "absent"


AUDIENCES = tuple(a.value for a in Audience)
AUDIENCE_LABELS = {Audience.STAFF: N_("構成市の職員"), Audience.SPECIALISTS: N_("登録専門人材"),
                   Audience.BOTH: N_("職員・登録専門人材")}
SESSION_STATUSES = tuple(s.value for s in SessionStatus)
SESSION_STATUS_LABELS = {SessionStatus.SCHEDULED: N_("開催予定"), SessionStatus.CANCELLED: N_("中止")}
REGISTRATION_STATUSES = tuple(s.value for s in RegistrationStatus)
REGISTRATION_STATUS_LABELS = {RegistrationStatus.CONFIRMED: N_("参加確定"),
                              RegistrationStatus.WAITING: N_("キャンセル待ち"),
                              RegistrationStatus.CANCELLED: N_("取消"),
                              RegistrationStatus.REMOVED: N_("主催者が取消")}
ATTENDANCES = tuple(a.value for a in Attendance)
ATTENDANCE_LABELS = {Attendance.ATTENDED: N_("出席"), Attendance.ABSENT: N_("欠席")}
# Registrations that hold or wait for a place: one of these per person and session.
ACTIVE_REGISTRATION_STATUSES = (RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITING.value)

MAX_CAPACITY = 1000


training_session_professions = Table(
    "training_session_professions",
    db.metadata,
    Column("session_id", ForeignKey("training_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("profession_id", ForeignKey("professions.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class TrainingSession(db.Model):
    """One session of one organising city: when, where, for whom, how many places."""

    __tablename__ = "training_sessions"
    __table_args__ = (
        CheckConstraint(f"capacity >= 1 AND capacity <= {MAX_CAPACITY}", name="capacity_range"),
        CheckConstraint("starts_at < ends_at", name="time_in_order"),
        CheckConstraint(one_of("audience", AUDIENCES), name="audience_known"),
        CheckConstraint(one_of("status", SESSION_STATUSES), name="status_known"),
        CheckConstraint("is_online = false OR online_url IS NOT NULL", name="online_has_url"),
        Index("ix_training_sessions_status_starts", "status", "starts_at"),
        Index("ix_training_sessions_city_starts", "city_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # Naive UTC, entered and shown in Japan time.
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    is_online: Mapped[bool] = mapped_column(default=False)
    place: Mapped[str | None] = mapped_column(String(200))
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int]
    audience: Mapped[str] = mapped_column(String(12))
    # The last day (Japan) on which people may register.
    registration_deadline: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.SCHEDULED.value)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    # The daily job tells registrants the day before, once.
    reminder_sent_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    city: Mapped[City] = relationship()
    professions: Mapped[list[Profession]] = relationship(
        secondary=training_session_professions, order_by="Profession.sort_order, Profession.id")
    created_by: Mapped[User | None] = relationship()

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED.value

    def __repr__(self) -> str:
        return f"<TrainingSession {self.id} city={self.city_id} {self.status}>"


class TrainingRegistration(db.Model):
    """One person's place (or place in line) at one session, and whether they came."""

    __tablename__ = "training_registrations"
    __table_args__ = (
        CheckConstraint("(specialist_id IS NULL) <> (user_id IS NULL)", name="one_participant"),
        CheckConstraint(one_of("status", REGISTRATION_STATUSES), name="status_known"),
        CheckConstraint("attendance IS NULL OR " + one_of("attendance", ATTENDANCES), name="attendance_known"),
        CheckConstraint("attendance IS NULL OR status = 'confirmed'", name="attendance_only_confirmed"),
        # One row per person and session: cancelling and registering again reuses it.
        UniqueConstraint("session_id", "specialist_id", name="uq_training_registrations_session_specialist"),
        UniqueConstraint("session_id", "user_id", name="uq_training_registrations_session_user"),
        Index("ix_training_registrations_session_status", "session_id", "status", "queued_at"),
        Index("ix_training_registrations_specialist", "specialist_id"),
        Index("ix_training_registrations_user", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_sessions.id", ondelete="CASCADE"))
    specialist_id: Mapped[int | None] = mapped_column(ForeignKey("specialists.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))
    # The waiting list's order: when the person (last) asked for a place.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    promoted_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    attendance: Mapped[str | None] = mapped_column(String(10))
    attendance_recorded_at: Mapped[datetime | None]
    attendance_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    session: Mapped[TrainingSession] = relationship()
    specialist: Mapped[Specialist | None] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<TrainingRegistration {self.id} session={self.session_id} {self.status}>"
