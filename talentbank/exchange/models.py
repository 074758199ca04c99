"""Exchange offers: one serving officer of the offering city, one period, what is wanted in return.

An offer either asks for an officer of a profession back (it joins the exchange graph the
matching engine searches for 2- and 3-city rings) or is a one-way secondment (the officer
joins the dispatch market like a retired specialist, with nothing wanted back).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cities.models import City
from ..core.clock import utcnow
from ..core.constraints import one_of
from ..lifecycle.transitions import OFFER, OfferStatus
from ..extensions import db
from ..specialists.models import Specialist
from ..vocabulary.models import Licence, Profession

# The statuses and the moves between them are the lifecycle table's (core/lifecycle.py).
STATUSES = tuple(s.value for s in OfferStatus)
STATUS_LABELS = OFFER.labels
# Offers the matching engine may put in a ring or a one-way dispatch.
LIVE_STATUSES = ("open",)
# Offers that hold their officer: the same officer cannot be offered twice for overlapping periods.
HOLDING_STATUSES = ("draft", "open", "matched")
CLOSED_STATUSES = ("matched", "withdrawn", "expired")


exchange_offer_licences = Table(
    "exchange_offer_licences",
    db.metadata,
    Column("offer_id", ForeignKey("exchange_offers.id", ondelete="CASCADE"), primary_key=True),
    Column("licence_id", ForeignKey("licences.id"), primary_key=True, index=True),
)


class ExchangeOffer(db.Model):
    """A city's offer of one of its serving officers for a period, for someone in return or one-way."""

    __tablename__ = "exchange_offers"
    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="period_in_order"),
        CheckConstraint(one_of("status", STATUSES), name="status_known"),
        # One-way: nothing wanted back; an exchange: a profession wanted back.
        CheckConstraint("(is_one_way AND wants_profession_id IS NULL) OR "
                        "(NOT is_one_way AND wants_profession_id IS NOT NULL)", name="wants_unless_one_way"),
        Index("ix_exchange_offers_status_city", "status", "city_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("specialists.id"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date]
    is_one_way: Mapped[bool] = mapped_column(default=False)
    wants_profession_id: Mapped[int | None] = mapped_column(ForeignKey("professions.id"), index=True)
    # Only the offering city and the coordinating city read these.
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    posted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Optimistic lock: an edit made on a stale page is refused instead of overwriting.
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    city: Mapped[City] = relationship()
    officer: Mapped[Specialist] = relationship()
    wants_profession: Mapped[Profession | None] = relationship()
    wants_licences: Mapped[list[Licence]] = relationship(secondary=exchange_offer_licences,
                                                         order_by="Licence.sort_order, Licence.id")
    created_by: Mapped[User | None] = relationship()

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def __repr__(self) -> str:
        return f"<ExchangeOffer {self.id} city={self.city_id} {self.status}>"
