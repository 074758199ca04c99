"""An exchange offer's whole life beside rings: expiry by the scheduler, the board's live offers, reopening.

Also the registry's rule that a withdrawn person disappears from HR officers' view.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from talentbank.core import clock
from talentbank.core.errors import UserError
from talentbank.exchange import services
from talentbank.exchange.jobs import expire_unmatched_offers
from talentbank.exchange.models import ExchangeOffer
from talentbank.extensions import db
from talentbank.notifications.models import Notification
from talentbank.specialists.personal_data import withdraw_specialist
from talentbank.specialists.privacy import Visibility, visibility


class _Run:
    """What the scheduler hands a job (the job reads nothing from it here)."""

    job_id = "exchange.expire_offers"


def test_the_daily_job_expires_offers_whose_period_began_and_tells_the_city(make, world):
    due = make.exchange_offer(world["zushi"], start_date=clock.today_tokyo() + timedelta(days=3))
    later = make.exchange_offer(world["zushi"], start_date=clock.today_tokyo() + timedelta(days=40))
    # One whose ring the coordinating city approved is left to the cities' confirmation.
    agreeing = make.exchange_offer(world["fujisawa"], start_date=due.start_date, end_date=due.end_date)
    partner = make.exchange_offer(world["zushi"], start_date=due.start_date, end_date=due.end_date, wants="civil")
    make.exchange_ring([agreeing, partner], status="approved")
    clock.freeze(datetime(2026, 12, 5, 1, 0))
    outcome = expire_unmatched_offers(_Run())
    assert outcome.params == {"count": 1}
    assert db.session.get(ExchangeOffer, due.id).status == "expired"
    assert db.session.get(ExchangeOffer, later.id).status == "open"
    assert db.session.get(ExchangeOffer, agreeing.id).status == "open"
    note = db.session.scalar(select(Notification).where(Notification.kind == "exchange_offer.expired"))
    assert note is not None and note.user_id == world["zushi_hr"].id
    assert expire_unmatched_offers(_Run()).params == {"count": 0}, "run twice, nothing doubled"


def test_the_job_is_in_the_scheduler_registry():
    from talentbank.core.jobs import load_jobs

    assert "exchange.expire_offers" in load_jobs()


def test_the_board_lists_only_live_offers(make, world):
    live = make.exchange_offer(world["zushi"])
    begun = make.exchange_offer(world["zushi"], start_date=clock.today_tokyo() - timedelta(days=1))
    taken = make.exchange_offer(world["fujisawa"], start_date=live.start_date, end_date=live.end_date)
    partner = make.exchange_offer(world["zushi"], start_date=live.start_date, end_date=live.end_date, wants="civil")
    make.exchange_ring([taken, partner], status="approved")
    shown = {row.id for row in services.offer_board(world["fujisawa_hr"])}
    assert live.id in shown
    assert begun.id not in shown and taken.id not in shown and partner.id not in shown


def test_reopening_an_offer_that_overlaps_another_of_the_same_officer_is_refused(make, world):
    officer = make.serving_officer(world["zushi"])
    first = make.exchange_offer(world["zushi"], officer, status="withdrawn")
    make.exchange_offer(world["zushi"], officer, start_date=first.start_date + timedelta(days=30),
                        end_date=first.end_date + timedelta(days=30))
    with pytest.raises(UserError, match="同じ時期の交流職員の提供"):
        services.reopen_offer(world["coordinator"], first.id, "再募集")
    db.session.rollback()
    assert db.session.get(ExchangeOffer, first.id).status == "withdrawn"


def test_a_withdrawn_officer_disappears_from_the_own_city_hr_view(make, world, client, auth):
    officer = make.serving_officer(world["zushi"], name="逗子 太郎")
    assert visibility(world["zushi_hr"], officer) == Visibility.FULL
    withdraw_specialist(world["zushi_hr"], officer.id, "退職のため")
    assert visibility(world["zushi_hr"], officer) == Visibility.NONE
    auth.login(world["zushi_hr"].email)
    assert client.get(f"/specialists/{officer.id}").status_code == 404
