"""The scheduler process (``flask scheduler``): APScheduler 3 in the foreground, one per database.

Jobs live in APScheduler's SQLAlchemy job store (table ``apscheduler_jobs``) on the app's
database, so a round due while the process was down still runs when it comes back (within
the job's misfire grace time; several missed runs coalesce into one). Times are Japan time.

Besides the registered jobs, the process runs a "tick" every few seconds (kept in memory):
it writes the heartbeat the admin page shows, checks it still holds the single-instance
lock, starts the runs queued by "run now" and the work the web queued (a matching round started
from the web: ``queues.py``), and follows changes to settings-driven triggers.
"""
from __future__ import annotations

import logging
import signal
import sys
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.date import DateTrigger
from flask import Flask
from sqlalchemy import select, update

from ..core.clock import TOKYO, utcnow
from ..extensions import db
from ..notifications.mail import set_aside_interrupted
from .lock import InstanceLock
from .models import JobRun, RunStatus, SchedulerHeartbeat
from ..core.jobs import JOBS, load_jobs
from . import queues
from .runner import bind_app, execute, execute_queued, execute_requested, runner_name

log = logging.getLogger("talentbank.scheduler")

JOBSTORE_TABLE = "apscheduler_jobs"
TICK_JOB_ID = "scheduler.tick"
QUEUE_EXECUTOR = "queue"


