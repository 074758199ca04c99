"""The inbox, the e-mail outbox and the log of reminders already sent.

A notification and its e-mail are added to the same transaction as the change that caused
them, so either both exist or neither does. The outbox is drained by the scheduler.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.clock import utcnow
from ..extensions import db


class Notification(db.Model):
    """One entry of a user's inbox; its words are rendered when shown, in the viewer's language."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The header counts unread entries on every page.
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A path inside the app (``/requests/12``), never an absolute URL.
    link: Mapped[str | None] = mapped_column(String(500))
    # Names the event and the recipient: the same event never reaches the same person twice.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    SENDING = "sending"  # handed to the mail server right now
    SENT = "sent"
    FAILED = "failed"  # given up: refused by the server, too many attempts, or delivery unknown


class OutboxMessage(db.Model):
    """An e-mail as it will be (or was) sent, rendered in the recipient's language."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("language IN ('ja', 'en')", name="language_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        # The sender picks due messages by these two.
        Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="ja")
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]

    @property
    def message_id(self) -> str:
        """The Message-ID header: fixed per outbox row, so a resend is recognisable as the same mail."""
        stamp = self.created_at.strftime("%Y%m%d%H%M%S") if self.created_at else "0"
        return f"<talentbank.{self.id}.{stamp}@talentbank.invalid>"


class ReminderLog(db.Model):
    """A reminder stage already done for one subject, so a job that runs twice reminds once.

    ``basis_at`` is the moment the reminders count from (for availability: when it was last
    confirmed); a new confirmation starts a new series with a new basis.
    """

    __tablename__ = "reminder_logs"
    __table_args__ = (
        UniqueConstraint("subject_type", "subject_id", "stage", "basis_at"),
        CheckConstraint("stage >= 1", name="stage_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    stage: Mapped[int]
    basis_at: Mapped[datetime]
    done_at: Mapped[datetime] = mapped_column(default=utcnow)
