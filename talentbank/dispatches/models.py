"""Offers to specialists and the dispatches (派遣) they become, with extensions and evaluations.

An approved proposal becomes an ``Offer``: the specialist sees the terms (city, work, period,
days, place) and accepts or declines before ``deadline_at``. Acceptance creates a ``Dispatch``;
an exchange ring confirmed by every city in it creates one dispatch per officer.

The days-per-week rule is enforced by the database (migration 0006): a trigger on both tables
refuses a pending offer or a scheduled/active dispatch that, on any day of its period, would
take the specialist past the days per week they offered. Pending offers count, because an
offer holds the days until it is answered: a specialist is never offered two things they
could not both accept.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cities.models import City
from ..core.clock import utcnow
from ..core.constraints import one_of
from ..core.errors import N_
from ..lifecycle.transitions import DISPATCH, DISPATCH_OFFER, DispatchOfferStatus, DispatchStatus
from ..extensions import db
from ..requests.models import StaffingRequest
from ..specialists.models import Specialist

# The statuses and the moves between them are the lifecycle tables' (core/lifecycle.py).
OFFER_STATUSES = tuple(s.value for s in DispatchOfferStatus)
OFFER_STATUS_LABELS = DISPATCH_OFFER.labels
DISPATCH_STATUSES = tuple(s.value for s in DispatchStatus)
DISPATCH_STATUS_LABELS = DISPATCH.labels
# Dispatches that take up the specialist's days (the trigger counts these and pending offers).
BOOKED_DISPATCH_STATUSES = ("scheduled", "active")
# Dispatches that reveal the specialist's name and contact to the receiving city.
AGREED_DISPATCH_STATUSES = ("scheduled", "active", "completed")
SERVED_MODES = ("onsite", "remote")
SERVED_MODE_LABELS = {"onsite": N_("現地勤務"), "remote": N_("リモート勤務")}
EVALUATION_PARTIES = ("city", "specialist")
EVALUATION_PARTY_LABELS = {"city": N_("派遣先の市"), "specialist": N_("専門人材")}

# The marker the days-per-week triggers put in their error; services turn it into a Japanese refusal.
DAYS_EXCEEDED_MARKER = "dispatch_days_per_week_exceeded"


class Offer(db.Model):
    """An approved proposal put to the specialist, with the terms frozen as they were offered."""

    __tablename__ = "dispatch_offers"
    __table_args__ = (
        CheckConstraint(one_of("status", OFFER_STATUSES), name="status_known"),
        CheckConstraint("start_date <= end_date", name="period_in_order"),
        CheckConstraint("days_per_week >= 1 AND days_per_week <= 5", name="days_range"),
        CheckConstraint(one_of("work_mode", SERVED_MODES), name="work_mode_known"),
        CheckConstraint("status = 'pending' OR closed_at IS NOT NULL", name="closed_unless_pending"),
        # The specialist's offers page and the trigger read pending offers per specialist.
        Index("ix_dispatch_offers_specialist_status", "specialist_id", "status"),
        # The expiry job reads pending offers by deadline.
        Index("ix_dispatch_offers_status_deadline", "status", "deadline_at"),
        Index("ix_dispatch_offers_request_status", "request_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), unique=True)
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("staffing_requests.id"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    days_per_week: Mapped[int]
    work_mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    deadline_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    reminded_at: Mapped[datetime | None]

    specialist: Mapped[Specialist] = relationship()
    request: Mapped[StaffingRequest] = relationship()
    city: Mapped[City] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"

    def __repr__(self) -> str:
        return f"<Offer {self.id} specialist={self.specialist_id} request={self.request_id} {self.status}>"


class Dispatch(db.Model):
    """An agreed placement of one specialist with one city for one period (派遣)."""

    __tablename__ = "dispatches"
    __table_args__ = (
        CheckConstraint(one_of("status", DISPATCH_STATUSES), name="status_known"),
        CheckConstraint("start_date <= end_date", name="period_in_order"),
        CheckConstraint("days_per_week >= 1 AND days_per_week <= 5", name="days_range"),
        CheckConstraint(one_of("work_mode", SERVED_MODES), name="work_mode_known"),
        CheckConstraint("status <> 'cancelled' OR cancel_reason IS NOT NULL", name="cancel_has_reason"),
        # Either an accepted offer for a staffing request, or one leg of a confirmed exchange ring.
        CheckConstraint("(offer_id IS NOT NULL AND request_id IS NOT NULL AND exchange_cycle_id IS NULL) OR "
                        "(offer_id IS NULL AND exchange_cycle_id IS NOT NULL AND exchange_offer_id IS NOT NULL)",
                        name="one_origin"),
        UniqueConstraint("exchange_cycle_id", "exchange_offer_id"),
        # The trigger and the roster read a specialist's dispatches by status.
        Index("ix_dispatches_specialist_status", "specialist_id", "status"),
        Index("ix_dispatches_city_status", "city_id", "status"),
        # The daily job moves dispatches by status and date.
        Index("ix_dispatches_status_start", "status", "start_date"),
        Index("ix_dispatches_status_end", "status", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("staffing_requests.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), unique=True)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch_offers.id"), unique=True)
    exchange_cycle_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_cycles.id"), index=True)
    exchange_offer_id: Mapped[int | None] = mapped_column(ForeignKey("exchange_offers.id"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    days_per_week: Mapped[int]
    work_mode: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    evaluation_requested_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    specialist: Mapped[Specialist] = relationship()
    city: Mapped[City] = relationship()
    request: Mapped[StaffingRequest | None] = relationship()
    offer: Mapped[Offer | None] = relationship()
    cancelled_by: Mapped[User | None] = relationship(foreign_keys=[cancelled_by_id])
    extensions: Mapped[list[DispatchExtension]] = relationship(
        back_populates="dispatch", cascade="all, delete-orphan", order_by="DispatchExtension.id")
    evaluations: Mapped[list[DispatchEvaluation]] = relationship(
        back_populates="dispatch", cascade="all, delete-orphan", order_by="DispatchEvaluation.party")

    @property
    def is_exchange(self) -> bool:
        return self.exchange_cycle_id is not None

    @property
    def is_agreed(self) -> bool:
        return self.status in AGREED_DISPATCH_STATUSES

    def evaluation_by(self, party: str) -> DispatchEvaluation | None:
        return next((e for e in self.evaluations if e.party == party), None)

    def __repr__(self) -> str:
        return f"<Dispatch {self.id} specialist={self.specialist_id} city={self.city_id} {self.status}>"


class DispatchExtension(db.Model):
    """One lengthening of a dispatch's period, with who did it and why."""

    __tablename__ = "dispatch_extensions"
    __table_args__ = (
        CheckConstraint("new_end_date > previous_end_date", name="extends_forward"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id", ondelete="CASCADE"), index=True)
    previous_end_date: Mapped[date]
    new_end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    dispatch: Mapped[Dispatch] = relationship(back_populates="extensions")
    extended_by: Mapped[User | None] = relationship()


class DispatchEvaluation(db.Model):
    """A short evaluation at the end of a dispatch: one by the city, one by the specialist."""

    __tablename__ = "dispatch_evaluations"
    __table_args__ = (
        UniqueConstraint("dispatch_id", "party"),
        CheckConstraint(one_of("party", EVALUATION_PARTIES), name="party_known"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id", ondelete="CASCADE"))
    party: Mapped[str] = mapped_column(String(10))
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    dispatch: Mapped[Dispatch] = relationship(back_populates="evaluations")
    author: Mapped[User | None] = relationship()
