"""Specialist profiles and what they offer: professions, licences, experience, availability.

Personal data (names, contact, former employer, notes) lives only in columns of
``Specialist`` that are nullable, so withdrawal can erase it while the anonymous facts
(professions, licences, home city, dates of registration and withdrawal) stay for statistics.
"""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    column,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cities.models import City
from ..core.clock import utcnow
from ..core.errors import N_
from ..extensions import db
from ..vocabulary.models import ExperienceField, Licence, Profession


class SpecialistKind(StrEnum):
    RETIRED = "retired"  # 退職専門人材: registers themself
    SERVING = "serving"  # a serving officer offered by their city's HR officer


class SpecialistStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"  # kept, but not matched until resumed
    WITHDRAWN = "withdrawn"  # personal data erased; the row stays for anonymous counts


def _link_table(name: str, left: str, right_col: str, right_table: str) -> Table:
    """A many-to-many link with both keys as primary key and an index from the right side."""
    return Table(
        name,
        db.metadata,
        Column(left, ForeignKey("specialists.id", ondelete="CASCADE"), primary_key=True),
        Column(right_col, ForeignKey(f"{right_table}.id", ondelete="CASCADE"), primary_key=True),
        # Searching "who holds licence X" starts from the right-hand key.
        Index(f"ix_{name}_{right_col}_specialist", right_col, left),
    )


class LicenceStatus(StrEnum):
    """Whether the coordinating city has seen the evidence of a declared licence."""

    PENDING = "pending"  # declared, not checked yet: counts for nothing in a round
    VERIFIED = "verified"  # checked: the solver's hard rules read only these
    REJECTED = "rejected"  # checked and refused, with the reason told to the person


class CheckedBy(StrEnum):
    """Who vouched for a verified licence or experience."""

    COORDINATOR = "coordinator"  # the coordinating city, one by one on the verification screen
    IMPORT = "import"  # the coordinating city, at import, for the rows it marked verified (audited)
    EMPLOYER = "employer"  # the serving officer's own city, which holds their personnel record
    DEMO = "demo"  # the demo data


# How the codes above read on screen (msgids, translated where shown: histories, audit log).
KIND_LABELS = {SpecialistKind.RETIRED: N_("退職専門人材"), SpecialistKind.SERVING: N_("現職職員")}
STATUS_LABELS = {SpecialistStatus.ACTIVE: N_("登録中"), SpecialistStatus.PAUSED: N_("一時停止中"),
                 SpecialistStatus.WITHDRAWN: N_("退会済み")}
LICENCE_STATUS_LABELS = {LicenceStatus.PENDING: N_("未確認"), LicenceStatus.VERIFIED: N_("確認済み"),
                         LicenceStatus.REJECTED: N_("確認できない")}
REGISTRATION_SOURCE_LABELS = {"self": N_("本人による登録"), "hr": N_("人事担当者による登録"), "import": N_("一括登録"),
                              "demo": N_("デモデータ")}


