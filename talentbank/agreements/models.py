"""The terms of a dispatch, versioned; their confirmations by the two cities; the defaults per legal form.

A change to agreed terms never updates a row: it adds a ``DispatchTerms`` row with the next version
number, who made it, when and why. Each version is confirmed separately by the receiving city and,
for a serving officer, the sending city (the officer's employer); a retiree is appointed by the
receiving city alone, so its confirmation is the only one. ``TermsDefaults`` are kept by the
coordinating city, one row per legal form and version, the newest being the one in force.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cities.models import City
from ..core.clock import utcnow
from ..core.constraints import one_of
from ..core.errors import N_
from ..extensions import db

LEGAL_FORMS = ("secondment_252_17", "exchange", "retiree_appointment", "honorarium")
LEGAL_FORM_LABELS = {
    "secondment_252_17": N_("地方自治法第252条の17に基づく派遣"),
    "exchange": N_("職員交流"),
    "retiree_appointment": N_("会計年度任用職員としての任用"),
    "honorarium": N_("謝金"),
}
COST_ITEMS = ("salary", "allowances", "overtime", "travel", "retirement_allowance", "insurance")
COST_ITEM_LABELS = {
    "salary": N_("給与・報酬"),
    "allowances": N_("諸手当"),
    "overtime": N_("時間外勤務手当"),
    "travel": N_("旅費"),
    "retirement_allowance": N_("退職手当"),
    "insurance": N_("保険"),
}
BEARERS = ("receiving", "sending", "none")
BEARER_LABELS = {"receiving": N_("派遣先の市"), "sending": N_("派遣元の市"), "none": N_("負担なし")}
RATE_UNITS = ("day", "hour")
RATE_UNIT_LABELS = {"day": N_("日額"), "hour": N_("時間額")}
TRAVEL_UNITS = ("day", "trip")
TRAVEL_UNIT_LABELS = {"day": N_("1日あたり"), "trip": N_("1往復あたり")}
PARTIES = ("receiving", "sending")
PARTY_LABELS = {"receiving": N_("派遣先の市"), "sending": N_("派遣元の市")}
# Upper bounds of the amounts (yen): far above any real daily rate, low enough to catch a typo.
MAX_RATE_YEN = 1_000_000
MAX_TRAVEL_YEN = 1_000_000


def _bearer_columns() -> list[CheckConstraint]:
    return [CheckConstraint(one_of(f"{item}_bearer", BEARERS), name=f"{item}_bearer_known") for item in COST_ITEMS]


def _amount_checks(limit_rate: int, limit_travel: int) -> list[CheckConstraint]:
    return [
        CheckConstraint(f"rate_amount IS NULL OR (rate_amount >= 0 AND rate_amount <= {limit_rate})",
                        name="rate_range"),
        CheckConstraint(f"travel_amount IS NULL OR (travel_amount >= 0 AND travel_amount <= {limit_travel})",
                        name="travel_range"),
        CheckConstraint("rate_unit IS NULL OR " + one_of("rate_unit", RATE_UNITS), name="rate_unit_known"),
        CheckConstraint("travel_unit IS NULL OR " + one_of("travel_unit", TRAVEL_UNITS), name="travel_unit_known"),
        CheckConstraint(one_of("legal_form", LEGAL_FORMS), name="legal_form_known"),
        CheckConstraint("version >= 1", name="version_positive"),
    ]


class CostSplit:
    """Who bears each cost item: shared by the terms of a dispatch and the defaults."""

    salary_bearer: Mapped[str] = mapped_column(String(10))
    allowances_bearer: Mapped[str] = mapped_column(String(10))
    overtime_bearer: Mapped[str] = mapped_column(String(10))
    travel_bearer: Mapped[str] = mapped_column(String(10))
    retirement_allowance_bearer: Mapped[str] = mapped_column(String(10))
    insurance_bearer: Mapped[str] = mapped_column(String(10))

    def bearer(self, item: str) -> str:
        return getattr(self, f"{item}_bearer")

    def bearers(self) -> dict[str, str]:
        return {item: self.bearer(item) for item in COST_ITEMS}


class DispatchTerms(CostSplit, db.Model):
    """One version of the terms of one dispatch. Never edited: a change is the next version."""

    __tablename__ = "dispatch_terms"
    __table_args__ = (
        UniqueConstraint("dispatch_id", "version"),
        CheckConstraint("start_date <= end_date", name="period_in_order"),
        CheckConstraint("days_per_week >= 1 AND days_per_week <= 5", name="days_range"),
        *_bearer_columns(),
        *_amount_checks(MAX_RATE_YEN, MAX_TRAVEL_YEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    legal_form: Mapped[str] = mapped_column(String(20))
    rate_amount: Mapped[int | None]
    rate_unit: Mapped[str | None] = mapped_column(String(10))
    travel_amount: Mapped[int | None]
    travel_unit: Mapped[str | None] = mapped_column(String(10))
    days_per_week: Mapped[int]
    start_date: Mapped[date]
    end_date: Mapped[date]
    special_grant: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    # The two parties, fixed when the version is made: receiving = the dispatch's city; sending = the
    # serving officer's employer city, or none for a retiree (the receiving city alone confirms).
    receiving_city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    sending_city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    defaults_id: Mapped[int | None] = mapped_column(ForeignKey("terms_defaults.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    receiving_city: Mapped[City] = relationship(foreign_keys=[receiving_city_id])
    sending_city: Mapped[City | None] = relationship(foreign_keys=[sending_city_id])
    created_by: Mapped[User | None] = relationship()
    confirmations: Mapped[list[TermsConfirmation]] = relationship(
        back_populates="terms", cascade="all, delete-orphan", order_by="TermsConfirmation.party")

    @property
    def parties(self) -> tuple[str, ...]:
        """The parties whose confirmation this version needs."""
        return ("receiving", "sending") if self.sending_city_id is not None else ("receiving",)

    def confirmation_by(self, party: str) -> TermsConfirmation | None:
        return next((c for c in self.confirmations if c.party == party), None)

    def __repr__(self) -> str:
        return f"<DispatchTerms dispatch={self.dispatch_id} v{self.version} {self.legal_form}>"


class TermsConfirmation(db.Model):
    """One city's confirmation of one version of the terms."""

    __tablename__ = "dispatch_terms_confirmations"
    __table_args__ = (
        UniqueConstraint("terms_id", "party"),
        CheckConstraint(one_of("party", PARTIES), name="party_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    terms_id: Mapped[int] = mapped_column(ForeignKey("dispatch_terms.id", ondelete="CASCADE"))
    party: Mapped[str] = mapped_column(String(10))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)

    terms: Mapped[DispatchTerms] = relationship(back_populates="confirmations")
    city: Mapped[City] = relationship()
    confirmed_by: Mapped[User | None] = relationship()


class TermsDefaults(CostSplit, db.Model):
    """One version of the default terms of one legal form, kept by the coordinating city."""

    __tablename__ = "terms_defaults"
    __table_args__ = (
        UniqueConstraint("legal_form", "version"),
        *_bearer_columns(),
        *_amount_checks(MAX_RATE_YEN, MAX_TRAVEL_YEN),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    legal_form: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    rate_amount: Mapped[int | None]
    rate_unit: Mapped[str | None] = mapped_column(String(10))
    travel_amount: Mapped[int | None]
    travel_unit: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<TermsDefaults {self.legal_form} v{self.version}>"
