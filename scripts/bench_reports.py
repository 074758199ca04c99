"""Time the alliance picture and the fiscal-year report at national scale on PostgreSQL.

    python scripts/bench_reports.py --database-url postgresql+psycopg://postgres@127.0.0.1/tb_reports
    python scripts/bench_reports.py --database-url ... --reuse        # keep the market built before

Builds (the database named is EMPTIED unless ``--reuse`` finds a market) the market of
``scripts/bench_pages.py`` — 32 member cities, ``--count`` specialists, open requests until about
``--slots`` places are open (about 20,000 requests for 50,000 places) — and then ``--rounds`` succeeded
rounds, each with ``--per-round`` proposals and as many empty-slot rows with solver-shaped reasons, and
``--dispatches`` agreed dispatches (with their accepted offers) over periods around today.
Then requests each page ``--repeat`` times as the coordinating city (in-process test client, after one
untimed request) and prints median and p95 per page, with the load average beside them.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_pages  # noqa: E402  (the market builder)

RULES = ("profession", "licences", "availability", "busy", "days_per_week", "mode", "travel", "excluded_city",
         "own_employer", "forbidden")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("TALENTBANK_DATABASE_URL"), required=False)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--count", type=int, default=50_000, help="specialists")
    parser.add_argument("--slots", type=int, default=50_000, help="open places (about 20,000 requests)")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--per-round", type=int, default=2_000, help="proposals and empty-slot rows per round")
    parser.add_argument("--dispatches", type=int, default=10_000, help="agreed dispatches")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=16)
    return parser.parse_args()


def add_rounds(rounds: int, per_round: int, rng: random.Random) -> None:
    """Succeeded manual rounds with proposals and empty slots (Core inserts)."""
    from sqlalchemy import insert, select

    from talentbank.core import clock
    from talentbank.extensions import db
    from talentbank.matching.models import MatchingRound, Proposal, UnfilledSlot
    from talentbank.matching.services import ensure_rule_set
    from talentbank.requests.models import StaffingRequest
    from talentbank.specialists.models import Specialist

    rule_set = ensure_rule_set()
    requests = db.session.execute(select(StaffingRequest.id, StaffingRequest.city_id)).all()
    specialists = list(db.session.scalars(select(Specialist.id)))
    now = clock.utcnow()
    for n in range(rounds):
        rnd = MatchingRound(kind="scheduled", status="succeeded", rule_set_version_id=rule_set.id, started_at=now,
                            finished_at=now, stats={})
        db.session.add(rnd)
        db.session.flush()
        chosen = rng.sample(requests, 2 * per_round)
        people = rng.sample(specialists, per_round)
        db.session.execute(insert(Proposal), [
            {"round_id": rnd.id, "request_id": r.id, "specialist_id": s, "city_id": r.city_id, "status": "proposed",
             "score": {"total": 30}, "priority_position": k, "served_mode": "onsite", "created_at": now,
             "updated_at": now} for k, (r, s) in enumerate(zip(chosen[:per_round], people))])
        rows = []
        for k, r in enumerate(chosen[per_round:]):
            if rng.random() < 0.3:
                reason = {"kind": "outranked", "eligible": 2, "taken_by": [
                    {"request": str(chosen[0].id), "city": "142085", "priority_position": 0, "why": "city_need",
                     "this_value": 3, "their_value": 0, "specialists": [str(people[0])]}]}
            else:
                counts = {rule: rng.randint(0, 50) for rule in RULES}
                reason = {"kind": "no_eligible", "total": sum(counts.values()), "ruled_out": counts}
            rows.append({"round_id": rnd.id, "request_id": r.id, "city_id": r.city_id, "slots": rng.randint(1, 3),
                         "priority_position": per_round + k, "reason": reason})
        db.session.execute(insert(UnfilledSlot), rows)
        db.session.commit()


def add_dispatches(count: int, rng: random.Random) -> int:
    """Agreed dispatches (one day a week, one per person) from proposals of the rounds, with their accepted
    offers, over periods around today so the current fiscal year has person-days and agreement times."""
    from datetime import timedelta

    from sqlalchemy import insert, select

    from talentbank.core import clock
    from talentbank.dispatches.models import Dispatch, Offer
    from talentbank.extensions import db
    from talentbank.matching.models import Proposal

    today, now = clock.today_tokyo(), clock.utcnow()
    seen, chosen = set(), []
    for pid, rid, sid, cid in db.session.execute(
            select(Proposal.id, Proposal.request_id, Proposal.specialist_id, Proposal.city_id).order_by(Proposal.id)):
        if sid not in seen:
            seen.add(sid)
            chosen.append((pid, rid, sid, cid))
            if len(chosen) == count:
                break
    offers, dispatches = [], []
    first_offer = (db.session.scalar(select(Offer.id).order_by(Offer.id.desc())) or 0) + 1
    for n, (pid, rid, sid, cid) in enumerate(chosen):
        start = today + timedelta(days=rng.randint(-300, 120))
        end = start + timedelta(days=rng.randint(20, 400))
        status = "completed" if end < today else ("active" if start <= today else "scheduled")
        agreed = now - timedelta(days=rng.randint(0, 200), minutes=n)
        offers.append({"id": first_offer + n, "proposal_id": pid, "specialist_id": sid, "request_id": rid,
                       "city_id": cid, "start_date": start, "end_date": end, "days_per_week": 1,
                       "work_mode": "onsite", "status": "accepted", "deadline_at": agreed, "created_at": agreed,
                       "closed_at": agreed})
        dispatches.append({"specialist_id": sid, "city_id": cid, "request_id": rid, "proposal_id": pid,
                           "offer_id": first_offer + n, "start_date": start, "end_date": end, "days_per_week": 1,
                           "work_mode": "onsite", "status": status, "created_at": agreed, "updated_at": agreed})
    db.session.execute(insert(Offer), offers)
    db.session.execute(insert(Dispatch), dispatches)
    db.session.execute(db.text("SELECT setval(pg_get_serial_sequence('dispatch_offers', 'id'), "
                               "(SELECT max(id) FROM dispatch_offers))"))
    db.session.commit()
    return len(dispatches)


def timed(client, url: str, repeat: int) -> list[float]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return sorted(times)


def main() -> int:
    args = parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        print("give --database-url postgresql+psycopg://… of a database of its own (it is emptied)")
        return 2
    from talentbank.app import create_app
    from talentbank.extensions import db
    from talentbank.reports import figures

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "PASSWORD_HASH_METHOD": bench_pages.HASH_METHOD})
    with app.app_context():
        if not (args.reuse and bench_pages._is_built(db)):
            bench_pages.build(db, argparse.Namespace(count=args.count, slots=args.slots, seed=args.seed))
            started = time.perf_counter()
            add_rounds(args.rounds, args.per_round, random.Random(args.seed))
            made = add_dispatches(args.dispatches, random.Random(args.seed))
            print(f"added {made:,} dispatches")
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(db.text("ANALYZE"))
            print(f"added {args.rounds} rounds in {time.perf_counter() - started:.0f} s")
        counts = {t: db.session.execute(db.text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("specialists", "staffing_requests", "matching_rounds", "proposals", "unfilled_slots",
                            "dispatches")}
        print("rows:", ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        year = figures.current_fiscal_year()
    client = app.test_client()
    response = client.post("/login", data={"email": bench_pages.COORDINATOR, "password": bench_pages.PASSWORD})
    assert response.status_code == 302, "log-in failed"
    for label, url in (("alliance picture", "/reports/alliance"), ("fiscal-year report", f"/reports/fiscal-year/{year}"),
                       ("fiscal-year workbook", f"/reports/fiscal-year/{year}.xlsx"), ("report list", "/reports/")):
        times = timed(client, url, args.repeat)
        p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
        print(f"{label:22s} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
              f"(n={len(times)}, load average {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
