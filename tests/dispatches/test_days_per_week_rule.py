"""The days-per-week rule is the database's: triggers refuse overbooking, also when two people act at once."""
from __future__ import annotations

import os
import threading
from datetime import timedelta

import pytest
from sqlalchemy import inspect, insert, text, update
from sqlalchemy.exc import IntegrityError

from talentbank.core import clock
from talentbank.core.errors import UserError
from talentbank.core.permissions import Role
from talentbank.dispatches import capacity
from talentbank.dispatches.models import DAYS_EXCEEDED_MARKER, Dispatch, Offer
from talentbank.extensions import db
from talentbank.solver.days import busiest_day_load, fits_days_per_week

ON_POSTGRESQL = os.environ.get("TALENTBANK_DATABASE_URL", "").startswith("postgresql")


@pytest.fixture
def zushi(make):
    return make.demo_cities()["142085"]


def _raw_dispatch(make, specialist, request, *, start, end, days, status="scheduled"):
    """Insert a dispatch row with plain SQL, past every service check: only the trigger stands in the way."""
    offer = make.dispatch_offer(specialist, request, status="accepted")
    db.session.execute(insert(Dispatch).values(
        specialist_id=specialist.id, city_id=request.city_id, request_id=request.id, proposal_id=offer.proposal_id,
        offer_id=offer.id, start_date=start, end_date=end, days_per_week=days, work_mode="onsite", status=status,
        cancel_reason="中止" if status == "cancelled" else None, created_at=clock.utcnow(),
        updated_at=clock.utcnow()))
    db.session.commit()


def _refused(action) -> bool:
    try:
        action()
    except IntegrityError as error:
        db.session.rollback()
        assert DAYS_EXCEEDED_MARKER in str(error.orig)
        return True
    return False


