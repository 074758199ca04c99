"""A ring's whole life, in one place: proposed by a round, approved or rejected by the coordinating
city, confirmed or refused by each city in it, agreed, superseded by a later round, or released.

A ring is a list of exchange offers in order: the officer of offer *i* goes to the city of offer
*i + 1* (the last to the first) for the receiving offer's period. Membership is a table
(``ExchangeCycleMember``), so the questions the other domains ask ("is this offer in a live
ring?", "which officers are away, and when?") are indexed queries, not scans of JSON lists.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ...audit import services as audit
from ...audit.models import AuditEntry
from ...cities.models import City
from ...core import clock, permissions
from ...core.errors import N_, UserError
from ...lifecycle.transitions import RING, check_move, transition
from ...core.permissions import PermissionDenied, Role
from ...extensions import db
from ...specialists.models import Specialist, SpecialistStatus
from .. import services as offers_service
from ..models import ExchangeOffer
from . import events, notices
from .queries import holding_ring_of_officer, holding_rings_until, live_ring_of_offer, officers_away  # noqa: F401
from .models import HOLDING_CYCLE_STATUSES, LIVE_CYCLE_STATUSES, ExchangeCycle, ExchangeCycleConfirmation, \
    ExchangeCycleMember

ENTITY = "exchange_cycle"
REVIEWED = N_("この交流の輪はすでに審査済みです。")
# Rings past the coordinating city's approval: the ones cities confirm, and what became of them.
VISIBLE_STATUSES = ("approved", "confirmed", "cancelled")
LIST_LIMIT = 200
REASON_LIMIT = 2000


# ----------------------------------------------------------------------------- proposal by a round


def propose_rings(round_id: int, rings: Sequence[Sequence[int]], *, now: datetime) -> list[ExchangeCycle]:
    """Store the rings a round chose (offer ids in ring order); the round's transaction commits."""
    ids = sorted({int(o) for ring in rings for o in ring})
    offers = {o.id: o for o in db.session.scalars(select(ExchangeOffer).where(ExchangeOffer.id.in_(ids)))} if ids else {}
    made = []
    for position, ring in enumerate(rings):
        cycle = ExchangeCycle(round_id=round_id, position=position, status="proposed", created_at=now)
        legs = [offers[int(o)] for o in ring]
        for i, offer in enumerate(legs):
            receiving = legs[(i + 1) % len(legs)]
            cycle.members.append(ExchangeCycleMember(position=i, offer_id=offer.id, officer_id=offer.officer_id,
                                                     city_id=offer.city_id, start_date=receiving.start_date,
                                                     end_date=receiving.end_date))
        db.session.add(cycle)
        made.append(cycle)
    return made


def supersede_waiting_rings(before_round_id: int, *, officer_ids: Iterable[int] | None = None) -> int:
    """Rings still waiting for review in earlier rounds give way to a new round's answer (not committed).

    A full round decides every market again, so every waiting ring of an earlier round is superseded;
    a round limited to some people supersedes only the waiting rings that hold one of them.
    """
    query = select(ExchangeCycle).where(ExchangeCycle.round_id < before_round_id,
                                        ExchangeCycle.status.in_(RING.sources("superseded")))
    if officer_ids is not None:
        wanted = sorted(set(officer_ids))
        if not wanted:
            return 0
        query = query.where(ExchangeCycle.id.in_(select(ExchangeCycleMember.cycle_id).where(
            ExchangeCycleMember.officer_id.in_(wanted))))
    rings = list(db.session.scalars(query))
    for cycle in rings:
        transition(cycle, "superseded", actor=None, action="cycle.superseded", reason=f"round {before_round_id}",
                   summary=_summary(cycle))
    return len(rings)


# ----------------------------------------------------------------------------- the coordinating city


def _load(cycle_id: int, *, for_update: bool = False) -> ExchangeCycle:
    query = select(ExchangeCycle).where(ExchangeCycle.id == cycle_id).options(
        selectinload(ExchangeCycle.confirmations))
    if for_update and db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=ExchangeCycle)
    cycle = db.session.scalar(query.execution_options(populate_existing=True))
    if cycle is None:
        raise UserError("交流の輪が見つかりません。")
    return cycle


def _summary(cycle: ExchangeCycle) -> str:
    return f"round {cycle.round_id}: offers {cycle.offers}"


