"""Time the home-page dashboards of the coordinating city and of an HR officer at national scale on PostgreSQL.

    python scripts/bench_dashboard.py --database-url postgresql+psycopg://postgres@127.0.0.1/tb_dashboard
    python scripts/bench_dashboard.py --database-url ... --reuse        # keep the market built before

Builds (the database named is EMPTIED unless ``--reuse`` finds a market) the market of
``scripts/bench_pages.py`` — 32 member cities, ``--count`` specialists, open requests until about
``--slots`` places are open (about 20,000 requests for 50,000 places) — and ``--rounds`` succeeded rounds
with proposals and empty-slot rows (``scripts/bench_reports.py``'s builder). As after real rounds, only
the newest round's proposals still wait for review; older ones were approved, rejected or superseded.
Then a slice of the market is moved on: a quarter of the approved pairings became offers (some about
to lapse), accepted offers dispatches (some ended, a few with arrival details), some exchange rings
wait for cities, some people wait for a check, some job runs and mails failed.

Then opens ``/`` ``--repeat`` times as the coordinating city and as the HR officer of the city with the
most requests (in-process test client, after one untimed request each) and prints median and p95, with
the load average beside them. The target is p95 < 300 ms.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import bench_pages  # noqa: E402  (the market builder)
import bench_reports  # noqa: E402  (the rounds builder)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("TALENTBANK_DATABASE_URL"),
                        help="PostgreSQL URL of a database of its own (emptied unless --reuse finds a market)")
    parser.add_argument("--reuse", action="store_true", help="keep the market if one was built before")
    parser.add_argument("--count", type=int, default=50_000, help="specialists")
    parser.add_argument("--slots", type=int, default=50_000, help="open places (about 20,000 requests)")
    parser.add_argument("--rounds", type=int, default=100, help="past rounds")
    parser.add_argument("--per-round", type=int, default=2_000, help="proposals and empty-slot rows per round")
    parser.add_argument("--repeat", type=int, default=50, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=17)
    return parser.parse_args()


# --------------------------------------------------------------------------- moving the market on

def settle_rounds(rng: random.Random) -> None:
    """Only the newest round's proposals still wait; older ones were decided (and some offered and answered)."""
    from sqlalchemy import func, select, update

    from talentbank.extensions import db
    from talentbank.matching.models import Proposal

    newest = db.session.scalar(select(func.max(Proposal.round_id)))
    db.session.execute(update(Proposal).where(Proposal.round_id < newest).values(status="superseded"))
    # In each older round a few pairings were approved: their fates are set in ``offers_and_dispatches``.
    older = list(db.session.scalars(select(Proposal.id).where(Proposal.round_id < newest)))
    approved = rng.sample(older, min(len(older), 4_000))
    db.session.execute(update(Proposal).where(Proposal.id.in_(approved)).values(status="approved"))
    db.session.commit()


