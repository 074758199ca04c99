"""The scheduled-jobs page: administrators run jobs, coordinators watch them."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.errors import UserError
from ..core.permissions import may, requires
from ..core.query_args import page_arg, text_arg
from . import services
from .models import JobRun

bp = Blueprint("scheduler", __name__)

RUN_STATUS_LABELS = {"queued": _l("実行待ち"), "running": _l("実行中"), "succeeded": _l("成功"),
                     "skipped": _l("実行せず"), "failed": _l("失敗")}


def run_summary(run: JobRun) -> str:
    """A run's result in the reader's language (stored as a message id and its parameters)."""
    if not run.summary:
        return ""
    try:
        return _(run.summary, **(run.summary_params or {}))
    except (KeyError, ValueError, TypeError):
        return run.summary


@bp.app_context_processor
def scheduler_helpers() -> dict[str, Any]:
    return {"run_status_labels": RUN_STATUS_LABELS, "run_summary": run_summary}


@bp.route("/admin/jobs")
@requires("job.view")
def jobs():
    job_name = text_arg("job") or None
    runs = services.recent_runs(current_user, job_name, page_arg(), 50)
    return render_template("admin/jobs.html", jobs=services.job_overview(current_user), runs=runs,
                           job_name=job_name, titles=services.job_titles(),
                           state=services.scheduler_state(), can_run=may(current_user, "job.run"))


@bp.route("/admin/jobs/<job_name>/run", methods=["POST"])
@requires("job.run")
def run_now(job_name: str):
    try:
        services.request_run(current_user, job_name)
    except UserError as exc:
        flash(exc.translated(), "error")
    else:
        state = services.scheduler_state()
        if state.is_alive:
            flash(_("実行を依頼しました。スケジューラーが数秒以内に実行します。"), "success")
        else:
            flash(_("実行を依頼しましたが、スケジューラーが停止しているため、起動するまで実行されません。"), "error")
    return redirect(url_for("scheduler.jobs"))
