"""Time the review screen of a matching round with 2,000 proposals, through the test client.

    python scripts/bench_review_screen.py                  # a temporary SQLite file (the target machine)
    python scripts/bench_review_screen.py --database-url postgresql+psycopg://postgres@127.0.0.1/tb_bench

The database named is EMPTIED and rebuilt by the migrations, so give it one of its own (``--reuse`` times
the round a previous run left there; ``--keep FILE`` builds a SQLite file once and reuses it). Builds the
eight cities, a registry of plausible specialists and enough open staffing requests, runs a real
matching round (the solver in this process) until it proposes at least ``--proposals`` pairings, and one
round more (so that "changed since the last round" compares two real rounds; ``--single-round`` skips it),
then times the coordinator's review page of the last round: the first page of all cities, one city, the
review desk's search by TB number, a profession-and-status filter, "changed since the last round", and
one request. Prints the database, the round's size, and for each page the median and 95th percentile
response time, the number of SQL statements and the size of the HTML.
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

PASSWORD = "Tq8-review-clock-71"  # the password policy refuses one containing the address
EMAIL = "bench.coordinator@example.test"
HR_EMAIL = "bench.hr@example.test"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL of a database of its own (default: a temporary "
                                               "SQLite file)")
    parser.add_argument("--proposals", type=int, default=2000, help="at least this many proposals in the round")
    parser.add_argument("--specialists", type=int, default=4000, help="specialists in the registry")
    parser.add_argument("--requests", type=int, default=25, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=20210531)
    parser.add_argument("--keep", help="build into this SQLite file and keep it (reused when it exists)")
    parser.add_argument("--reuse", action="store_true",
                        help="time the latest round already in --database-url instead of rebuilding")
    parser.add_argument("--single-round", action="store_true",
                        help="do not run the second round that 'changed since the last round' compares with")
    return parser.parse_args()


def add_requests(count: int, rng: random.Random) -> None:
    """``count`` open requests spread over the cities and professions the registry holds (Core inserts)."""
    from sqlalchemy import insert, select

    from talentbank.cities.models import City
    from talentbank.core import clock
    from talentbank.extensions import db
    from talentbank.requests.models import StaffingRequest, staffing_request_fields, staffing_request_licences
    from talentbank.vocabulary.models import ExperienceField, Licence, Profession

    city_ids = list(db.session.scalars(select(City.id).where(City.is_member.is_(True))))
    professions = {p.code: p.id for p in db.session.scalars(select(Profession))}
    weights = {"civil": 8, "public_health_nurse": 5, "architecture": 3, "sewerage": 2, "parks": 1,
               "electrical_mechanical": 1, "social_welfare": 2, "information": 1}
    licences = {pid: list(db.session.scalars(select(Licence.id).where(Licence.profession_id == pid)))
                for pid in professions.values()}
    fields = {pid: list(db.session.scalars(select(ExperienceField.id).where(ExperienceField.profession_id == pid)))
              for pid in professions.values()}
    today, now = clock.today_tokyo(), clock.utcnow()
    first = (db.session.scalar(select(StaffingRequest.id).order_by(StaffingRequest.id.desc())) or 0) + 1
    rows, licence_links, field_links = [], [], []
    codes = [c for c in weights if c in professions]
    for n in range(count):
        request_id = first + n
        pid = professions[rng.choices(codes, weights=[weights[c] for c in codes])[0]]
        urgency = rng.choices(["disaster", "statutory", "ordinary"], weights=[1, 3, 12])[0]
        start = today + timedelta(days=rng.randint(20, 200))
        rows.append(dict(
            id=request_id, city_id=rng.choice(city_ids), department="都市整備部", section=f"計測課{n % 40}",
            profession_id=pid, people=rng.choices([1, 2, 3], weights=[5, 3, 2])[0], start_date=start,
            end_date=start + timedelta(days=rng.randint(60, 300)), days_per_week=rng.randint(1, 3),
            work_mode=rng.choices(["onsite", "either", "remote"], weights=[6, 3, 1])[0], urgency=urgency,
            urgency_reason=None if urgency == "ordinary" else "計測用の理由", description="計測用の派遣要請",
            internal_notes="", status="open", filled_count=0, carry_over_count=rng.choice([0, 0, 0, 1]),
            posted_at=now - timedelta(minutes=n), created_at=now, updated_at=now, lock_version=1))
        if licences[pid] and rng.random() < 0.3:
            licence_links.append(dict(request_id=request_id, licence_id=rng.choice(licences[pid])))
        if fields[pid]:
            field_links.append(dict(request_id=request_id, field_id=rng.choice(fields[pid])))
    db.session.execute(insert(StaffingRequest), rows)
    if licence_links:
        db.session.execute(staffing_request_licences.insert(), licence_links)
    if field_links:
        db.session.execute(staffing_request_fields.insert(), field_links)
    db.session.commit()
    advance_sequences([StaffingRequest.__table__, staffing_request_licences, staffing_request_fields])


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


def check_sequences() -> None:
    """Save a new request through the service, as the app does: it must get a fresh id (no duplicate key).

    Also advances the sequences of every table the build wrote with explicit ids first (the registry's
    ``bulk_pool`` moves its own), so a database left by an older run of this script is repaired too."""
    from sqlalchemy import select

    from talentbank.accounts.models import User
    from talentbank.accounts.services import create_user
    from talentbank.cities.models import City
    from talentbank.core import clock
    from talentbank.core.permissions import Role
    from talentbank.extensions import db
    from talentbank.requests.models import StaffingRequest, staffing_request_fields, staffing_request_licences
    from talentbank.requests.services import RequestValues, create_request
    from talentbank.specialists.models import Specialist
    from talentbank.vocabulary.models import Profession

    advance_sequences([Specialist.__table__, StaffingRequest.__table__, staffing_request_licences,
                       staffing_request_fields])
    hr = db.session.scalar(select(User).where(User.email == HR_EMAIL))
    if hr is None:
        city_id = db.session.scalar(select(City.id).where(City.is_member.is_(True)).order_by(City.code))
        hr = create_user(HR_EMAIL, PASSWORD, "人事 計測", Role.CITY_HR, city_id)
        db.session.commit()
    start = clock.today_tokyo() + timedelta(days=60)
    civil = db.session.scalar(select(Profession.id).where(Profession.code == "civil"))
    req = create_request(hr, RequestValues(
        department="都市整備部", section="計測後の確認", profession_id=civil, required_licence_ids=(),
        desired_field_ids=(), people=1, start_date=start, end_date=start + timedelta(days=90), days_per_week=2,
        work_mode="onsite", urgency="ordinary", description="計測後に新しい要請が保存できることの確認"))
    print(f"sequences ok (a new request saved through the service as #{req.id}, a draft)")


def build(app, args: argparse.Namespace) -> int:
    """Everything the round needs, then rounds until one proposes enough; returns the round's id."""
    from flask_migrate import upgrade

    from talentbank.accounts.services import create_user
    from talentbank.core.permissions import Role
    from talentbank.demo.cities import seed_cities
    from talentbank.demo.specialists import bulk_pool
    from talentbank.extensions import db
    from talentbank.matching import services
    from tests.conftest import reset_schema

    reset_schema(db)
    upgrade()
    seed_cities()
    coordinator = create_user(EMAIL, PASSWORD, "幹事 計測", Role.COORDINATOR)
    db.session.commit()
    started = time.perf_counter()
    bulk_pool(args.specialists, seed=args.seed)
    print(f"registry: {args.specialists:,} specialists in {time.perf_counter() - started:.1f} s")
    rng = random.Random(args.seed)
    add_requests(int(args.proposals * 0.75), rng)
    while True:
        started = time.perf_counter()
        rnd = services.run_round_now(services.queue_round(coordinator).id)
        summary = rnd.stats.get("summary", {})
        print(f"round {rnd.id}: {rnd.status}, {summary.get('proposals', 0):,} proposals, "
              f"{summary.get('unfilled_slots', 0):,} empty slots, solver {rnd.solver_status}, "
              f"{time.perf_counter() - started:.1f} s")
        if rnd.status != "succeeded":
            raise SystemExit(f"round failed: {rnd.error}")
        if summary.get("proposals", 0) >= args.proposals:
            return rnd.id
        add_requests(max(100, int((args.proposals - summary.get("proposals", 0)) * 1.2)), rng)


