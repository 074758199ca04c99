"""Proposals left waiting for review: the coordinating city is reminded after N days, and every N days."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.models import Notification
from talentbank.scheduler.runner import run_job

FINISHED = datetime(2026, 12, 7, 0, 5)
DAY = timedelta(days=1)


def reminders(user) -> list[dict]:
    return [n.params for n in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == "round.proposals_waiting")
        .order_by(Notification.id))]


def run_on(moment: datetime):
    clock.freeze(moment)
    return run_job("rounds.remind_waiting_proposals")


def test_waiting_proposals_are_brought_up_every_three_days_until_decided(make):
    zushi = make.city()
    coordinator, other_coordinator = make.user(Role.COORDINATOR), make.user(Role.COORDINATOR)
    hr = make.user(Role.CITY_HR, city=zushi)
    clock.freeze(FINISHED)
    request = make.staffing_request(zushi, people=3)
    rnd = make.dispatch_round()
    waiting = [make.approved_proposal(make.specialist(zushi), request, status="proposed", rnd=rnd) for _ in range(2)]
    make.approved_proposal(make.specialist(zushi), request, status="approved", rnd=rnd)  # decided: not counted
    what_if = make.dispatch_round()
    what_if.kind = "what_if"  # a comparison nobody has to decide on
    db.session.commit()
    make.approved_proposal(make.specialist(zushi), request, status="proposed", rnd=what_if)

    assert run_on(FINISHED + 2 * DAY).summary_params == {"count": 0}
    assert run_on(FINISHED + 3 * DAY).summary_params == {"count": 1}
    run_on(FINISHED + 3 * DAY + timedelta(hours=2))  # again the same day: nothing new
    run_on(FINISHED + 5 * DAY)
    assert reminders(coordinator) == [{"round": rnd.id, "finished": "2026-12-07 09:05", "days": 3,
                                       "proposals": 2, "cycles": 0}]
    assert len(reminders(other_coordinator)) == 1 and reminders(hr) == []
    notice = db.session.scalar(select(Notification).where(Notification.user_id == coordinator.id))
    assert notice.link == f"/matching/rounds/{rnd.id}"

    run_on(FINISHED + 6 * DAY)
    assert [r["days"] for r in reminders(coordinator)] == [3, 6]

    for proposal in waiting:
        proposal.status = "approved"
    db.session.commit()
    assert run_on(FINISHED + 9 * DAY).summary_params == {"count": 0}
    assert len(reminders(coordinator)) == 2


def test_waiting_exchange_rings_count_too(make):
    cities = make.demo_cities()
    coordinator = make.user(Role.COORDINATOR)
    clock.freeze(FINISHED)
    offers = [make.exchange_offer(cities["142085"]), make.exchange_offer(cities["142042"])]
    ring = make.exchange_ring(offers, status="proposed")
    run_on(FINISHED + 3 * DAY)
    assert reminders(coordinator) == [{"round": ring.round_id, "finished": "2026-12-07 09:05", "days": 3,
                                       "proposals": 0, "cycles": 1}]
