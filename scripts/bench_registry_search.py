"""Time the coordinator's registry search with 50,000 specialists.

Fills the database named by ``--database`` (or ``TALENTBANK_DATABASE_URL``) with the eight cities,
the vocabularies and ``--count`` plausible specialists (kept between runs; only the missing ones
are added), then sends ``--requests`` GET requests for the registry page through Flask's test
client, logged in as a coordinator, cycling through realistic filters. Prints the database it ran
on, the median and 95th percentile of the response times and the SQL statements per page.

    python scripts/bench_registry_search.py --database postgresql+psycopg://postgres@127.0.0.1/tb_bench

Use a database of its own: the schema is created there by the migrations when it is empty.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select, text  # noqa: E402

BENCH_EMAIL = "bench.coordinator@bench.talentbank.example"
BENCH_PASSWORD = "bench-password-2026"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=os.environ.get("TALENTBANK_DATABASE_URL"),
                        help="SQLAlchemy URL (default: TALENTBANK_DATABASE_URL)")
    parser.add_argument("--count", type=int, default=50_000, help="specialists in the registry")
    parser.add_argument("--requests", type=int, default=100, help="timed requests")
    parser.add_argument("--per-page", type=int, default=50)
    return parser.parse_args()


def prepare(app, count: int) -> int:
    """Schema, cities, vocabularies, a coordinator and ``count`` specialists; returns how many were added."""
    from flask_migrate import upgrade

    from talentbank.accounts.models import User
    from talentbank.accounts.services import create_user
    from talentbank.core.permissions import Role
    from talentbank.demo.cities import seed_cities
    from talentbank.demo.specialists import bulk_pool
    from talentbank.extensions import db
    from talentbank.specialists.models import Specialist

    upgrade()
    seed_cities()
    if db.session.scalar(select(User.id).where(User.email == BENCH_EMAIL)) is None:
        create_user(BENCH_EMAIL, BENCH_PASSWORD, "ベンチマーク 幹事", Role.COORDINATOR)
    db.session.commit()
    have = db.session.scalar(select(func.count(Specialist.id))) or 0
    if have >= count:
        return 0
    started = time.perf_counter()
    added = bulk_pool(count - have)
    print(f"added {added:,} specialists in {time.perf_counter() - started:.1f} s")
    return added


def searches(app) -> list[str]:
    """Filters a coordinator uses: by profession, licence, field, home city, date, status, text, page."""
    from talentbank.cities.models import City
    from talentbank.core.clock import today_tokyo
    from talentbank.extensions import db
    from talentbank.vocabulary.models import ExperienceField, Licence, Profession

    def ids(model, codes):
        return [db.session.scalar(select(model.id).where(model.code == c)) for c in codes]

    civil, nurse = ids(Profession, ["civil", "public_health_nurse"])
    gijutsushi, phn_licence, architect = ids(Licence, ["gijutsushi_construction", "public_health_nurse_licence",
                                                      "architect_1"])
    slopes, infection = ids(ExperienceField, ["slopes", "infection_control"])
    zushi, yokohama = (db.session.scalar(select(City.id).where(City.code == c)) for c in ("142085", "141003"))
    day = (today_tokyo().replace(day=1)).isoformat()
    return [
        "",
        f"profession_id={civil}",
        f"licence_id={gijutsushi}&sort=kana",
        f"profession_id={nurse}&licence_id={phn_licence}&available_on={day}",
        f"field_id={slopes}&min_years=10&home_city_id={zushi}",
        f"field_id={infection}&sort=confirmed_asc",
        f"home_city_id={yokohama}&status=active&sort=kana",
        f"licence_id={architect}&available_on={day}&status=active",
        "status=paused",
        "q=たなか",
        "sort=kana&page=400",
        f"profession_id={civil}&available_on={day}&sort=confirmed_desc&page=20",
    ]


def main() -> int:
    args = parse_args()
    if not args.database:
        print("give --database or set TALENTBANK_DATABASE_URL (use a database of its own)", file=sys.stderr)
        return 2
    from talentbank.app import create_app
    from talentbank.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database, "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SECRET_KEY": "bench"})
    with app.app_context():
        prepare(app, args.count)
        engine = db.engine
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version()")).scalar() if engine.dialect.name == "postgresql" \
                else f"SQLite {connection.exec_driver_sql('select sqlite_version()').scalar()}"
        from talentbank.specialists.models import Specialist

        total = db.session.scalar(select(func.count(Specialist.id)))
        queries = searches(app)
        db.session.remove()

    client = app.test_client()
    response = client.post("/login", data={"email": BENCH_EMAIL, "password": BENCH_PASSWORD})
    assert response.status_code == 302, "log-in failed"
    statements: list[int] = []
    counter = {"n": 0}

    def count(*_args) -> None:
        counter["n"] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    for query in queries:  # warm-up: one pass, untimed
        assert client.get(f"/specialists/?{query}&per_page={args.per_page}").status_code == 200
    timings = []
    for i in range(args.requests):
        query = queries[i % len(queries)]
        counter["n"] = 0
        started = time.perf_counter()
        response = client.get(f"/specialists/?{query}&per_page={args.per_page}")
        timings.append((time.perf_counter() - started) * 1000)
        statements.append(counter["n"])
        assert response.status_code == 200, (query, response.status_code)
    timings.sort()
    p95 = timings[max(0, int(round(0.95 * len(timings))) - 1)]
    print(f"database: {engine.dialect.name} — {version}")
    print(f"specialists: {total:,}; requests: {len(timings)} (GET /specialists/, {len(queries)} filter mixes, "
          f"{args.per_page} per page, Flask test client, logged in as coordinator)")
    print(f"median {statistics.median(timings):.1f} ms   p95 {p95:.1f} ms   max {timings[-1]:.1f} ms")
    print(f"SQL statements per page: min {min(statements)}, max {max(statements)} (incl. session and audit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
