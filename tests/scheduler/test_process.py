"""The scheduler process in this test process: it stops rather than run without its lock or its start-up."""
from __future__ import annotations

import signal

import pytest
from sqlalchemy import select, text

from talentbank.extensions import db
from talentbank.scheduler import process
from talentbank.scheduler.models import JobRun, SchedulerHeartbeat


class FakeLock:
    kind = "test-lock"

    def __init__(self, held_for: int) -> None:
        self.checks_left = held_for

    def is_held(self) -> bool:
        self.checks_left -= 1
        return self.checks_left >= 0

    def describe(self) -> str:
        return "a lock for tests"


@pytest.fixture
def scheduler_run(app, app_ctx):
    """Run ``run_scheduler`` here, then put back the signal handlers and drop APScheduler's table."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def run(lock) -> int:
        return process.run_scheduler(app, lock, tick_seconds=1)

    yield run
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {process.JOBSTORE_TABLE}"))


def test_a_scheduler_that_loses_its_lock_stops_with_status_4(scheduler_run):
    db.session.add(JobRun(job_name="requests.expire", source="schedule", status="running", summary_params={}))
    db.session.commit()
    assert scheduler_run(FakeLock(held_for=0)) == 4
    db.session.expire_all()
    # Start-up still did its recovery: a run left "running" by a dead scheduler is marked failed.
    (run,) = db.session.scalars(select(JobRun))
    assert run.status == "failed" and "stopped while this job was running" in run.error
    beat = db.session.get(SchedulerHeartbeat, 1)
    assert beat.lock_kind == "test-lock" and beat.stopped_at is not None


def test_a_scheduler_whose_start_up_fails_stops_with_status_5(scheduler_run, monkeypatch):
    def broken(self) -> None:
        raise RuntimeError("job table unreadable")

    monkeypatch.setattr(process.SchedulerProcess, "_start_up", broken)
    assert scheduler_run(FakeLock(held_for=100)) == 5
