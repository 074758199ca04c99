"""Replacement DOCX templates the coordinating city uploads, one version per upload and kind.

Generated documents are not stored: each edition is rendered again, deterministically, from its
stored terms version and the template that was in force when both cities had confirmed it
(``DocumentTemplate.created_at`` at or before that moment), so an earlier edition never changes.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.clock import utcnow
from ..core.constraints import one_of
from ..extensions import db

DOCUMENT_KINDS = ("agreement", "appointment", "cover")


class DocumentTemplate(db.Model):
    """One uploaded DOCX template of one document kind; the newest before a moment is the one used."""

    __tablename__ = "document_templates"
    __table_args__ = (
        UniqueConstraint("kind", "version"),
        CheckConstraint(one_of("kind", DOCUMENT_KINDS), name="kind_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    version: Mapped[int]
    file_key: Mapped[str] = mapped_column(String(80), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    original_name: Mapped[str] = mapped_column(String(200))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    uploaded_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<DocumentTemplate {self.kind} v{self.version}>"
