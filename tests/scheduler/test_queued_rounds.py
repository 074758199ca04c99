"""A round started from the web waits as "queued" and the scheduler process runs it, once, within a tick."""
from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import func, select, text

from talentbank.extensions import db
from talentbank.matching import runner, services
from talentbank.matching.models import MatchingRound, Proposal
from talentbank.scheduler import process, queues

from ..matching.builders import matching_app, scenario
from .test_process import FakeLock


@pytest.fixture
def world(app, make):
    matching_app(app)
    return scenario(make)


@pytest.fixture
def scheduler_run(app, app_ctx):
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def run(lock) -> int:
        return process.run_scheduler(app, lock, tick_seconds=1)

    yield run
    for sig, handler in handlers.items():
        signal.signal(sig, handler)
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(text(f"DROP TABLE IF EXISTS {process.JOBSTORE_TABLE}"))


def _finished(round_id: int, seconds: float = 60) -> MatchingRound:
    deadline = time.monotonic() + seconds
    while True:
        db.session.expire_all()
        rnd = db.session.get(MatchingRound, round_id)
        if rnd.status in ("succeeded", "failed") or time.monotonic() > deadline:
            return rnd
        time.sleep(0.2)


def test_the_scheduler_runs_a_round_queued_by_the_web_within_a_tick_and_once(world, app, monkeypatch,
                                                                               scheduler_run):
    monkeypatch.setitem(app.config, "MATCHING_RUNNER", "queue")
    calls = []
    real = runner.run_queued_round

    def counted(round_id: int) -> str:
        calls.append(round_id)
        return real(round_id)

    # The queue registered by matching/jobs.py, counting its runs.
    monkeypatch.setitem(queues.QUEUES, "rounds.queued",
                        queues.WorkQueue("rounds.queued", runner.queued_round_ids, counted))
    rnd = services.start_round(world.coordinator)
    assert rnd.status == "queued"
    round_id = rnd.id
    started = time.monotonic()
    assert scheduler_run(FakeLock(held_for=4)) == 4  # about four one-second ticks, then it stops
    done = _finished(round_id)
    assert done.status == "succeeded", done.error
    assert done.runner == runner.process_name()  # run by the scheduler process, not by the web
    assert (done.started_at - done.created_at).total_seconds() < 5 and time.monotonic() - started < 60
    assert calls == [round_id]  # four ticks, one run
    assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.round_id == round_id)) == 3


def test_two_ticks_hand_a_waiting_round_over_once(world, app, monkeypatch):
    """While a round is handed over (its thread not started yet), the next tick does not add it again."""
    monkeypatch.setitem(app.config, "MATCHING_RUNNER", "queue")
    rnd = services.start_round(world.coordinator)
    added = []

    class Recorder:
        def add_job(self, func, trigger, args, id, **options):
            added.append(id)

    proc = process.SchedulerProcess(app, FakeLock(held_for=10))
    proc.scheduler = Recorder()
    proc.start_queued_work()
    proc.start_queued_work()
    assert added == [f"queue-rounds.queued-{rnd.id}"]
    queues.run_item("rounds.queued", rnd.id)  # what the worker thread does; frees the item afterwards
    assert _finished(rnd.id).status == "succeeded"
    proc.start_queued_work()
    assert added == [f"queue-rounds.queued-{rnd.id}"]
