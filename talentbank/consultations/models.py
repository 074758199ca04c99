"""Consultations (相談): a city's short question, its offers to specialists, the thread and the time spent.

A consultation needs hours, not months. It is offered at once to the best-fitting specialists who accept
advice work (``Specialist.accepts_advice``, within ``advice_hours_per_month``); the first to accept takes
it (``status`` moves from ``open`` to ``taken`` in one guarded UPDATE). The thread carries questions,
answers and attachments (stored outside the web root, ``consultations/attachments.py``). Closing records
the hours spent and a summary the city may publish to the lessons library.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cities.models import City
from ..core.clock import utcnow
from ..core.constraints import one_of
from ..core.errors import N_
from ..extensions import db
from ..specialists.models import Specialist
from ..vocabulary.models import ExperienceField, Licence, Profession

STATUSES = ("open", "taken", "closed", "withdrawn", "expired")
STATUS_LABELS = {
    "open": N_("回答者を募集中"),
    "taken": N_("回答中"),
    "closed": N_("完了"),
    "withdrawn": N_("取り下げ"),
    "expired": N_("期限切れ"),
}
URGENCIES = ("disaster", "statutory", "ordinary")
WORK_MODES = ("remote", "onsite", "either")
WORK_MODE_LABELS = {"remote": N_("リモート（電話・オンライン）"), "onsite": N_("現地"),
                    "either": N_("現地・リモートどちらでも可")}
OFFER_STATUSES = ("pending", "accepted", "declined", "taken_by_other", "withdrawn")
OFFER_STATUS_LABELS = {
    "pending": N_("回答待ち"),
    "accepted": N_("引き受け"),
    "declined": N_("辞退"),
    "taken_by_other": N_("他の人が引き受け"),
    "withdrawn": N_("取り消し"),
}
SIDES = ("city", "specialist")
SIDE_LABELS = {"city": N_("相談した市"), "specialist": N_("専門人材")}

MIN_HOURS = Decimal("0.5")
MAX_HOURS = Decimal("40")
MAX_SPENT_HOURS = Decimal("80")
MAX_MONTHLY_CAP = 160

consultation_licences = Table(
    "consultation_licences",
    db.metadata,
    Column("consultation_id", ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True),
    Column("licence_id", ForeignKey("licences.id", ondelete="CASCADE"), primary_key=True),
)


class Consultation(db.Model):
    __tablename__ = "consultations"
    __table_args__ = (
        CheckConstraint(one_of("status", STATUSES), name="status_known"),
        CheckConstraint(one_of("urgency", URGENCIES), name="urgency_known"),
        CheckConstraint(one_of("work_mode", WORK_MODES), name="work_mode_known"),
        CheckConstraint("hours_needed >= 0.5 AND hours_needed <= 40", name="hours_needed_range"),
        CheckConstraint("hours_spent IS NULL OR (hours_spent > 0 AND hours_spent <= 80)", name="hours_spent_range"),
        CheckConstraint("status NOT IN ('taken', 'closed') OR specialist_id IS NOT NULL", name="taken_has_specialist"),
        Index("ix_consultations_status_city", "status", "city_id"),
        Index("ix_consultations_specialist_status", "specialist_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    profession_id: Mapped[int] = mapped_column(ForeignKey("professions.id"))
    field_id: Mapped[int | None] = mapped_column(ForeignKey("experience_fields.id", ondelete="SET NULL"))
    urgency: Mapped[str] = mapped_column(String(10), default="ordinary")
    title: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    hours_needed: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    work_mode: Mapped[str] = mapped_column(String(10), default="remote")
    wanted_by: Mapped[date]
    status: Mapped[str] = mapped_column(String(10), default="open")
    # Offers go out in batches: the first at posting, the next ones when nobody answered in time (jobs.py).
    offer_batches: Mapped[int] = mapped_column(default=0)
    last_offered_at: Mapped[datetime | None]
    # When nobody fits: how many specialists each hard rule ruled out (as the solver's no_eligible), and when.
    no_fit_counts: Mapped[dict | None] = mapped_column(JSON)
    no_fit_at: Mapped[datetime | None]
    specialist_id: Mapped[int | None] = mapped_column(ForeignKey("specialists.id", ondelete="SET NULL"))
    taken_at: Mapped[datetime | None]
    hours_spent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    hours_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    summary: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None]
    withdraw_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    city: Mapped[City] = relationship()
    posted_by: Mapped[User | None] = relationship(foreign_keys=[posted_by_id])
    profession: Mapped[Profession] = relationship()
    field: Mapped[ExperienceField | None] = relationship()
    specialist: Mapped[Specialist | None] = relationship()
    required_licences: Mapped[list[Licence]] = relationship(secondary=consultation_licences,
                                                            order_by=Licence.sort_order)
    offers: Mapped[list[ConsultationOffer]] = relationship(back_populates="consultation",
                                                           cascade="all, delete-orphan",
                                                           order_by="ConsultationOffer.id")
    messages: Mapped[list[ConsultationMessage]] = relationship(back_populates="consultation",
                                                               cascade="all, delete-orphan",
                                                               order_by="ConsultationMessage.id")

    @property
    def reference(self) -> str:
        return f"C-{self.id:05d}"

    @property
    def pending_offers(self) -> list[ConsultationOffer]:
        return [o for o in self.offers if o.status == "pending"]

    def __repr__(self) -> str:
        return f"<Consultation {self.id} {self.status}>"


class ConsultationOffer(db.Model):
    """One specialist asked to take one consultation; ``score`` holds the quality parts it was ranked by."""

    __tablename__ = "consultation_offers"
    __table_args__ = (
        UniqueConstraint("consultation_id", "specialist_id"),
        CheckConstraint(one_of("status", OFFER_STATUSES), name="status_known"),
        Index("ix_consultation_offers_specialist_status", "specialist_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    batch: Mapped[int] = mapped_column(default=1)
    rank: Mapped[int] = mapped_column(default=1)
    score: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]

    consultation: Mapped[Consultation] = relationship(back_populates="offers")
    specialist: Mapped[Specialist] = relationship()


class ConsultationMessage(db.Model):
    """One message of the thread, with at most one attachment."""

    __tablename__ = "consultation_messages"
    __table_args__ = (
        CheckConstraint(one_of("side", SIDES), name="side_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    side: Mapped[str] = mapped_column(String(10))
    body: Mapped[str] = mapped_column(Text, default="")
    file_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()


class ConsultationDelegate(db.Model):
    """A serving officer an HR officer authorised to post consultations for the officer's employer city.

    A row is active while ``revoked_at`` is empty; revoking keeps the row (who authorised, who revoked, when).
    """

    __tablename__ = "consultation_delegates"
    __table_args__ = (
        Index("ix_consultation_delegates_specialist_city", "specialist_id", "city_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id", ondelete="CASCADE"))
    authorised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    authorised_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    city: Mapped[City] = relationship()
    specialist: Mapped[Specialist] = relationship()
