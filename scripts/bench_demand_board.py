"""Time the demand board with 20,000 open staffing requests, through the test client.

    python scripts/bench_demand_board.py                       # a temporary SQLite file
    python scripts/bench_demand_board.py --database-url postgresql+psycopg://postgres@127.0.0.1/tb_bench

The database named is EMPTIED and rebuilt by the migrations, so give it one of its own. Prints
the median and 95th percentile of each page (the unfiltered board, filtered boards, the second
page) and of one CSV export of every row, with the database it ran on.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-password-42"


def build(app, count: int, seed: int) -> dict[str, int]:
    """Cities, vocabulary, two accounts and ``count`` live requests (Core inserts, no audit)."""
    from sqlalchemy import insert, select

    from talentbank.accounts.services import create_user
    from talentbank.core import clock
    from talentbank.core.permissions import Role
    from talentbank.demo.cities import seed_cities
    from talentbank.extensions import db
    from talentbank.requests.models import StaffingRequest, staffing_request_fields, staffing_request_licences
    from talentbank.vocabulary.models import ExperienceField, Licence, Profession
    from talentbank.vocabulary.services import seed_vocabulary

    cities = seed_cities()
    seed_vocabulary()
    coordinator = create_user("bench.coordinator@example.test", PASSWORD, "幹事 計測", Role.COORDINATOR)
    hr = create_user("bench.hr@example.test", PASSWORD, "藤沢 計測", Role.CITY_HR, cities["142051"].id)
    db.session.commit()
    rng = random.Random(seed)
    city_ids = [c.id for c in cities.values()]
    professions = list(db.session.scalars(select(Profession)))
    licences = {p.id: [t.id for t in db.session.scalars(select(Licence).where(Licence.profession_id == p.id))]
                for p in professions}
    fields = {p.id: [t.id for t in db.session.scalars(select(ExperienceField)
                                                       .where(ExperienceField.profession_id == p.id))]
              for p in professions}
    today, now = clock.today_tokyo(), clock.utcnow()
    rows, licence_links, field_links = [], [], []
    first_id = (db.session.scalar(select(StaffingRequest.id).order_by(StaffingRequest.id.desc())) or 0) + 1
    for n in range(count):
        profession = rng.choice(professions)
        urgency = rng.choices(["disaster", "statutory", "ordinary"], weights=[1, 3, 12])[0]
        start = today + timedelta(days=rng.randint(0, 400))
        people = rng.randint(1, 4)
        status = rng.choices(["open", "partly_filled"], weights=[5, 1])[0]
        rows.append(dict(
            id=first_id + n, city_id=rng.choice(city_ids), department="都市整備部", section=f"第{n % 40 + 1}課",
            profession_id=profession.id, people=people, start_date=start,
            end_date=start + timedelta(days=rng.randint(30, 730)), days_per_week=rng.randint(1, 5),
            work_mode=rng.choice(["onsite", "remote", "either"]), urgency=urgency,
            urgency_reason=None if urgency == "ordinary" else "計測用の理由", description="計測用の業務内容",
            internal_notes="", status=status, filled_count=1 if status == "partly_filled" and people > 1 else 0,
            carry_over_count=rng.randint(0, 2), posted_at=now - timedelta(minutes=n), created_at=now,
            updated_at=now, lock_version=1))
        if rows[-1]["status"] == "partly_filled" and people == 1:
            rows[-1]["status"] = "open"
        for licence_id in rng.sample(licences[profession.id], k=min(len(licences[profession.id]), rng.randint(0, 2))):
            licence_links.append({"request_id": first_id + n, "licence_id": licence_id})
        for field_id in rng.sample(fields[profession.id], k=min(len(fields[profession.id]), rng.randint(0, 2))):
            field_links.append({"request_id": first_id + n, "field_id": field_id})
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(StaffingRequest.__table__), rows[start:start + 5000])
    if licence_links:
        db.session.execute(insert(staffing_request_licences), licence_links)
    if field_links:
        db.session.execute(insert(staffing_request_fields), field_links)
    db.session.commit()
    advance_sequences([StaffingRequest.__table__, staffing_request_licences, staffing_request_fields])
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
    return {"coordinator": coordinator.id, "hr": hr.id, "civil": next(p.id for p in professions if p.code == "civil"),
            "zushi": cities["142085"].id}


def advance_sequences(tables) -> None:
    """Rows were inserted with explicit ids: move each table's id sequence (PostgreSQL) past them, so the
    app's next insert does not collide with them. Link tables without an ``id`` have no sequence."""
    from sqlalchemy import text

    from talentbank.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.c:
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                    f"(SELECT max(id) FROM {table.name}))"))
    db.session.commit()


def check_sequences(hr_id: int, profession_id: int) -> None:
    """Save a new request through the service, as the app does: it must get a fresh id (no duplicate key)."""
    from datetime import timedelta

    from talentbank.accounts.models import User
    from talentbank.core import clock
    from talentbank.extensions import db
    from talentbank.requests.services import RequestValues, create_request

    start = clock.today_tokyo() + timedelta(days=60)
    req = create_request(db.session.get(User, hr_id), RequestValues(
        department="都市整備部", section="計測後の確認", profession_id=profession_id, required_licence_ids=(),
        desired_field_ids=(), people=1, start_date=start, end_date=start + timedelta(days=90), days_per_week=2,
        work_mode="onsite", urgency="ordinary", description="計測後に新しい要請が保存できることの確認"))
    print(f"sequences ok (a new request saved through the service as #{req.id}, a draft)")


def timed(client, url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        data = response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        assert len(data) > 1000
    return times


def report(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)]
    print(f"  {label:48} median {statistics.median(ordered):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ordered)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="database to EMPTY and use (default: a temporary SQLite file)")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from talentbank.app import create_app
    from talentbank.extensions import db
    from talentbank.requests.models import StaffingRequest

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='tb-bench-')}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "TESTING": True})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade()
        started = time.perf_counter()
        ids = build(app, args.requests, args.seed)
        live = db.session.scalar(select(func.count(StaffingRequest.id))
                                 .where(StaffingRequest.status.in_(("open", "partly_filled"))))
        version = db.session.execute(text("select sqlite_version()" if db.engine.dialect.name == "sqlite"
                                          else "show server_version")).scalar()
        print(f"database: {db.engine.dialect.name} {version}  ({db.engine.url.render_as_string(hide_password=True)})")
        print(f"live requests: {live:,}  (built in {time.perf_counter() - started:.1f} s)")
        check_sequences(ids["hr"], ids["civil"])

    client = app.test_client()
    for who, email in (("coordinator", "bench.coordinator@example.test"), ("HR officer (Fujisawa)", "bench.hr@example.test")):
        client.post("/logout")
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        print(f"as {who}:")
        timed(client, "/requests/board", 2)  # warm caches and templates
        report("board, no filter (page 1 of 50 rows)", timed(client, "/requests/board", args.runs))
        report("board, page 40", timed(client, "/requests/board?page=40", args.runs))
        report("board, disaster only", timed(client, "/requests/board?urgency=disaster", args.runs))
        report("board, civil engineers in Zushi",
               timed(client, f"/requests/board?profession_id={ids['civil']}&city_id={ids['zushi']}", args.runs))
        report("board, period filter (overlapping a month)",
               timed(client, "/requests/board?period_from=2027-06-01&period_to=2027-06-30", args.runs))
    report("CSV export of every live request", timed(client, "/requests/board.csv", 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
