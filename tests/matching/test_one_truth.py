"""One truth about who is free: rings and dispatches hold their people, in one round and across rounds.

Each test here stands for a check in production code; each was seen to fail with that check removed.
"""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.errors import UserError
from talentbank.core.permissions import Role
from talentbank.exchange import services as offers
from talentbank.exchange.rings import services as rings
from talentbank.exchange.rings.models import ExchangeCycle
from talentbank.extensions import db
from talentbank.matching import services
from talentbank.matching.models import ForbiddenPair, MatchingRound, Proposal
from talentbank.specialists.models import AvailabilityWindow

from .builders import matching_app, specialist


@pytest.fixture
def market(app, make):
    """Zushi offers a civil engineer for a social worker; Kamakura the other way round; Yokohama asks for a
    civil engineer for the same period (the Zushi officer fits it too)."""
    matching_app(app)
    cities = make.demo_cities()
    make.vocabulary()
    zushi, kamakura, yokohama = cities["142085"], cities["142042"], cities["141003"]
    coordinator = make.user(Role.COORDINATOR, email="coord@test.example")
    # Consented and available all the time: in the dispatch market as well as in the exchange.
    civil = make.serving_officer(zushi, professions=("civil",), max_travel_minutes=600, consented_at=clock.utcnow())
    civil.availability_windows = [AvailabilityWindow(start_date=clock.today_tokyo(),
                                                     end_date=clock.today_tokyo() + timedelta(days=900))]
    db.session.commit()
    social = make.serving_officer(kamakura, professions=("social_welfare",))
    swap = [make.exchange_offer(zushi, civil, wants="social_welfare"),
            make.exchange_offer(kamakura, social, wants="civil")]
    start, end = swap[0].start_date, swap[0].end_date
    request = make.staffing_request(yokohama, people=1, days_per_week=2, start_date=start + timedelta(days=10),
                                    end_date=end - timedelta(days=10), section="道路課")
    return {"coordinator": coordinator, "cities": cities, "civil": civil, "social": social, "swap": swap,
            "request": request, "zushi_hr": make.user(Role.CITY_HR, city=zushi, email="hr.z@test.example"),
            "kamakura_hr": make.user(Role.CITY_HR, city=kamakura, email="hr.k@test.example")}


def _ring(round_id: int) -> ExchangeCycle | None:
    return db.session.scalar(select(ExchangeCycle).where(ExchangeCycle.round_id == round_id))


def _proposals_of(specialist_id: int, round_id: int) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.specialist_id == specialist_id,
                                                          Proposal.round_id == round_id)))


def test_an_approved_ring_keeps_its_officer_out_of_every_later_round(market):
    first = services.start_round(market["coordinator"])
    ring = _ring(first.id)
    assert ring is not None and not _proposals_of(market["civil"].id, first.id), first.result_json
    services.approve_cycle(market["coordinator"], ring.id)

    second = services.resolve(market["coordinator"], first.id)
    problem = json.loads(second.problem_json)
    officer = next(s for s in problem["specialists"] if s["id"] == str(market["civil"].id))
    assert officer["busy"] == [{"start": ring.members[0].start_date.isoformat(),
                                "end": ring.members[0].end_date.isoformat()}]
    assert problem["exchange_offers"] == []
    assert _proposals_of(market["civil"].id, second.id) == []
    # The approved ring stays in view in the re-solved round, marked as kept.
    assert second.stats["kept_rings"] == [ring.id]


def test_an_agreed_ring_keeps_its_officer_out_too(market):
    first = services.start_round(market["coordinator"])
    ring = _ring(first.id)
    services.approve_cycle(market["coordinator"], ring.id)
    rings.confirm_ring(market["zushi_hr"], ring.id)
    rings.confirm_ring(market["kamakura_hr"], ring.id)
    assert db.session.get(ExchangeCycle, ring.id).status == "confirmed"
    later = services.start_round(market["coordinator"])
    assert _proposals_of(market["civil"].id, later.id) == []
    assert later.stats["kept_rings"] == [ring.id]


def test_a_new_round_supersedes_rings_still_waiting_for_review(market):
    first = services.start_round(market["coordinator"])
    waiting = _ring(first.id)
    second = services.start_round(market["coordinator"])
    assert db.session.get(ExchangeCycle, waiting.id).status == "superseded"
    assert _ring(second.id) is not None and _ring(second.id).status == "proposed"


