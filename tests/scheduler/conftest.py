"""Helpers for scheduler tests: jobs registered for one test, a round runner that records orders."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from talentbank.core.jobs import JOBS, JobSpec, every, load_jobs
from talentbank.matching import schedule
from talentbank.matching.schedule import RoundOrder


@pytest.fixture
def temp_job(app_ctx):
    """Register a job for this test only: ``temp_job(name, func)``."""
    load_jobs()
    added: list[str] = []

    def register(name: str, func: Callable, title: str = "テスト用ジョブ") -> JobSpec:
        JOBS[name] = JobSpec(name, func, every(minutes=1), title, "1分ごと")
        added.append(name)
        return JOBS[name]

    yield register
    for name in added:
        JOBS.pop(name, None)


class RoundEngine:
    """Stands in for the matching engine: records each order, answers like a real one would."""

    def __init__(self) -> None:
        self.orders: list[RoundOrder] = []
        self.error: Exception | None = None

    def __call__(self, order: RoundOrder) -> str:
        if self.error is not None:
            raise self.error
        self.orders.append(order)
        return f"round {len(self.orders)}: 3 proposals"


@pytest.fixture
def round_engine(monkeypatch):
    """Rounds ordered by the jobs are recorded here instead of solved (the real runner is tested in matching)."""
    engine = RoundEngine()
    monkeypatch.setattr(schedule, "run_ordered_round", engine)
    return engine
