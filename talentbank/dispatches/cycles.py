"""Exchange rings after the coordinating city approved them: every city in the ring confirms, then dispatches.

A ring is a list of exchange offers in order: the officer of offer *i* goes to the city of offer
*i + 1* (the last to the first) for the receiving offer's period, the period that city's own
officer is away. An HR officer confirms (or refuses, with a reason) for their city. When the
last city confirms, one dispatch per officer is created in the same transaction and the offers
are marked as matched; a refusal cancels the ring and its offers return to the pool.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..audit import services as audit
from ..audit.models import AuditEntry
from ..cities.models import City
from ..core import clock, permissions
from ..core.errors import UserError
from ..core.permissions import PermissionDenied, Role
from ..exchange import services as exchange
from ..exchange.models import ExchangeOffer
from ..extensions import db
from ..matching.models import ExchangeCycle, ExchangeCycleConfirmation
from ..specialists.models import Specialist, SpecialistStatus
from . import capacity, notices
from .models import Dispatch
from .services import DISPATCH_ENTITY, clean_reason

CYCLE_ENTITY = "exchange_cycle"
# Rings past the coordinating city's approval: the ones cities confirm, and what became of them.
VISIBLE_STATUSES = ("approved", "confirmed", "cancelled")
LIST_LIMIT = 200


@dataclass(frozen=True)
class Leg:
    """One officer's move in a ring: from the offering city to the next city, for that city's period."""

    offer: ExchangeOffer
    officer: Specialist
    from_city: City
    to_city: City
    start_date: date
    end_date: date
    shows_officer: bool


@dataclass(frozen=True)
class CycleView:
    cycle: ExchangeCycle
    cities: list[City]
    legs: list[Leg]
    confirmed_at: dict[int, datetime]
    may_answer: bool
    history: list[AuditEntry]

    @property
    def ring_label(self) -> str:
        return ring_label(self.cities)

    @property
    def waiting_for(self) -> list[City]:
        return [c for c in self.cities if c.id not in self.confirmed_at]


def ring_label(cities: list[City], locale: str = "ja") -> str:
    """逗子市 → 鎌倉市 → 逗子市: the ring as people read it."""
    names = [c.display_name(locale) for c in cities]
    return " → ".join([*names, names[0]]) if names else ""


def _cycle(cycle_id: int, *, for_update: bool = False) -> ExchangeCycle:
    query = select(ExchangeCycle).where(ExchangeCycle.id == cycle_id).options(
        selectinload(ExchangeCycle.confirmations))
    if for_update:
        query = query.with_for_update(of=ExchangeCycle)
    cycle = db.session.scalar(query)
    if cycle is None:
        raise UserError("職員交流が見つかりません。")
    return cycle


def _offers(ids: list[int]) -> dict[int, ExchangeOffer]:
    return {o.id: o for o in db.session.scalars(
        select(ExchangeOffer).where(ExchangeOffer.id.in_(ids)).options(
            joinedload(ExchangeOffer.officer).selectinload(Specialist.professions),
            joinedload(ExchangeOffer.officer).selectinload(Specialist.licences),
            joinedload(ExchangeOffer.city), joinedload(ExchangeOffer.wants_profession)))}


def _legs(actor: Any, cycle: ExchangeCycle, offers: dict[int, ExchangeOffer],
          cities: dict[int, City]) -> list[Leg]:
    legs = []
    n = len(cycle.offers)
    for i, offer_id in enumerate(cycle.offers):
        offer, receiving = offers[offer_id], offers[cycle.offers[(i + 1) % n]]
        # Officer names: the coordinating city, the employer, and (once agreed) the receiving city.
        shows = (actor.role in (Role.COORDINATOR, Role.ADMIN) or actor.city_id == offer.city_id
                 or (cycle.status == "confirmed" and actor.city_id == receiving.city_id))
        legs.append(Leg(offer, offer.officer, cities[offer.city_id], cities[receiving.city_id],
                        receiving.start_date, receiving.end_date,
                        shows and offer.officer.status != SpecialistStatus.WITHDRAWN))
    return legs


def _may_see(actor: Any, cycle: ExchangeCycle) -> bool:
    if actor.role == Role.CITY_HR:
        return actor.city_id in cycle.cities
    return permissions.may(actor, "cycle.view")


def _view(actor: Any, cycle: ExchangeCycle, offers: dict[int, ExchangeOffer], cities: dict[int, City],
          history: list[AuditEntry]) -> CycleView:
    confirmed = {c.city_id: c.confirmed_at for c in cycle.confirmations}
    may_answer = (cycle.status == "approved" and actor.role == Role.CITY_HR and actor.city_id in cycle.cities
                  and actor.city_id not in confirmed)
    return CycleView(cycle, [cities[c] for c in cycle.cities], _legs(actor, cycle, offers, cities), confirmed,
                     may_answer, history)


def list_cycles(actor: Any) -> list[CycleView]:
    """Approved rings and what became of them: all for the coordinating city, the own city's for HR."""
    permissions.check(actor, "cycle.list")
    # The ring's cities are a JSON list: read (id, cities) of every visible ring, keep the actor's, load those.
    rows = db.session.execute(select(ExchangeCycle.id, ExchangeCycle.cities)
                              .where(ExchangeCycle.status.in_(VISIBLE_STATUSES)).order_by(ExchangeCycle.id.desc()))
    ids = [cycle_id for cycle_id, city_ids in rows
           if actor.role != Role.CITY_HR or actor.city_id in city_ids][:LIST_LIMIT]
    cycles = list(db.session.scalars(select(ExchangeCycle).where(ExchangeCycle.id.in_(ids))
                                     .options(selectinload(ExchangeCycle.confirmations))))
    offers = _offers(sorted({o for c in cycles for o in c.offers}))
    cities = {c.id: c for c in db.session.scalars(select(City))}
    # Rings waiting for this city's answer first.
    views = [_view(actor, c, offers, cities, []) for c in cycles]
    return sorted(views, key=lambda v: (not v.may_answer, v.cycle.status != "approved", -v.cycle.id))