def ensure_previous_round(round_id: int) -> int:
    """A second round after ``round_id`` when it has no completed round before it (what "changed since the
    last round" compares with); returns the round to time."""
    from sqlalchemy import select

    from talentbank.accounts.models import User
    from talentbank.extensions import db
    from talentbank.matching import services
    from talentbank.matching.models import MatchingRound
    from talentbank.matching.review import previous_round

    rnd = db.session.get(MatchingRound, round_id)
    if previous_round(rnd) is not None:
        return round_id
    coordinator = db.session.scalar(select(User).where(User.email == EMAIL))
    started = time.perf_counter()
    second = services.run_round_now(services.queue_round(coordinator).id)
    summary = second.stats.get("summary", {})
    print(f"round {second.id} (after round {round_id}, for 'changed since the last round'): {second.status}, "
          f"{summary.get('proposals', 0):,} proposals, {time.perf_counter() - started:.1f} s")
    if second.status != "succeeded":
        raise SystemExit(f"round failed: {second.error}")
    return second.id


def time_page(client, url: str, runs: int, engine) -> tuple[float, float, int, int]:
    """Median and 95th percentile (ms), SQL statements and HTML bytes of ``url``."""
    from sqlalchemy import event

    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    client.get(url)  # warm: templates compiled, the round's answer parsed once
    times = []
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(runs):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, len(statements), len(response.data)


