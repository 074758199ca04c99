"""Demo agreements: an agreed three-city exchange ring and a retiree's dispatch, each with its terms.

So the ledger, the settlement workbooks, the 特別交付税 list and the documents show something on a
fresh demo: the ring of the demo offers (Yokosuka → Machida → Kamakura → Yokosuka) is approved and
confirmed by its three cities, which makes one dispatch per leg with exchange terms (each confirmed
by both cities); a retiree is placed with Zushi's roads section from January to June (a disaster-
recovery request with an offered daily rate), so the ledger splits the dispatch between two fiscal
years; Zushi amends the terms (travel per day, 特別交付税) and confirms the new version. Decisions
go through the services, as staff would make them. Running it again adds nothing.
"""
from __future__ import annotations

from datetime import date, timedelta

import click
from sqlalchemy import select

from ..accounts.models import User
from ..agreements import terms as agreement_terms
from ..agreements.models import DispatchTerms
from ..audit import services as audit
from ..cities.models import City
from ..core.clock import today_tokyo, utcnow
from ..core.permissions import Role
from ..dispatches import services as dispatches
from ..dispatches.models import Dispatch, Offer
from ..exchange.models import ExchangeOffer
from ..exchange.rings import services as rings
from ..extensions import db
from ..matching.models import MatchingRound, Proposal
from ..matching.services import ensure_rule_set
from ..requests import services as requests
from ..specialists.models import Specialist, SpecialistKind
from ..vocabulary.models import Profession
from .demand import KAMAKURA, YOKOSUKA, ZUSHI, _hr_officers
from .specialists import DEMO_SPECIALIST_EMAIL

MACHIDA = "132098"
RING = (YOKOSUKA, MACHIDA, KAMAKURA)
DEMO_RATE_YEN = 18000  # the daily 報酬 Zushi offers a retired civil engineer
DEMO_TRAVEL_YEN = 1200


def _coordinator() -> User | None:
    return db.session.scalar(select(User).where(User.role == Role.COORDINATOR.value, User.is_enabled.is_(True))
                             .order_by(User.id))


def _january_to_june(today: date) -> tuple[date, date]:
    """The next January to June: a period that straddles the end of a fiscal year (31 March)."""
    return date(today.year + 1, 1, 5), date(today.year + 1, 6, 30)


def _agreed_ring(cities: dict[str, City], rnd: MatchingRound, coordinator: User, hr: dict[str, User]) -> int:
    """The three-city ring of the demo offers, approved and confirmed by each city: its legs' dispatches."""
    offers = []
    for code in RING:
        offer = db.session.scalar(select(ExchangeOffer).where(ExchangeOffer.city_id == cities[code].id,
                                                              ExchangeOffer.status == "open")
                                  .order_by(ExchangeOffer.id))
        if offer is None or code not in hr:
            return 0
        offers.append(offer)
    cycle = rings.propose_rings(rnd.id, [[o.id for o in offers]], now=utcnow())[0]
    db.session.flush()
    rings.approve_ring(coordinator, cycle.id)
    for code in RING:
        rings.confirm_ring(hr[code], cycle.id)
    db.session.commit()
    legs = db.session.scalars(select(Dispatch).where(Dispatch.exchange_cycle_id == cycle.id)).all()
    for leg in legs:
        terms = agreement_terms.current_terms(leg.id)
        receiving = next(u for u in hr.values() if u.city_id == leg.city_id)
        sending = next(u for u in hr.values() if u.city_id == terms.sending_city_id)
        agreement_terms.confirm_terms(receiving, leg.id, terms.version)
        agreement_terms.confirm_terms(sending, leg.id, terms.version)
    return len(legs)


