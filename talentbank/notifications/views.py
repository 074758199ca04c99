"""The inbox (everyone) and the outbox (administrators)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.errors import UserError
from ..core.permissions import may, requires
from ..core.query_args import page_arg, text_arg
from . import services

bp = Blueprint("notifications", __name__)


INBOX_PAGE_SIZE = 30  # notices are longer than the rows of other lists

OUTBOX_STATUS_LABELS = {"pending": _l("送信待ち"), "sending": _l("送信中"), "sent": _l("送信済み"),
                        "failed": _l("失敗")}


@bp.app_context_processor
def inbox_counter() -> dict[str, Any]:
    """``inbox_unread_count()`` for the header (counted only when the header asks), outbox labels."""
    return {"inbox_unread_count": lambda: services.unread_count(current_user),
            "outbox_status_labels": OUTBOX_STATUS_LABELS}


def _safe_link(link: str | None) -> str:
    """Only paths inside the app: a stored link never sends anyone to another site."""
    if link and link.startswith("/") and not link.startswith("//"):
        return link
    return url_for("notifications.inbox")


@bp.route("/inbox/")
@requires("inbox.use")
def inbox():
    unread_only = request.args.get("unread") == "1"
    entries = services.inbox_page(current_user, page_arg(), INBOX_PAGE_SIZE, unread_only=unread_only)
    return render_template("notifications/inbox.html", entries=entries, unread_only=unread_only)


@bp.route("/inbox/<int:notification_id>/open", methods=["POST"])
@requires("inbox.use")
def open_entry(notification_id: int):
    try:
        link = services.open_notification(current_user, notification_id)
    except UserError:
        abort(404)
    return redirect(_safe_link(link))


@bp.route("/inbox/read-all", methods=["POST"])
@requires("inbox.use")
def read_all():
    count = services.mark_all_read(current_user)
    flash(_("%(count)s件のお知らせを既読にしました。", count=count), "success")
    return redirect(url_for("notifications.inbox"))


@bp.route("/admin/outbox")
@requires("outbox.view")
def outbox():
    status = text_arg("status") or None
    messages = services.outbox_page(current_user, status, page_arg(), current_app.config["PAGE_SIZE"])
    description, problem = services.mail_settings_summary()
    return render_template("admin/outbox.html", messages=messages, status=status,
                           counts=services.outbox_counts(current_user), mail_settings=description,
                           mail_problem=problem, can_manage=may(current_user, "outbox.manage"),
                           statuses=services.OUTBOX_STATUSES)


@bp.route("/admin/outbox/<int:message_id>/retry", methods=["POST"])
@requires("outbox.manage")
def retry(message_id: int):
    try:
        services.retry_message(current_user, message_id)
    except UserError as exc:
        flash(exc.translated(), "error")
    else:
        flash(_("再送を予約しました。次の送信処理で送られます。"), "success")
    return redirect(url_for("notifications.outbox", status=request.args.get("status") or None))


@bp.route("/admin/outbox/retry-failed", methods=["POST"])
@requires("outbox.manage")
def retry_failed():
    count = services.retry_all_failed(current_user)
    flash(_("送信に失敗した%(count)s件の再送を予約しました。", count=count), "success")
    return redirect(url_for("notifications.outbox"))


@bp.route("/admin/outbox/test", methods=["POST"])
@requires("outbox.manage")
def test_mail():
    services.send_test_mail(current_user)
    flash(_("テストメールを %(email)s 宛てに送信待ちにしました。", email=current_user.email), "success")
    return redirect(url_for("notifications.outbox"))
