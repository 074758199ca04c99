"""Every record's lifecycle table: each allowed move is allowed, every other pair refused, and services obey it.

The expected moves are written out here again, apart from the table, so that a rule removed from
(or added to) ``talentbank.lifecycle.transitions`` fails a test instead of passing unnoticed.
"""
from __future__ import annotations

from datetime import datetime
from itertools import product
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.lifecycle import transitions as lifecycle
from talentbank.core.errors import UserError
from talentbank.core.permissions import Role
from talentbank.exchange import services as offers
from talentbank.exchange.models import ExchangeOffer
from talentbank.extensions import db
from talentbank.requests import services as requests
from talentbank.requests.models import StaffingRequest

from ..requests.builders import request_values

EXPECTED_MOVES: dict[str, set[tuple[str, str]]] = {
    "staffing_requests": {
        ("draft", "open"), ("draft", "withdrawn"), ("draft", "expired"),
        ("open", "partly_filled"), ("open", "filled"), ("open", "withdrawn"), ("open", "expired"),
        ("partly_filled", "open"), ("partly_filled", "filled"), ("partly_filled", "withdrawn"),
        ("filled", "open"), ("filled", "partly_filled"),
        ("withdrawn", "open"), ("withdrawn", "partly_filled"), ("withdrawn", "filled"),
        ("expired", "open"), ("expired", "partly_filled"), ("expired", "filled"),
    },
    "exchange_offers": {
        ("draft", "open"), ("draft", "withdrawn"), ("draft", "expired"),
        ("open", "matched"), ("open", "withdrawn"), ("open", "expired"),
        ("matched", "open"), ("matched", "withdrawn"),
        ("withdrawn", "open"), ("expired", "open"),
    },
    "dispatch_offers": {("pending", "accepted"), ("pending", "declined"), ("pending", "lapsed"),
                        ("pending", "cancelled")},
    "dispatches": {("scheduled", "active"), ("scheduled", "cancelled"), ("active", "completed"),
                   ("active", "cancelled")},
    "exchange_cycles": {("proposed", "approved"), ("proposed", "rejected"), ("proposed", "cancelled"),
                        ("proposed", "superseded"), ("approved", "confirmed"), ("approved", "cancelled")},
    "matching_rounds": {("queued", "running"), ("queued", "failed"), ("running", "succeeded"),
                        ("running", "failed")},
    "proposals": {
        ("proposed", "approved"), ("proposed", "rejected"), ("proposed", "superseded"),
        ("approved", "offered"), ("approved", "accepted"), ("approved", "declined"), ("approved", "lapsed"),
        ("approved", "superseded"),
        ("offered", "accepted"), ("offered", "declined"), ("offered", "lapsed"), ("offered", "superseded"),
        ("accepted", "superseded"),
    },
}
# Moves only some roles may make: (table, old, new) → the roles that may.
RESTRICTED = {
    ("staffing_requests", "withdrawn", "open"): {Role.COORDINATOR, Role.ADMIN},
    ("staffing_requests", "expired", "open"): {Role.COORDINATOR, Role.ADMIN},
    ("staffing_requests", "open", "withdrawn"): {Role.CITY_HR, Role.COORDINATOR, Role.ADMIN},
    ("exchange_offers", "matched", "withdrawn"): {Role.COORDINATOR, Role.ADMIN},
    ("exchange_offers", "withdrawn", "open"): {Role.COORDINATOR, Role.ADMIN},
    ("dispatch_offers", "pending", "accepted"): {Role.SPECIALIST},
    ("exchange_cycles", "proposed", "approved"): {Role.COORDINATOR, Role.ADMIN},
    ("exchange_cycles", "approved", "confirmed"): {Role.CITY_HR},
    ("proposals", "proposed", "approved"): {Role.COORDINATOR, Role.ADMIN},
}


