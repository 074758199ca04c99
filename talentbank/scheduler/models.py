"""What the scheduler keeps: runs of jobs and its own heartbeat (the round schedule is matching's).

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
