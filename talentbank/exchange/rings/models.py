"""Rings, their members (one row per leg) and each city's confirmation."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ...core.clock import utcnow
from ...core.constraints import one_of
from ...lifecycle.transitions import RING, RingStatus
from ...extensions import db

# The statuses and the moves between them are the lifecycle table's (core/lifecycle.py).
CYCLE_STATUSES = tuple(s.value for s in RingStatus)
CYCLE_STATUS_LABELS = RING.labels
# Rings that hold their offers and officers: proposed ones freeze the offers for their cities,
# approved and agreed ones also make the officers busy for every later round.
LIVE_CYCLE_STATUSES = ("proposed", "approved", "confirmed")
HOLDING_CYCLE_STATUSES = ("approved", "confirmed")


class ExchangeCycle(db.Model):
    """A ring of exchange offers a round proposed: each city sends one officer to the next."""

    __tablename__ = "exchange_cycles"
    __table_args__ = (
        CheckConstraint(one_of("status", CYCLE_STATUSES), name="status_known"),
        UniqueConstraint("round_id", "position"),
        Index("ix_exchange_cycles_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("matching_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[ExchangeCycleMember]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="ExchangeCycleMember.position",
        lazy="selectin")
    confirmations: Mapped[list[ExchangeCycleConfirmation]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan", order_by="ExchangeCycleConfirmation.id")

    @property
    def offers(self) -> list[int]:
        """Offer ids in ring order: the officer of offers[i] goes to the city of offers[i + 1]."""
        return [m.offer_id for m in self.members]

    @property
    def cities(self) -> list[int]:
        """City ids in the same order as ``offers``."""
        return [m.city_id for m in self.members]

    @property
    def officers(self) -> list[int]:
        return [m.officer_id for m in self.members]

    def __repr__(self) -> str:
        return f"<ExchangeCycle {self.id} r{self.round_id} {self.status}>"


class ExchangeCycleMember(db.Model):
    """One leg of a ring: the offer, its officer and city, in ring order, and the period they are away."""

    __tablename__ = "exchange_cycle_members"
    __table_args__ = (
        UniqueConstraint("cycle_id", "position"),
        UniqueConstraint("cycle_id", "offer_id"),
        CheckConstraint("start_date <= end_date", name="period_in_order"),
        Index("ix_exchange_cycle_members_officer_period", "officer_id", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("exchange_cycles.id", ondelete="CASCADE"))
    position: Mapped[int]
    offer_id: Mapped[int] = mapped_column(ForeignKey("exchange_offers.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("specialists.id"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    # The period the officer is away: the ring's period (every offer of a ring has the same one).
    start_date: Mapped[date]
    end_date: Mapped[date]
    # Set when this officer's leg of an agreed ring was called off (its dispatch cancelled): from then
    # on the ring no longer holds them, and later rounds may propose them again.
    released_at: Mapped[datetime | None]

    cycle: Mapped[ExchangeCycle] = relationship(back_populates="members")


class ExchangeCycleConfirmation(db.Model):
    """One city's HR officer confirming their part of an approved ring."""

    __tablename__ = "exchange_cycle_confirmations"
    __table_args__ = (UniqueConstraint("cycle_id", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("exchange_cycles.id", ondelete="CASCADE"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)

    cycle: Mapped[ExchangeCycle] = relationship(back_populates="confirmations")
