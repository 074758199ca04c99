"""The scheduler runs the dispatch jobs: offers lapse, reminders go out, dispatches start and end."""
from __future__ import annotations

from datetime import timedelta

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.dispatches.models import Dispatch, Offer
from talentbank.extensions import db
from talentbank.core.jobs import load_jobs
from talentbank.scheduler.runner import run_job


def test_the_dispatch_jobs_are_registered_and_do_their_work(make):
    jobs = load_jobs()
    assert {"dispatches.expire_offers", "dispatches.remind_offers", "dispatches.advance"} <= set(jobs)
    zushi = make.demo_cities()["142085"]
    make.user(Role.CITY_HR, city=zushi)
    specialist = make.specialist(zushi, days_per_week=3)
    offer = make.dispatch_offer(specialist, make.staffing_request(zushi, days_per_week=1), days_left=1)
    today = clock.today_tokyo()
    dispatch = make.dispatch(specialist, make.staffing_request(zushi, days_per_week=1, section="下水道課",
                                                               start_date=today, end_date=today + timedelta(days=5)))

    reminded = run_job("dispatches.remind_offers")
    assert reminded.status == "succeeded" and reminded.summary_params == {"count": 1}
    advanced = run_job("dispatches.advance")
    assert advanced.status == "succeeded" and advanced.summary_params == {"started": 1, "completed": 0}
    assert db.session.get(Dispatch, dispatch.id).status == "active"

    clock.freeze(clock.utcnow() + timedelta(days=7))
    lapsed = run_job("dispatches.expire_offers")
    assert lapsed.status == "succeeded" and lapsed.summary_params == {"count": 1}
    assert db.session.get(Offer, offer.id).status == "lapsed"
    assert run_job("dispatches.advance").summary_params == {"started": 0, "completed": 1}
    assert db.session.get(Dispatch, dispatch.id).status == "completed"
