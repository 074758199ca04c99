"""One-time links sent by e-mail: confirm an address, reset a password, unlock an account.

The same standard as invitations: 32 random bytes in the link, only their SHA-256 kept, an expiry,
used once. Issuing a new link of a purpose for an address revokes the earlier open ones, so only
the last e-mail sent works.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..core.errors import UserError
from ..extensions import db


class TokenPurpose(StrEnum):
    CONFIRM_EMAIL = "confirm_email"
    RESET_PASSWORD = "reset_password"
    UNLOCK = "unlock"


PURPOSE_VALUES = tuple(p.value for p in TokenPurpose)


class AccountToken(db.Model):
    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint(f"purpose IN {PURPOSE_VALUES!r}", name="purpose_known"),
        Index("ix_account_tokens_user_purpose", "user_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The address the link was sent to: a confirmation is only good for the address it was sent to.
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


def token_hash(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def issue(purpose: TokenPurpose, user_id: int, email: str, valid: timedelta) -> str:
    """A new one-time link token for ``user_id``; earlier open ones of the same purpose stop working."""
    now = utcnow()
    for earlier in db.session.scalars(select(AccountToken).where(
            AccountToken.user_id == user_id, AccountToken.purpose == purpose.value,
            AccountToken.used_at.is_(None), AccountToken.revoked_at.is_(None))):
        earlier.revoked_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(AccountToken(purpose=purpose.value, token_hash=token_hash(token), user_id=user_id,
                                email=email, created_at=now, expires_at=now + valid))
    db.session.flush()
    return token


def find_open(purpose: TokenPurpose, token: str) -> AccountToken:
    """The open token behind a link, or a clear error (unknown, used, expired) that names no account."""
    if not token or len(token) > 100:
        raise UserError("このリンクは無効です。もう一度手続きをやり直してください。")
    row = db.session.scalar(select(AccountToken).where(AccountToken.token_hash == token_hash(token),
                                                       AccountToken.purpose == purpose.value))
    if row is None or row.revoked_at is not None:
        raise UserError("このリンクは無効です。もう一度手続きをやり直してください。")
    if row.used_at is not None:
        raise UserError("このリンクは既に使用されています。")
    if row.expires_at <= utcnow():
        raise UserError("このリンクは有効期限が切れています。もう一度手続きをやり直してください。")
    return row


def use(purpose: TokenPurpose, token: str) -> AccountToken:
    """Mark the link used (the caller commits with the change it makes)."""
    row = find_open(purpose, token)
    row.used_at = utcnow()
    return row


def revoke_all(user_id: int, purpose: TokenPurpose | None = None) -> None:
    """Every open link of the user (of one purpose) stops working: password changed, account erased."""
    now = utcnow()
    query = select(AccountToken).where(AccountToken.user_id == user_id, AccountToken.used_at.is_(None),
                                       AccountToken.revoked_at.is_(None))
    if purpose is not None:
        query = query.where(AccountToken.purpose == purpose.value)
    for row in db.session.scalars(query):
        row.revoked_at = now


def has_open(purpose: TokenPurpose, user_id: int) -> bool:
    """Whether a link of this purpose sent to the user still works (so another e-mail is not needed)."""
    return db.session.scalar(select(AccountToken.id).where(
        AccountToken.user_id == user_id, AccountToken.purpose == purpose.value, AccountToken.used_at.is_(None),
        AccountToken.revoked_at.is_(None), AccountToken.expires_at > utcnow()).limit(1)) is not None
