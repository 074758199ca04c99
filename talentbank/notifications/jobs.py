"""The notification domain's job: send what waits in the outbox."""
from __future__ import annotations

from sqlalchemy import func, select

from ..accounts.models import User
from ..core.errors import N_
from ..core.permissions import Role
from ..extensions import db
from ..core.jobs import JobResult, RunContext, every, scheduled_job
from .mail import deliver_due_messages, smtp_settings
from .models import OutboxMessage, OutboxStatus
from .services import link_to, notify_users, users_with_role


@scheduled_job("notifications.send_outbox", trigger=every(seconds=30), title=N_("メール送信"),
               schedule=N_("30秒ごと"), misfire_grace_time=60)
def send_outbox(run: RunContext) -> JobResult:
    """Hand due e-mails to the mail server; retries wait with back-off; failures reach the administrators."""
    if smtp_settings() is None:
        waiting = db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.status == OutboxStatus.PENDING.value)) or 0
        return JobResult(N_("メールサーバーが設定されていないため、%(count)s件のメールは送信待ちのままです。"),
                         {"count": waiting}, is_skipped=True)
    report = deliver_due_messages()
    _tell_administrators(report.failed_ids)
    if report.error and not report.sent:
        return JobResult(N_("メールサーバーに接続できません（%(error)s）。%(retrying)s件を後で再送します。"),
                         {"error": report.error[:200], "retrying": report.retrying})
    return JobResult(N_("送信%(sent)s件、再送待ち%(retrying)s件、失敗%(failed)s件。"),
                     {"sent": report.sent, "retrying": report.retrying, "failed": report.failed})


def _tell_administrators(failed_ids: tuple[int, ...]) -> None:
    """An inbox notice (no e-mail: mail is what failed) per message given up on."""
    if not failed_ids:
        return
    admins: list[User] = users_with_role(Role.ADMIN)
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(failed_ids))):
        params = {"to": message.to_address, "subject": message.subject, "attempts": message.attempts,
                  "error": (message.last_error or "")[:200]}
        notify_users(admins, "outbox.failed", params, link=link_to("notifications.outbox", status="failed"),
                     email=False, dedupe_key=f"outbox.failed:{message.id}:{message.attempts}")
    db.session.commit()
