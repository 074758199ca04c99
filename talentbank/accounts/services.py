"""Log-in with lock-out, passwords, and invitations by the coordinating city."""
from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import services as audit
from ..core import permissions
from ..core.clock import utcnow
from ..core.errors import N_, UserError
from ..core.permissions import Role
from ..extensions import db
from .models import Invitation, User

MIN_PASSWORD_LENGTH = 10
# A hash to compare against when the email is unknown, so both paths take the same time.
_DUMMY_HASH_CACHE: dict[str, str] = {}


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding space."""
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt in production, faster in tests)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def password_problem(password: str) -> str | None:
    """Why a new password is too weak, as a message id; ``None`` when acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return N_("パスワードは10文字以上にしてください。")
    if password.isdigit() or password.isalpha():
        return N_("パスワードには英字と数字などを組み合わせてください。")
    return None


def new_session_token() -> str:
    return secrets.token_hex(16)


def create_user(
    email: str,
    password: str,
    display_name: str,
    role: Role | str,
    city_id: int | None = None,
    language: str = "ja",
) -> User:
    """Create an account without permission checks: for seed data, invitations and sign-up."""
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError("このメールアドレスは既に登録されています。", field="email")
    problem = password_problem(password)
    if problem:
        raise UserError(problem, field="password")
    if Role(role) == Role.CITY_HR and city_id is None:
        raise UserError("人事担当者には所属市を指定してください。", field="city_id")
    user = User(
        email=email,
        password_hash=hash_password(password),
        display_name=display_name.strip(),
        role=Role(role).value,
        city_id=city_id,
        language=language,
        session_token=new_session_token(),
        password_changed_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    error: str | None = None
    retry_minutes: int = 0


def authenticate(email: str, password: str) -> LoginOutcome:
    """Check credentials, counting failures and locking the account after too many."""
    now = utcnow()
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        dummy = _DUMMY_HASH_CACHE.setdefault(method, generate_password_hash("x" * 12, method=method))
        check_password_hash(dummy, password)
        return LoginOutcome(None, N_("メールアドレスまたはパスワードが正しくありません。"))
    if user.locked_until_at and user.locked_until_at > now:
        minutes = math.ceil((user.locked_until_at - now).total_seconds() / 60)
        return LoginOutcome(None, "locked", retry_minutes=minutes)
    if not user.password_hash or not check_password_hash(user.password_hash, password):
        user.failed_login_count += 1
        limit = current_app.config["LOGIN_MAX_FAILURES"]
        if user.failed_login_count >= limit:
            minutes = current_app.config["LOGIN_LOCKOUT_MINUTES"]
            user.locked_until_at = now + timedelta(minutes=minutes)
            user.failed_login_count = 0
            audit.record(None, "account.locked", "user", user.id, city_id=user.city_id,
                         summary=f"{limit} failed log-ins")
            db.session.commit()
            return LoginOutcome(None, "locked", retry_minutes=minutes)
        db.session.commit()
        return LoginOutcome(None, N_("メールアドレスまたはパスワードが正しくありません。"))
    if not user.is_enabled:
        return LoginOutcome(None, N_("このアカウントは無効になっています。幹事市にお問い合わせください。"))
    user.failed_login_count = 0
    user.locked_until_at = None
    user.last_login_at = now
    db.session.commit()
    return LoginOutcome(user)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change one's own password; every other session of the account ends."""
    if not user.password_hash or not check_password_hash(user.password_hash, current_password):
        raise UserError("現在のパスワードが正しくありません。", field="current_password")
    problem = password_problem(new_password)
    if problem:
        raise UserError(problem, field="new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()
    audit.record(user, "account.password_changed", "user", user.id, city_id=user.city_id)
    db.session.commit()


def set_language(user: Any, language: str) -> None:
    """Remember the user's screen language."""
    if language not in current_app.config["LANGUAGES"]:
        raise UserError("対応していない言語です。")
    if getattr(user, "is_authenticated", False):
        user.language = language
        db.session.commit()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_user(
    actor: User, email: str, display_name: str, role: Role | str, city_id: int | None
) -> tuple[Invitation, str]:
    """Invite an HR officer or coordinator; returns the invitation and its one-time token."""
    permissions.check(actor, "user.invite")
    role = Role(role)
    if role == Role.SPECIALIST:
        raise UserError("専門人材は自分で登録します。招待はできません。", field="role")
    if role == Role.ADMIN and actor.role != Role.ADMIN:
        raise UserError("管理者を招待できるのは管理者だけです。", field="role")
    if role == Role.CITY_HR and city_id is None:
        raise UserError("人事担当者には所属市を指定してください。", field="city_id")
    email = normalise_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError("このメールアドレスは既に登録されています。", field="email")
    now = utcnow()
    for earlier in db.session.scalars(
        select(Invitation).where(Invitation.email == email, Invitation.used_at.is_(None),
                                 Invitation.revoked_at.is_(None))
    ):
        earlier.revoked_at = now  # one open invitation per address
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        token_hash=_token_hash(token),
        email=email,
        display_name=display_name.strip(),
        role=role.value,
        city_id=city_id if role == Role.CITY_HR else None,
        invited_by_id=actor.id,
        expires_at=now + timedelta(hours=current_app.config["INVITATION_VALID_HOURS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "user.invited", "invitation", invitation.id, city_id=invitation.city_id,
                 changes={"email": [None, email], "role": [None, role.value]})
    db.session.commit()
    return invitation, token


def find_open_invitation(token: str) -> Invitation:
    """The invitation behind a link, or a clear error when it is unknown, used or expired."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if invitation is None or invitation.revoked_at is not None:
        raise UserError("この招待リンクは無効です。幹事市に新しい招待を依頼してください。")
    if invitation.used_at is not None:
        raise UserError("この招待リンクは既に使用されています。ログイン画面からログインしてください。")
    if invitation.expires_at <= utcnow():
        raise UserError("この招待リンクは有効期限が切れています。幹事市に新しい招待を依頼してください。")
    return invitation


def accept_invitation(token: str, password: str) -> User:
    """Create the invited account with the password its owner chose; the link then dies."""
    invitation = find_open_invitation(token)
    user = create_user(invitation.email, password, invitation.display_name, invitation.role,
                       invitation.city_id)
    invitation.used_at = utcnow()
    audit.record(user, "user.invitation_accepted", "user", user.id, city_id=user.city_id)
    db.session.commit()
    return user


def list_users(actor: User) -> list[User]:
    """All accounts of staff (not specialists), for the coordinating city."""
    permissions.check(actor, "user.view")
    return list(db.session.scalars(
        select(User).where(User.role != Role.SPECIALIST.value).order_by(User.role, User.city_id, User.email)
    ))


def list_invitations(actor: User) -> list[Invitation]:
    """Invitations newest first, so the inviter can pass on a link or see it expired."""
    permissions.check(actor, "user.invite")
    return list(db.session.scalars(select(Invitation).order_by(Invitation.created_at.desc()).limit(200)))


def set_user_enabled(actor: User, user_id: int, enabled: bool, reason: str) -> User:
    """Disable or re-enable a staff account; disabling ends its sessions."""
    permissions.check(actor, "user.manage")
    user = db.session.get(User, user_id)
    if user is None or user.role == Role.SPECIALIST:
        raise UserError("アカウントが見つかりません。")
    if user.id == actor.id:
        raise UserError("自分のアカウントは無効にできません。")
    if user.role == Role.ADMIN and actor.role != Role.ADMIN:
        raise UserError("管理者のアカウントを変更できるのは管理者だけです。")
    if not reason.strip():
        raise UserError("理由を入力してください。", field="reason")
    if user.is_enabled != enabled:
        user.is_enabled = enabled
        user.session_token = new_session_token()
        audit.record(actor, "user.enabled" if enabled else "user.disabled", "user", user.id,
                     city_id=user.city_id, changes={"is_enabled": [not enabled, enabled]}, reason=reason)
    db.session.commit()
    return user


STAFF_ROLES_FROM_SHELL = (Role.COORDINATOR, Role.ADMIN)


def create_staff_from_shell(email: str, display_name: str, role: Role | str, password: str) -> User:
    """The first coordinating-city (or administrator) account of a fresh install, made by the operator.

    Nobody is logged in yet to invite it; the audit log records it as made from the server's shell.
    """
    if Role(role) not in STAFF_ROLES_FROM_SHELL:
        raise UserError("シェルから作成できるのは幹事市職員と管理者のアカウントだけです。", field="role")
    email, display_name = checked_staff_details(email, display_name)
    user = create_user(email, password, display_name, role)
    audit.record(None, "user.created_from_shell", "user", user.id, changes={"email": [None, email],
                                                                         "role": [None, user.role]})
    db.session.commit()
    return user


def checked_staff_details(email: str, display_name: str) -> tuple[str, str]:
    """The address and name normalised, or the first problem with them (the shell asks before the password)."""
    email = normalise_email(email)
    if len(email) > 254 or not _looks_like_email(email):
        raise UserError("メールアドレスの形式が正しくありません。", field="email")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError("このメールアドレスは既に登録されています。", field="email")
    display_name = (display_name or "").strip()
    if not display_name:
        raise UserError("氏名を入力してください。", field="display_name")
    if len(display_name) > 100 or any(ord(ch) < 32 or ord(ch) == 127 for ch in display_name):
        raise UserError("氏名は100文字以内で、改行や制御文字を含めずに入力してください。", field="display_name")
    return email, display_name


def _looks_like_email(email: str) -> bool:
    """The syntax the invitation form accepts (WTForms' Email uses the same library)."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
