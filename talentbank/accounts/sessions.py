"""Server-side log-in sessions: the cookie names a row here, so ending the row ends the cookie.

Each log-in starts a session with a random key; the browser keeps ``"<user id>:<key>"`` in its session
cookie (and in the remember-me cookie when asked), the database only the key's SHA-256. A request is
logged in only while its row is live: not revoked, not expired, the account enabled. Logging out
revokes the row, so a copied session cookie and the remember-me cookie stop working at once; a password
change ends every other session of the account, a reset or disabling ends all of them.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import ForeignKey, String, delete, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import db

if TYPE_CHECKING:  # models imports this module to register the table; User is imported where it is used
    from .models import User

# last_seen_at is written at most this often per session (not on every request).
TOUCH_INTERVAL = timedelta(minutes=5)
# Ended sessions are deleted this long after they ended (daily job accounts.sessions_cleanup).
KEEP_ENDED = timedelta(days=30)


class UserSession(db.Model):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    is_remembered: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None]

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User, *, is_remembered: bool) -> str:
    """A new session for ``user`` (committed); returns the key the cookie will carry.

    It lasts as long as the cookie that carries it: the remember-me duration, else the session lifetime.
    """
    now = utcnow()
    config = current_app.config
    life = config["REMEMBER_COOKIE_DURATION"] if is_remembered else config["PERMANENT_SESSION_LIFETIME"]
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(key_hash=_hash(key), user_id=user.id, is_remembered=is_remembered,
                               created_at=now, last_seen_at=now, expires_at=now + life))
    db.session.commit()
    user.session_key = key
    return key


def user_for(cookie_value: str) -> User | None:
    """The user a cookie's ``"<id>:<key>"`` logs in, or ``None`` unless its session is live and the account enabled."""
    user_id, _sep, key = (cookie_value or "").partition(":")
    if not user_id.isdigit() or len(user_id) > 10 or not key or len(key) > 100:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.key_hash == _hash(key)))
    now = utcnow()
    if row is None or row.user_id != int(user_id) or not row.is_live(now):
        return None
    from .models import User

    user = db.session.get(User, row.user_id)
    if user is None or not user.is_enabled:
        return None
    if row.last_seen_at < now - TOUCH_INTERVAL and not (db.session.new or db.session.dirty or db.session.deleted):
        # Users are loaded before a view does anything, so this commits nothing but the time.
        row.last_seen_at = now
        db.session.commit()
    user.session_key = key
    return user


def end(user_id: int, key: str | None) -> None:
    """Revoke one session (log-out); commits."""
    if not key:
        return
    db.session.execute(update(UserSession).where(UserSession.user_id == user_id,
                                                 UserSession.key_hash == _hash(key),
                                                 UserSession.revoked_at.is_(None)).values(revoked_at=utcnow()))
    db.session.commit()


def end_all(user_id: int, *, keep: str | None = None) -> int:
    """Revoke every live session of the user but ``keep``, in the caller's transaction; returns how many."""
    query = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None),
                                      UserSession.expires_at > utcnow())
    if keep:
        query = query.where(UserSession.key_hash != _hash(keep))
    return db.session.execute(query.values(revoked_at=utcnow())).rowcount


def live_count(user_id: int) -> int:
    """How many sessions of the user could still be used."""
    now = utcnow()
    return len(db.session.scalars(select(UserSession.id).where(
        UserSession.user_id == user_id, UserSession.revoked_at.is_(None), UserSession.expires_at > now)).all())


def delete_ended(now: datetime | None = None) -> int:
    """Forget sessions that ended (logged out or expired) more than KEEP_ENDED ago; returns how many."""
    cutoff = (now or utcnow()) - KEEP_ENDED
    return db.session.execute(delete(UserSession).where(
        or_(UserSession.expires_at < cutoff, UserSession.revoked_at < cutoff))).rowcount