@dataclass
class SchedulerProcess:
    app: Flask
    lock: InstanceLock
    tick_seconds: int = 10
    exit_code: int = 0
    scheduler: BlockingScheduler | None = None

    def build(self) -> BlockingScheduler:
        """Create the APScheduler instance with its job stores, executor and defaults."""
        is_sqlite = db.engine.dialect.name == "sqlite"
        scheduler = BlockingScheduler(
            timezone=TOKYO,
            jobstores={
                "default": SQLAlchemyJobStore(engine=db.engine, tablename=JOBSTORE_TABLE),
                "memory": MemoryJobStore(),
            },
            # SQLite allows one writer at a time: fewer threads, fewer "database is locked".
            executors={"default": ThreadPoolExecutor(2 if is_sqlite else 4),
                       # Queued work (a matching round can take minutes) has a thread of its own, so the
                       # tick, the heartbeat and the mail never wait behind it.
                       QUEUE_EXECUTOR: ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        )
        scheduler.add_listener(lambda _event: self.on_started(), EVENT_SCHEDULER_STARTED)
        self.scheduler = scheduler
        return scheduler

    # Start-up ------------------------------------------------------------------------------

    def on_started(self) -> None:
        """Recover from a crash of an earlier instance, then bring stored jobs in line with the code."""
        try:
            self._start_up()
        except Exception:  # without its tick the process would run silently without a heartbeat
            log.exception("scheduler start-up failed")
            self.stop(exit_code=5)

    def _start_up(self) -> None:
        with self.app.app_context():
            interrupted = set_aside_interrupted()
            if interrupted:
                log.warning("%d e-mail(s) were interrupted while sending; set aside as failed", interrupted)
            abandoned = db.session.execute(
                update(JobRun).where(JobRun.status == RunStatus.RUNNING.value)
                .values(status=RunStatus.FAILED.value, finished_at=utcnow(),
                        error="the scheduler process stopped while this job was running")).rowcount
            db.session.commit()
            if abandoned:
                log.warning("%d job run(s) of an earlier scheduler marked as failed", abandoned)
            self.sync_jobs()
            self.beat(first=True)
        assert self.scheduler is not None
        # Kept in memory: it belongs to this process and is added again at every start.
        self.scheduler.add_job(self.tick, "interval", seconds=self.tick_seconds, id=TICK_JOB_ID,
                               jobstore="memory", misfire_grace_time=self.tick_seconds, coalesce=True,
                               max_instances=1, next_run_time=_aware_now())

    def sync_jobs(self) -> None:
        """Add new jobs, change those whose trigger changed, remove those the code no longer has.

        A job whose trigger is unchanged is left as stored, so a run missed while the process
        was down is still caught up on start.
        """
        assert self.scheduler is not None
        stored = {job.id: job for job in self.scheduler.get_jobs(jobstore="default")}
        for name, spec in JOBS.items():
            trigger = spec.make_trigger()
            job = stored.pop(name, None)
            options = {"misfire_grace_time": spec.misfire_grace_seconds, "coalesce": True, "max_instances": 1}
            if trigger is None:
                if job is not None:
                    self.scheduler.remove_job(name, jobstore="default")
                    log.info("job %s: no schedule, removed", name)
                continue
            if job is None:
                self.scheduler.add_job(execute, trigger, args=[name], id=name, name=name, jobstore="default",
                                       replace_existing=True, **options)
                log.info("job %s: scheduled (%s)", name, trigger)
                continue
            if str(job.trigger) != str(trigger):
                self.scheduler.reschedule_job(name, jobstore="default", trigger=trigger)
                log.info("job %s: rescheduled (%s)", name, trigger)
            if any(getattr(job, key) != value for key, value in options.items()):
                self.scheduler.modify_job(name, jobstore="default", **options)
        for name in stored:  # jobs of code that was removed
            self.scheduler.remove_job(name, jobstore="default")
            log.info("job %s: no longer in the code, removed", name)

    # The tick ------------------------------------------------------------------------------

    def tick(self) -> None:
        """Heartbeat, lock check, queued manual runs and settings-driven triggers."""
        if not self.lock.is_held():
            log.error("the single-instance lock was lost; stopping so that no second scheduler runs jobs")
            self.stop(exit_code=4)
            return
        with self.app.app_context():
            try:
                self.beat()
                self.start_requested_runs()
                self.start_queued_work()
                self.sync_jobs()
            except Exception:
                db.session.rollback()
                log.exception("scheduler tick failed")

    def beat(self, first: bool = False) -> None:
        """Write the heartbeat row the admin page reads."""
        now = utcnow()
        row = db.session.get(SchedulerHeartbeat, 1)
        if row is None:
            row = SchedulerHeartbeat(id=1)
            db.session.add(row)
        if first or row.instance != runner_name():
            row.instance = runner_name()
            row.lock_kind = self.lock.kind
            row.started_at = now
        row.beat_at = now
        row.stopped_at = None
        db.session.commit()

    def start_requested_runs(self) -> None:
        """Hand each "run now" request to the worker threads, once."""
        assert self.scheduler is not None
        queued = db.session.scalars(select(JobRun.id).where(JobRun.status == RunStatus.QUEUED.value)
                                    .order_by(JobRun.id)).all()
        for run_id in queued:
            try:
                self.scheduler.add_job(execute_requested, DateTrigger(run_date=_aware_now(), timezone=TOKYO),
                                       args=[run_id], id=f"requested-{run_id}", jobstore="memory",
                                       misfire_grace_time=None, max_instances=1)
            except ConflictingIdError:  # already handed over, not started yet
                continue

    def start_queued_work(self) -> None:
        """Hand each item waiting in a work queue to the worker threads, once per item in this process."""
        assert self.scheduler is not None
        for queue in list(queues.QUEUES.values()):
            try:
                waiting = queue.waiting()
                db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("work queue %s: could not list what waits", queue.name)
                continue
            for item in waiting:
                if not queues.take(queue.name, item):
                    continue  # handed over already, not finished yet
                try:
                    self.scheduler.add_job(execute_queued, DateTrigger(run_date=_aware_now(), timezone=TOKYO),
                                           args=[queue.name, item], id=f"queue-{queue.name}-{item}",
                                           jobstore="memory", executor=QUEUE_EXECUTOR, misfire_grace_time=None,
                                           max_instances=1)
                except Exception:
                    queues.release(queue.name, item)
                    raise

    # Stopping -------------------------------------------------------------------------------

    def stop(self, exit_code: int = 0) -> None:
        """Stop taking new runs; running ones finish. Safe from a signal handler or a worker thread."""
        self.exit_code = exit_code or self.exit_code
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def mark_stopped(self) -> None:
        with self.app.app_context():
            try:
                db.session.execute(update(SchedulerHeartbeat).where(SchedulerHeartbeat.id == 1,
                                                                   SchedulerHeartbeat.instance == runner_name())
                                   .values(stopped_at=utcnow()))
                db.session.commit()
            except Exception:
                db.session.rollback()


def _aware_now():
    return utcnow().replace(tzinfo=UTC) + timedelta(milliseconds=10)


def run_scheduler(app: Flask, lock: InstanceLock, tick_seconds: int) -> int:
    """Run until SIGTERM/SIGINT (exit 0), a lost lock (exit 4) or a failed start-up (exit 5); holds the lock."""
    load_jobs()
    bind_app(app)
    process = SchedulerProcess(app, lock, tick_seconds)
    with app.app_context():
        scheduler = process.build()

    def on_signal(signum: int, _frame: Any) -> None:
        log.info("signal %s: stopping after the running jobs finish", signum)
        process.stop()

    # APScheduler logs every execution at INFO (the tick too); the runner logs each job's outcome instead.
    logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("scheduler %s started with %d job(s), holding %s", runner_name(), len(JOBS), lock.describe())
    try:
        scheduler.start()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        process.mark_stopped()
    log.info("scheduler stopped")
    sys.stdout.flush()
    return process.exit_code
