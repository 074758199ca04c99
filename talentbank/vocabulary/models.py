"""The three controlled vocabularies that profiles, requests and matching all speak.

Terms are never deleted once used: a retired term is made inactive, so old profiles,
requests and audit entries keep their meaning.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class VocabularyTerm:
    """Columns every vocabulary shares: a stable ASCII code, names in both languages, order."""

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable key for imports, APIs and the solver; never shown as the label.
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name_ja: Mapped[str] = mapped_column(String(100), unique=True)
    name_en: Mapped[str] = mapped_column(String(150))
    is_active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    def display_name(self, locale: str = "ja") -> str:
        return self.name_en if locale == "en" else self.name_ja

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code}>"


class Profession(VocabularyTerm, db.Model):
    """A job family (職種): 土木, 保健師…; a request asks for exactly one."""

    __tablename__ = "professions"

    # Its disaster-recovery requests need a training attended within this many months (1..60); None = none.
    # The round sends it to the solver as ``disaster_training_months`` (hard rule ``training``).
    disaster_training_months: Mapped[int | None] = mapped_column(default=None)


class Licence(VocabularyTerm, db.Model):
    """A licence or qualification (資格・免許) a request may require."""

    __tablename__ = "licences"

    # A hint for forms (which profession usually holds it), not a rule.
    profession_id: Mapped[int | None] = mapped_column(ForeignKey("professions.id", ondelete="SET NULL"),
                                                      index=True)
    profession: Mapped[Profession | None] = relationship()


class ExperienceField(VocabularyTerm, db.Model):
    """A field of experience (経験分野) counted in years: 道路, 橋梁, 母子保健…"""

    __tablename__ = "experience_fields"

    profession_id: Mapped[int | None] = mapped_column(ForeignKey("professions.id", ondelete="SET NULL"),
                                                      index=True)
    profession: Mapped[Profession | None] = relationship()


VOCABULARIES: dict[str, type[VocabularyTerm]] = {
    "professions": Profession,
    "licences": Licence,
    "fields": ExperienceField,
}