def _retiree_dispatch(cities: dict[str, City], rnd: MatchingRound, coordinator: User, hr: dict[str, User]) -> int:
    """A retired civil engineer with Zushi's roads section, January to June, at the offered daily rate."""
    zushi_hr = hr.get(ZUSHI)
    civil = db.session.scalar(select(Profession).where(Profession.code == "civil"))
    if zushi_hr is None or civil is None:
        return 0
    retiree = db.session.scalar(
        select(Specialist).where(Specialist.kind == SpecialistKind.RETIRED.value, Specialist.status == "active",
                                 Specialist.email != DEMO_SPECIALIST_EMAIL, Specialist.days_per_week >= 3,
                                 Specialist.professions.any(Profession.id == civil.id))
        .order_by(Specialist.id))
    if retiree is None:
        return 0
    start, end = _january_to_june(today_tokyo())
    req = requests.create_request(zushi_hr, requests.RequestValues(
        department="都市整備部", section="道路・法面整備課", profession_id=civil.id, required_licence_ids=(),
        desired_field_ids=(), people=1, start_date=start, end_date=end, days_per_week=3, work_mode="onsite",
        urgency="disaster", urgency_reason="令和元年の台風による市道の法面崩落の復旧（継続）",
        description="法面崩落箇所の復旧工事の監督と、次の崩落に備えた点検計画づくり。",
        internal_notes="災害復旧事業として特別交付税の対象を想定。", offered_rate_amount=DEMO_RATE_YEN,
        offered_rate_unit="day"))
    requests.open_request(zushi_hr, req.id, run_hooks=False)
    now = utcnow()
    proposal = Proposal(round_id=rnd.id, request_id=req.id, specialist_id=retiree.id, city_id=req.city_id,
                        status="accepted", score={"total": 0}, priority_position=0, served_mode="onsite",
                        decided_at=now)
    db.session.add(proposal)
    db.session.flush()
    offer = Offer(proposal_id=proposal.id, specialist_id=retiree.id, request_id=req.id, city_id=req.city_id,
                  start_date=start, end_date=end, days_per_week=3, work_mode="onsite", status="accepted",
                  deadline_at=now + timedelta(days=7), created_at=now, created_by_id=coordinator.id, closed_at=now)
    db.session.add(offer)
    db.session.flush()
    dispatch = Dispatch(specialist_id=retiree.id, city_id=req.city_id, request_id=req.id, proposal_id=proposal.id,
                        offer_id=offer.id, start_date=start, end_date=end, days_per_week=3, work_mode="onsite",
                        status="scheduled", created_at=now, created_by_id=coordinator.id)
    db.session.add(dispatch)
    db.session.flush()
    audit.record(coordinator, "dispatch.created", dispatches.DISPATCH_ENTITY, dispatch.id, city_id=dispatch.city_id,
                 changes={"status": [None, "scheduled"]}, summary="demo")
    dispatches.refresh_fill_state(req.id, coordinator)
    first = agreement_terms.create_initial_terms(dispatch, coordinator)
    db.session.commit()
    values = agreement_terms.DispatchTermsValues(
        bearers=first.bearers(), rate_amount=first.rate_amount, rate_unit=first.rate_unit,
        travel_amount=DEMO_TRAVEL_YEN, travel_unit="day", legal_form=first.legal_form, days_per_week=3,
        start_date=start, end_date=end, special_grant=True, note="通勤手当相当の旅費を日額で支給。",
        reason="災害復旧事業として特別交付税の対象とし、旅費を日額で定めるため")
    second = agreement_terms.amend_terms(zushi_hr, dispatch.id, values)
    agreement_terms.confirm_terms(zushi_hr, dispatch.id, second.version)
    return 1


def seed_agreements(cities: dict[str, City]) -> None:
    """``flask seed-demo`` step (after demand and the rule set): agreed dispatches that carry terms."""
    if db.session.scalar(select(DispatchTerms.id).limit(1)) is not None:
        click.echo("Agreements: demo dispatches and their terms already present")
        return
    coordinator = _coordinator()
    hr = _hr_officers(cities)
    if coordinator is None:
        return
    rule_set = ensure_rule_set()
    now = utcnow()
    rnd = MatchingRound(kind="manual", status="succeeded", rule_set_version_id=rule_set.id, started_at=now,
                        finished_at=now, stats={})
    db.session.add(rnd)
    db.session.flush()
    legs = _agreed_ring(cities, rnd, coordinator, hr)
    retirees = _retiree_dispatch(cities, rnd, coordinator, hr)
    db.session.commit()
    click.echo(f"Agreements: {legs} exchange dispatches and {retirees} retiree dispatch, with their terms")
