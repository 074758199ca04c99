"""An agreed exchange ring becomes dispatches: one per officer, to the next city, for that city's period.

The ring's life (approval, each city's confirmation, refusal) is the exchange domain's
(``talentbank.exchange.rings``); when the last city confirms it sends ``ring_agreed`` and this
subscriber writes the dispatches in the same transaction, or refuses with a clear message.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit import services as audit
from ..core import clock
from ..exchange.models import ExchangeOffer
from ..exchange.rings.models import ExchangeCycle
from ..extensions import db
from . import capacity
from .models import Dispatch
from .services import DISPATCH_ENTITY


def dispatches_for_agreed_ring(cycle: ExchangeCycle, actor: Any = None) -> list[Dispatch]:
    """``ring_agreed``: one dispatch per leg, checked against the officer's days like any other."""
    offers = {o.id: o for o in db.session.scalars(
        select(ExchangeOffer).where(ExchangeOffer.id.in_(cycle.offers))
        .options(joinedload(ExchangeOffer.officer), joinedload(ExchangeOffer.city)))}
    today = clock.today_tokyo()
    now = clock.utcnow()
    members = cycle.members
    receiving_city = {m.id: offers[members[(i + 1) % len(members)].offer_id].city for i, m in enumerate(members)}
    made = []
    # Same order in every transaction (by officer), so two rings sharing officers cannot deadlock.
    for member in sorted(members, key=lambda m: m.officer_id):
        officer = offers[member.offer_id].officer
        to_city = receiving_city[member.id]
        start = max(member.start_date, today)
        capacity.check_room(officer, start, member.end_date, officer.days_per_week)
        dispatch = Dispatch(specialist_id=officer.id, city_id=to_city.id, exchange_cycle_id=cycle.id,
                            exchange_offer_id=member.offer_id, start_date=start, end_date=member.end_date,
                            days_per_week=officer.days_per_week, work_mode="onsite",
                            status="active" if start <= today else "scheduled",
                            started_at=now if start <= today else None, created_at=now,
                            created_by_id=getattr(actor, "id", None))
        db.session.add(dispatch)
        capacity.flush_or_refuse(officer.id, start, member.end_date, officer.days_per_week)
        audit.record(actor, "dispatch.created", DISPATCH_ENTITY, dispatch.id, city_id=dispatch.city_id,
                     changes={"status": [None, dispatch.status]},
                     summary=f"{officer.reference} → {to_city.name_ja} (exchange ring {cycle.id})")
        made.append(dispatch)
    return made
