"""What the admin pages show and change: jobs, their runs, the scheduler's heartbeat.

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
from flask_babel import gettext
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import column, func, inspect, select, table

from ..audit import services as audit
from ..core import permissions
from ..core.clock import utcnow
from ..core.errors import UserError
from ..core.pagination import paginate
from ..extensions import db
from .models import JobRun, RunStatus, SchedulerHeartbeat
from .process import JOBSTORE_TABLE
from ..core.jobs import JOBS, load_jobs


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
