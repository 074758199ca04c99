"""The lessons library (事例・ノウハウ): one entry per after-action note, published consultation summary or
uploaded document, and the requests for after-action notes sent when a dispatch ends.

Every entry carries ``search_text``: its title, body and file name normalised (NFKC, case folded) by
``library.search.normalise``. Japanese has no spaces between words, so the text is searched by substring:
on SQLite through the FTS5 table ``library_fts`` (trigram tokenizer) that triggers of migration 0021 keep in
step with ``search_text``; on PostgreSQL through a ``pg_trgm`` GIN index on ``search_text`` (the index below).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..cities.models import City
from ..core.clock import utcnow
from ..core.constraints import one_of
from ..core.errors import N_
from ..dispatches.models import Dispatch
from ..extensions import db
from ..vocabulary.models import ExperienceField, Profession

ENTRY_KINDS = ("consultation", "after_action", "document")
ENTRY_KIND_LABELS = {
    "consultation": N_("相談の要約"),
    "after_action": N_("派遣後の振り返り"),
    "document": N_("資料・マニュアル"),
}
ENTRY_STATUSES = ("published", "withdrawn")
# The sides of a dispatch asked for an after-action note: the receiving city's HR, the person, and for a
# serving officer (an exchange leg or a secondment) the sending city, the officer's employer.
NOTE_PARTIES = ("receiving", "sending", "specialist")
NOTE_PARTY_LABELS = {
    "receiving": N_("派遣先の市"),
    "sending": N_("派遣元の市"),
    "specialist": N_("専門人材"),
}
FILE_TYPES = ("pdf", "docx", "xlsx", "pptx", "txt")


class LibraryEntry(db.Model):
    """One item of the library; an after-action note not marked shareable stays with the dispatch's parties."""

    __tablename__ = "library_entries"
    __table_args__ = (
        CheckConstraint(one_of("kind", ENTRY_KINDS), name="kind_known"),
        CheckConstraint(one_of("status", ENTRY_STATUSES), name="status_known"),
        CheckConstraint("party IS NULL OR " + one_of("party", NOTE_PARTIES), name="party_known"),
        CheckConstraint("file_type IS NULL OR " + one_of("file_type", FILE_TYPES), name="file_type_known"),
        CheckConstraint("kind = 'after_action' OR is_shared", name="only_notes_private"),
        CheckConstraint("status <> 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_stamped"),
        Index("ix_library_entries_status_kind_created", "status", "kind", "created_at"),
        # Substring search on PostgreSQL (SQLite uses the FTS5 table of migration 0021 instead).
        Index("ix_library_entries_search_trgm", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="published")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    is_shared: Mapped[bool] = mapped_column(default=True)
    profession_id: Mapped[int | None] = mapped_column(ForeignKey("professions.id", ondelete="SET NULL"), index=True)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("experience_fields.id", ondelete="SET NULL"), index=True)
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"), index=True)
    # Where the entry came from, e.g. ``consultation:12``: publishing the same source twice updates it.
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatches.id", ondelete="SET NULL"), index=True)
    party: Mapped[str | None] = mapped_column(String(10))
    file_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    file_name: Mapped[str | None] = mapped_column(String(200))
    file_type: Mapped[str | None] = mapped_column(String(10))
    file_size: Mapped[int | None]
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    profession: Mapped[Profession | None] = relationship()
    field: Mapped[ExperienceField | None] = relationship()
    city: Mapped[City | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def is_published(self) -> bool:
        return self.status == "published"

    def __repr__(self) -> str:
        return f"<LibraryEntry {self.id} {self.kind} {self.status}>"


class NoteRequest(db.Model):
    """One side of one ended dispatch asked for an after-action note: asked once, reminded once."""

    __tablename__ = "library_note_requests"
    __table_args__ = (
        UniqueConstraint("dispatch_id", "party"),
        CheckConstraint(one_of("party", NOTE_PARTIES), name="party_known"),
        CheckConstraint("party = 'specialist' OR city_id IS NOT NULL", name="city_side_has_city"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id", ondelete="CASCADE"), index=True)
    party: Mapped[str] = mapped_column(String(10))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None]
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("library_entries.id", ondelete="SET NULL"), unique=True)

    entry: Mapped[LibraryEntry | None] = relationship()
    city: Mapped[City | None] = relationship()
    dispatch: Mapped[Dispatch] = relationship()

    @property
    def is_answered(self) -> bool:
        return self.entry_id is not None

    def __repr__(self) -> str:
        return f"<NoteRequest dispatch={self.dispatch_id} {self.party}>"
