"""Time the round pages with many stored rounds of realistic size: the round list, a round's progress poll.

    python scripts/bench_round_pages.py                       # a temporary SQLite file
    python scripts/bench_round_pages.py --database-url postgresql+psycopg://postgres@127.0.0.1/tb_bench_rounds

The database named is EMPTIED and rebuilt by the migrations, so give it one of its own. Stores
``--rounds`` (50: the list's page size) finished rounds, each with a stored problem and result of
``--megabytes`` (20, as a round of the prefecture scale stores) and a review digest of a round with
about 2,500 requests, then times through the test client, as the coordinator: the round list
(``/matching/``), a round's progress page and its status poll (``status.json``, every second while a
round runs). For comparison it also times reading the same 50 rows with every column (what the list
did before the stored problem and result were deferred). Prints median and 95th percentile, SQL
statements and the HTML size of each.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "Rv4-list-timing-58"
EMAIL = "rounds.coordinator@bench.talentbank.example"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL of a database of its own (default: a temporary "
                                               "SQLite file)")
    parser.add_argument("--rounds", type=int, default=50, help="stored rounds")
    parser.add_argument("--megabytes", type=float, default=20.0,
                        help="stored problem and result of each round together, in MB")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    return parser.parse_args()


def payloads(megabytes: float, rng: random.Random) -> tuple[str, str, str]:
    """A problem, a result and a digest shaped like the real ones (specialists, assignments, priority order)."""
    requests = [{"id": str(100000 + i), "city": "14%04d" % rng.randrange(2000), "profession": "civil",
                 "slots": rng.randint(1, 3), "urgency": rng.choice(["disaster", "statutory", "ordinary"]),
                 "required_licences": ["gijutsushi_construction"] if i % 4 == 0 else []}
                for i in range(2500)]
    problem = {"version": 1, "requests": requests, "specialists": []}
    result = {"status": "optimal", "assignments": [], "unfilled": [], "exchange_cycles": [],
              "priority_order": [{"position": i, "request": r["id"], "city": r["city"], "urgency": r["urgency"],
                                  "city_need_rank": rng.randint(1, 32), "carry_over": 0,
                                  "posted_at": "2026-11-30T09:00:00"} for i, r in enumerate(requests)],
              "warnings": [], "unmatched_offers": []}
    # 60 % of the bytes in the problem (the registry), 40 % in the result (assignments with scores).
    target = megabytes * 1_000_000
    n = 0
    while len(json.dumps(problem, ensure_ascii=False)) < target * 0.6:
        problem["specialists"].extend(
            {"id": str(n + k), "home_city": "14%04d" % rng.randrange(2000), "professions": ["civil"],
             "licences": ["gijutsushi_construction"], "experience": {"roads": rng.randint(0, 30)},
             "availability": [["2026-12-01", "2028-11-30"]], "days_per_week": 3, "modes": ["onsite"],
             "preferred_cities": [], "excluded_cities": [], "employer_city": None} for k in range(5000))
        n += 5000
    while len(json.dumps(result, ensure_ascii=False)) < target * 0.4:
        result["assignments"].extend(
            {"request": rng.choice(requests)["id"], "specialist": str(rng.randrange(n)), "pinned": False,
             "score": {"experience": 12, "extra_licences": 2, "travel": 17, "preferred_city": 0, "continuity": 0,
                       "total": 31}, "priority_position": rng.randrange(2500), "served_mode": "onsite"}
            for _ in range(5000))
    from talentbank.matching.digest import digest_text

    return json.dumps(problem, ensure_ascii=False), json.dumps(result, ensure_ascii=False), digest_text(result, problem)


def build(args: argparse.Namespace) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from talentbank.accounts.services import create_user
    from talentbank.core import clock
    from talentbank.core.permissions import Role
    from talentbank.demo.cities import seed_cities
    from talentbank.extensions import db
    from talentbank.matching.models import MatchingRound
    from talentbank.matching.rule_sets import ensure_rule_set
    from tests.conftest import reset_schema

    reset_schema(db)
    upgrade()
    seed_cities()
    coordinator = create_user(EMAIL, PASSWORD, "幹事 計測", Role.COORDINATOR)
    rule_set = ensure_rule_set(coordinator)
    db.session.commit()
    started = time.perf_counter()
    problem, result, digest = payloads(args.megabytes, random.Random(14))
    print(f"payload: problem {len(problem) / 1e6:.1f} MB + result {len(result) / 1e6:.1f} MB per round, "
          f"digest {len(digest) / 1e3:.0f} kB (made in {time.perf_counter() - started:.1f} s)")
    now = clock.utcnow()
    started = time.perf_counter()
    for i in range(args.rounds):
        at = now - timedelta(days=7 * (args.rounds - i))
        db.session.execute(insert(MatchingRound).values(
            kind="manual", status="succeeded", rule_set_version_id=rule_set.id, started_by_id=coordinator.id,
            created_at=at, started_at=at, finished_at=at + timedelta(seconds=95), problem_json=problem,
            result_json=result, review_json=digest, input_fingerprint="%064x" % i, solver_status="optimal",
            stats={"summary": {"proposals": 2041, "unfilled_slots": 523, "cycles": 12}, "input": {"requests": 2500},
                   "kept_rings": []}))
        db.session.commit()
    print(f"stored {args.rounds} rounds in {time.perf_counter() - started:.1f} s")


def time_page(client, url: str, runs: int, engine) -> tuple[float, float, int, int]:
    from sqlalchemy import event

    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    client.get(url)  # warm: templates compiled
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


def time_full_rows(runs: int) -> tuple[float, float]:
    """The 50 newest rounds with every column, as the list read them before the deferral."""
    from sqlalchemy import select
    from sqlalchemy.orm import undefer

    from talentbank.extensions import db
    from talentbank.matching.models import MatchingRound

    times = []
    for _ in range(max(3, runs // 5)):
        db.session.expunge_all()
        started = time.perf_counter()
        rows = list(db.session.scalars(select(MatchingRound).options(undefer("*"))
                                       .order_by(MatchingRound.id.desc()).limit(50)))
        assert rows
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[-1]


def main() -> int:
    args = parse_args()
    from talentbank.app import create_app
    from talentbank.extensions import db

    tmp = None
    url = args.database_url
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "TESTING": True})
    with app.app_context():
        print(f"database: {db.engine.dialect.name} ({db.engine.url.render_as_string(hide_password=True)})")
        build(args)
        from sqlalchemy import func, select

        from talentbank.matching.models import MatchingRound

        newest = db.session.scalar(select(func.max(MatchingRound.id)))
        client = app.test_client()
        response = client.post("/login", data={"email": EMAIL, "password": PASSWORD})
        assert response.status_code == 302, "log-in failed"
        pages = [(f"round list ({args.rounds} rounds)", "/matching/"),
                 ("progress page", f"/matching/rounds/{newest}/progress"),
                 ("status poll", f"/matching/rounds/{newest}/status.json")]
        for label, page in pages:
            median, p95, statements, size = time_page(client, page, args.requests, db.engine)
            print(f"  {label:26} median {median:7.1f} ms   p95 {p95:7.1f} ms   {statements:3d} SQL statements   "
                  f"{size / 1024:,.0f} KiB")
        median, worst = time_full_rows(args.requests)
        print(f"  {'(50 rows, every column)':26} median {median:7.1f} ms   max {worst:7.1f} ms   "
              "what the list read before the deferral, without rendering")
    return 0


if __name__ == "__main__":
    sys.exit(main())