def test_approving_a_dispatch_of_an_officer_in_an_approved_ring_is_refused(market, make):
    first = services.start_round(market["coordinator"])
    ring = _ring(first.id)
    services.approve_cycle(market["coordinator"], ring.id)
    # A proposal from before the ring was approved (made by hand: the solver would never propose it now).
    stale = Proposal(round_id=first.id, request_id=market["request"].id, specialist_id=market["civil"].id,
                     city_id=market["request"].city_id, status="proposed", score={"total": 1}, priority_position=0)
    db.session.add(stale)
    db.session.commit()
    with pytest.raises(UserError, match=f"交流の輪（No.{ring.id}）に含まれている"):
        services.approve_proposal(market["coordinator"], stale.id)


def test_approving_a_ring_whose_officer_is_approved_for_an_overlapping_dispatch_is_refused(market):
    first = services.start_round(market["coordinator"])
    ring = _ring(first.id)
    db.session.add(Proposal(round_id=first.id, request_id=market["request"].id, specialist_id=market["civil"].id,
                            city_id=market["request"].city_id, status="approved", score={"total": 1},
                            priority_position=0))
    db.session.commit()
    with pytest.raises(UserError, match=f"派遣要請 No.{market['request'].id} に承認済み"):
        services.approve_cycle(market["coordinator"], ring.id)
    assert db.session.get(ExchangeCycle, ring.id).status == "proposed"