def _clean_reason(reason: str | None, message: str = "理由を入力してください。") -> str:
    text = (reason or "").strip()
    if not text:
        raise UserError(message, field="reason")
    if len(text) > REASON_LIMIT:
        raise UserError("理由は%(limit)s文字以内で入力してください。", field="reason", limit=REASON_LIMIT)
    return text


def _ring_offers(cycle: ExchangeCycle) -> dict[int, ExchangeOffer]:
    return {o.id: o for o in db.session.scalars(
        select(ExchangeOffer).where(ExchangeOffer.id.in_(cycle.offers)).options(
            joinedload(ExchangeOffer.officer).selectinload(Specialist.professions),
            joinedload(ExchangeOffer.officer).selectinload(Specialist.licences),
            joinedload(ExchangeOffer.city), joinedload(ExchangeOffer.wants_profession)))}


def approve_ring(actor: Any, cycle_id: int, *, round_is_reviewable: bool = True) -> ExchangeCycle:
    """Approve a proposed ring (caller commits); every city in it is then asked to confirm."""
    permissions.check(actor, "proposal.decide")
    cycle = _load(cycle_id, for_update=True)
    if not round_is_reviewable:
        raise UserError("このマッチングの結果は審査できません（試算、計算中または失敗）。")
    check_move(cycle, "approved", actor, REVIEWED)
    offers = _ring_offers(cycle)
    if len(offers) != len(cycle.offers) or any(o.status != "open" for o in offers.values()):
        raise UserError("この交流の輪に含まれる交流職員の提供が、取り下げまたは成立済みです。")
    for member in cycle.members:
        other = holding_ring_of_officer(member.officer_id, member.start_date, member.end_date,
                                        exclude_cycle_id=cycle.id)
        if other is not None:
            raise UserError("交流職員 %(ref)s は同じ期間の別の交流の輪（No.%(id)s）に含まれているため、"
                            "この交流の輪は承認できません。", ref=offers[member.offer_id].officer.reference, id=other.id)
    # Other domains that hold an officer for an overlapping period (approved dispatches) refuse here.
    events.ring_approving.send(cycle, actor=actor)
    transition(cycle, "approved", actor=actor, action="cycle.approved", summary=_summary(cycle),
               stamp={"decided_by_id": actor.id})
    db.session.flush()
    notices.tell_users(notices.hr_officers_of(cycle.cities), "cycle.confirmation_requested", notices.ring_params(cycle),
                       notices.link_to_ring(cycle), f"cycle.approved:{cycle.id}")
    return cycle


def reject_ring(actor: Any, cycle_id: int, reason: str) -> ExchangeCycle:
    """Reject a proposed ring with a reason (caller commits); its offers stay open for later rounds."""
    permissions.check(actor, "proposal.decide")
    reason = _clean_reason(reason, "却下する理由を入力してください。")
    cycle = _load(cycle_id, for_update=True)
    transition(cycle, "rejected", actor=actor, action="cycle.rejected", reason=reason, summary=_summary(cycle),
               stamp={"decided_by_id": actor.id, "decision_reason": reason}, refused=REVIEWED)
    return cycle


def release_ring(actor: Any, cycle_id: int, reason: str) -> ExchangeCycle:
    """The coordinating city releases a proposed or approved ring (a city asked to change an offer in it)."""
    permissions.check(actor, "proposal.decide")
    reason = _clean_reason(reason)
    cycle = _load(cycle_id, for_update=True)
    old = cycle.status
    transition(cycle, "cancelled", actor=actor, action="cycle.released", reason=reason, summary=_summary(cycle),
               stamp={"decision_reason": reason},
               refused=N_("提案中または承認済み（確認待ち）の交流の輪だけを解除できます。成立した交流は派遣の中止で取り消してください。"))
    if old == "approved":
        notices.tell_users(notices.everyone_in(cycle), "cycle.released", {**notices.ring_params(cycle), "reason": reason},
                           notices.link_to_ring(cycle), f"cycle.released:{cycle.id}")
    db.session.commit()
    return cycle


# ----------------------------------------------------------------------------- the cities in a ring


