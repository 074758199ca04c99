"""Municipalities with the indicators the prefectural priority rule ranks them by."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import db
from .official import PREFECTURE_EN


class City(db.Model):
    __tablename__ = "cities"
    __table_args__ = (
        CheckConstraint("population > 0", name="population_positive"),
        CheckConstraint("general_staff >= 0", name="staff_not_negative"),
        CheckConstraint("allowance_rate >= 0 AND allowance_rate <= 30", name="allowance_rate_range"),
        CheckConstraint("fiscal_index >= 0 AND fiscal_index <= 3", name="fiscal_index_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name_ja: Mapped[str] = mapped_column(String(50))
    name_en: Mapped[str] = mapped_column(String(80))
    prefecture: Mapped[str] = mapped_column(String(10))
    is_member: Mapped[bool] = mapped_column(default=True)
    is_coordinating: Mapped[bool] = mapped_column(default=False)
    population: Mapped[int]
    general_staff: Mapped[int]
    allowance_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))  # percent
    fiscal_index: Mapped[Decimal] = mapped_column(Numeric(4, 3))
    indicators_year: Mapped[int]
    is_sample_indicators: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def staff_per_10k(self) -> float:
        """General staff per 10,000 residents: fewer means more need."""
        return self.general_staff * 10000 / self.population

    def display_name(self, locale: str = "ja") -> str:
        return self.name_en if locale == "en" else self.name_ja

    def display_prefecture(self, locale: str = "ja") -> str:
        """The prefecture in the page's language (English from the official list's table of prefectures)."""
        return PREFECTURE_EN.get(self.prefecture, self.prefecture) if locale == "en" else self.prefecture

    def __repr__(self) -> str:
        return f"<City {self.code} {self.name_ja}>"


class TravelTime(db.Model):
    """Travel minutes between two cities, one row per unordered pair (lower id first)."""

    __tablename__ = "travel_times"
    __table_args__ = (
        UniqueConstraint("from_city_id", "to_city_id"),
        CheckConstraint("from_city_id < to_city_id", name="ordered_pair"),
        CheckConstraint("minutes >= 0 AND minutes <= 1440", name="minutes_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"))
    to_city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    minutes: Mapped[int]

    from_city: Mapped[City] = relationship(foreign_keys=[from_city_id])
    to_city: Mapped[City] = relationship(foreign_keys=[to_city_id])