specialist_professions = _link_table("specialist_professions", "specialist_id", "profession_id", "professions")
specialist_licences = _link_table("specialist_licences", "specialist_id", "licence_id", "licences")
# A declared licence carries its particulars and the coordinating city's check. The profile forms add
# and remove rows through ``Specialist.licences``; the columns below keep their defaults then.
for _column in (
    Column("number", String(50)),
    Column("issuer", String(100)),
    Column("issued_on", Date),
    Column("status", String(10), nullable=False, default=LicenceStatus.PENDING.value,
           server_default=LicenceStatus.PENDING.value),
    Column("checked_by", String(12)),
    Column("reviewed_by_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("reviewed_at", DateTime),
    Column("review_reason", String(500)),
    # An uploaded copy, stored outside the web root under a random name (specialists/evidence.py).
    Column("document_key", String(64)),
    Column("document_name", String(200)),
    Column("document_type", String(60)),
    Column("document_size", Integer),
    Column("details_updated_at", DateTime),
):
    specialist_licences.append_column(_column)
specialist_licences.append_constraint(CheckConstraint(
    "status IN ('pending', 'verified', 'rejected')", name="status_known"))
specialist_licences.append_constraint(CheckConstraint(
    "status = 'pending' OR checked_by IS NOT NULL", name="checked_has_checker"))
# The coordinating city's queue (and the count in its menu, on every page) looks for pending rows:
# a partial index keeps that lookup to the few rows waiting (migration 0013).
Index("ix_specialist_licences_pending", specialist_licences.c.specialist_id,
      postgresql_where=specialist_licences.c.status == "pending", sqlite_where=specialist_licences.c.status == "pending")
# A declared profession counts in a round once someone answerable has seen that the person practised
# it: the coordinating city (from a CV, a certificate of service), or the officer's own city. A verified
# licence of the profession makes it count as well (verification.usable_profession_ids).
for _column in (
    Column("verified_at", DateTime),
    Column("verified_by_id", ForeignKey("users.id", ondelete="SET NULL")),
    Column("checked_by", String(12)),
):
    specialist_professions.append_column(_column)
specialist_excluded_cities = _link_table("specialist_excluded_cities", "specialist_id", "city_id", "cities")
specialist_preferred_cities = _link_table("specialist_preferred_cities", "specialist_id", "city_id", "cities")
Index("ix_specialist_professions_unverified", specialist_professions.c.specialist_id,
      postgresql_where=specialist_professions.c.verified_at.is_(None),
      sqlite_where=specialist_professions.c.verified_at.is_(None))


def _trigram_indexes(*names: str) -> list[Index]:
    """GIN trigram indexes for ``LIKE '%…%'`` on PostgreSQL (lower() of the names; addresses are stored
    in lower case); SQLite has none."""
    indexes = []
    for name in names:
        expression = column(name) if name == "email" else func.lower(column(name)).label(f"{name}_lower")
        key = name if name == "email" else f"{name}_lower"
        indexes.append(Index(f"ix_specialists_{name}_trgm", expression, postgresql_using="gin",
                             postgresql_ops={key: "gin_trgm_ops"}).ddl_if(dialect="postgresql"))
    return indexes


class Specialist(db.Model):
    __tablename__ = "specialists"
    __table_args__ = (
        CheckConstraint("kind IN ('retired', 'serving')", name="kind_known"),
        CheckConstraint("status IN ('active', 'paused', 'withdrawn')", name="status_known"),
        CheckConstraint("kind = 'retired' OR employer_city_id IS NOT NULL", name="serving_has_employer"),
        CheckConstraint("days_per_week >= 1 AND days_per_week <= 5", name="days_per_week_range"),
        CheckConstraint("max_travel_minutes IS NULL OR (max_travel_minutes >= 0 AND max_travel_minutes <= 600)",
                        name="max_travel_range"),
        CheckConstraint("retirement_year IS NULL OR (retirement_year >= 1950 AND retirement_year <= 2100)",
                        name="retirement_year_range"),
        CheckConstraint("status = 'withdrawn' OR (name_kanji IS NOT NULL AND email IS NOT NULL)",
                        name="contact_unless_withdrawn"),
        Index("ix_specialists_status_kind", "status", "kind"),
        Index("ix_specialists_status_home_city", "status", "home_city_id"),
        # The name search (``LIKE '%…%'``) on PostgreSQL: trigram indexes (migration 0013).
        *_trigram_indexes("name_kanji", "name_kana", "email"),
        # "Last confirmed first" (the candidate search's default) and its reverse read this index in order
        # and stop after a page, rather than sorting every match (migration 0013; PostgreSQL: SQLite has no
        # NULLS LAST in an index).
        Index("ix_specialists_confirmed_order", column("availability_confirmed_at").desc().nulls_last(),
              column("id").desc()).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    kind: Mapped[str] = mapped_column(String(10), default=SpecialistKind.RETIRED.value)
    employer_city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"), index=True)
    home_city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    # Personal data: nullable so that withdrawal can erase it.
    name_kanji: Mapped[str | None] = mapped_column(String(100))
    name_kana: Mapped[str | None] = mapped_column(String(100), index=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    former_employer: Mapped[str | None] = mapped_column(String(100))
    retirement_year: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    # What they offer.
    days_per_week: Mapped[int] = mapped_column(default=1)
    can_work_onsite: Mapped[bool] = mapped_column(default=True)
    can_work_remote: Mapped[bool] = mapped_column(default=False)
    max_travel_minutes: Mapped[int | None]  # None: no limit given
    # Short consultations (相談, talentbank/consultations): offered only to people who accept advice work,
    # within their own cap of hours per month (None: no cap given; checked 1–160 by the profile services).
    accepts_advice: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    advice_hours_per_month: Mapped[int | None]
    # Lifecycle and consent.
    status: Mapped[str] = mapped_column(String(10), default=SpecialistStatus.ACTIVE.value)
    consent_version: Mapped[str | None] = mapped_column(String(40))
    consented_at: Mapped[datetime | None]
    availability_confirmed_at: Mapped[datetime | None] = mapped_column(index=True)
    # A self sign-up is matched only once its owner has followed the link sent to this address; a
    # profile registered by staff (HR officer, import, demo) is vouched for by whoever registered it.
    email_confirmed_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    # Who put the profile in: a self sign-up has none; HR registration and imports name the actor.
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    registration_source: Mapped[str] = mapped_column(String(20), default="self")  # self | hr | import | demo
    # One-time link that lets a profile registered by others get its own account.
    claim_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    claim_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])
    home_city: Mapped[City] = relationship(foreign_keys=[home_city_id])
    employer_city: Mapped[City | None] = relationship(foreign_keys=[employer_city_id])
    professions: Mapped[list[Profession]] = relationship(secondary=specialist_professions,
                                                         order_by=Profession.sort_order)
    licences: Mapped[list[Licence]] = relationship(secondary=specialist_licences, order_by=Licence.sort_order)
    experiences: Mapped[list[SpecialistExperience]] = relationship(
        back_populates="specialist", cascade="all, delete-orphan", order_by="SpecialistExperience.id")
    availability_windows: Mapped[list[AvailabilityWindow]] = relationship(
        back_populates="specialist", cascade="all, delete-orphan", order_by="AvailabilityWindow.start_date")
    excluded_cities: Mapped[list[City]] = relationship(secondary=specialist_excluded_cities, order_by=City.code)
    preferred_cities: Mapped[list[City]] = relationship(secondary=specialist_preferred_cities, order_by=City.code)
    # The same rows as ``licences`` with their particulars and check (read-only: forms write ``licences``).
    licence_records: Mapped[list[SpecialistLicence]] = relationship(viewonly=True)

    @property
    def reference(self) -> str:
        """The number staff use for a pseudonymised card: says nothing about the person."""
        return f"TB-{self.id:06d}"

    @property
    def is_active(self) -> bool:
        return self.status == SpecialistStatus.ACTIVE

    @property
    def identity_confirmed(self) -> bool:
        """The address is confirmed, or staff registered the profile (and answer for it)."""
        return self.email_confirmed_at is not None or self.registration_source != "self"

    @property
    def is_withdrawn(self) -> bool:
        return self.status == SpecialistStatus.WITHDRAWN

    def is_available_on(self, day: date) -> bool:
        return any(w.start_date <= day <= w.end_date for w in self.availability_windows)

    def __repr__(self) -> str:
        return f"<Specialist {self.reference} {self.status}>"


class SpecialistExperience(db.Model):
    """Years of experience in one field."""

    __tablename__ = "specialist_experiences"
    __table_args__ = (
        UniqueConstraint("specialist_id", "field_id"),
        CheckConstraint("years >= 0 AND years <= 60", name="years_range"),
        Index("ix_specialist_experiences_field_specialist", "field_id", "specialist_id"),
        Index("ix_specialist_experiences_unverified", "specialist_id", postgresql_where=text("verified_at IS NULL"),
              sqlite_where=text("verified_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id", ondelete="CASCADE"))
    field_id: Mapped[int] = mapped_column(ForeignKey("experience_fields.id"))
    years: Mapped[int]
    # Years the coordinating city (or the officer's employer) has checked; only these count for quality.
    verified_at: Mapped[datetime | None]
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    checked_by: Mapped[str | None] = mapped_column(String(12))

    specialist: Mapped[Specialist] = relationship(back_populates="experiences")
    field: Mapped[ExperienceField] = relationship()


class AvailabilityWindow(db.Model):
    """A date range (both ends included) in which the specialist can work."""

    __tablename__ = "availability_windows"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        # "available on date D" probes each specialist's windows by start date.
        Index("ix_availability_windows_specialist_dates", "specialist_id", "start_date", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id", ondelete="CASCADE"))
    start_date: Mapped[date]
    end_date: Mapped[date]

    specialist: Mapped[Specialist] = relationship(back_populates="availability_windows")

    def covers(self, start: date, end: date) -> bool:
        return self.start_date <= start and end <= self.end_date


class SpecialistLicence(db.Model):
    """One declared licence with its particulars and check: the same rows as ``Specialist.licences``."""

    __table__ = specialist_licences

    licence: Mapped[Licence] = relationship(viewonly=True)
    reviewed_by: Mapped[User | None] = relationship(viewonly=True)

    @property
    def is_verified(self) -> bool:
        return self.status == LicenceStatus.VERIFIED

    @property
    def has_particulars(self) -> bool:
        return bool(self.number and self.issuer and self.issued_on)