def view_cycle(actor: Any, cycle_id: int) -> CycleView:
    """One ring with its legs, the confirmations so far and its history."""
    permissions.check(actor, "cycle.view")
    cycle = _cycle(cycle_id)
    if not _may_see(actor, cycle):
        raise PermissionDenied("cycle.view")
    history = audit.entity_history((CYCLE_ENTITY, cycle.id))
    cities = {c.id: c for c in db.session.scalars(select(City))}
    return _view(actor, cycle, _offers(cycle.offers), cities, history)


def check_may_answer(actor: Any, cycle_id: int) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` is an HR officer of a city in the ring."""
    permissions.check(actor, "cycle.confirm", actor.city_id)
    if actor.city_id not in _cycle(cycle_id).cities:
        raise PermissionDenied("cycle.confirm")


def _check_may_answer(actor: Any, cycle: ExchangeCycle) -> None:
    permissions.check(actor, "cycle.confirm", actor.city_id)
    if actor.city_id not in cycle.cities:
        raise PermissionDenied("cycle.confirm")
    if cycle.status != "approved":
        raise UserError("この職員交流は確認を受け付けていません（すでに成立したか、取り消されています）。")
    if any(c.city_id == actor.city_id for c in cycle.confirmations):
        raise UserError("貴市はすでにこの職員交流を確認しています。")


def _ring_params(cycle: ExchangeCycle) -> dict[str, Any]:
    cities = {c.id: c for c in db.session.scalars(select(City).where(City.id.in_(cycle.cities)))}
    ring = [cities[c] for c in cycle.cities]
    return {"ring": notices.both(ring_label(ring, "ja"), ring_label(ring, "en"))}


def _everyone_in(cycle: ExchangeCycle) -> list:
    users = [u for city_id in cycle.cities for u in notices.hr_officers(city_id)]
    return users + notices.coordinators()


def _make_dispatches(cycle: ExchangeCycle, actor: Any) -> list[Dispatch]:
    offers = _offers(cycle.offers)
    today = clock.today_tokyo()
    now = clock.utcnow()
    n = len(cycle.offers)
    legs = []
    for i, offer_id in enumerate(cycle.offers):
        offer, receiving = offers.get(offer_id), offers.get(cycle.offers[(i + 1) % n])
        if offer is None or receiving is None or offer.status not in ("open", "matched"):
            raise UserError("この職員交流に含まれる交流職員の提供が取り下げられたか期限切れのため、交流を成立できません。"
                            "幹事市にご連絡ください。")
        if offer.officer.status != SpecialistStatus.ACTIVE:
            raise UserError("この職員交流の職員 %(reference)s が登録を停止しているため、交流を成立できません。"
                            "幹事市にご連絡ください。", reference=offer.officer.reference)
        if receiving.end_date < today:
            raise UserError("この職員交流の期間はすでに終わっているため、成立できません。")
        legs.append((offer, receiving))
    made = []
    # Same order in every transaction (by officer), so two rings sharing officers cannot deadlock.
    for offer, receiving in sorted(legs, key=lambda pair: pair[0].officer_id):
        officer = offer.officer
        start = max(receiving.start_date, today)
        capacity.check_room(officer, start, receiving.end_date, officer.days_per_week)
        dispatch = Dispatch(specialist_id=officer.id, city_id=receiving.city_id, exchange_cycle_id=cycle.id,
                            exchange_offer_id=offer.id, start_date=start, end_date=receiving.end_date,
                            days_per_week=officer.days_per_week, work_mode="onsite",
                            status="active" if start <= today else "scheduled",
                            started_at=now if start <= today else None, created_at=now,
                            created_by_id=getattr(actor, "id", None))
        db.session.add(dispatch)
        capacity.flush_or_refuse(officer.id, start, receiving.end_date, officer.days_per_week)
        audit.record(actor, "dispatch.created", DISPATCH_ENTITY, dispatch.id, city_id=dispatch.city_id,
                     changes={"status": [None, dispatch.status]},
                     summary=f"{officer.reference} → {receiving.city.name_ja} (exchange ring {cycle.id})")
        made.append(dispatch)
    for offer, _receiving in legs:
        if offer.status == "open":
            exchange.mark_offer_matched(offer.id, actor=actor, commit=False)
    return made


def confirm_cycle(actor: Any, cycle_id: int) -> ExchangeCycle:
    """An HR officer confirms their city's part; the last confirmation turns the ring into dispatches."""
    cycle = _cycle(cycle_id, for_update=True)
    _check_may_answer(actor, cycle)
    now = clock.utcnow()
    cycle.confirmations.append(ExchangeCycleConfirmation(city_id=actor.city_id, confirmed_by_id=actor.id,
                                                         confirmed_at=now))
    audit.record(actor, "cycle.city_confirmed", CYCLE_ENTITY, cycle.id, city_id=actor.city_id,
                 summary=f"ring {cycle.id}: city {actor.city_id}")
    db.session.flush()
    if {c.city_id for c in cycle.confirmations} >= set(cycle.cities):
        try:
            made = _make_dispatches(cycle, actor)
        except UserError:
            db.session.rollback()  # the confirmation is not kept either: the ring cannot be agreed as it is
            raise
        cycle.status = "confirmed"
        audit.record(actor, "cycle.confirmed", CYCLE_ENTITY, cycle.id, changes={"status": ["approved", "confirmed"]},
                     summary=f"ring {cycle.id}: {len(made)} dispatches")
        notices.tell_users(_everyone_in(cycle), "cycle.confirmed", {**_ring_params(cycle), "count": len(made)},
                           notices.link_to("dispatches.cycle", exchange_cycle_id=cycle.id),
                           f"cycle.confirmed:{cycle.id}")
    db.session.commit()
    return cycle


def refuse_cycle(actor: Any, cycle_id: int, reason: str) -> ExchangeCycle:
    """An HR officer declines for their city: the ring is cancelled and its offers go back to the pool."""
    cycle = _cycle(cycle_id, for_update=True)
    _check_may_answer(actor, cycle)
    reason = clean_reason(reason, required=True)
    cycle.status = "cancelled"
    for offer in _offers(cycle.offers).values():
        if offer.status == "matched":
            exchange.release_offer(offer.id, actor=actor, commit=False)
    audit.record(actor, "cycle.refused", CYCLE_ENTITY, cycle.id, city_id=actor.city_id,
                 changes={"status": ["approved", "cancelled"]}, reason=reason, summary=f"ring {cycle.id}")
    city = db.session.get(City, actor.city_id)
    notices.tell_users(_everyone_in(cycle), "cycle.refused",
                       {**_ring_params(cycle), "city": notices.city_param(city), "reason": reason},
                       notices.link_to("dispatches.cycle", exchange_cycle_id=cycle.id), f"cycle.refused:{cycle.id}")
    db.session.commit()
    return cycle


def ask_cities_to_confirm(cycle: ExchangeCycle, actor: Any) -> None:
    """Matching's ``ON_CYCLE_APPROVED``: every city in the ring is asked to confirm (in the approving transaction)."""
    users = [u for city_id in cycle.cities for u in notices.hr_officers(city_id)]
    notices.tell_users(users, "cycle.confirmation_requested", _ring_params(cycle),
                       notices.link_to("dispatches.cycle", exchange_cycle_id=cycle.id), f"cycle.approved:{cycle.id}")
