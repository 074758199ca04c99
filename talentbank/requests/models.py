"""Staffing requests (派遣要請) a city's HR officer posts: one profession, N slots, one period.

The matching engine reads these rows as its demand; the names of columns and statuses are part
of that interface (see ``open_requests_for_matching`` in the services).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cities.models import City
from ..core.clock import utcnow
from ..core.constraints import one_of
from ..core.errors import N_
from ..lifecycle.transitions import REQUEST, RequestStatus
from ..extensions import db
from ..vocabulary.models import ExperienceField, Licence, Profession

# Highest priority first: the matching engine serves disaster recovery before everything else.
URGENCIES = ("disaster", "statutory", "ordinary")
URGENCY_LABELS = {"disaster": N_("災害復旧"), "statutory": N_("法定・安全"), "ordinary": N_("通常")}
# Classes that must say why in writing (the coordinating city reviews the claim).
URGENCIES_NEEDING_REASON = frozenset({"disaster", "statutory"})

WORK_MODES = ("onsite", "remote", "either")
WORK_MODE_LABELS = {"onsite": N_("現地勤務"), "remote": N_("リモート勤務"), "either": N_("現地・リモートどちらでも可")}

# The statuses and the moves between them are the lifecycle table's (core/lifecycle.py).
STATUSES = tuple(s.value for s in RequestStatus)
STATUS_LABELS = REQUEST.labels
# Requests the matching engine may still propose people for (their board is the demand board).
LIVE_STATUSES = ("open", "partly_filled")
# Statuses nothing leaves on its own; only the coordinating city may reopen from them.
CLOSED_STATUSES = ("filled", "withdrawn", "expired")

MAX_PEOPLE = 99
MAX_DAYS_PER_WEEK = 5


staffing_request_licences = Table(
    "staffing_request_licences",
    db.metadata,
    Column("request_id", ForeignKey("staffing_requests.id", ondelete="CASCADE"), primary_key=True),
    Column("licence_id", ForeignKey("licences.id"), primary_key=True, index=True),
)

staffing_request_fields = Table(
    "staffing_request_fields",
    db.metadata,
    Column("request_id", ForeignKey("staffing_requests.id", ondelete="CASCADE"), primary_key=True),
    Column("field_id", ForeignKey("experience_fields.id"), primary_key=True, index=True),
)


class StaffingRequest(db.Model):
    """One request of one city for ``people`` specialists of one profession over one period."""

    __tablename__ = "staffing_requests"
    __table_args__ = (
        CheckConstraint(f"people >= 1 AND people <= {MAX_PEOPLE}", name="people_range"),
        CheckConstraint(f"days_per_week >= 1 AND days_per_week <= {MAX_DAYS_PER_WEEK}", name="days_range"),
        CheckConstraint("start_date <= end_date", name="period_in_order"),
        CheckConstraint(one_of("work_mode", WORK_MODES), name="work_mode_known"),
        CheckConstraint(one_of("urgency", URGENCIES), name="urgency_known"),
        CheckConstraint("urgency = 'ordinary' OR urgency_reason IS NOT NULL", name="urgency_has_reason"),
        CheckConstraint(one_of("status", STATUSES), name="status_known"),
        CheckConstraint("filled_count >= 0 AND filled_count <= people", name="filled_within_people"),
        CheckConstraint("carry_over_count >= 0", name="carry_over_not_negative"),
        # The receiving city's offered rate (yen per day or per hour), optional; agreements/ reads it.
        CheckConstraint("offered_rate_amount IS NULL OR (offered_rate_amount >= 0 AND offered_rate_amount <= 1000000)",
                        name="offered_rate_range"),
        CheckConstraint("offered_rate_unit IS NULL OR offered_rate_unit IN ('day', 'hour')",
                        name="offered_rate_unit_known"),
        CheckConstraint("(offered_rate_amount IS NULL) = (offered_rate_unit IS NULL)", name="offered_rate_whole"),
        # The demand board filters live requests by these, 20,000 at a time.
        Index("ix_staffing_requests_status_urgency", "status", "urgency"),
        Index("ix_staffing_requests_status_profession", "status", "profession_id"),
        Index("ix_staffing_requests_status_city", "status", "city_id"),
        # A city's own list, newest first.
        Index("ix_staffing_requests_city_created", "city_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    department: Mapped[str] = mapped_column(String(100))
    section: Mapped[str] = mapped_column(String(100))
    profession_id: Mapped[int] = mapped_column(ForeignKey("professions.id"))
    people: Mapped[int]
    start_date: Mapped[date]
    end_date: Mapped[date]
    days_per_week: Mapped[int]
    work_mode: Mapped[str] = mapped_column(String(10))
    urgency: Mapped[str] = mapped_column(String(10))
    urgency_reason: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    offered_rate_amount: Mapped[int | None]
    offered_rate_unit: Mapped[str | None] = mapped_column(String(10))
    # Only the requesting city and the coordinating city read these; never on the board.
    internal_notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Slots taken by approved dispatches; the matching engine sets it through mark_fill_state.
    filled_count: Mapped[int] = mapped_column(default=0)
    # Matching rounds this request was left (partly) unfilled: later rounds serve it earlier.
    carry_over_count: Mapped[int] = mapped_column(default=0)
    posted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic lock: an edit made on a stale page is refused instead of overwriting.
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    city: Mapped[City] = relationship()
    profession: Mapped[Profession] = relationship()
    required_licences: Mapped[list[Licence]] = relationship(
        secondary=staffing_request_licences, order_by="Licence.sort_order, Licence.id")
    desired_fields: Mapped[list[ExperienceField]] = relationship(
        secondary=staffing_request_fields, order_by="ExperienceField.sort_order, ExperienceField.id")
    created_by: Mapped[User | None] = relationship()

    @property
    def open_slots(self) -> int:
        """Slots still wanted: the number the board shows."""
        return self.people - self.filled_count

    @property
    def is_live(self) -> bool:
        """Open or partly filled: on the board and offered to the matching engine."""
        return self.status in LIVE_STATUSES

    @property
    def needs_reason(self) -> bool:
        return self.urgency in URGENCIES_NEEDING_REASON

    def __repr__(self) -> str:
        return f"<StaffingRequest {self.id} city={self.city_id} {self.status}>"
