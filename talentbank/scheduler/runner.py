"""Running one job: record the run, call the job, keep its result or its error.

The scheduler process calls ``execute`` (a textual reference stored in APScheduler's job
table); tests and the "run now" queue call ``run_job`` directly.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import traceback
from collections import defaultdict
from typing import Any

from flask import Flask, has_app_context
from flask_babel import force_locale, gettext
from sqlalchemy import delete, select

from ..core.clock import today_tokyo, utcnow
from ..core.errors import N_
from ..core.permissions import Role
from ..extensions import db
from ..notifications.services import link_to, notify_users, users_with_role
from . import queues
from .models import JobRun, RunStatus
from ..core.jobs import JOBS, JobResult, RunContext

log = logging.getLogger(__name__)

RUNS_KEPT_PER_JOB = 200
_APP: Flask | None = None
# One run of a given job at a time in this process (a manual run waits for a scheduled one).
_JOB_LOCKS: defaultdict[str, threading.Lock] = defaultdict(threading.Lock)


def bind_app(app: Flask) -> None:
    """Tell the runner which app the scheduler's worker threads run jobs in."""
    global _APP
    _APP = app


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def execute(job_name: str) -> None:
    """Entry point for APScheduler: run a scheduled job inside the app."""
    assert _APP is not None, "bind_app() was not called"
    with _APP.app_context():
        run_job(job_name)


def execute_requested(run_id: int) -> None:
    """Entry point for APScheduler: run a job someone asked for with "run now"."""
    assert _APP is not None, "bind_app() was not called"
    with _APP.app_context():
        run = db.session.get(JobRun, run_id)
        if run is None or run.status != RunStatus.QUEUED.value:
            return
        run_job(run.job_name, queued_run_id=run_id)


def execute_queued(queue_name: str, item: int) -> None:
    """Entry point for APScheduler: do one item a work queue had waiting (a round started from the web)."""
    assert _APP is not None, "bind_app() was not called"
    with _APP.app_context():
        try:
            queues.run_item(queue_name, item)
        finally:
            db.session.remove()


def job_title(job_name: str, language: str) -> str:
    spec = JOBS.get(job_name)
    with force_locale(language):
        return gettext(spec.title) if spec else job_name


def run_job(job_name: str, queued_run_id: int | None = None) -> JobRun:
    """Run ``job_name`` now and record how it went; never raises for an error of the job itself."""
    if not has_app_context():
        raise RuntimeError("run_job needs an app context")
    with _JOB_LOCKS[job_name]:
        run = db.session.get(JobRun, queued_run_id) if queued_run_id else None
        if run is None:
            run = JobRun(job_name=job_name, source="schedule")
            db.session.add(run)
        run.status = RunStatus.RUNNING.value
        run.started_at = utcnow()
        run.runner = runner_name()
        db.session.commit()
        run_id = run.id
        spec = JOBS.get(job_name)
        try:
            if spec is None:
                raise LookupError(f"no job named {job_name!r} is registered")
            result = spec.func(RunContext(run_id, run.source == "manual", run.started_at))
            if not isinstance(result, JobResult):
                raise TypeError(f"job {job_name!r} returned {result!r}, not a JobResult")
        except Exception as exc:  # the run record is the place errors go
            db.session.rollback()
            log.exception("job %s failed", job_name)
            run = db.session.get(JobRun, run_id)
            run.status = RunStatus.FAILED.value
            run.finished_at = utcnow()
            run.error = "".join(traceback.format_exception(exc))[-8000:]
            run.summary = N_("エラーで終了しました：%(error)s")
            run.summary_params = {"error": f"{type(exc).__name__}: {exc}"[:300]}
            db.session.commit()
            _tell_administrators(job_name, exc)
        else:
            run = db.session.get(JobRun, run_id)
            run.status = (RunStatus.SKIPPED if result.is_skipped else RunStatus.SUCCEEDED).value
            run.finished_at = utcnow()
            run.summary = result.message
            run.summary_params = dict(result.params)
            db.session.commit()
            log.info("job %s %s: %s", job_name, run.status, _plain_summary(result))
        _prune(job_name)
        return run


def _plain_summary(result: JobResult) -> str:
    try:
        return result.message % result.params if result.params else result.message
    except (KeyError, ValueError, TypeError):
        return result.message


def _tell_administrators(job_name: str, exc: Exception) -> None:
    """One notice per failing job per day to each administrator, so a job failing every minute is not spam."""
    try:
        params: dict[str, Any] = {
            "job": {"ja": job_title(job_name, "ja"), "en": job_title(job_name, "en")},
            "error": f"{type(exc).__name__}: {exc}"[:300],
        }
        notify_users(users_with_role(Role.ADMIN), "job.failed", params, link=link_to("scheduler.jobs"),
                     dedupe_key=f"job.failed:{job_name}:{today_tokyo().isoformat()}")
        db.session.commit()
    except Exception:  # the database itself may be what failed; the run record already says so
        db.session.rollback()
        log.exception("could not notify administrators of the failure of %s", job_name)


def _prune(job_name: str) -> None:
    """Keep the latest runs of each job; the history is for diagnosis, not an archive."""
    cutoff = db.session.scalar(
        select(JobRun.id).where(JobRun.job_name == job_name).order_by(JobRun.id.desc())
        .offset(RUNS_KEPT_PER_JOB).limit(1))
    if cutoff is not None:
        db.session.execute(delete(JobRun).where(JobRun.job_name == job_name, JobRun.id <= cutoff,
                                                JobRun.status != RunStatus.QUEUED.value))
        db.session.commit()


