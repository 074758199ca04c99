"""Helpers for scheduler tests: jobs registered for one test, a matching engine that records orders."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from talentbank.core.jobs import JOBS, JobSpec, every, load_jobs
from talentbank.scheduler.rounds import RUN_ROUND_HOOKS, RoundOrder


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
def round_engine():
    """A matching engine plugged into RUN_ROUND_HOOKS for this test."""
    saved = list(RUN_ROUND_HOOKS)
    RUN_ROUND_HOOKS.clear()
    engine = RoundEngine()
    RUN_ROUND_HOOKS.append(engine)
    yield engine
    RUN_ROUND_HOOKS[:] = saved


@pytest.fixture
def no_round_engine():
    """No matching engine installed: rounds are asked for, none can run."""
    saved = list(RUN_ROUND_HOOKS)
    RUN_ROUND_HOOKS.clear()
    yield
    RUN_ROUND_HOOKS[:] = saved