def test_every_record_type_with_states_has_a_table_and_the_stored_values_are_kept():
    assert set(lifecycle.LIFECYCLES) == set(EXPECTED_MOVES)
    stored = {"staffing_requests": ("draft", "open", "partly_filled", "filled", "withdrawn", "expired"),
              "exchange_offers": ("draft", "open", "matched", "withdrawn", "expired"),
              "exchange_cycles": ("proposed", "approved", "rejected", "confirmed", "cancelled", "superseded")}
    for table, values in stored.items():
        assert tuple(s.value for s in lifecycle.LIFECYCLES[table].statuses) == values


@pytest.mark.parametrize("table", sorted(EXPECTED_MOVES))
def test_the_table_allows_exactly_the_expected_moves(table):
    lc = lifecycle.LIFECYCLES[table]
    for old, new in product(lc.statuses, repeat=2):
        assert lc.allows(old, new) == ((old, new) in EXPECTED_MOVES[table]), (table, old, new)


@pytest.mark.parametrize("table", sorted(EXPECTED_MOVES))
def test_every_move_not_in_the_table_is_refused_by_transition(app_ctx, table):
    lc = lifecycle.LIFECYCLES[table]
    coordinator = SimpleNamespace(id=None, role=Role.COORDINATOR)
    for old, new in product(lc.statuses, repeat=2):
        if (old, new) in EXPECTED_MOVES[table]:
            continue
        record = SimpleNamespace(__tablename__=table, status=old.value, id=1)
        with pytest.raises(UserError) as refused:
            lifecycle.transition(record, new, actor=coordinator, action="test.move")
        assert record.status == old
        assert f"「{lc.label(old)}」から「{lc.label(new)}」" in str(refused.value)
    assert not db.session.new, "a refused move audits nothing"


@pytest.mark.parametrize(("table", "old", "new"), sorted(RESTRICTED))
def test_only_the_named_roles_make_restricted_moves(table, old, new):
    lc = lifecycle.LIFECYCLES[table]
    for role in Role:
        actor = SimpleNamespace(role=role)
        assert lc.allows_actor(old, new, actor) == (role in RESTRICTED[(table, old, new)]), (role, old, new)
    assert not lc.allows_actor(old, new, None), "the system makes no move reserved for people"


def test_a_move_stamps_its_times_and_audits_old_and_new(app_ctx):
    clock.freeze(datetime(2026, 11, 30, 1, 0))
    record = SimpleNamespace(__tablename__="staffing_requests", status="withdrawn", id=7, city_id=3,
                             posted_at=datetime(2026, 11, 1), closed_at=datetime(2026, 11, 20))
    coordinator = SimpleNamespace(id=None, role=Role.COORDINATOR, display_name="幹事市", email="c@test.example")
    lifecycle.transition(record, "open", actor=coordinator, action="request.reopened", reason="間違い")
    assert (record.status, record.posted_at, record.closed_at) == ("open", datetime(2026, 11, 1), None)
    entry = next(e for e in db.session.new if isinstance(e, AuditEntry))
    assert (entry.entity_type, entry.entity_id, entry.city_id) == ("staffing_request", "7", 3)
    assert entry.changes == {"status": ["withdrawn", "open"]} and entry.reason == "間違い"
    db.session.rollback()


# ----------------------------------------------------------------------------- through the services


@pytest.fixture
def people(make):
    clock.freeze(datetime(2026, 11, 30, 1, 0))
    cities = make.demo_cities()
    return {"city": cities["142085"], "hr": make.user(Role.CITY_HR, city=cities["142085"]),
            "coordinator": make.user(Role.COORDINATOR)}


def _audits(entity: str, entity_id: int) -> int:
    return db.session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.entity_type == entity, AuditEntry.entity_id == str(entity_id))) or 0


