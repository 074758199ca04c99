"""Running a job: every run recorded with its result or error; failures reach the administrators once."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from talentbank.core import clock
from talentbank.core.errors import N_
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.models import Notification
from talentbank.scheduler import runner
from talentbank.scheduler.models import JobRun
from talentbank.core.jobs import JobResult, RunContext
from talentbank.scheduler.runner import run_job

T0 = datetime(2026, 12, 7, 0, 0)


def test_a_run_records_when_where_and_what_it_did(temp_job):
    clock.freeze(T0)
    seen: list[RunContext] = []

    def job(run: RunContext) -> JobResult:
        seen.append(run)
        return JobResult(N_("%(count)s件の派遣要請を期限切れにしました。"), {"count": 4})

    temp_job("test.count", job)
    run = run_job("test.count")
    assert run.status == "succeeded" and run.source == "schedule"
    assert run.started_at == T0 and run.finished_at == T0
    assert run.summary_params == {"count": 4} and run.runner == runner.runner_name()
    assert seen == [RunContext(run.id, False, T0)]


def test_a_failing_job_is_recorded_and_the_administrators_hear_once_a_day(make, temp_job):
    admin = make.user(Role.ADMIN)
    make.user(Role.COORDINATOR)

    def broken(run: RunContext) -> JobResult:
        db.session.add(JobRun(job_name="half-done", status="running"))  # work the failure must undo
        db.session.flush()
        raise RuntimeError("database of the prefecture is unreachable")

    temp_job("test.broken", broken, title="メール送信")
    clock.freeze(T0)
    first = run_job("test.broken")
    clock.freeze(T0 + timedelta(minutes=1))
    second = run_job("test.broken")
    for run in (first, second):
        assert run.status == "failed"
        assert "RuntimeError: database of the prefecture is unreachable" in run.error
        assert run.summary_params == {"error": "RuntimeError: database of the prefecture is unreachable"}
    assert db.session.scalar(select(func.count(JobRun.id)).where(JobRun.job_name == "half-done")) == 0
    notices = list(db.session.scalars(select(Notification)))
    assert [(n.user_id, n.kind) for n in notices] == [(admin.id, "job.failed")]  # coordinators are not told
    assert notices[0].params["job"] == {"ja": "メール送信", "en": "Send e-mail"}
    clock.freeze(T0 + timedelta(days=1))  # still failing the next day: one more notice
    run_job("test.broken")
    assert db.session.scalar(select(func.count(Notification.id))) == 2


def test_a_job_that_could_do_nothing_says_so(temp_job):
    temp_job("test.skip", lambda run: JobResult(N_("定期マッチングは停止中のため、実行しませんでした。"), is_skipped=True))
    assert run_job("test.skip").status == "skipped"


def test_a_queued_run_is_the_one_that_runs(make, temp_job):
    admin = make.user(Role.ADMIN)
    contexts: list[RunContext] = []
    temp_job("test.manual", lambda run: contexts.append(run) or JobResult(N_("メール送信")))
    queued = JobRun(job_name="test.manual", source="manual", status="queued", requested_by_id=admin.id,
                    requested_at=T0, summary_params={})
    db.session.add(queued)
    db.session.commit()
    run = run_job("test.manual", queued_run_id=queued.id)
    assert run.id == queued.id and run.status == "succeeded" and contexts[0].is_manual
    assert db.session.scalar(select(func.count(JobRun.id))) == 1


def test_old_runs_are_pruned_but_the_latest_kept(temp_job, monkeypatch):
    monkeypatch.setattr(runner, "RUNS_KEPT_PER_JOB", 3)
    temp_job("test.often", lambda run: JobResult(N_("メール送信")))
    ids = [run_job("test.often").id for _ in range(5)]
    kept = list(db.session.scalars(select(JobRun.id).where(JobRun.job_name == "test.often").order_by(JobRun.id)))
    assert kept == ids[-3:]


def test_a_job_removed_from_the_code_fails_visibly(app_ctx):
    run = run_job("gone.job")
    assert run.status == "failed" and "no job named 'gone.job'" in run.error
