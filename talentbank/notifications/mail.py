"""Delivering the outbox through SMTP, with retries and back-off, each message once.

How "once" is kept: a message is marked ``sending`` and committed before it is handed to the
server, and marked ``sent`` right after the server accepted it. A crash between the two leaves
it ``sending``; only one scheduler runs at a time, so at start-up such a message is known to
have been interrupted, and it is set aside as ``failed`` ("delivery unknown") for an
administrator to check and resend, rather than sent a second time behind anyone's back.
Transient trouble (server down, 4xx answers) is retried with exponential back-off; a 5xx
refusal fails at once. Every mail carries a Message-ID fixed per outbox row.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from ..core.clock import utcnow
from ..extensions import db
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

TLS_MODES = ("none", "starttls", "ssl")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    tls: str
    user: str | None
    password: str | None
    sender: str
    timeout: float

    def describe(self) -> str:
        """Host, port, security and account for the admin page; never the password."""
        account = f", user {self.user}" if self.user else ""
        return f"{self.host}:{self.port} ({self.tls}{account})"


class MailConfigError(ValueError):
    """The SMTP settings in the environment cannot work; the message says which one."""


def smtp_settings(config: dict[str, Any] | None = None) -> SmtpSettings | None:
    """The SMTP settings, or ``None`` when no host is configured (mail then waits in the outbox)."""
    config = config if config is not None else current_app.config
    host = (config.get("SMTP_HOST") or "").strip()
    if not host:
        return None
    tls = (config.get("SMTP_TLS") or "starttls").strip().lower()
    if tls not in TLS_MODES:
        raise MailConfigError(f"TALENTBANK_SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {tls!r}")
    port = config.get("SMTP_PORT") or DEFAULT_PORTS[tls]
    if not 0 < int(port) < 65536:
        raise MailConfigError(f"TALENTBANK_SMTP_PORT must be a port number, not {port!r}")
    sender = (config.get("MAIL_FROM") or "").strip()
    if not parseaddr(sender)[1] or "@" not in parseaddr(sender)[1]:
        raise MailConfigError("TALENTBANK_MAIL_FROM must be an e-mail address when TALENTBANK_SMTP_HOST is set")
    user = (config.get("SMTP_USER") or "").strip() or None
    password = config.get("SMTP_PASSWORD") or None
    if user and not password:
        raise MailConfigError("TALENTBANK_SMTP_PASSWORD is required when TALENTBANK_SMTP_USER is set")
    return SmtpSettings(host, int(port), tls, user, password, sender, float(config.get("SMTP_TIMEOUT_SECONDS", 30)))


def retry_delay(attempts: int, base_seconds: int, max_seconds: int) -> timedelta:
    """Wait before the next attempt: doubling from ``base_seconds`` after each failure, capped."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), max_seconds))


def build_email(message: OutboxMessage, settings: SmtpSettings) -> EmailMessage:
    """The MIME message for an outbox row."""
    email = EmailMessage()
    name, address = parseaddr(settings.sender)
    email["From"] = formataddr((name, address)) if name else address
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow().replace(tzinfo=UTC))
    email["Message-ID"] = message.message_id
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    email["Content-Language"] = message.language
    email.set_content(message.body, charset="utf-8")
    return email


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.tls == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.tls == "starttls":
            smtp.starttls(context=context)
    if settings.user:
        smtp.login(settings.user, settings.password or "")
    return smtp


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer will not change by retrying; everything else (4xx, network) may."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500 and not isinstance(error, smtplib.SMTPAuthenticationError)
    return False


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{addr}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
                         for addr, (code, msg) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"{error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}"


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    waiting: int = 0  # due but not tried (no SMTP configured, or the batch stopped early)
    error: str | None = None
    failed_ids: tuple[int, ...] = ()


def _due(now: datetime, limit: int) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING.value, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)))


def _is_connection_lost(error: Exception) -> bool:
    """The line to the server is gone (SMTP errors are OSErrors too, so they are told apart here)."""
    return isinstance(error, smtplib.SMTPServerDisconnected) or (
        isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException))


def _fail_or_retry(message: OutboxMessage, error: Exception, now: datetime, report: DeliveryReport,
                   failed_ids: list[int], *, counted: bool, may_be_permanent: bool) -> None:
    config = current_app.config
    if not counted:
        message.attempts += 1
    message.last_error = _describe(error)[:2000]
    message.claimed_at = None
    if (may_be_permanent and _is_permanent(error)) or message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        message.status = OutboxStatus.FAILED.value
        report.failed += 1
        failed_ids.append(message.id)
    else:
        message.status = OutboxStatus.PENDING.value
        message.next_attempt_at = now + retry_delay(message.attempts, config["MAIL_RETRY_BASE_SECONDS"],
                                                    config["MAIL_RETRY_MAX_SECONDS"])
        report.retrying += 1


def deliver_due_messages(limit: int = 200) -> DeliveryReport:
    """Send the messages whose time has come; commits after each one so none is sent twice."""
    now = utcnow()
    report = DeliveryReport()
    settings = smtp_settings()
    messages = _due(now, limit)
    if settings is None or not messages:
        report.waiting = len(messages)
        return report
    failed_ids: list[int] = []
    try:
        smtp = _connect(settings)
    except OSError as exc:  # down, refusing us or rejecting our log-in: a state of the server, every message waits
        report.error = _describe(exc)
        for message in messages:
            _fail_or_retry(message, exc, now, report, failed_ids, counted=False, may_be_permanent=False)
        db.session.commit()
        report.failed_ids = tuple(failed_ids)
        return report
    try:
        for index, message in enumerate(messages):
            # Claim first and commit: if we die after the server accepts, the row says "sending".
            claimed = db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.PENDING.value)
                .values(status=OutboxStatus.SENDING.value, claimed_at=now, attempts=OutboxMessage.attempts + 1)
            ).rowcount
            db.session.commit()
            if not claimed:  # an administrator changed it meanwhile
                continue
            db.session.refresh(message)
            try:
                email = build_email(message, settings)
            except (ValueError, TypeError) as exc:  # a header the mail library refuses: no retry will change it
                message.status = OutboxStatus.FAILED.value
                message.last_error = f"cannot be built: {_describe(exc)}"[:2000]
                message.claimed_at = None
                db.session.commit()
                report.failed += 1
                failed_ids.append(message.id)
                continue
            try:
                smtp.send_message(email, from_addr=parseaddr(settings.sender)[1], to_addrs=[message.to_address])
            except OSError as exc:  # smtplib's errors are OSErrors
                _fail_or_retry(message, exc, now, report, failed_ids, counted=True,
                               may_be_permanent=not _is_connection_lost(exc))
                db.session.commit()
                if _is_connection_lost(exc):
                    # The connection is gone: the rest wait for the next run rather than fail here.
                    report.error = _describe(exc)
                    report.waiting += len(messages) - index - 1
                    break
                continue
            message.status = OutboxStatus.SENT.value
            message.sent_at = utcnow()
            message.claimed_at = None
            message.last_error = None
            db.session.commit()
            report.sent += 1
    finally:
        try:
            smtp.quit()
        except OSError:
            pass
    report.failed_ids = tuple(failed_ids)
    return report


def set_aside_interrupted() -> int:
    """At scheduler start: messages left ``sending`` by a crashed run become failed, delivery unknown."""
    rows = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.SENDING.value)
        .values(status=OutboxStatus.FAILED.value, claimed_at=None,
                last_error="interrupted while sending: the mail server may or may not have received it")
    ).rowcount
    db.session.commit()
    return rows
