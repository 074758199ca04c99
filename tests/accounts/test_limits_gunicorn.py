"""Limits hold across gunicorn workers: two workers counting in one Redis refuse past one shared limit.

The test starts gunicorn with two workers on a free loopback port, against a SQLite file migrated for
it, with TALENTBANK_RATELIMIT_STORAGE_URL naming the Redis at 127.0.0.1:6379 (under a key prefix of its
own, deleted afterwards). The access log records which worker (pid) answered each request, so the test
can show that requests answered by both workers drew on one count. With each worker counting alone
(memory storage) the same requests would get up to twice as many through, and the test would fail.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 9
LIMIT = 6  # forgotten-password mails per account per minute, for this test
STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_is_reachable() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url():
    if not redis_is_reachable():
        message = f"Redis is not reachable at {REDIS_HOST}:{REDIS_PORT}: start redis-server (.ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"


class Gunicorn:
    """``gunicorn --workers 2 wsgi:app`` on a free port, its access log naming the worker of each request."""

    def __init__(self, tmp_path: Path, environment: dict[str, str]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = tmp_path / "access.log"
        self.error_log = tmp_path / "error.log"
        self.environment = environment
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{self.port}", "--chdir", str(ROOT),
             "--access-logfile", str(self.access_log), "--access-logformat", '%(p)s "%(r)s" %(s)s',
             "--error-logfile", str(self.error_log), "--no-control-socket", "wsgi:app"],
            cwd=ROOT, env=self.environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def answers(self) -> dict[str, tuple[int, int]]:
        """Request line -> (worker pid, status), from the access log."""
        found = {}
        if self.access_log.exists():
            for line in self.access_log.read_text().splitlines():
                match = re.match(r'<?(\d+)>? "(\S+ \S+) [^"]*" (\d+)', line)
                if match:
                    found[match.group(2)] = (int(match.group(1)), int(match.group(3)))
        return found

    def log_tail(self) -> str:
        return self.error_log.read_text()[-3000:] if self.error_log.exists() else "(no error log)"


def opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def fetch(browser, url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with browser.open(url, data=body, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except urllib.error.URLError:  # not listening yet
        return 0, ""


@pytest.fixture
def gunicorn(tmp_path, redis_url):
    database = tmp_path / "gunicorn.sqlite"
    prefix = f"talentbank-test-{uuid.uuid4().hex[:12]}"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("TALENTBANK_")},
        "FLASK_APP": "wsgi.py",
        "TALENTBANK_DATABASE_URL": f"sqlite:///{database}",
        "TALENTBANK_SECRET_KEY": "gunicorn-test-" + uuid.uuid4().hex,
        "TALENTBANK_SESSION_COOKIE_SECURE": "false",  # plain HTTP for urllib's cookie jar
        "TALENTBANK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "TALENTBANK_RATELIMIT_STORAGE_URL": redis_url,
        "TALENTBANK_RATELIMIT_KEY_PREFIX": prefix,
        "TALENTBANK_RATELIMIT_PASSWORD_RESET": "1000 per minute",
        "TALENTBANK_RATELIMIT_PASSWORD_RESET_ACCOUNT": f"{LIMIT} per minute",
    }
    migrated = subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=environment,
                              capture_output=True, text=True, timeout=300)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    server = Gunicorn(tmp_path, environment)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        import redis

        store = redis.Redis.from_url(redis_url)
        keys = list(store.scan_iter(match=f"*/{prefix}/*"))
        if keys:
            store.delete(*keys)


def both_workers_ready(server: Gunicorn) -> set[int]:
    """Ask for the log-in page, several at a time, until two different workers have answered."""
    deadline = time.monotonic() + STARTUP_SECONDS
    n = 0
    while time.monotonic() < deadline:
        assert server.process.poll() is None, f"gunicorn stopped:\n{server.log_tail()}"
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda i: fetch(opener(), f"{server.base}/login?ready={i}"), range(n, n + 4)))
        n += 4
        pids = {pid for line, (pid, status) in server.answers().items() if "/login?ready=" in line and status == 200}
        if len(pids) >= 2:
            return pids
        time.sleep(0.5)
    pytest.fail(f"both gunicorn workers did not answer within {STARTUP_SECONDS} s:\n{server.log_tail()}")


def test_two_workers_share_one_limit_in_redis(gunicorn):
    workers = both_workers_ready(gunicorn)
    browser = opener()
    status, page = fetch(browser, f"{gunicorn.base}/password/forgot")
    assert status == 200, page
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    for attempt in range(5):  # a fresh account each time, until the requests were spread over both workers
        email = f"attempt{attempt}@test.example"

        def ask(i: int) -> tuple[str, int]:
            path = f"/password/forgot?attempt={attempt}&n={i}"
            return path, fetch(browser, gunicorn.base + path, {"email": email, "csrf_token": csrf})[0]

        with ThreadPoolExecutor(4) as pool:
            statuses = dict(pool.map(ask, range(2 * LIMIT)))
        time.sleep(0.2)  # the access log is written after the answer
        logged = gunicorn.answers()
        served = {path: logged[f"POST {path}"] for path in statuses}
        assert {path: s for path, (_pid, s) in served.items()} == statuses
        by_worker = Counter(pid for pid, _status in served.values())
        if len(by_worker) < 2:
            continue
        assert Counter(statuses.values()) == {200: LIMIT, 429: LIMIT}, statuses
        through = Counter(pid for pid, status in served.values() if status == 200)
        refused_by = {pid for pid, status in served.values() if status == 429}
        # A worker refused although it had let fewer than LIMIT through itself: it counted the other's too.
        assert any(through[pid] < LIMIT for pid in refused_by), (through, refused_by)
        return
    pytest.fail("five batches of concurrent requests all went to one worker")
