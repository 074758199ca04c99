"""User accounts and invitations."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..cities.models import City
from ..core.clock import utcnow
from ..core.permissions import Role
from ..extensions import db

ROLE_VALUES = tuple(role.value for role in Role)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN {ROLE_VALUES!r}", name="role_known"),
        CheckConstraint("role != 'city_hr' OR city_id IS NOT NULL", name="city_hr_has_city"),
        CheckConstraint("language IN ('ja', 'en')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"), index=True)
    language: Mapped[str] = mapped_column(String(2), default="ja")
    is_enabled: Mapped[bool] = mapped_column(default=True)
    failed_login_count: Mapped[int] = mapped_column(default=0)
    locked_until_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    # Not read for log-in any more: sessions are rows of user_sessions (accounts/sessions.py).
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    city: Mapped[City | None] = relationship()

    # The key of the server-side session this request is logged in with (set by accounts.sessions).
    session_key = None

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled users cannot log in
        return self.is_enabled

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and remember-me cookies: it names a live user_sessions row.
        return f"{self.id}:{self.session_key or ''}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (
        CheckConstraint("role IN ('city_hr', 'coordinator', 'admin')", name="role_invitable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    city: Mapped[City | None] = relationship()
    invited_by: Mapped[User] = relationship()

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.revoked_at is None and self.expires_at > utcnow()


# One-time e-mailed links and log-in sessions live beside the accounts they serve (registered with the metadata here).
from .tokens import AccountToken  # noqa: E402,F401
from .sessions import UserSession  # noqa: E402,F401
