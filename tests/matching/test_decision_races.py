"""The same decision made by several people at once succeeds once, on SQLite as on PostgreSQL.

Each thread has its own app context (own session, own connection) and they all start together at a
barrier, as concurrent requests of several coordinators (or two tabs of one specialist) would.
"""
from __future__ import annotations

import threading

from sqlalchemy import select

from talentbank.accounts.models import User
from talentbank.core.errors import UserError
from talentbank.core.permissions import Role
from talentbank.dispatches import services as dispatches
from talentbank.dispatches.models import Dispatch, Offer
from talentbank.extensions import db
from talentbank.matching import services
from talentbank.matching.models import Proposal

from .builders import matching_app, specialist

ALREADY = "この提案はすでに「%(status)s」です。"


def _at_once(app, count: int, work) -> list[str]:
    """Run ``work(i)`` in ``count`` threads released together; each outcome is "ok" or the refusal's message id."""
    barrier = threading.Barrier(count)
    outcomes: list[str] = [""] * count

    def run(i: int) -> None:
        with app.app_context():
            try:
                prepare = work(i)
                barrier.wait(timeout=20)
                prepare()
                outcomes[i] = "ok"
            except UserError as exc:
                db.session.rollback()
                outcomes[i] = exc.message_id
            except Exception as exc:  # noqa: BLE001 - anything else is a failure the test shows
                db.session.rollback()
                outcomes[i] = f"crash: {exc!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


def _world(app, make, coordinators: int):
    matching_app(app)
    cities = make.demo_cities()
    make.vocabulary()
    users = [make.user(Role.COORDINATOR).id for _ in range(coordinators)]
    person = specialist(make, cities["142042"], days_per_week=3)
    request = make.staffing_request(cities["142085"], people=1, days_per_week=2)
    proposal = make.approved_proposal(person, request, status="proposed")
    return users, person, proposal.id


def test_eight_coordinators_approving_one_proposal_at_once_approve_it_once(app, make):
    users, person, proposal_id = _world(app, make, 8)

    def approve(i):
        actor = db.session.get(User, users[i])
        return lambda: services.approve_proposal(actor, proposal_id)

    outcomes = _at_once(app, 8, approve)
    assert sorted(outcomes) == ["ok"] + [ALREADY] * 7, outcomes
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    offers = list(db.session.scalars(select(Offer).where(Offer.proposal_id == proposal_id)))
    assert proposal.status == "offered" and len(offers) == 1 and offers[0].status == "pending"


def test_approving_and_rejecting_one_proposal_at_once_decides_it_once(app, make):
    users, person, proposal_id = _world(app, make, 4)

    def decide(i):
        actor = db.session.get(User, users[i])
        if i % 2:
            return lambda: services.reject_proposal(actor, proposal_id, "条件が合わない")
        return lambda: services.approve_proposal(actor, proposal_id)

    outcomes = _at_once(app, 4, decide)
    assert sorted(outcomes) == ["ok"] + [ALREADY] * 3, outcomes
    db.session.expire_all()
    proposal = db.session.get(Proposal, proposal_id)
    offers = db.session.scalars(select(Offer).where(Offer.proposal_id == proposal_id)).all()
    # The end state is one decision: offered with its one offer, or rejected with none.
    assert (proposal.status, len(offers)) in (("offered", 1), ("rejected", 0)), (proposal.status, len(offers))


def test_an_offer_answered_from_several_tabs_at_once_is_answered_once(app, make):
    matching_app(app)
    cities = make.demo_cities()
    make.vocabulary()
    person = specialist(make, cities["142042"], user=make.user(Role.SPECIALIST))
    offer = make.dispatch_offer(person, make.staffing_request(cities["142085"], people=1))
    user_id, offer_id = person.user_id, offer.id

    def answer(i):
        actor = db.session.get(User, user_id)
        if i % 2:
            return lambda: dispatches.decline_offer(actor, offer_id, "都合がつかない")
        return lambda: dispatches.accept_offer(actor, offer_id)

    outcomes = _at_once(app, 6, answer)
    assert sorted(outcomes) == sorted(["ok"] + [dispatches.ANSWERED] * 5), outcomes
    db.session.expire_all()
    offer = db.session.get(Offer, offer_id)
    dispatch_count = len(db.session.scalars(select(Dispatch).where(Dispatch.offer_id == offer_id)).all())
    assert (offer.status, dispatch_count) in (("accepted", 1), ("declined", 0)), (offer.status, dispatch_count)
