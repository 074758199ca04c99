"""Notifying people, reading one's inbox, and keeping the outbox (administrators).

``notify`` is what other domains call: it adds the inbox entry and the e-mail to the caller's
transaction and never commits, so a notice exists exactly when the change it reports does.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import delete, func, or_, select, update

from ..accounts.models import User
from ..audit import services as audit
from ..core import permissions
from ..core.clock import utcnow
from ..core.errors import UserError
from ..core.pagination import paginate
from ..core.permissions import Role
from ..extensions import db
from .kinds import KINDS
from .mail import smtp_settings
from .models import Notification, OutboxMessage, OutboxStatus
from .rendering import render, render_email, render_for_display


def _key(dedupe_key: str | None, recipient: str) -> str | None:
    """The stored key: the event's key made unique per recipient, hashed when too long to index."""
    if dedupe_key is None:
        return None
    key = f"{dedupe_key}|{recipient}"
    if len(key) > 200:
        key = key[:150] + "#" + hashlib.sha256(key.encode()).hexdigest()[:40]
    return key


def _check_kind(kind: str, params: dict[str, Any]) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}: register it with register_kind()")
    # Render once in both languages now, so a missing parameter fails the caller, not the reader.
    render(kind, params, "ja")
    render(kind, params, "en")


def _already(model: type[Notification] | type[OutboxMessage], key: str | None) -> bool:
    return key is not None and db.session.scalar(select(model.id).where(model.dedupe_key == key)) is not None


def notify(
    user: User,
    kind: str,
    params: dict[str, Any] | None = None,
    link: str | None = None,
    email: bool = True,
    dedupe_key: str | None = None,
) -> Notification | None:
    """Put a notice in ``user``'s inbox (and an e-mail in the outbox) within the current transaction.

    ``dedupe_key`` names the event (``"request.expired:12"``); the same event never reaches the
    same user twice, so a job that runs again adds nothing. Returns ``None`` when it already had.
    """
    params = dict(params or {})
    _check_kind(kind, params)
    key = _key(dedupe_key, f"u{user.id}")
    if _already(Notification, key):
        return None
    notification = Notification(user_id=user.id, kind=kind, params=params, link=link, dedupe_key=key,
                                created_at=utcnow())
    db.session.add(notification)
    if email and user.is_enabled and user.email:
        db.session.flush()
        _enqueue(user.email, user.display_name, user.language, kind, params, link, key,
                 user_id=user.id, notification_id=notification.id)
    return notification