def _check_may_answer(actor: Any, cycle: ExchangeCycle) -> None:
    permissions.check(actor, "cycle.confirm", actor.city_id)
    if actor.city_id not in cycle.cities:
        raise PermissionDenied("cycle.confirm")
    if cycle.status != "approved":
        raise UserError("この職員交流は確認を受け付けていません（すでに成立したか、取り消されています）。")
    if any(c.city_id == actor.city_id for c in cycle.confirmations):
        raise UserError("貴市はすでにこの職員交流を確認しています。")


def check_may_answer(actor: Any, cycle_id: int) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` is an HR officer of a city in the ring."""
    permissions.check(actor, "cycle.confirm", actor.city_id)
    if actor.city_id not in _load(cycle_id).cities:
        raise PermissionDenied("cycle.confirm")


def _check_still_possible(cycle: ExchangeCycle, offers: dict[int, ExchangeOffer]) -> None:
    today = clock.today_tokyo()
    for member in cycle.members:
        offer = offers.get(member.offer_id)
        if offer is None or offer.status not in ("open", "matched"):
            raise UserError("この職員交流に含まれる交流職員の提供が取り下げられたか期限切れのため、交流を成立できません。"
                            "幹事市にご連絡ください。")
        if offer.officer.status != SpecialistStatus.ACTIVE:
            raise UserError("この職員交流の職員 %(reference)s が登録を停止しているため、交流を成立できません。"
                            "幹事市にご連絡ください。", reference=offer.officer.reference)
        if member.end_date < today:
            raise UserError("この職員交流の期間はすでに終わっているため、成立できません。")


def confirm_ring(actor: Any, cycle_id: int) -> ExchangeCycle:
    """An HR officer confirms their city's part; the last confirmation agrees the ring (dispatches follow)."""
    cycle = _load(cycle_id, for_update=True)
    _check_may_answer(actor, cycle)
    cycle.confirmations.append(ExchangeCycleConfirmation(city_id=actor.city_id, confirmed_by_id=actor.id,
                                                         confirmed_at=clock.utcnow()))
    audit.record(actor, "cycle.city_confirmed", ENTITY, cycle.id, city_id=actor.city_id,
                 summary=f"ring {cycle.id}: city {actor.city_id}")
    db.session.flush()
    if {c.city_id for c in cycle.confirmations} >= set(cycle.cities):
        try:
            offers = _ring_offers(cycle)
            _check_still_possible(cycle, offers)
            made = events.ring_agreed.send(cycle, actor=actor)
            for offer in offers.values():
                if offer.status == "open":
                    offers_service.mark_offer_matched(offer.id, actor=actor, commit=False)
        except UserError:
            db.session.rollback()  # the confirmation is not kept either: the ring cannot be agreed as it is
            raise
        count = sum(len(result or ()) for _receiver, result in made)
        transition(cycle, "confirmed", actor=actor, action="cycle.confirmed", city_id=None,
                   summary=f"ring {cycle.id}: {count} dispatches")
        notices.tell_users(notices.everyone_in(cycle), "cycle.confirmed", {**notices.ring_params(cycle), "count": count},
                           notices.link_to_ring(cycle), f"cycle.confirmed:{cycle.id}")
    db.session.commit()
    return cycle


def refuse_ring(actor: Any, cycle_id: int, reason: str) -> ExchangeCycle:
    """An HR officer declines for their city: the ring is cancelled and its offers go back to the pool."""
    cycle = _load(cycle_id, for_update=True)
    _check_may_answer(actor, cycle)
    reason = _clean_reason(reason)
    transition(cycle, "cancelled", actor=actor, action="cycle.refused", city_id=actor.city_id, reason=reason,
               summary=f"ring {cycle.id}")
    for offer in _ring_offers(cycle).values():
        if offer.status == "matched":
            offers_service.release_offer(offer.id, actor=actor, commit=False)
    city = db.session.get(City, actor.city_id)
    notices.tell_users(notices.everyone_in(cycle), "cycle.refused",
                       {**notices.ring_params(cycle), "city": notices.city_param(city), "reason": reason},
                       notices.link_to_ring(cycle), f"cycle.refused:{cycle.id}")
    db.session.commit()
    return cycle


def release_leg(cycle_id: int, officer_id: int, *, actor: Any, reason: str) -> None:
    """One officer's leg of an agreed ring is called off (their dispatch cancelled): the ring stops holding them.

    The dispatch domain calls this inside the cancelling transaction; the other legs stand as agreed.
    """
    member = db.session.scalar(select(ExchangeCycleMember).where(
        ExchangeCycleMember.cycle_id == cycle_id, ExchangeCycleMember.officer_id == officer_id,
        ExchangeCycleMember.released_at.is_(None)))
    if member is None:
        return
    member.released_at = clock.utcnow()
    audit.record(actor, "cycle.leg_released", ENTITY, cycle_id, changes={"released_officer": [None, officer_id]},
                 reason=reason, summary=f"ring {cycle_id}: officer {officer_id}")


# ----------------------------------------------------------------------------- reading


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
class RingView:
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


def _legs(actor: Any, cycle: ExchangeCycle, offers: dict[int, ExchangeOffer], cities: dict[int, City]) -> list[Leg]:
    legs = []
    members = cycle.members
    for i, member in enumerate(members):
        offer, receiving = offers[member.offer_id], offers[members[(i + 1) % len(members)].offer_id]
        # Officer names: the coordinating city, the employer, and (once agreed) the receiving city.
        shows = (actor.role in (Role.COORDINATOR, Role.ADMIN) or actor.city_id == offer.city_id
                 or (cycle.status == "confirmed" and actor.city_id == receiving.city_id))
        legs.append(Leg(offer, offer.officer, cities[offer.city_id], cities[receiving.city_id],
                        member.start_date, member.end_date, shows and offer.officer.status != SpecialistStatus.WITHDRAWN))
    return legs


def _may_see(actor: Any, cycle: ExchangeCycle) -> bool:
    if actor.role == Role.CITY_HR:
        return actor.city_id in cycle.cities
    return permissions.may(actor, "cycle.view")


def _view(actor: Any, cycle: ExchangeCycle, offers: dict[int, ExchangeOffer], cities: dict[int, City],
          history: list[AuditEntry]) -> RingView:
    confirmed = {c.city_id: c.confirmed_at for c in cycle.confirmations}
    may_answer = (cycle.status == "approved" and actor.role == Role.CITY_HR and actor.city_id in cycle.cities
                  and actor.city_id not in confirmed)
    return RingView(cycle, [cities[c] for c in cycle.cities], _legs(actor, cycle, offers, cities), confirmed,
                    may_answer, history)


def _offers_of(offer_ids: Iterable[int]) -> dict[int, ExchangeOffer]:
    ids = sorted(set(offer_ids))
    if not ids:
        return {}
    return {o.id: o for o in db.session.scalars(
        select(ExchangeOffer).where(ExchangeOffer.id.in_(ids)).options(
            joinedload(ExchangeOffer.officer).selectinload(Specialist.professions),
            joinedload(ExchangeOffer.city), joinedload(ExchangeOffer.wants_profession)))}


def list_rings(actor: Any) -> list[RingView]:
    """Approved rings and what became of them: all for the coordinating city, the own city's for HR."""
    permissions.check(actor, "cycle.list")
    query = select(ExchangeCycle).where(ExchangeCycle.status.in_(VISIBLE_STATUSES))
    if actor.role == Role.CITY_HR:
        query = query.where(ExchangeCycle.id.in_(select(ExchangeCycleMember.cycle_id).where(
            ExchangeCycleMember.city_id == actor.city_id)))
    cycles = list(db.session.scalars(query.options(selectinload(ExchangeCycle.confirmations))
                                     .order_by(ExchangeCycle.id.desc()).limit(LIST_LIMIT)))
    offers = _offers_of(o for c in cycles for o in c.offers)
    cities = {c.id: c for c in db.session.scalars(select(City))}
    views = [_view(actor, c, offers, cities, []) for c in cycles]
    # Rings waiting for this city's answer first.
    return sorted(views, key=lambda v: (not v.may_answer, v.cycle.status != "approved", -v.cycle.id))


def view_ring(actor: Any, cycle_id: int) -> RingView:
    """One ring with its legs, the confirmations so far and its history."""
    permissions.check(actor, "cycle.view")
    cycle = _load(cycle_id)
    if not _may_see(actor, cycle):
        raise PermissionDenied("cycle.view")
    cities = {c.id: c for c in db.session.scalars(select(City))}
    return _view(actor, cycle, _offers_of(cycle.offers), cities, ring_history(cycle.id))


def ring_history(cycle_id: int) -> list[AuditEntry]:
    """The audit trail of one ring, oldest first (shown with each action in words)."""
    return audit.entity_history((ENTITY, cycle_id))