def main() -> int:
    args = parse_args()
    from talentbank.app import create_app
    from talentbank.extensions import db

    tmp = None
    url = args.database_url
    reuse = args.reuse
    if args.keep:
        reuse = Path(args.keep).exists()
        url = f"sqlite:///{Path(args.keep).resolve()}"
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "MATCHING_SOLVER": "inline",
                      "MATCHING_RUNNER": "inline", "SOLVER_TIME_LIMIT_S": 20})
    with app.app_context():
        print(f"database: {db.engine.dialect.name} ({db.engine.url.render_as_string(hide_password=True)})")
        if reuse:
            from sqlalchemy import select as _select

            from talentbank.matching.models import MatchingRound

            round_id = db.session.scalar(_select(MatchingRound.id).order_by(MatchingRound.id.desc()))
        else:
            round_id = build(app, args)
        if not args.single_round:
            round_id = ensure_previous_round(round_id)
        check_sequences()
        from sqlalchemy import func, select

        from talentbank.matching.models import Proposal

        proposals = db.session.scalar(select(func.count(Proposal.id)).where(Proposal.round_id == round_id))
        first = db.session.scalar(select(Proposal).where(Proposal.round_id == round_id).order_by(Proposal.id))
        client = app.test_client()
        response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert response.status_code == 302, "log-in failed"
        print(f"review of round {round_id}: {proposals:,} proposals")
        pages = [("all cities, first page", f"/matching/rounds/{round_id}"),
                 ("one city", f"/matching/rounds/{round_id}?city_id={first.city_id}"),
                 ("search by TB number", f"/matching/rounds/{round_id}?q=TB-{first.specialist_id:06d}"),
                 ("civil, still proposed", f"/matching/rounds/{round_id}?profession=civil&status=proposed"),
                 ("changed since last round", f"/matching/rounds/{round_id}?changed=1"),
                 ("one request", f"/matching/rounds/{round_id}/requests/{first.request_id}")]
        worst = 0.0
        for label, page in pages:
            median, p95, statements, size = time_page(client, page, args.requests, db.engine)
            worst = max(worst, p95)
            print(f"  {label:26} median {median:7.1f} ms   p95 {p95:7.1f} ms   {statements:3d} SQL statements   "
                  f"{size / 1024:,.0f} KiB")
        print(f"slowest p95: {worst:.1f} ms ({'under' if worst < 1000 else 'OVER'} one second)")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
