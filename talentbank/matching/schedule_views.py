"""The round schedule page: the coordinating city sets when regular rounds run and the disaster fast track."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import UserError
from ..core.permissions import may, requires
from ..scheduler.services import scheduler_state
from . import schedule
from .forms import ScheduleForm
from .models import ScheduleSetting

bp = Blueprint("schedule", __name__)


@bp.app_context_processor
def schedule_helpers() -> dict[str, Any]:
    return {"describe_schedule": schedule.describe_schedule}


@bp.route("/schedule")
@requires("schedule.view")
def show():
    setting = schedule.get_schedule(current_user)
    return _schedule_page(ScheduleForm(obj=setting), setting)


@bp.route("/schedule", methods=["POST"])
@requires("schedule.edit")
def edit():
    form = ScheduleForm()
    if form.validate_on_submit():
        values = schedule.ScheduleValues(
            is_regular_enabled=form.is_regular_enabled.data, weekday=form.weekday.data,
            week_of_month=form.week_of_month.data, hour=form.hour.data, minute=form.minute.data,
            is_fast_track_enabled=form.is_fast_track_enabled.data,
            fast_track_delay_minutes=form.fast_track_delay_minutes.data)
        try:
            schedule.update_schedule(current_user, values, form.reason.data)
        except UserError as exc:
            getattr(form, exc.field or "reason").errors.append(exc.translated())
        else:
            flash(_("マッチングの日程を保存しました。"), "success")
            return redirect(url_for("schedule.show"))
    return _schedule_page(form, schedule.get_schedule(current_user))


def _schedule_page(form: ScheduleForm, setting: ScheduleSetting):
    return render_template("matching/schedule.html", form=form, setting=setting,
                           can_edit=may(current_user, "schedule.edit"),
                           upcoming=schedule.upcoming_rounds(setting), state=scheduler_state())
