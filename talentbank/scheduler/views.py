"""The scheduled-jobs page (administrators run, coordinators watch) and the round schedule page."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.errors import UserError
from ..core.permissions import may, requires
from ..core.query_args import page_arg
from . import services
from .forms import ScheduleForm
from .models import JobRun
from .rounds import describe_schedule

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
    return {"run_status_labels": RUN_STATUS_LABELS, "run_summary": run_summary,
            "describe_schedule": describe_schedule}


@bp.route("/admin/jobs")
@requires("job.view")
def jobs():
    job_name = request.args.get("job") or None
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


@bp.route("/schedule")
@requires("schedule.view")
def schedule():
    setting = services.get_schedule(current_user)
    return _schedule_page(ScheduleForm(obj=setting), setting)


@bp.route("/schedule", methods=["POST"])
@requires("schedule.edit")
def schedule_edit():
    form = ScheduleForm()
    if form.validate_on_submit():
        values = services.ScheduleValues(
            is_regular_enabled=form.is_regular_enabled.data, weekday=form.weekday.data,
            week_of_month=form.week_of_month.data, hour=form.hour.data, minute=form.minute.data,
            is_fast_track_enabled=form.is_fast_track_enabled.data,
            fast_track_delay_minutes=form.fast_track_delay_minutes.data)
        try:
            services.update_schedule(current_user, values, form.reason.data)
        except UserError as exc:
            getattr(form, exc.field or "reason").errors.append(exc.translated())
        else:
            flash(_("マッチングの日程を保存しました。"), "success")
            return redirect(url_for("scheduler.schedule"))
    return _schedule_page(form, services.get_schedule(current_user))


def _schedule_page(form: ScheduleForm, setting):
    return render_template("admin/schedule.html", form=form, setting=setting,
                           can_edit=may(current_user, "schedule.edit"),
                           upcoming=services.upcoming_rounds(setting), state=services.scheduler_state())