def notify_address(
    address: str,
    name: str,
    language: str,
    kind: str,
    params: dict[str, Any] | None = None,
    link: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """E-mail someone who has no account yet (a specialist registered by a city), in the transaction."""
    params = dict(params or {})
    _check_kind(kind, params)
    key = _key(dedupe_key, address.lower())
    if _already(OutboxMessage, key):
        return None
    return _enqueue(address, name, language if language in ("ja", "en") else "ja", kind, params, link, key)


def notify_users(users: Iterable[User], kind: str, params: dict[str, Any] | None = None, link: str | None = None,
                 email: bool = True, dedupe_key: str | None = None) -> list[Notification]:
    """``notify`` each user; returns the notices that were new."""
    made = [notify(user, kind, params, link=link, email=email, dedupe_key=dedupe_key) for user in users]
    return [n for n in made if n is not None]


def _enqueue(address: str, name: str, language: str, kind: str, params: dict[str, Any], link: str | None,
             key: str | None, user_id: int | None = None, notification_id: int | None = None) -> OutboxMessage:
    subject, body = render_email(kind, params, language, name, link)
    now = utcnow()
    message = OutboxMessage(notification_id=notification_id, user_id=user_id, kind=kind, to_address=address,
                            subject=subject[:300], body=body, language=language,
                            status=OutboxStatus.PENDING.value, attempts=0, next_attempt_at=now,
                            dedupe_key=key, created_at=now)
    db.session.add(message)
    return message


def users_with_role(role: Role | str, city_id: int | None = None) -> list[User]:
    """Enabled accounts of one role (of one city for HR officers): who hears about a kind of event."""
    query = select(User).where(User.role == Role(role).value, User.is_enabled.is_(True))
    if city_id is not None:
        query = query.where(User.city_id == city_id)
    return list(db.session.scalars(query.order_by(User.id)))


def forget_withdrawing_specialist(specialist: Any, actor: Any = None) -> None:
    """``specialist_withdrawing``: before the registry erases a person, erase the mail and notices addressed to them."""
    forget_recipient(specialist.email, specialist.user_id)


def forget_recipient(email: str | None, user_id: int | None) -> int:
    """Erase one person's e-mail (sent or waiting) and inbox, in the caller's transaction; returns mails erased.

    Withdrawal erases a specialist's personal data; the outbox keeps their address, name and the
    words sent to them, so it must forget them too. Nothing more is sent to them afterwards.
    """
    conditions = []
    if email:
        conditions.append(func.lower(OutboxMessage.to_address) == email.strip().lower())
    if user_id is not None:
        conditions.append(OutboxMessage.user_id == user_id)
    if not conditions:
        return 0
    erased = db.session.execute(delete(OutboxMessage).where(or_(*conditions))).rowcount
    if user_id is not None:
        db.session.execute(delete(Notification).where(Notification.user_id == user_id))
    return erased


def link_to(endpoint: str, **values: Any) -> str:
    """A path inside the app for a notice's link, buildable in jobs where there is no request."""
    script_name = current_app.config.get("APPLICATION_ROOT") or "/"
    adapter = current_app.url_map.bind("localhost", script_name=script_name)
    return adapter.build(endpoint, values)


# The inbox ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxEntry:
    id: int
    kind: str
    title: str
    body: str
    link: str | None
    created_at: datetime
    is_read: bool


def unread_count(user: Any) -> int:
    """How many notices ``user`` has not opened: the number in the header."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0


def inbox_page(actor: Any, page: int, per_page: int, unread_only: bool = False) -> Pagination:
    """One page of the actor's own notices (as InboxEntry), newest first, in the language of the screen."""
    permissions.check(actor, "inbox.use")
    query = select(Notification).where(Notification.user_id == actor.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    found = paginate(query.order_by(Notification.created_at.desc(), Notification.id.desc()), page, per_page)
    language = str(get_locale() or "ja")
    entries = []
    for row in found.items:
        text = render_for_display(row.kind, row.params or {}, language)
        entries.append(InboxEntry(row.id, row.kind, text.title, text.body, row.link, row.created_at, row.is_read))
    found.items = entries
    return found


def open_notification(actor: Any, notification_id: int) -> str | None:
    """Mark one of the actor's notices read and return where it points to."""
    permissions.check(actor, "inbox.use")
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != actor.id:
        raise UserError("お知らせが見つかりません。")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()
    return notification.link


def mark_link_read(actor: Any, link: str) -> int:
    """The actor opened the page ``link`` points to: their unread notices pointing there are read (returns how
    many; commits only when there were some)."""
    if not getattr(actor, "is_authenticated", False):
        return 0
    count = db.session.execute(
        update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None),
                                   Notification.link == link)
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    if count:
        db.session.commit()
    return count


def mark_all_read(actor: Any) -> int:
    """Mark every notice of the actor read; returns how many were unread."""
    permissions.check(actor, "inbox.use")
    count = db.session.execute(
        update(Notification).where(Notification.user_id == actor.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount
    db.session.commit()
    return count


# The outbox (administrators) ------------------------------------------------------------------

OUTBOX_STATUSES = tuple(s.value for s in OutboxStatus)


def outbox_page(actor: Any, status: str | None, page: int, per_page: int) -> Pagination:
    """One page of the outbox, newest first, optionally of one status."""
    permissions.check(actor, "outbox.view")
    query = select(OutboxMessage)
    if status in OUTBOX_STATUSES:
        query = query.where(OutboxMessage.status == status)
    return paginate(query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()), page, per_page)


def outbox_counts(actor: Any) -> dict[str, int]:
    """Messages per status, for the outbox summary."""
    permissions.check(actor, "outbox.view")
    counts = dict.fromkeys(OUTBOX_STATUSES, 0)
    for status, count in db.session.execute(
            select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)):
        counts[status] = count
    return counts


def mail_settings_summary() -> tuple[str | None, str | None]:
    """(description, problem): how mail goes out, or why it cannot, for the admin page."""
    try:
        settings = smtp_settings()
    except ValueError as exc:
        return None, str(exc)
    return (settings.describe() if settings else None), None


def retry_message(actor: Any, message_id: int) -> OutboxMessage:
    """Send a failed message again at the next run of the sender, with a fresh count of attempts."""
    permissions.check(actor, "outbox.manage")
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise UserError("メールが見つかりません。")
    if message.status != OutboxStatus.FAILED.value:
        raise UserError("再送できるのは送信に失敗したメールだけです。")
    _requeue(message)
    audit.record(actor, "outbox.retried", "outbox_message", message.id,
                 summary=f"{message.kind} → {message.to_address}", changes={"last_error": [message.last_error, None]})
    db.session.commit()
    return message


def retry_all_failed(actor: Any) -> int:
    """Queue every failed message again; returns how many."""
    permissions.check(actor, "outbox.manage")
    messages = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED.value)))
    for message in messages:
        _requeue(message)
    if messages:
        audit.record(actor, "outbox.retried", "outbox_message", None, summary=f"{len(messages)} messages",
                     changes={"ids": [None, [m.id for m in messages]]})
    db.session.commit()
    return len(messages)


def _requeue(message: OutboxMessage) -> None:
    message.status = OutboxStatus.PENDING.value
    message.attempts = 0
    message.next_attempt_at = utcnow()
    message.claimed_at = None


def send_test_mail(actor: Any) -> OutboxMessage:
    """Queue a test e-mail to the administrator's own address, to check the mail settings."""
    permissions.check(actor, "outbox.manage")
    message = _enqueue(actor.email, actor.display_name, actor.language, "mail.test", {}, None, None,
                       user_id=actor.id)
    db.session.flush()
    audit.record(actor, "outbox.test_queued", "outbox_message", message.id, summary=actor.email)
    db.session.commit()
    return message
