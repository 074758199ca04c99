"""One scheduler per database: two ``flask scheduler`` processes, and only one runs jobs.

These tests start real processes against a database of their own: a SQLite file (file lock),
and PostgreSQL (advisory lock) when a server is configured — ``TALENTBANK_DATABASE_URL`` when
it is PostgreSQL, else ``TALENTBANK_TEST_POSTGRES_URL``; a scratch database is created beside it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from talentbank.scheduler.lock import FileLock, PostgresAdvisoryLock

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90


def postgres_server_url() -> str | None:
    for name in ("TALENTBANK_DATABASE_URL", "TALENTBANK_TEST_POSTGRES_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return None


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A scratch PostgreSQL database on the configured server, dropped afterwards."""
    server = postgres_server_url()
    if server is None:
        pytest.skip("no PostgreSQL configured (TALENTBANK_DATABASE_URL or TALENTBANK_TEST_POSTGRES_URL)")
    name = f"tb_sched_{uuid.uuid4().hex[:10]}"
    admin = create_engine(make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(
                f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture
def sqlite_database(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'scheduler.sqlite'}"


class Processes:
    """``flask`` processes started by a test, all stopped at its end."""

    def __init__(self, url: str, logs: Path) -> None:
        self.url = url
        self.logs = logs
        self.started: list[subprocess.Popen] = []
        self.env = {**os.environ, "TALENTBANK_DATABASE_URL": url, "FLASK_APP": "wsgi.py",
                    "TALENTBANK_SCHEDULER_TICK_SECONDS": "1", "PYTHONUNBUFFERED": "1",
                    "TALENTBANK_SECRET_KEY": "scheduler-test-secret"}  # production mode refuses the placeholder
        self.env.pop("TALENTBANK_SMTP_HOST", None)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=STARTUP_SECONDS)

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen([sys.executable, "-m", "flask", "scheduler", "--tick-seconds", "1", *args],
                                   cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, text=True)
        process.log_path = self.logs / f"{name}.log"  # type: ignore[attr-defined]
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)


@pytest.fixture
def processes(request, tmp_path) -> Callable[[str], Processes]:
    made: list[Processes] = []

    def make(url: str) -> Processes:
        procs = Processes(url, tmp_path)
        made.append(procs)
        return procs

    yield make
    for procs in made:
        procs.stop_all()


def wait_for(what: str, probe: Callable[[], object], timeout: float = STARTUP_SECONDS) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def log_of(process) -> str:
    return Path(process.log_path).read_text()


def check_one_scheduler_runs_jobs(procs: Processes) -> None:
    upgraded = procs.run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    engine = create_engine(procs.url)

    def scalar(sql: str, **params):
        with engine.connect() as connection:
            return connection.execute(text(sql), params).scalar()

    def queue_run(job_name: str) -> int:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO job_runs (job_name, source, status, summary_params) "
                "VALUES (:name, 'manual', 'queued', '{}')"), {"name": job_name})
            return connection.execute(text("SELECT max(id) FROM job_runs")).scalar()

    def beating(process) -> bool:
        instance = scalar("SELECT instance FROM scheduler_heartbeats WHERE stopped_at IS NULL")
        return bool(instance) and instance.endswith(f":{process.pid}")

    try:
        first = procs.start("first")
        wait_for("the first scheduler's heartbeat", lambda: beating(first) or first.poll() is not None)
        assert first.poll() is None, log_of(first)

        second = procs.start("second")
        assert second.wait(timeout=STARTUP_SECONDS) == 3, log_of(second)
        assert "Another scheduler is already running for this database" in log_of(second)

        run_id = queue_run("requests.expire")
        status = wait_for("the queued run", lambda: scalar(
            "SELECT status FROM job_runs WHERE id = :id AND status IN ('succeeded', 'failed')", id=run_id))
        assert status == "succeeded", scalar("SELECT error FROM job_runs WHERE id = :id", id=run_id)
        assert scalar("SELECT runner FROM job_runs WHERE id = :id", id=run_id).endswith(f":{first.pid}")

        standby = procs.start("standby", "--wait")
        wait_for("the standby to stand by", lambda: "standing by" in log_of(standby))
        assert not beating(standby)

        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=STARTUP_SECONDS) == 0, log_of(first)
        stopped_at = time.time()
        wait_for("the standby to take over", lambda: beating(standby))
        run_id = queue_run("requests.expire")
        wait_for("the standby's run", lambda: scalar(
            "SELECT status FROM job_runs WHERE id = :id AND status = 'succeeded'", id=run_id))
        assert scalar("SELECT runner FROM job_runs WHERE id = :id", id=run_id).endswith(f":{standby.pid}")

        # Never two at once: the refused process ran nothing, and every run is the first's or the standby's.
        with engine.connect() as connection:
            runners = {row[0].rsplit(":", 1)[1] for row in connection.execute(
                text("SELECT runner FROM job_runs WHERE runner IS NOT NULL"))}
        assert runners <= {str(first.pid), str(standby.pid)} and str(second.pid) not in runners
        assert "stopping after the running jobs finish" in log_of(first)
        assert stopped_at > 0
        standby.send_signal(signal.SIGTERM)
        assert standby.wait(timeout=STARTUP_SECONDS) == 0
        assert scalar("SELECT stopped_at FROM scheduler_heartbeats") is not None
    finally:
        procs.stop_all()
        engine.dispose()


def test_two_schedulers_on_sqlite_only_one_runs_jobs(sqlite_database, processes):
    check_one_scheduler_runs_jobs(processes(sqlite_database))


def test_two_schedulers_on_postgresql_only_one_runs_jobs(postgres_database, processes):
    check_one_scheduler_runs_jobs(processes(postgres_database))


def test_the_advisory_lock_is_held_by_one_connection_at_a_time(postgres_database):
    first, second = PostgresAdvisoryLock(postgres_database), PostgresAdvisoryLock(postgres_database)
    try:
        assert first.acquire() and first.is_held()
        assert not second.acquire() and not second.is_held()
        first.release()
        assert second.acquire() and second.is_held()
    finally:
        first.release()
        second.release()


def test_the_file_lock_is_held_by_one_holder_at_a_time(tmp_path):
    first, second = FileLock(tmp_path / "db.sqlite.scheduler.lock"), FileLock(tmp_path / "db.sqlite.scheduler.lock")
    assert first.acquire() and first.is_held()
    assert not second.acquire()
    assert first.holder_pid() == str(os.getpid())
    first.release()
    assert second.acquire()
    second.release()
