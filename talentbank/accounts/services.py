"""Log-in with lock-out, passwords (policy, change, forgotten-password reset, unlock), and invitations."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..audit import services as audit
from ..core import permissions
from ..core.clock import utcnow
from ..core.errors import N_, UserError
from ..core.names import name_problem
from ..core.permissions import Role
from ..extensions import db
from . import events, sessions, tokens
from .models import Invitation, User
from .passwords import password_problem
from .tokens import TokenPurpose

# A hash to compare against when the email is unknown, so both paths take the same time.
_DUMMY_HASH_CACHE: dict[str, str] = {}

# Every failed log-in reads the same, whether the address is unknown, the password wrong or the account
# locked: nobody learns from the log-in page which accounts exist. A locked owner learns it by e-mail.
LOGIN_FAILED = N_("メールアドレスまたはパスワードが正しくないか、ログインの失敗が続いたためアカウントが一時的にロックされています。"
                  "ロックされた場合は、登録のメールアドレスにロック解除の案内をお送りしています。")
LINK_INVALID = N_("このリンクは無効です。もう一度手続きをやり直してください。")
# Lock n (n = 0, 1, ...) lasts LOGIN_LOCKOUT_MINUTES * 2**n; the exponent stops growing here.
_MAX_DOUBLINGS = 16


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding space."""
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt in production, faster in tests)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    return _DUMMY_HASH_CACHE.setdefault(method, generate_password_hash("x" * 12, method=method))


def new_session_token() -> str:
    """A value for the old ``users.session_token`` column (log-in sessions are accounts.sessions now)."""
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
    problem = password_problem(password, email=email, name=display_name)
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
    error: str | None = None  # a message id


def authenticate(email: str, password: str) -> LoginOutcome:
    """Check credentials; every failure reads the same, whatever the account's state (no enumeration).

    Lock-out slows a guesser down without letting a stranger keep the owner out: LOGIN_MAX_FAILURES
    failures in a row lock the account for LOGIN_LOCKOUT_MINUTES, each further failure after a lock locks
    it again for twice as long (up to LOGIN_LOCKOUT_MAX_MINUTES), attempts while locked are refused without
    counting, and the owner is e-mailed a link that unlocks the account with their password at once.
    """
    now = utcnow()
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    # One hash check on every path, so that the time taken tells nothing either.
    stored = user.password_hash if user is not None and user.password_hash else _dummy_hash()
    is_right = check_password_hash(stored, password or "") and user is not None and bool(user.password_hash)
    if user is None or (user.locked_until_at is not None and user.locked_until_at > now):
        return LoginOutcome(None, LOGIN_FAILED)
    if not is_right:
        _count_failure(user, now)
        return LoginOutcome(None, LOGIN_FAILED)
    if not user.is_enabled:  # only someone who knows the password learns this
        return LoginOutcome(None, N_("このアカウントは無効になっています。幹事市にお問い合わせください。"))
    _clear_lock(user)
    user.last_login_at = now
    tokens.revoke_all(user.id, TokenPurpose.UNLOCK)  # a later lock sends a fresh link
    db.session.commit()
    return LoginOutcome(user)


def lockout_minutes(failures: int) -> int:
    """How long the account is locked after ``failures`` failed log-ins in a row (0: not locked)."""
    config = current_app.config
    over = failures - config["LOGIN_MAX_FAILURES"]
    if over < 0:
        return 0
    return min(config["LOGIN_LOCKOUT_MINUTES"] * 2 ** min(over, _MAX_DOUBLINGS), config["LOGIN_LOCKOUT_MAX_MINUTES"])


def _count_failure(user: User, now: datetime) -> None:
    # Counted in the database, so that concurrent guesses are all counted.
    db.session.execute(update(User).where(User.id == user.id)
                       .values(failed_login_count=User.failed_login_count + 1))
    db.session.refresh(user, ["failed_login_count"])
    failures = user.failed_login_count
    minutes = lockout_minutes(failures)
    if minutes:
        user.locked_until_at = now + timedelta(minutes=minutes)
        audit.record(None, "account.locked", "user", user.id, city_id=user.city_id,
                     summary=f"{failures} failed log-ins in a row; locked {minutes} min")
        if user.is_enabled and not tokens.has_open(TokenPurpose.UNLOCK, user.id):
            hours = current_app.config["UNLOCK_LINK_VALID_HOURS"]
            token = tokens.issue(TokenPurpose.UNLOCK, user.id, user.email, timedelta(hours=hours))
            events.account_locked.send(user, unlock_token=token, minutes=minutes, failures=failures,
                                       valid_hours=hours)
    db.session.commit()


