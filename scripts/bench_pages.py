"""Load-test the common pages under gunicorn: 50,000 specialists, 32 member cities, about 2,000 open slots.

    python scripts/bench_pages.py --database-url postgresql+psycopg://postgres@127.0.0.1/tb_pages
    python scripts/bench_pages.py --database-url ... --reuse --seconds 60     # keep the market built before

Builds the market (the database named is EMPTIED unless ``--reuse`` finds one already built): the
eight demo cities and 24 more member cities, the vocabularies, ``--count`` specialists
(``bulk_pool``), open staffing requests with about ``--slots`` places, an HR officer per city, a
coordinator and specialists with accounts. Then starts gunicorn (``--workers``, default 2; ``--threads``) on a free
port, logs in ``--users`` clients (HR officers, the coordinator, specialists; each a thread with a
keep-alive session) and sends each through an ordinary mix of pages, one request after another,
for ``--seconds``. Prints requests per second, median, p95, p99, errors and the load average (per
page too), so that a busy machine shows beside its figures.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "sakura-kumo-7391"
HASH_METHOD = "pbkdf2:sha256:1000"  # log-ins are not what is measured
COORDINATOR = "bench.pages.coordinator@bench.talentbank.example"
EXTRA_CITIES = 24
SPECIALIST_ACCOUNTS = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("TALENTBANK_DATABASE_URL"),
                        help="PostgreSQL URL of a database of its own (emptied unless --reuse finds a market)")
    parser.add_argument("--reuse", action="store_true", help="keep the market if one was built before")
    parser.add_argument("--count", type=int, default=50_000, help="specialists")
    parser.add_argument("--slots", type=int, default=2_000, help="open places in staffing requests")
    parser.add_argument("--users", type=int, default=8, help="concurrent users")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per worker (more than 1: gunicorn's gthread workers, which serve another "
                             "request while one waits for PostgreSQL)")
    parser.add_argument("--seconds", type=float, default=60, help="length of the timed run")
    parser.add_argument("--warmup", type=float, default=5, help="untimed seconds first")
    parser.add_argument("--seed", type=int, default=14)
    return parser.parse_args()


# --------------------------------------------------------------------------- building the market

def _empty(db) -> None:
    from sqlalchemy import text

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def _is_built(db) -> bool:
    from sqlalchemy import inspect, text

    if "users" not in inspect(db.engine).get_table_names():
        return False
    with db.engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM users WHERE email = :e"),
                                  {"e": COORDINATOR}).scalar() == 1


def _more_cities(count: int, rng: random.Random) -> None:
    """Member cities beyond the demo eight (made-up codes 9xxxxx), with travel times to all."""
    from decimal import Decimal

    from sqlalchemy import insert, select

    from talentbank.cities.models import City, TravelTime
    from talentbank.extensions import db

    rows = [dict(code=f"9{n:05d}", name_ja=f"計測{n}市", name_en=f"Bench {n}", prefecture="神奈川県",
                 population=rng.randint(40_000, 900_000), general_staff=rng.randint(250, 4000),
                 allowance_rate=Decimal(rng.choice(["6", "10", "12", "15"])),
                 fiscal_index=Decimal(f"{rng.uniform(0.5, 1.1):.3f}"), indicators_year=2020,
                 is_sample_indicators=True, is_member=True, is_coordinating=False)
            for n in range(1, count + 1)]
    db.session.execute(insert(City.__table__), rows)
    ids = sorted(db.session.scalars(select(City.id)))
    have = {(t.from_city_id, t.to_city_id) for t in db.session.scalars(select(TravelTime))}
    pairs = [dict(from_city_id=a, to_city_id=b, minutes=rng.randint(20, 150))
             for i, a in enumerate(ids) for b in ids[i + 1:] if (a, b) not in have]
    if pairs:
        db.session.execute(insert(TravelTime.__table__), pairs)


def _requests(slots: int, rng: random.Random) -> int:
    """Open staffing requests (Core inserts, no audit) until about ``slots`` places are open."""
    from sqlalchemy import insert, select

    from talentbank.cities.models import City
    from talentbank.core import clock
    from talentbank.extensions import db
    from talentbank.requests.models import (
        StaffingRequest,
        staffing_request_fields,
        staffing_request_licences,
    )
    from talentbank.vocabulary.models import ExperienceField, Licence, Profession

    city_ids = list(db.session.scalars(select(City.id).where(City.is_member.is_(True))))
    professions = list(db.session.scalars(select(Profession.id)))
    licences = {p: list(db.session.scalars(select(Licence.id).where(Licence.profession_id == p))) for p in professions}
    fields = {p: list(db.session.scalars(select(ExperienceField.id).where(ExperienceField.profession_id == p)))
              for p in professions}
    today, now = clock.today_tokyo(), clock.utcnow()
    first = (db.session.scalar(select(StaffingRequest.id).order_by(StaffingRequest.id.desc())) or 0) + 1
    rows, licence_links, field_links, open_places, n = [], [], [], 0, 0
    while open_places < slots:
        rid, profession, people = first + n, rng.choice(professions), rng.randint(1, 4)
        urgency = rng.choices(["disaster", "statutory", "ordinary"], weights=[1, 3, 12])[0]
        start = today + timedelta(days=rng.randint(7, 300))
        rows.append(dict(
            id=rid, city_id=rng.choice(city_ids), department="都市整備部", section=f"第{n % 40 + 1}課",
            profession_id=profession, people=people, start_date=start,
            end_date=start + timedelta(days=rng.randint(30, 365)), days_per_week=rng.randint(1, 5),
            work_mode=rng.choice(["onsite", "remote", "either"]), urgency=urgency,
            urgency_reason=None if urgency == "ordinary" else "計測用の理由", description="計測用の業務内容",
            internal_notes="", status="open", filled_count=0, carry_over_count=0,
            posted_at=now - timedelta(minutes=n), created_at=now, updated_at=now, lock_version=1))
        for licence_id in rng.sample(licences[profession], k=min(len(licences[profession]), rng.randint(0, 1))):
            licence_links.append({"request_id": rid, "licence_id": licence_id})
        for field_id in rng.sample(fields[profession], k=min(len(fields[profession]), rng.randint(0, 2))):
            field_links.append({"request_id": rid, "field_id": field_id})
        open_places += people
        n += 1
    db.session.execute(insert(StaffingRequest.__table__), rows)
    if licence_links:
        db.session.execute(insert(staffing_request_licences), licence_links)
    if field_links:
        db.session.execute(insert(staffing_request_fields), field_links)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("SELECT setval(pg_get_serial_sequence('staffing_requests', 'id'), "
                                   "(SELECT max(id) FROM staffing_requests))"))
    return n


def build(db, args: argparse.Namespace) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import select, text, update

    from talentbank.accounts.services import create_user
    from talentbank.cities.models import City
    from talentbank.core.permissions import Role
    from talentbank.demo.cities import seed_cities
    from talentbank.demo.specialists import bulk_pool
    from talentbank.specialists.models import Specialist

    rng = random.Random(args.seed)
    started = time.perf_counter()
    _empty(db)
    upgrade()
    seed_cities()
    _more_cities(EXTRA_CITIES, rng)
    db.session.commit()
    bulk_pool(args.count)
    placed = _requests(args.slots, rng)
    coordinating = db.session.scalar(select(City).where(City.is_coordinating.is_(True)))
    create_user(COORDINATOR, PASSWORD, "計測 幹事", Role.COORDINATOR, coordinating.id)
    for city in db.session.scalars(select(City).where(City.is_member.is_(True)).order_by(City.code)).all():
        create_user(f"bench.pages.hr.{city.code}@bench.talentbank.example", PASSWORD, f"計測 人事{city.code}",
                    Role.CITY_HR, city.id)
    first = db.session.scalar(select(Specialist.id).where(Specialist.status == "active").order_by(Specialist.id))
    for n in range(SPECIALIST_ACCOUNTS):
        user = create_user(f"bench.pages.sp{n}@bench.talentbank.example", PASSWORD, f"計測 専門{n}", Role.SPECIALIST)
        db.session.flush()
        db.session.execute(update(Specialist).where(Specialist.id == first + n).values(user_id=user.id))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # VACUUM too, as autovacuum would soon: it merges the trigram indexes' pending lists (the bulk
            # inserts leave 50,000 names there, which every name search would read) and sets the visibility
            # map that index-only counts need.
            connection.execute(text("VACUUM ANALYZE"))
    print(f"built the market in {time.perf_counter() - started:.0f} s: {args.count:,} specialists, "
          f"{8 + EXTRA_CITIES} member cities, {placed} open requests (~{args.slots} places)")


def page_mix(db) -> dict[str, list[str]]:
    """The pages each kind of user opens, with realistic filters."""
    from sqlalchemy import select

    from talentbank.cities.models import City
    from talentbank.core.clock import today_tokyo
    from talentbank.vocabulary.models import ExperienceField, Licence, Profession

    def one(model, code):
        return db.session.scalar(select(model.id).where(model.code == code))

    civil, nurse = one(Profession, "civil"), one(Profession, "public_health_nurse")
    gijutsushi, phn = one(Licence, "gijutsushi_construction"), one(Licence, "public_health_nurse_licence")
    slopes = one(ExperienceField, "slopes")
    yokohama = db.session.scalar(select(City.id).where(City.code == "141003"))
    day = today_tokyo().replace(day=1).isoformat()
    return {
        "hr": ["/", "/candidates/", f"/candidates/?profession_id={civil}",
               f"/candidates/?licence_id={phn}&available_on={day}",
               f"/candidates/?field_id={slopes}&min_years=10&sort=experience", "/candidates/?page=3",
               "/requests/", "/requests/board", f"/requests/board?profession_id={nurse}", "/inbox/"],
        "coordinator": ["/", "/specialists/", "/specialists/?q=" + urllib.parse.quote("たなか"), f"/specialists/?licence_id={gijutsushi}&sort=kana",
                        f"/specialists/?home_city_id={yokohama}&status=active", "/specialists/?page=40",
                        "/candidates/", "/requests/board", "/inbox/"],
        "specialist": ["/", "/me", "/offers/", "/inbox/"],
    }


# --------------------------------------------------------------------------- the load

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One user's keep-alive HTTP connection with its cookies (http.client: no dependency)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.HTTPException, OSError):
                # A sync gunicorn worker closes the connection after each response: open a new one.
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, text


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if Client(port).request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not come up")


def log_in(port: int, email: str) -> Client:
    client = Client(port)
    _status, page = client.request("GET", "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    status, _ = client.request("POST", "/login", urllib.parse.urlencode(data))
    if status != 302:
        raise SystemExit(f"log-in failed for {email}: {status}")
    return client


def percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, max(0, int(round(share * len(sorted_values))) - 1))]


def run_load(port: int, users: list[tuple[str, str]], mix: dict[str, list[str]], warmup: float, seconds: float,
             seed: int) -> tuple[list[tuple[str, float, bool]], float]:
    sessions = [(kind, log_in(port, email)) for kind, email in users]
    results: list[tuple[str, float, bool]] = []
    failures: list[str] = []
    lock = threading.Lock()
    start_at = time.perf_counter() + warmup
    stop_at = start_at + seconds

    def user(n: int, kind: str, session) -> None:
        rng = random.Random(seed * 100 + n)
        pages = mix[kind]
        while True:
            path = rng.choice(pages)
            began = time.perf_counter()
            if began >= stop_at:
                return
            try:
                status = session.request("GET", path)[0]
                ok = status == 200
            except Exception as error:  # noqa: BLE001 (a failed request is an error in the figures)
                status, ok = type(error).__name__, False
            if not ok:
                with lock:
                    failures.append(f"{path}: {status}")
            ended = time.perf_counter()
            if began >= start_at and ended <= stop_at:
                with lock:
                    results.append((path.split("?")[0], (ended - began) * 1000, ok))

    threads = [threading.Thread(target=user, args=(n, kind, session)) for n, (kind, session) in enumerate(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for failure in failures[:10]:
        print("error:", failure)
    return results, seconds


def main() -> int:
    args = parse_args()
    if not args.database_url:
        print("give --database-url (a PostgreSQL database of its own)", file=sys.stderr)
        return 2
    env = {**os.environ, "TALENTBANK_DATABASE_URL": args.database_url, "TALENTBANK_SECRET_KEY": "bench-pages",
           "TALENTBANK_RATELIMIT_ENABLED": "false", "TALENTBANK_PASSWORD_HASH_METHOD": HASH_METHOD}
    os.environ.update(env)
    from sqlalchemy import func, select, text

    from talentbank.app import create_app
    from talentbank.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "PASSWORD_HASH_METHOD": HASH_METHOD})
    with app.app_context():
        if not (args.reuse and _is_built(db)):
            build(db, args)
        else:
            from flask_migrate import upgrade

            upgrade()
        from talentbank.accounts.models import User
        from talentbank.cities.models import City
        from talentbank.specialists.models import Specialist

        mix = page_mix(db)
        specialists = db.session.scalar(select(func.count(Specialist.id)))
        cities = db.session.scalar(select(func.count(City.id)).where(City.is_member.is_(True)))
        hr = list(db.session.scalars(select(User.email).where(User.email.like("bench.pages.hr.%"))
                                     .order_by(User.email)))
        with db.engine.connect() as connection:
            version = connection.execute(text("SELECT version()")).scalar().split(",")[0] \
                if db.engine.dialect.name == "postgresql" else "SQLite"
        db.session.remove()
        db.engine.dispose()

    # 4 in 8 users are HR officers of different cities, 2 the coordinator, 2 specialists.
    kinds = ["hr", "coordinator", "hr", "specialist", "hr", "coordinator", "hr", "specialist"]
    users = []
    for n in range(args.users):
        kind = kinds[n % len(kinds)]
        email = (hr[(n * 7) % len(hr)] if kind == "hr" else COORDINATOR if kind == "coordinator"
                 else f"bench.pages.sp{n % SPECIALIST_ACCOUNTS}@bench.talentbank.example")
        users.append((kind, email))

    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "--workers", str(args.workers), "--threads",
                               str(args.threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                               "wsgi:app"], cwd=ROOT, env=env)
    try:
        wait_until_up(port)
        load_before = os.getloadavg()
        cpu_before = _cpu_seconds(server.pid)
        results, seconds = run_load(port, users, mix, args.warmup, args.seconds, args.seed)
        cpu_after = _cpu_seconds(server.pid)
        database_cpu = _database_cpu(args.database_url)
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)

    times = sorted(ms for _, ms, _ in results)
    errors = sum(1 for *_, ok in results if not ok)
    print(f"database: {version}; {specialists:,} specialists, {cities} member cities; gunicorn {args.workers} "
          f"workers ({'sync' if args.threads == 1 else f'gthread, {args.threads} threads each'}); {args.users} users ({', '.join(sorted({k for k, _ in users}))}), keep-alive sessions; "
          f"{args.seconds:.0f} s after {args.warmup:.0f} s warm-up; {os.cpu_count()} CPUs")
    print(f"requests/s {len(results) / seconds:.1f}   median {statistics.median(times):.0f} ms   "
          f"p95 {percentile(times, .95):.0f} ms   p99 {percentile(times, .99):.0f} ms   max {times[-1]:.0f} ms   "
          f"errors {errors} of {len(results)}")
    if cpu_after is not None and cpu_before is not None and results:
        print(f"gunicorn CPU: {(cpu_after - cpu_before) / len(results) * 1000:.0f} ms per request (workers, "
              f"user+system, including warm-up and log-ins)")
    if database_cpu is not None and results:
        print(f"PostgreSQL CPU: {database_cpu / len(results) * 1000:.0f} ms per request (the backends serving this "
              "database, user+system, whole life of the connections: warm-up and log-ins included)")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min); "
          f"{load_after[1]:.2f} (5 min)")
    by_page: dict[str, list[float]] = defaultdict(list)
    for path, ms, _ in results:
        by_page[path].append(ms)
    print(f"{'page':<22}{'n':>6}{'median':>9}{'p95':>8}")
    for path in sorted(by_page):
        values = sorted(by_page[path])
        print(f"{path:<22}{len(values):>6}{statistics.median(values):>9.0f}{percentile(values, .95):>8.0f}")
    return 1 if errors else 0


def _database_cpu(url: str) -> float | None:
    """User+system CPU of the PostgreSQL backends connected to the benchmark's database (gunicorn's pools), from
    /proc: only when the server runs on this machine. Read before gunicorn stops, so its connections still exist."""
    try:
        import psycopg

        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as connection:
            pids = [row[0] for row in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        return total if pids else None
    except Exception:  # noqa: BLE001 (another machine, or no permission: the figure is left out)
        return None


def _cpu_seconds(master_pid: int) -> float | None:
    """User+system CPU of gunicorn's workers (children of the master), from /proc."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        total = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in children:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        return total
    except (OSError, ValueError):
        return None


if __name__ == "__main__":
    sys.exit(main())