def offers_and_dispatches(rng: random.Random) -> tuple[int, int]:
    """Approved pairings become offers; of those a third are pending (some lapse soon), the rest accepted,
    and each accepted one a dispatch: scheduled, active or completed. Each specialist gets at most one."""
    from sqlalchemy import insert, select, update

    from talentbank.core import clock
    from talentbank.dispatches.arrival import DispatchArrival
    from talentbank.dispatches.models import Dispatch, Offer
    from talentbank.extensions import db
    from talentbank.matching.models import Proposal
    from talentbank.requests.models import StaffingRequest

    now, today = clock.utcnow(), clock.today_tokyo()
    rows = db.session.execute(
        select(Proposal.id, Proposal.specialist_id, Proposal.request_id, Proposal.city_id, StaffingRequest.start_date,
               StaffingRequest.end_date)
        .join(StaffingRequest, StaffingRequest.id == Proposal.request_id)
        .where(Proposal.status == "approved").order_by(Proposal.id)).all()
    seen, offers = set(), []
    for row in rows:
        if row.specialist_id in seen:
            continue
        seen.add(row.specialist_id)
        offers.append(row)
    offer_rows, dispatch_rows, pending_ids, accepted_ids = [], [], [], []
    for k, row in enumerate(offers):
        pending = k % 3 == 0
        offer_rows.append(dict(
            proposal_id=row.id, specialist_id=row.specialist_id, request_id=row.request_id, city_id=row.city_id,
            start_date=row.start_date, end_date=row.end_date, days_per_week=1, work_mode="onsite",
            status="pending" if pending else "accepted",
            deadline_at=now + timedelta(hours=rng.randint(2, 24 * 7)), created_at=now,
            closed_at=None if pending else now))
        (pending_ids if pending else accepted_ids).append(row.id)
    # The trigger of migration 0006 checks each row's days per week; one offer per person keeps within it.
    db.session.execute(insert(Offer), offer_rows)
    db.session.execute(update(Proposal).where(Proposal.id.in_(pending_ids)).values(status="offered"))
    db.session.execute(update(Proposal).where(Proposal.id.in_(accepted_ids)).values(status="accepted"))
    offer_ids = dict(db.session.execute(select(Offer.proposal_id, Offer.id).where(Offer.status == "accepted")).all())
    by_proposal = {row.id: row for row in offers}
    for k, proposal_id in enumerate(accepted_ids):
        row = by_proposal[proposal_id]
        status = ("scheduled", "active", "completed")[k % 3]
        start, end = row.start_date, row.end_date
        if status != "scheduled":  # already begun (or over): moved into the past
            start, end = today - timedelta(days=120), today + timedelta(days=(10 if status == "active" else -5))
        dispatch_rows.append(dict(
            specialist_id=row.specialist_id, city_id=row.city_id, request_id=row.request_id, proposal_id=proposal_id,
            offer_id=offer_ids[proposal_id], start_date=start, end_date=end, days_per_week=1, work_mode="onsite",
            status=status, created_at=now, updated_at=now, started_at=None if status == "scheduled" else now,
            completed_at=now if status == "completed" else None))
    db.session.execute(insert(Dispatch), dispatch_rows)
    dispatch_ids = list(db.session.scalars(select(Dispatch.id).where(Dispatch.status != "completed")))
    db.session.execute(insert(DispatchArrival), [
        dict(dispatch_id=d, contact_name="計測 担当", contact_phone="046-873-1111", contact_email="", place="市役所",
             first_day_on=today, what_to_bring="", created_at=now, updated_at=now)
        for d in rng.sample(dispatch_ids, len(dispatch_ids) // 2)])
    db.session.commit()
    return len(offer_rows), len(dispatch_rows)


def waiting_work(rng: random.Random) -> None:
    """People waiting for a check, failed job runs and mails, proposed exchange rings."""
    from sqlalchemy import insert, select, update

    from talentbank.core import clock
    from talentbank.extensions import db
    from talentbank.notifications.models import OutboxMessage
    from talentbank.scheduler.models import JobRun
    from talentbank.specialists.models import Specialist, specialist_licences

    now = clock.utcnow()
    ids = list(db.session.scalars(select(Specialist.id).order_by(Specialist.id)))
    waiting = rng.sample(ids, min(len(ids), 800))
    db.session.execute(update(specialist_licences).where(specialist_licences.c.specialist_id.in_(waiting))
                       .values(status="pending", checked_by=None, reviewed_by_id=None, reviewed_at=None))
    db.session.execute(insert(JobRun), [
        dict(job_name=name, source="schedule", status=status, started_at=now, finished_at=now, summary_params={})
        for n in range(400) for name, status in ((f"bench.job{n % 12}", "succeeded" if n % 5 else "failed"),)])
    db.session.execute(insert(OutboxMessage), [
        dict(kind="request.expired", to_address=f"m{n}@bench.talentbank.example", subject="s", body="b",
             language="ja", status="failed" if n % 10 == 0 else "sent", attempts=1, next_attempt_at=now,
             created_at=now) for n in range(20_000)])
    db.session.commit()


def build(db, args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    bench_pages.build(db, argparse.Namespace(count=args.count, slots=args.slots, seed=args.seed))
    started = time.perf_counter()
    bench_reports.add_rounds(args.rounds, args.per_round, rng)
    settle_rounds(rng)
    offers, dispatches = offers_and_dispatches(rng)
    waiting_work(rng)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(db.text("ANALYZE"))
    print(f"added {args.rounds} rounds, {offers:,} offers and {dispatches:,} dispatches in "
          f"{time.perf_counter() - started:.0f} s")


# --------------------------------------------------------------------------- timing

def timed(client, url: str, repeat: int) -> list[float]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert b'id="todos"' in response.data, "not the dashboard"
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return sorted(times)


def p95(times: list[float]) -> float:
    return times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]


def main() -> int:
    args = parse_args()
    if not args.database_url or not args.database_url.startswith("postgresql"):
        print("give --database-url postgresql+psycopg://… of a database of its own (it is emptied)")
        return 2
    from sqlalchemy import func, select

    from talentbank.app import create_app
    from talentbank.cities.models import City
    from talentbank.extensions import db
    from talentbank.requests.models import StaffingRequest

    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "SECRET_KEY": "bench", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "PASSWORD_HASH_METHOD": bench_pages.HASH_METHOD})
    with app.app_context():
        if not (args.reuse and bench_pages._is_built(db) and db.session.execute(
                db.text("SELECT count(*) FROM dispatches")).scalar()):
            build(db, args)
        tables = ("specialists", "staffing_requests", "matching_rounds", "proposals", "unfilled_slots",
                  "dispatch_offers", "dispatches", "outbox_messages")
        counts = {t: db.session.execute(db.text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}
        print("rows:", ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        city_id = db.session.scalar(select(StaffingRequest.city_id).group_by(StaffingRequest.city_id)
                                    .order_by(func.count().desc()).limit(1))
        city = db.session.get(City, city_id)
        hr_email = f"bench.pages.hr.{city.code}@bench.talentbank.example"
    for label, email in (("coordinating city", bench_pages.COORDINATOR), (f"HR officer ({city.code})", hr_email)):
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": bench_pages.PASSWORD})
        assert response.status_code == 302, f"log-in of {email} failed"
        times = timed(client, "/", args.repeat)
        print(f"/ as {label:24s} median {statistics.median(times):7.1f} ms   p95 {p95(times):7.1f} ms   "
              f"(n={len(times)}, load average {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