def _clear_lock(user: User) -> None:
    user.failed_login_count = 0
    user.locked_until_at = None


def _link_owner(row: tokens.AccountToken) -> User:
    """The account a one-time link was sent to, while it is enabled and still has that address."""
    user = db.session.get(User, row.user_id)
    if user is None or not user.is_enabled or user.email != row.email:
        raise UserError(LINK_INVALID)
    return user


def request_password_reset(email: str) -> None:
    """E-mail a one-time link to set a new password, if the address is an enabled account's.

    Says nothing either way (the page reads the same), so nobody learns which addresses are registered.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.is_enabled:
        return
    minutes = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
    token = tokens.issue(TokenPurpose.RESET_PASSWORD, user.id, user.email, timedelta(minutes=minutes))
    events.password_reset_requested.send(user, token=token, valid_minutes=minutes)
    audit.record(None, "account.reset_link_sent", "user", user.id, city_id=user.city_id)
    db.session.commit()


def find_reset_link(token: str) -> User:
    """The account a forgotten-password link belongs to, or a clear error when the link cannot be used."""
    return _link_owner(tokens.find_open(TokenPurpose.RESET_PASSWORD, token))


def reset_password(token: str, new_password: str) -> User:
    """Set a new password through the e-mailed link: the link dies, the lock lifts, every session ends."""
    user = find_reset_link(token)
    problem = password_problem(new_password, email=user.email, name=user.display_name)
    if problem:
        raise UserError(problem, field="password")  # the link stays usable for a better password
    tokens.use(TokenPurpose.RESET_PASSWORD, token)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    _clear_lock(user)
    tokens.revoke_all(user.id, TokenPurpose.RESET_PASSWORD)
    tokens.revoke_all(user.id, TokenPurpose.UNLOCK)
    ended = sessions.end_all(user.id)
    audit.record(user, "account.password_reset", "user", user.id, city_id=user.city_id,
                 summary=f"{ended} sessions ended")
    db.session.commit()
    return user


def find_unlock_link(token: str) -> User:
    """The account an unlock link belongs to, or a clear error when the link cannot be used."""
    return _link_owner(tokens.find_open(TokenPurpose.UNLOCK, token))


def unlock_account(token: str, password: str) -> User:
    """The owner lifts a lock-out with the e-mailed link and their password (the lock does not apply here)."""
    user = find_unlock_link(token)
    if not user.password_hash or not check_password_hash(user.password_hash, password or ""):
        raise UserError("パスワードが正しくありません。", field="password")
    tokens.use(TokenPurpose.UNLOCK, token)
    was_locked = user.locked_until_at is not None and user.locked_until_at > utcnow()
    _clear_lock(user)
    user.last_login_at = utcnow()
    audit.record(user, "account.unlocked", "user", user.id, city_id=user.city_id,
                 summary="locked" if was_locked else "not locked any more")
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str, *, keep_session: str | None = None) -> None:
    """Change one's own password; every other session of the account ends (``keep_session``: this one's key)."""
    if not user.password_hash or not check_password_hash(user.password_hash, current_password):
        raise UserError("現在のパスワードが正しくありません。", field="current_password")
    problem = password_problem(new_password, email=user.email, name=user.display_name)
    if problem:
        raise UserError(problem, field="new_password")
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    sessions.end_all(user.id, keep=keep_session)
    tokens.revoke_all(user.id, TokenPurpose.RESET_PASSWORD)
    tokens.revoke_all(user.id, TokenPurpose.UNLOCK)
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
    if problem := name_problem((display_name or "").strip()):
        raise UserError(problem[0], field="display_name", **problem[1])
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
        if not enabled:
            sessions.end_all(user.id)
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
    if problem := name_problem(display_name):
        raise UserError(problem[0], field="display_name", **problem[1])
    return email, display_name


def _looks_like_email(email: str) -> bool:
    """The syntax the invitation form accepts (WTForms' Email uses the same library)."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
