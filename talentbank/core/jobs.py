"""The list of jobs the scheduler runs; each domain adds its own in ``talentbank/<domain>/jobs.py``.

A job is a function taking a ``RunContext`` (is it a scheduled run or "run now"?) that does
its work, commits it, and returns a ``JobResult`` saying what it did. It must be idempotent:
run twice for the same moment, it sends nothing twice and changes nothing twice (dedupe keys
on notices, unique keys on triggers, state checks before each change). Example::

    @scheduled_job("offers.expire", trigger=every(minutes=5), title=N_("回答期限を過ぎた打診の失効"),
                   schedule=N_("5分ごと"))
    def expire_offers(run: RunContext) -> JobResult:
        ...
        return JobResult(N_("%(count)s件の打診を失効させました。"), {"count": n})

``trigger`` may also be a function returning a trigger (or ``None`` for "not scheduled") when
the timing is a setting kept in the database; the scheduler re-reads it every few seconds.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask_babel import gettext


from .clock import TOKYO

DEFAULT_MISFIRE_GRACE_SECONDS = 300


@dataclass(frozen=True)
class JobResult:
    """What a run did, as a Japanese message id with parameters (translated on the admin page)."""

    message: str
    params: dict[str, Any] = field(default_factory=dict)
    is_skipped: bool = False  # it ran but could do nothing (e.g. no matching engine installed yet)


@dataclass(frozen=True)
class RunContext:
    """What a job knows about the run it is doing."""

    run_id: int
    is_manual: bool  # "run now" from the admin page rather than the job's own schedule
    started_at: datetime  # naive UTC


TriggerSource = BaseTrigger | Callable[[], BaseTrigger | None]


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[[RunContext], JobResult]
    trigger: TriggerSource
    title: str  # Japanese message id
    schedule: str | Callable[[], str]  # message id, or a function giving the translated words
    misfire_grace_seconds: int = DEFAULT_MISFIRE_GRACE_SECONDS

    def make_trigger(self) -> BaseTrigger | None:
        """The trigger now in force (settings-driven jobs read their setting)."""
        return self.trigger if isinstance(self.trigger, BaseTrigger) else self.trigger()

    def schedule_label(self) -> str:
        """When the job runs, in the reader's language."""
        return self.schedule() if callable(self.schedule) else gettext(self.schedule)


JOBS: dict[str, JobSpec] = {}


def scheduled_job(name: str, *, trigger: TriggerSource, title: str, schedule: str | Callable[[], str],
                  misfire_grace_time: int = DEFAULT_MISFIRE_GRACE_SECONDS) -> Callable:
    """Register the decorated function as the job ``name`` (``"<domain>.<what>"``)."""

    def register(func: Callable[[RunContext], JobResult]) -> Callable[[RunContext], JobResult]:
        spec = JobSpec(name, func, trigger, title, schedule, misfire_grace_time)
        existing = JOBS.get(name)
        if existing is not None and existing.func.__qualname__ != func.__qualname__:
            raise ValueError(f"job {name!r} registered twice")
        JOBS[name] = spec
        return func

    return register


def every(*, seconds: int = 0, minutes: int = 0, hours: int = 0) -> IntervalTrigger:
    """A trigger firing at a fixed interval."""
    return IntervalTrigger(seconds=seconds, minutes=minutes, hours=hours, timezone=TOKYO)


def daily(hour: int, minute: int = 0) -> CronTrigger:
    """A trigger firing every day at hour:minute, Japan time."""
    return CronTrigger(hour=hour, minute=minute, timezone=TOKYO)


def load_jobs() -> dict[str, JobSpec]:
    """Every registered job. The domains' job modules are imported by ``talentbank.wiring`` (one list,
    ``JOB_MODULES``), which every app imports; nothing is found by scanning packages."""
    return JOBS