def test_the_triggers_exist_after_the_migrations(app_ctx):
    engine = db.engine
    if engine.dialect.name == "postgresql":
        names = set(db.session.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
        assert {"dispatches_days_per_week", "dispatch_offers_days_per_week"} <= names
    else:
        names = set(db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        assert {"dispatches_days_per_week_insert", "dispatches_days_per_week_update",
                "dispatch_offers_days_per_week_insert", "dispatch_offers_days_per_week_update"} <= names
    assert "dispatches" in inspect(engine).get_table_names()


def test_a_row_written_past_the_services_is_refused_by_the_database(make, zushi):
    specialist = make.specialist(zushi, days_per_week=3)
    start = clock.today_tokyo() + timedelta(days=30)
    first = make.staffing_request(zushi, days_per_week=2)
    second = make.staffing_request(zushi, days_per_week=2, section="下水道課")
    _raw_dispatch(make, specialist, first, start=start, end=start + timedelta(days=90), days=2)
    assert _refused(lambda: _raw_dispatch(make, specialist, second, start=start + timedelta(days=89),
                                          end=start + timedelta(days=200), days=2))
    assert db.session.query(Dispatch).count() == 1


def test_the_rule_counts_each_day_not_the_whole_period(make, zushi):
    """2 days in spring and 2 in autumn do not clash with each other, so a 1-day job all year fits (3 offered)."""
    specialist = make.specialist(zushi, days_per_week=3)
    base = clock.today_tokyo() + timedelta(days=10)
    reqs = [make.staffing_request(zushi, days_per_week=d, section=f"課{i}") for i, d in enumerate((2, 2, 1, 1))]
    _raw_dispatch(make, specialist, reqs[0], start=base, end=base + timedelta(days=60), days=2)
    _raw_dispatch(make, specialist, reqs[1], start=base + timedelta(days=120), end=base + timedelta(days=180), days=2)
    _raw_dispatch(make, specialist, reqs[2], start=base, end=base + timedelta(days=300), days=1)
    assert capacity.booked_days(specialist.id, base, base + timedelta(days=300)) == 3
    # A further day anywhere in the spring is one too many, but in the gap between the two it fits.
    assert _refused(lambda: _raw_dispatch(make, specialist, reqs[3], start=base + timedelta(days=60),
                                          end=base + timedelta(days=61), days=1))
    _raw_dispatch(make, specialist, reqs[3], start=base + timedelta(days=61), end=base + timedelta(days=119), days=1)
    assert db.session.query(Dispatch).count() == 4


def _agreement_cases(count: int = 14, seed: int = 20261203) -> list[tuple[int, list[tuple[int, int, int]], tuple[int, int, int]]]:
    """(offered days, existing commitments, the new one) as day offsets, each existing set itself admissible."""
    import random

    rng = random.Random(seed)
    cases = []
    while len(cases) < count:
        offered = rng.randint(2, 5)
        booked: list[tuple[int, int, int]] = []
        for _ in range(rng.randint(1, 4)):
            start = rng.randint(0, 120)
            candidate = (start, start + rng.randint(0, 90), rng.randint(1, 3))
            if busiest_day_load([_dates(c) for c in booked], *_dates(candidate)[:2]) + candidate[2] <= offered:
                booked.append(candidate)
        start = rng.randint(0, 150)
        cases.append((offered, booked, (start, start + rng.randint(0, 120), rng.randint(1, 3))))
    return cases


def _dates(offsets: tuple[int, int, int]):
    base = clock.today_tokyo() + timedelta(days=10)
    return base + timedelta(days=offsets[0]), base + timedelta(days=offsets[1]), offsets[2]


@pytest.mark.parametrize("offered, booked, new", _agreement_cases())
def test_the_trigger_and_the_python_rule_agree_case_by_case(make, zushi, offered, booked, new):
    """One rule: ``solver.days.busiest_day_load`` (used by the solver, approval and acceptance) and the triggers."""
    specialist = make.specialist(zushi, days_per_week=offered)
    for i, commitment in enumerate(booked):
        start, end, days = _dates(commitment)
        _raw_dispatch(make, specialist, make.staffing_request(zushi, days_per_week=days, section=f"既存{i}"),
                      start=start, end=end, days=days)
    start, end, days = _dates(new)
    python_says_fits = fits_days_per_week([_dates(c) for c in booked], start, end, days, offered)
    request = make.staffing_request(zushi, days_per_week=days, section="新規")
    database_refused = _refused(lambda: _raw_dispatch(make, specialist, request, start=start, end=end, days=days))
    assert database_refused == (not python_says_fits), (booked, new, offered)


def test_pending_offers_hold_days_and_closed_ones_do_not(make, zushi):
    specialist = make.specialist(zushi, days_per_week=3)
    a = make.staffing_request(zushi, days_per_week=2)
    b = make.staffing_request(zushi, days_per_week=2, section="下水道課")
    offer = make.dispatch_offer(specialist, a)
    assert _refused(lambda: make.dispatch_offer(specialist, b))
    db.session.execute(update(Offer).where(Offer.id == offer.id).values(status="declined", closed_at=clock.utcnow()))
    db.session.commit()
    second = make.dispatch_offer(specialist, b)
    assert second.status == "pending"
    # Re-opening the declined offer would overbook again: an update is checked like an insert.
    assert _refused(lambda: (db.session.execute(update(Offer).where(Offer.id == offer.id).values(
        status="pending", closed_at=None)), db.session.commit()))


def test_updates_are_checked_when_they_can_add_load_and_only_then(make, zushi):
    specialist = make.specialist(zushi, days_per_week=3)
    start = clock.today_tokyo() + timedelta(days=30)
    a = make.dispatch(specialist, make.staffing_request(zushi, days_per_week=2, start_date=start,
                                                        end_date=start + timedelta(days=60)))
    b = make.dispatch(specialist, make.staffing_request(zushi, days_per_week=1, section="下水道課",
                                                        start_date=start + timedelta(days=61),
                                                        end_date=start + timedelta(days=200)))
    # Lengthening the 1-day dispatch back into the 2-day one still fits (2 + 1 = 3) ...
    db.session.execute(update(Dispatch).where(Dispatch.id == b.id).values(start_date=start + timedelta(days=30)))
    db.session.commit()
    # ... raising its days does not.
    assert _refused(lambda: (db.session.execute(update(Dispatch).where(Dispatch.id == b.id).values(days_per_week=2)),
                             db.session.commit()))
    # The specialist later offers fewer days: running dispatches still start and end (status moves are not re-checked).
    specialist.days_per_week = 1
    db.session.commit()
    db.session.execute(update(Dispatch).where(Dispatch.id == a.id).values(status="active"))
    db.session.execute(update(Dispatch).where(Dispatch.id == a.id).values(status="completed"))
    db.session.commit()
    assert db.session.get(Dispatch, a.id).status == "completed"


def test_the_service_turns_the_refusal_into_a_clear_japanese_message(make, zushi, monkeypatch):
    """Even when the Python pre-check is fooled (as in a race), the database refuses and people read why."""
    specialist = make.specialist(zushi, days_per_week=3)
    make.dispatch_offer(specialist, make.staffing_request(zushi, days_per_week=2))
    proposal = make.approved_proposal(specialist, make.staffing_request(zushi, days_per_week=2, section="下水道課"))
    monkeypatch.setattr(capacity, "check_room", lambda *a, **k: None)
    from talentbank.dispatches.services import offer_for_approved_proposal

    coordinator = make.user(Role.COORDINATOR)
    with pytest.raises(UserError) as refused:
        offer_for_approved_proposal(proposal, coordinator)
    message = str(refused.value)
    assert specialist.reference in message and "週2日" in message and "週3日を超える" in message
    assert db.session.query(Offer).filter_by(status="pending").count() == 1


# ----------------------------------------------------------------------------- races (PostgreSQL)

needs_postgresql = pytest.mark.skipif(not ON_POSTGRESQL, reason="row locks and concurrent transactions: PostgreSQL")


def _in_threads(app, work, count=2):
    """Run ``work(i)`` in ``count`` threads, each with its own app context (own session and connection)."""
    results: list = [None] * count

    def run(i):
        with app.app_context():
            try:
                results[i] = ("ok", work(i))
            except Exception as error:  # noqa: BLE001 - the test inspects what each side got
                db.session.rollback()
                results[i] = ("error", error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@needs_postgresql
def test_two_bookings_at_the_same_moment_one_wins_one_is_refused(app, make, zushi, monkeypatch):
    """Both pass the Python check together (barrier); the trigger's row lock lets exactly one through."""
    specialist = make.specialist(zushi, days_per_week=3)
    proposals = [make.approved_proposal(specialist, make.staffing_request(zushi, days_per_week=2, section=f"課{i}"))
                 for i in range(2)]
    coordinators = [make.user(Role.COORDINATOR) for _ in range(2)]
    ids = [(p.id, c.id) for p, c in zip(proposals, coordinators)]
    barrier = threading.Barrier(2, timeout=30)
    real_check = capacity.check_room

    def check_then_wait(*args, **kwargs):
        real_check(*args, **kwargs)  # both see room: neither offer exists yet
        barrier.wait()

    monkeypatch.setattr(capacity, "check_room", check_then_wait)
    from talentbank.accounts.models import User
    from talentbank.dispatches.services import offer_for_approved_proposal
    from talentbank.matching.models import Proposal

    def book(i):
        proposal_id, user_id = ids[i]
        offer = offer_for_approved_proposal(db.session.get(Proposal, proposal_id), db.session.get(User, user_id))
        db.session.commit()
        return offer.id

    results = _in_threads(app, book)
    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, UserError) and "週3日を超える" in str(error)
    db.session.expire_all()
    assert db.session.query(Offer).filter_by(specialist_id=specialist.id, status="pending").count() == 1


@needs_postgresql
def test_two_coordinators_approving_clashing_proposals_at_once(app, make, zushi):
    """The whole approval path: exactly one approval (and offer) stands, the other gets a clear refusal."""
    specialist = make.specialist(zushi, days_per_week=3)
    rnd = make.dispatch_round()
    proposals = [make.approved_proposal(specialist, make.staffing_request(zushi, days_per_week=2, section=f"課{i}"),
                                        status="proposed", rnd=rnd) for i in range(2)]
    coordinators = [make.user(Role.COORDINATOR) for _ in range(2)]
    ids = [(p.id, c.id) for p, c in zip(proposals, coordinators)]
    barrier = threading.Barrier(2, timeout=30)
    from talentbank.accounts.models import User
    from talentbank.matching.services import approve_proposal

    def approve(i):
        proposal_id, user_id = ids[i]
        actor = db.session.get(User, user_id)
        barrier.wait()
        return approve_proposal(actor, proposal_id).status

    results = _in_threads(app, approve)
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, UserError) and specialist.reference in str(error)
    db.session.expire_all()
    assert db.session.query(Offer).filter_by(specialist_id=specialist.id, status="pending").count() == 1
