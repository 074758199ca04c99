"""From an approved proposal to the specialist's answer: offer, accept, decline, lapse, cancel."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.dispatches import services
from talentbank.dispatches.models import Dispatch, Offer
from talentbank.extensions import db
from talentbank.matching.models import ForbiddenPair, Proposal
from talentbank.notifications.models import Notification
from talentbank.requests.models import StaffingRequest


@pytest.fixture
def world(make):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    specialist_user = make.user(Role.SPECIALIST, email="taro@test.example", name="土木 太郎")
    specialist = make.specialist(cities["142018"], user=specialist_user, name_kanji="土木 太郎",
                                 email=specialist_user.email, phone="046-822-0000", days_per_week=3)
    return {
        "zushi": zushi, "kamakura": kamakura, "specialist": specialist, "specialist_user": specialist_user,
        "coordinator": make.user(Role.COORDINATOR, email="coord@test.example"),
        "zushi_hr": make.user(Role.CITY_HR, city=zushi, email="hr.zushi@test.example"),
        "kamakura_hr": make.user(Role.CITY_HR, city=kamakura, email="hr.kamakura@test.example"),
        "request": make.staffing_request(zushi, people=2, days_per_week=2, urgency="disaster"),
    }


def _approve(make, w, request=None):
    from talentbank.matching.services import approve_proposal

    proposal = make.approved_proposal(w["specialist"], request or w["request"], status="proposed")
    approve_proposal(w["coordinator"], proposal.id)
    return db.session.scalar(select(Offer).where(Offer.proposal_id == proposal.id))


def _notices(user, kind):
    return db.session.scalars(select(Notification).where(Notification.user_id == user.id,
                                                         Notification.kind == kind)).all()


def test_approval_puts_the_offer_to_the_specialist_with_a_deadline(make, world, app):
    offer = _approve(make, world)
    assert offer.status == "pending" and offer.days_per_week == 2
    assert offer.deadline_at == pytest.approx(clock.utcnow() + timedelta(days=7), abs=timedelta(minutes=1))
    assert db.session.get(Proposal, offer.proposal_id).status == "offered"
    (notice,) = _notices(world["specialist_user"], "dispatch.offer_made")
    assert notice.params["deadline"] and notice.link == f"/offers/{offer.id}"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "dispatch_offer.made")) is not None


def test_the_deadline_comes_before_the_work_starts_but_leaves_at_least_a_day(app_ctx):
    app_ctx.config["OFFER_DAYS"] = 7
    now = clock.utcnow().replace(microsecond=0)
    today = clock.today_tokyo()
    far = services.offer_deadline(today + timedelta(days=60), now)
    assert far == now + timedelta(days=7)
    soon = services.offer_deadline(today + timedelta(days=3), now)
    assert soon < now + timedelta(days=3) and (soon + timedelta(hours=9)).time().hour == 0  # midnight in Japan
    tomorrow = services.offer_deadline(today + timedelta(days=1), now)
    assert tomorrow >= now + timedelta(days=1)
    assert services.offer_deadline(today + timedelta(days=60), now, days=3) == now + timedelta(days=3)


def test_the_specialist_sees_the_terms_and_accepts(make, world, client, auth):
    offer = _approve(make, world)
    auth.login(world["specialist_user"].email)
    listing = client.get("/offers/")
    assert listing.status_code == 200 and "逗子市" in listing.text and "回答待ちの打診" in listing.text
    page = client.get(f"/offers/{offer.id}")
    assert page.status_code == 200
    for words in ("都市整備部", "道路・法面整備課", "週2日", "現地勤務", "市道の法面点検と補修設計", "承諾する"):
        assert words in page.text
    response = client.post(f"/offers/{offer.id}/accept")
    assert response.status_code == 302
    db.session.expire_all()
    dispatch = db.session.scalar(select(Dispatch).where(Dispatch.offer_id == offer.id))
    assert dispatch.status == "scheduled" and dispatch.city_id == world["zushi"].id
    assert db.session.get(Offer, offer.id).status == "accepted"
    assert db.session.get(Proposal, offer.proposal_id).status == "accepted"
    req = db.session.get(StaffingRequest, world["request"].id)
    assert (req.filled_count, req.status) == (1, "partly_filled")
    assert _notices(world["zushi_hr"], "dispatch.agreed") and not _notices(world["kamakura_hr"], "dispatch.agreed")
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"dispatch_offer.accepted", "dispatch.created", "proposal.accepted", "request.fill_changed"} <= actions


def test_nobody_else_answers_someone_s_offer(make, world, client, auth):
    offer = _approve(make, world)
    other = make.user(Role.SPECIALIST, email="other@test.example")
    make.specialist(world["zushi"], user=other, email=other.email)
    auth.login(other.email)
    assert client.get(f"/offers/{offer.id}").status_code == 403
    assert client.post(f"/offers/{offer.id}/accept").status_code == 403
    with pytest.raises(PermissionDenied):
        services.accept_offer(other, offer.id)
    assert db.session.get(Offer, offer.id).status == "pending"


def test_an_offer_past_its_deadline_cannot_be_accepted_and_lapses_without_forbidding_the_pair(make, world):
    offer = _approve(make, world)
    clock.freeze(offer.deadline_at + timedelta(minutes=1))
    with pytest.raises(UserError, match="回答期限"):
        services.accept_offer(world["specialist_user"], offer.id)
    db.session.rollback()
    assert services.lapse_due_offers() == [offer.id]
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == "lapsed"
    assert db.session.get(Proposal, offer.proposal_id).status == "lapsed"
    assert db.session.scalar(select(ForbiddenPair)) is None
    assert _notices(world["coordinator"], "dispatch.offer_lapsed")
    assert services.lapse_due_offers() == []  # the job may run again: nothing twice


def test_decline_forbids_the_pair_and_returns_the_slot_to_the_next_round(make, world, client, auth):
    from talentbank.matching.services import ensure_rule_set
    from talentbank.matching.snapshot import build_problem

    offer = _approve(make, world)
    auth.login(world["specialist_user"].email)
    response = client.post(f"/offers/{offer.id}/decline", data={"decline_reason": "体調のため", "confirmed": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == "declined"
    assert db.session.get(Offer, offer.id).decline_reason == "体調のため"
    assert db.session.get(Proposal, offer.proposal_id).status == "declined"
    pair = db.session.scalar(select(ForbiddenPair))
    assert (pair.specialist_id, pair.request_id, pair.reason_kind) == (world["specialist"].id, world["request"].id,
                                                                       "declined")
    problem = build_problem(ensure_rule_set())
    request = next(r for r in problem["requests"] if r["id"] == str(world["request"].id))
    assert request["slots"] == 2  # both slots are open again
    assert {"specialist": str(world["specialist"].id), "request": str(world["request"].id)} in problem["forbidden"]
    assert not problem["pinned"]
    assert _notices(world["zushi_hr"], "dispatch.offer_declined")


def test_a_pending_offer_holds_the_slot_and_the_days_in_the_next_round(make, world):
    from talentbank.matching.services import ensure_rule_set
    from talentbank.matching.snapshot import build_problem

    _approve(make, world)
    problem = build_problem(ensure_rule_set())
    assert {"specialist": str(world["specialist"].id), "request": str(world["request"].id)} in problem["pinned"]


def test_approval_is_refused_when_the_specialist_has_no_days_left(make, world):
    make.dispatch_offer(world["specialist"], make.staffing_request(world["kamakura"], days_per_week=2))
    from talentbank.matching.services import approve_proposal

    proposal = make.approved_proposal(world["specialist"], world["request"], status="proposed")
    with pytest.raises(UserError) as refused:
        approve_proposal(world["coordinator"], proposal.id)
    assert world["specialist"].reference in str(refused.value)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == "proposed"
    assert db.session.query(Offer).count() == 1


def test_withdrawing_the_request_takes_back_the_pending_offer(make, world):
    from talentbank.requests.services import withdraw_request

    offer = _approve(make, world)
    # With someone proposed, the city can no longer withdraw it alone; the coordinating city can, with a reason.
    with pytest.raises(UserError):
        withdraw_request(world["zushi_hr"], world["request"].id, "予算がつかなかったため")
    withdraw_request(world["coordinator"], world["request"].id, "逗子市から予算がつかなかったと連絡")
    db.session.expire_all()
    offer = db.session.get(Offer, offer.id)
    assert offer.status == "cancelled" and offer.cancel_reason
    assert db.session.get(Proposal, offer.proposal_id).status == "superseded"
    assert _notices(world["specialist_user"], "dispatch.offer_cancelled")


def test_a_withdrawing_specialist_s_offers_and_coming_dispatches_are_called_off(make, world):
    from talentbank.specialists.personal_data import withdraw_specialist

    offer = _approve(make, world)
    other = make.staffing_request(world["kamakura"], days_per_week=1)
    dispatch = make.dispatch(world["specialist"], other)
    withdraw_specialist(world["specialist_user"], world["specialist"].id)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).status == "cancelled"
    assert db.session.get(Dispatch, dispatch.id).status == "cancelled"
    assert db.session.get(StaffingRequest, other.id).filled_count == 0
    assert _notices(world["kamakura_hr"], "dispatch.cancelled")
    # The leaving person is not written to: the outbox would keep the address that was just erased.
    from talentbank.notifications.models import OutboxMessage

    assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.in_(
        ("dispatch.cancelled", "dispatch.offer_cancelled")), OutboxMessage.to_address == "taro@test.example")).all()


def test_reminders_go_once_close_to_the_deadline(make, world):
    offer = _approve(make, world)
    assert services.remind_due_offers() == 0
    clock.freeze(offer.deadline_at - timedelta(days=1))
    assert services.remind_due_offers() == 1
    assert services.remind_due_offers() == 0
    assert len(_notices(world["specialist_user"], "dispatch.offer_reminder")) == 1
