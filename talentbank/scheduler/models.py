"""What the scheduler keeps: runs of jobs, its own heartbeat, the round schedule and round triggers.

APScheduler's own table (``apscheduler_jobs``) is not here: the library creates and owns it,
and ``migrations/env.py`` keeps it out of autogenerate.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.clock import utcnow
from ..extensions import db


class RunStatus(StrEnum):
    QUEUED = "queued"  # "run now" was pressed; the scheduler process has not started it yet
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    SKIPPED = "skipped"  # ran, but had nothing it could do (says why)
    FAILED = "failed"


class JobRun(db.Model):
    """One run of a scheduled job, for the administrator's page: when, by whom, with what result."""

    __tablename__ = "job_runs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'skipped', 'failed')", name="status_known"),
        CheckConstraint("source IN ('schedule', 'manual')", name="source_known"),
        Index("ix_job_runs_job_name_id", "job_name", "id"),
        Index("ix_job_runs_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(10), default="schedule")
    status: Mapped[str] = mapped_column(String(10))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # A Japanese message id and its parameters, translated when shown.
    summary: Mapped[str | None] = mapped_column(String(500))
    summary_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    # "host:pid" of the scheduler process that ran it.
    runner: Mapped[str | None] = mapped_column(String(120))

    requested_by: Mapped[User | None] = relationship()


class SchedulerHeartbeat(db.Model):
    """The one running scheduler says it is alive every few seconds (a single row)."""

    __tablename__ = "scheduler_heartbeats"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance: Mapped[str] = mapped_column(String(120))
    lock_kind: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    stopped_at: Mapped[datetime | None]


class ScheduleSetting(db.Model):
    """When the regular matching round runs, and how soon a disaster request triggers one (a single row)."""

    __tablename__ = "schedule_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("week_of_month IS NULL OR (week_of_month >= 1 AND week_of_month <= 5)",
                        name="week_of_month_range"),
        CheckConstraint("hour >= 0 AND hour <= 23", name="hour_range"),
        CheckConstraint("minute >= 0 AND minute <= 59", name="minute_range"),
        CheckConstraint("fast_track_delay_minutes >= 1 AND fast_track_delay_minutes <= 120",
                        name="fast_track_delay_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    is_regular_enabled: Mapped[bool] = mapped_column(default=True)
    weekday: Mapped[int] = mapped_column(default=0)  # 0 Monday … 6 Sunday
    # 1-4: the n-th such weekday of the month; 5: the last one; None: every week.
    week_of_month: Mapped[int | None]  # no column default: the ORM would put it in place of None
    hour: Mapped[int] = mapped_column(default=9)
    minute: Mapped[int] = mapped_column(default=0)
    is_fast_track_enabled: Mapped[bool] = mapped_column(default=True)
    fast_track_delay_minutes: Mapped[int] = mapped_column(default=10)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()


class TriggerStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


class RoundTrigger(db.Model):
    """A reason to run a matching round, recorded once: a scheduled date, a disaster request, a button.

    ``key`` makes each occasion unique (``scheduled:2026-12-07T00:00``, ``fast_track:request:12``),
    so a job that runs twice starts one round, not two.
    """

    __tablename__ = "round_triggers"
    __table_args__ = (
        CheckConstraint("kind IN ('scheduled', 'fast_track', 'manual')", name="kind_known"),
        CheckConstraint("status IN ('pending', 'running', 'done', 'skipped', 'failed')", name="status_known"),
        Index("ix_round_triggers_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    profession_id: Mapped[int | None] = mapped_column(ForeignKey("professions.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("staffing_requests.id", ondelete="SET NULL"),
                                                   index=True)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=TriggerStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