def test_a_request_service_refuses_an_illegal_move_and_saves_nothing(make, people):
    req = requests.create_request(people["hr"], request_values(make))
    before = _audits("staffing_request", req.id)
    with pytest.raises(UserError, match="取り下げ・期限切れの派遣要請だけを再公開できます。"):
        requests.reopen_request(people["coordinator"], req.id, "誤って取り下げたため")
    db.session.rollback()
    assert db.session.get(StaffingRequest, req.id).status == "draft"
    assert _audits("staffing_request", req.id) == before


def test_an_offer_service_refuses_an_illegal_move_and_saves_nothing(make, people):
    offer = make.exchange_offer(people["city"], status="draft")
    with pytest.raises(UserError, match="募集中の交流職員の提供だけを交流成立にできます。"):
        offers.mark_offer_matched(offer.id, actor=people["coordinator"])
    db.session.rollback()
    assert db.session.get(ExchangeOffer, offer.id).status == "draft"
    assert _audits("exchange_offer", offer.id) == 0


def test_a_city_may_not_withdraw_an_agreed_offer_the_table_keeps_that_for_the_coordinating_city(make, people):
    offer = make.exchange_offer(people["city"], status="matched")
    with pytest.raises(UserError, match="交流が成立したものは幹事市に連絡してください。"):
        offers.withdraw_offer(people["hr"], offer.id)
    db.session.rollback()
    assert offers.withdraw_offer(people["coordinator"], offer.id, "輪が不成立").status == "withdrawn"


def test_a_dispatch_service_refuses_an_illegal_move_and_saves_nothing(make, people):
    from talentbank.dispatches import services as dispatches
    from talentbank.dispatches.models import Dispatch

    req = make.staffing_request(people["city"], status="open")
    dispatch = make.dispatch(make.specialist(people["city"]), req, status="completed")
    with pytest.raises(UserError, match="派遣予定または派遣中の派遣だけを中止できます。"):
        dispatches.cancel_dispatch(people["coordinator"], dispatch.id, "不要になったため")
    db.session.rollback()
    assert db.session.get(Dispatch, dispatch.id).status == "completed"
    assert _audits("dispatch", dispatch.id) == 0


def test_a_ring_service_refuses_an_illegal_move_and_saves_nothing(make, people):
    from talentbank.exchange.rings import services as rings
    from talentbank.exchange.rings.models import ExchangeCycle

    fujisawa = make.demo_cities()["142051"]
    a = make.exchange_offer(people["city"], wants="civil")
    b = make.exchange_offer(fujisawa, start_date=a.start_date, end_date=a.end_date)
    cycle = make.exchange_ring([a, b], status="confirmed")
    with pytest.raises(UserError, match="提案中または承認済み（確認待ち）の交流の輪だけを解除できます。"):
        rings.release_ring(people["coordinator"], cycle.id, "市の依頼")
    db.session.rollback()
    assert db.session.get(ExchangeCycle, cycle.id).status == "confirmed"
    assert _audits("exchange_cycle", cycle.id) == 0


def test_a_round_and_a_proposal_refuse_an_illegal_move_and_save_nothing(make, people):
    from talentbank.matching import services as matching
    from talentbank.matching.models import MatchingRound, Proposal

    rnd = make.dispatch_round()
    with pytest.raises(UserError, match="「完了」から「計算中」"):
        lifecycle.transition(rnd, "running", actor=None, action="round.started")
    req = make.staffing_request(people["city"], status="open")
    proposal = make.approved_proposal(make.specialist(people["city"]), req, status="rejected", rnd=rnd)
    with pytest.raises(UserError, match="「却下」から「本人が受諾」"):
        lifecycle.transition(proposal, "accepted", actor=None, action="proposal.accepted")
    with pytest.raises(UserError):
        matching.mark_offered(proposal.id, people["coordinator"])
    db.session.rollback()
    assert db.session.get(MatchingRound, rnd.id).status == "succeeded"
    assert db.session.get(Proposal, proposal.id).status == "rejected"
    assert _audits("proposal", proposal.id) == 0
