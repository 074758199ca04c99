"""The round schedule page (coordinators edit, HR officers read) and the jobs page (admins run jobs)."""
from __future__ import annotations

from datetime import UTC, datetime

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select, text

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.matching.models import ScheduleSetting
from talentbank.scheduler.models import JobRun, SchedulerHeartbeat
from talentbank.scheduler.process import JOBSTORE_TABLE
from talentbank.matching.schedule import scheduled_round_trigger

VALID = {"is_regular_enabled": "y", "week_of_month": "5", "weekday": "4", "hour": "17", "minute": "30",
         "is_fast_track_enabled": "y", "fast_track_delay_minutes": "15", "reason": "幹事市会議の決定（12月）"}


def test_the_default_schedule_is_shown_with_the_next_rounds(make, client, auth):
    clock.freeze(datetime(2026, 11, 20))
    auth.login(make.user(Role.COORDINATOR).email)
    page = client.get("/schedule").text
    assert "毎月第1月曜日 9:00" in page
    assert "2026-12-07 09:00、2027-01-04 09:00、2027-02-01 09:00" in page
    assert "10分後" in page


def test_the_coordinator_changes_the_schedule_with_a_reason_and_it_is_audited(make, client, auth):
    clock.freeze(datetime(2026, 11, 20))
    coordinator = make.user(Role.COORDINATOR)
    auth.login(coordinator.email)
    response = client.post("/schedule", data=VALID, follow_redirects=True)
    assert "マッチングの日程を保存しました。" in response.text
    assert "毎月最終金曜日 17:30" in response.text and "2026-11-27 17:30" in response.text
    setting = db.session.get(ScheduleSetting, 1)
    assert (setting.week_of_month, setting.weekday, setting.hour, setting.minute, setting.fast_track_delay_minutes) \
        == (5, 4, 17, 30, 15)
    assert setting.updated_by_id == coordinator.id
    assert str(scheduled_round_trigger()) == "cron[day='last fri', hour='17', minute='30']"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "schedule.updated"))
    assert entry.reason == "幹事市会議の決定（12月）" and entry.summary == "毎月最終金曜日 17:30"
    assert entry.changes["weekday"] == [0, 4] and entry.changes["week_of_month"] == [1, 5]


def test_a_weekly_schedule_and_switching_rounds_off(make, client, auth):
    auth.login(make.user(Role.ADMIN).email)
    client.post("/schedule", data={**VALID, "week_of_month": "every", "weekday": "0", "hour": "8", "minute": "0"})
    assert str(scheduled_round_trigger()) == "cron[day_of_week='mon', hour='8', minute='0']"
    off = {key: value for key, value in VALID.items() if key != "is_regular_enabled"}
    page = client.post("/schedule", data=off, follow_redirects=True).text
    assert "停止中（手動でのみ実行）" in page
    assert scheduled_round_trigger() is None


def test_bad_input_is_refused_with_a_message_and_nothing_saved(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    page = client.post("/schedule", data={**VALID, "hour": "25"}).text
    assert "時は0〜23の整数で入力してください。" in page
    page = client.post("/schedule", data={**VALID, "fast_track_delay_minutes": "0"}).text
    assert "緊急マッチングまでの待ち時間は1〜120分で入力してください。" in page
    page = client.post("/schedule", data={**VALID, "reason": "  "}).text
    assert "変更理由を入力してください。" in page
    assert db.session.get(ScheduleSetting, 1) is None
    assert db.session.scalar(select(AuditEntry)) is None


def test_hr_officers_read_the_schedule_but_cannot_change_it(make, client, auth):
    auth.login(make.user(Role.CITY_HR, city=make.city()).email)
    page = client.get("/schedule")
    assert page.status_code == 200 and "毎月第1月曜日 9:00" in page.text and 'id="schedule-form"' not in page.text
    assert client.post("/schedule", data=VALID).status_code == 403
    assert db.session.get(ScheduleSetting, 1) is None


def test_the_jobs_page_lists_every_job_and_warns_when_the_scheduler_is_down(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    page = client.get("/admin/jobs").text
    for name in ("notifications.send_outbox", "rounds.scheduled", "rounds.fast_track", "requests.expire",
                 "specialists.availability_reminders"):
        assert f"<code>{name}</code>" in page
    assert "スケジューラーはまだ一度も起動していません" in page
    assert "今すぐ実行" not in page  # coordinators watch, administrators run


def test_the_jobs_page_shows_next_runs_from_the_job_store_and_the_heartbeat(make, client, auth, app):
    clock.freeze(datetime(2026, 12, 7, 0, 0, 5))
    db.session.add(SchedulerHeartbeat(id=1, instance="sched-host:4242", lock_kind="file-lock",
                                      started_at=clock.utcnow(), beat_at=clock.utcnow()))
    db.session.commit()
    store = SQLAlchemyJobStore(engine=db.engine, tablename=JOBSTORE_TABLE)
    scheduler = BackgroundScheduler(timezone="Asia/Tokyo", jobstores={"default": store})
    try:
        scheduler.start(paused=True)
        scheduler.add_job(print, "date", run_date=datetime(2026, 12, 8, 9, 30, tzinfo=UTC), id="requests.expire")
        auth.login(make.user(Role.ADMIN).email)
        page = client.get("/admin/jobs").text
    finally:
        scheduler.shutdown(wait=False)
        db.session.remove()  # the page read the table in this session: end that transaction first
        with db.engine.begin() as connection:  # APScheduler's table is not part of the migrated schema
            connection.execute(text(f"DROP TABLE {JOBSTORE_TABLE}"))
    assert "スケジューラーは稼働中です（sched-host:4242" in page
    assert "2026-12-08 18:30" in page  # 09:30 UTC is 18:30 in Tokyo


def test_run_now_queues_a_run_for_the_scheduler_once(make, client, auth):
    admin = make.user(Role.ADMIN)
    auth.login(admin.email)
    page = client.post("/admin/jobs/requests.expire/run", follow_redirects=True).text
    assert "起動するまで実行されません" in page  # no heartbeat: the admin is told it will wait
    assert "実行待ち" in page
    again = client.post("/admin/jobs/requests.expire/run", follow_redirects=True).text
    assert "このジョブは既に実行待ちです。" in again
    (run,) = db.session.scalars(select(JobRun))
    assert (run.job_name, run.status, run.source) == ("requests.expire", "queued", "manual")
    assert run.requested_by_id == admin.id
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.entity_id == "requests.expire")) \
        == "job.run_requested"
    assert client.post("/admin/jobs/no.such.job/run", follow_redirects=True).status_code == 200
    assert db.session.scalar(select(JobRun).where(JobRun.job_name == "no.such.job")) is None


def test_coordinators_cannot_run_jobs(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    assert client.post("/admin/jobs/requests.expire/run").status_code == 403
    assert db.session.scalar(select(JobRun)) is None
