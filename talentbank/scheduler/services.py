"""What the admin and schedule pages show and change: jobs, their runs, the round schedule.

"Run now" does not run the job in the web worker: it queues a run that the scheduler process
starts within seconds. Jobs then never run inside web workers (a matching round can take
minutes, longer than a worker's timeout), never run twice at once (the scheduler holds the
single-instance lock and one run per job at a time), and the run record says who asked.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import column, func, inspect, select, table

from ..audit import services as audit
from ..core import permissions
from ..core.clock import utcnow
from ..core.errors import UserError
from ..core.pagination import paginate
from ..extensions import db
from .models import JobRun, RunStatus, ScheduleSetting, SchedulerHeartbeat
from .process import JOBSTORE_TABLE
from ..core.jobs import JOBS, load_jobs
from .rounds import current_setting, cron_for, describe_schedule, next_fire_times


@dataclass(frozen=True)
class SchedulerState:
    is_alive: bool
    instance: str | None
    lock_kind: str | None
    started_at: datetime | None
    beat_at: datetime | None
    stopped_at: datetime | None


def scheduler_state() -> SchedulerState:
    """Whether the scheduler process is beating, from the row it writes every few seconds."""
    row = db.session.get(SchedulerHeartbeat, 1)
    if row is None:
        return SchedulerState(False, None, None, None, None, None)
    allowed = timedelta(seconds=3 * current_app.config["SCHEDULER_TICK_SECONDS"] + 30)
    alive = row.stopped_at is None and utcnow() - row.beat_at <= allowed
    return SchedulerState(alive, row.instance, row.lock_kind, row.started_at, row.beat_at, row.stopped_at)


def _next_runs() -> dict[str, datetime | None]:
    """Next run times as APScheduler stored them (naive UTC); empty before the scheduler first ran."""
    if not inspect(db.engine).has_table(JOBSTORE_TABLE):
        return {}
    jobs = table(JOBSTORE_TABLE, column("id"), column("next_run_time"))
    return {
        job_id: (datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None) if stamp is not None else None)
        for job_id, stamp in db.session.execute(select(jobs.c.id, jobs.c.next_run_time))
    }


@dataclass(frozen=True)
class JobOverview:
    name: str
    title: str
    schedule: str
    next_run_at: datetime | None
    last_run: JobRun | None
    queued_run: JobRun | None


def job_overview(actor: Any) -> list[JobOverview]:
    """Every registered job with its schedule, next run, last run and any queued "run now"."""
    permissions.check(actor, "job.view")
    load_jobs()
    next_runs = _next_runs()
    latest_ids = dict(db.session.execute(
        select(JobRun.job_name, func.max(JobRun.id)).where(JobRun.status != RunStatus.QUEUED.value)
        .group_by(JobRun.job_name)).all())
    latest = {run.job_name: run for run in db.session.scalars(
        select(JobRun).where(JobRun.id.in_(list(latest_ids.values()) or [0])))}
    queued = {run.job_name: run for run in db.session.scalars(
        select(JobRun).where(JobRun.status == RunStatus.QUEUED.value).order_by(JobRun.id))}
    return [
        JobOverview(name, gettext(spec.title), spec.schedule_label(), next_runs.get(name), latest.get(name),
                    queued.get(name))
        for name, spec in sorted(JOBS.items())
    ]


def recent_runs(actor: Any, job_name: str | None, page: int, per_page: int) -> Pagination:
    """A page of runs newest first, of one job or all, for the history table."""
    permissions.check(actor, "job.view")
    query = select(JobRun)
    if job_name:
        query = query.where(JobRun.job_name == job_name)
    return paginate(query.order_by(JobRun.id.desc()), page, per_page)


def job_titles() -> dict[str, str]:
    """Job name → title in the reader's language."""
    load_jobs()
    return {name: gettext(spec.title) for name, spec in JOBS.items()}


def request_run(actor: Any, job_name: str) -> JobRun:
    """Queue a run of ``job_name`` for the scheduler process to start at its next tick."""
    permissions.check(actor, "job.run")
    load_jobs()
    if job_name not in JOBS:
        raise UserError("ジョブが見つかりません。")
    already = db.session.scalar(select(JobRun.id).where(JobRun.job_name == job_name,
                                                        JobRun.status == RunStatus.QUEUED.value))
    if already is not None:
        raise UserError("このジョブは既に実行待ちです。")
    now = utcnow()
    run = JobRun(job_name=job_name, source="manual", status=RunStatus.QUEUED.value, requested_by_id=actor.id,
                 requested_at=now, summary_params={})
    db.session.add(run)
    db.session.flush()
    audit.record(actor, "job.run_requested", "job", job_name, summary=job_name)
    db.session.commit()
    return run


# The round schedule ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleValues:
    is_regular_enabled: bool
    weekday: int
    week_of_month: int | None
    hour: int
    minute: int
    is_fast_track_enabled: bool
    fast_track_delay_minutes: int


SCHEDULE_FIELDS = ("is_regular_enabled", "weekday", "week_of_month", "hour", "minute", "is_fast_track_enabled",
                   "fast_track_delay_minutes")


def get_schedule(actor: Any) -> ScheduleSetting:
    """The round schedule in force (the default until the coordinator first saves one)."""
    permissions.check(actor, "schedule.view")
    return current_setting()


def validate_schedule(values: ScheduleValues) -> None:
    """Refuse a schedule that cannot be run, naming the field."""
    if not 0 <= values.weekday <= 6:
        raise UserError("曜日を選んでください。", field="weekday")
    if values.week_of_month is not None and not 1 <= values.week_of_month <= 5:
        raise UserError("実行する週を選んでください。", field="week_of_month")
    if not 0 <= values.hour <= 23:
        raise UserError("時は0〜23の整数で入力してください。", field="hour")
    if not 0 <= values.minute <= 59:
        raise UserError("分は0〜59の整数で入力してください。", field="minute")
    if not 1 <= values.fast_track_delay_minutes <= 120:
        raise UserError("緊急マッチングまでの待ち時間は1〜120分で入力してください。", field="fast_track_delay_minutes")


def update_schedule(actor: Any, values: ScheduleValues, reason: str) -> ScheduleSetting:
    """Change when rounds run; the scheduler picks the change up within seconds. Audited with the reason."""
    permissions.check(actor, "schedule.edit")
    if not reason.strip():
        raise UserError("変更理由を入力してください。", field="reason")
    validate_schedule(values)
    setting = db.session.get(ScheduleSetting, 1)
    if setting is None:
        setting = current_setting()
        db.session.add(setting)
    before = {field: getattr(setting, field) for field in SCHEDULE_FIELDS}
    for field in SCHEDULE_FIELDS:
        setattr(setting, field, getattr(values, field))
    changes = audit.diff(before, {field: getattr(setting, field) for field in SCHEDULE_FIELDS})
    if changes:
        setting.updated_at = utcnow()
        setting.updated_by_id = actor.id
        with force_locale("ja"):  # the log is kept in one language
            summary = describe_schedule(values.weekday, values.week_of_month, values.hour, values.minute)
        audit.record(actor, "schedule.updated", "schedule_setting", 1, changes=changes, reason=reason.strip(),
                     summary=summary)
    db.session.commit()
    return setting


def upcoming_rounds(setting: ScheduleSetting, count: int = 3) -> list[datetime]:
    """The next regular rounds under ``setting`` (naive UTC), for the page to show."""
    if not setting.is_regular_enabled:
        return []
    return next_fire_times(cron_for(setting.weekday, setting.week_of_month, setting.hour, setting.minute), count)