def test_an_offer_in_a_proposed_ring_is_frozen_until_the_coordinator_releases_it(market, client, auth):
    first = services.start_round(market["coordinator"])
    ring = _ring(first.id)
    offer = market["swap"][0]
    with pytest.raises(UserError, match=f"交流の輪 No.{ring.id}"):
        offers.withdraw_offer(market["zushi_hr"], offer.id)
    db.session.rollback()
    auth.login(market["zushi_hr"].email)
    page = client.get(f"/exchange/{offer.id}")
    assert f"交流の輪 No.{ring.id}" in page.text and "解除を依頼" in page.text
    auth.logout()
    auth.login(market["coordinator"].email)
    blank = client.post(f"/exchange-rings/{ring.id}/release", data={"reason": ""})
    assert blank.status_code == 400
    assert client.post(f"/exchange-rings/{ring.id}/release",
                       data={"reason": "逗子市から期間変更の申し出"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExchangeCycle, ring.id).status == "cancelled"
    offers.withdraw_offer(market["zushi_hr"], offer.id)
    assert offer.status == "withdrawn"


def test_the_ring_page_tells_its_history_in_words(market, client, auth):
    first = services.start_round(market["coordinator"])
    ring = _ring(first.id)
    services.approve_cycle(market["coordinator"], ring.id)
    auth.login(market["zushi_hr"].email)
    page = client.get(f"/exchange-rings/{ring.id}")
    assert "交流の輪の承認" in page.text and "cycle.approved" not in page.text


def test_approval_uses_the_busiest_day_not_the_sum_of_the_year(app, make):
    """3 days offered; 2 days in spring and 2 in autumn are approved: a 1-day job all year still fits."""
    matching_app(app)
    cities = make.demo_cities()
    zushi = cities["142085"]
    coordinator = make.user(Role.COORDINATOR)
    today = clock.today_tokyo()
    person = specialist(make, cities["142042"], days_per_week=3, windows=((today, today + timedelta(days=800)),))
    base = today + timedelta(days=30)
    spring = make.staffing_request(zushi, people=1, days_per_week=2, start_date=base,
                                   end_date=base + timedelta(days=89), section="春")
    autumn = make.staffing_request(zushi, people=1, days_per_week=2, start_date=base + timedelta(days=181),
                                   end_date=base + timedelta(days=272), section="秋")
    year = make.staffing_request(zushi, people=1, days_per_week=1, start_date=base,
                                 end_date=base + timedelta(days=364), section="通年")
    rnd = make.dispatch_round()
    made = {}
    for req, status in ((spring, "approved"), (autumn, "approved"), (year, "proposed")):
        made[req.id] = Proposal(round_id=rnd.id, request_id=req.id, specialist_id=person.id, city_id=zushi.id,
                                status=status, score={"total": 1}, priority_position=0)
        db.session.add(made[req.id])
    db.session.commit()
    services.approve_proposal(coordinator, made[year.id].id)
    assert made[year.id].status in ("approved", "offered")  # approved, then offered to the specialist
    # A second 2-day job in spring is one too many on the busiest day (2 + 1 + 2 > 3).
    extra = make.staffing_request(zushi, people=1, days_per_week=2, start_date=base,
                                  end_date=base + timedelta(days=30), section="追加")
    late = Proposal(round_id=rnd.id, request_id=extra.id, specialist_id=person.id, city_id=zushi.id,
                    status="proposed", score={"total": 1}, priority_position=0)
    db.session.add(late)
    db.session.commit()
    with pytest.raises(UserError, match="週3日の派遣が承認されている"):
        services.approve_proposal(coordinator, late.id)


def test_approving_a_pair_rejected_or_declined_before_is_refused(app, make):
    matching_app(app)
    cities = make.demo_cities()
    coordinator = make.user(Role.COORDINATOR)
    person = specialist(make, cities["142042"])
    request = make.staffing_request(cities["142085"], people=1)
    rnd = make.dispatch_round()
    for kind in ("rejected", "declined"):
        db.session.query(ForbiddenPair).delete()
        db.session.add(ForbiddenPair(specialist_id=person.id, request_id=request.id, reason_kind=kind))
        proposal = Proposal(round_id=rnd.id, request_id=request.id, specialist_id=person.id,
                            city_id=request.city_id, status="proposed", score={"total": 1}, priority_position=0)
        db.session.add(proposal)
        db.session.commit()
        with pytest.raises(UserError, match="以前に却下または辞退"):
            services.approve_proposal(coordinator, proposal.id)
        db.session.delete(db.session.get(Proposal, proposal.id))
        db.session.commit()


def test_the_rule_set_says_where_the_exchange_market_stands_and_the_round_records_it(app, make, client, auth):
    matching_app(app)
    make.demo_cities()
    coordinator = make.user(Role.COORDINATOR)
    services.ensure_rule_set()
    auth.login(coordinator.email)
    page = client.get("/matching/rule-sets/new")
    assert 'checked id="exchange_priority-2" name="exchange_priority" required type="radio" value="after_statutory"' \
        in page.text, "the form starts from the published version's setting (the default)"
    form = {"method": "lexicographic", "staff_per_10k_order": "1", "staff_per_10k_weight": "1",
            "allowance_rate_order": "2", "allowance_rate_weight": "1", "fiscal_index_order": "3",
            "fiscal_index_weight": "1", "max_cycle_length": "3", "exchange_priority": "last",
            "note": "交流は派遣の後", "is_published": "y"}
    bad = client.post("/matching/rule-sets/new", data={**form, "exchange_priority": "sometimes"})
    assert 'class="field radios has-error" id="exchange-priority"' in bad.text
    assert "Not a valid choice" not in bad.text
    assert services.current_rule_set().version == 1
    assert client.post("/matching/rule-sets/new", data=form).status_code == 302
    current = services.current_rule_set()
    assert current.version == 2 and current.exchange_priority == "last"
    rnd = services.start_round(coordinator)
    assert json.loads(rnd.problem_json)["rule_set"]["exchange_priority"] == "last"
    assert db.session.get(MatchingRound, rnd.id).rule_set_version_id == current.id


def test_a_cancelled_leg_of_an_agreed_ring_frees_its_officer_for_later_rounds(market):
    from talentbank.dispatches import services as dispatches
    from talentbank.dispatches.models import Dispatch

    first = services.start_round(market["coordinator"])
    ring = _ring(first.id)
    services.approve_cycle(market["coordinator"], ring.id)
    rings.confirm_ring(market["zushi_hr"], ring.id)
    rings.confirm_ring(market["kamakura_hr"], ring.id)
    leg = db.session.scalar(select(Dispatch).where(Dispatch.exchange_cycle_id == ring.id,
                                                   Dispatch.specialist_id == market["civil"].id))
    dispatches.cancel_dispatch(market["coordinator"], leg.id, "受入先の事情で中止")
    later = services.start_round(market["coordinator"])
    problem = json.loads(later.problem_json)
    busy = {s["id"]: s.get("busy") for s in problem["specialists"]}
    assert busy.get(str(market["civil"].id)) is None, "the released officer is free again"
    assert [p.request_id for p in _proposals_of(market["civil"].id, later.id)] == [market["request"].id]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cycle.leg_released"))
    assert entry is not None and entry.entity_id == str(ring.id) and entry.reason == "受入先の事情で中止"
