"""Who is in which ring: indexed questions the exchange, matching and dispatch domains ask."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from ...extensions import db
from .models import HOLDING_CYCLE_STATUSES, LIVE_CYCLE_STATUSES, ExchangeCycle, ExchangeCycleMember


def live_ring_of_offer(offer_id: int) -> ExchangeCycle | None:
    """The proposed, approved or agreed ring that holds the offer, if any (the newest)."""
    return db.session.scalar(
        select(ExchangeCycle).join(ExchangeCycleMember, ExchangeCycleMember.cycle_id == ExchangeCycle.id)
        .where(ExchangeCycleMember.offer_id == offer_id, ExchangeCycle.status.in_(LIVE_CYCLE_STATUSES))
        .order_by(ExchangeCycle.id.desc()).limit(1))


def holding_ring_of_officer(officer_id: int, start: date | None = None, end: date | None = None,
                            *, exclude_cycle_id: int | None = None) -> ExchangeCycle | None:
    """An approved or agreed ring that takes the officer away (during start..end when given), leg not released."""
    query = (select(ExchangeCycle).join(ExchangeCycleMember, ExchangeCycleMember.cycle_id == ExchangeCycle.id)
             .where(ExchangeCycleMember.officer_id == officer_id, ExchangeCycle.status.in_(HOLDING_CYCLE_STATUSES),
                    ExchangeCycleMember.released_at.is_(None)))
    if start is not None and end is not None:
        query = query.where(ExchangeCycleMember.start_date <= end, ExchangeCycleMember.end_date >= start)
    if exclude_cycle_id is not None:
        query = query.where(ExchangeCycle.id != exclude_cycle_id)
    return db.session.scalar(query.order_by(ExchangeCycle.id).limit(1))


def holding_rings_until(today: date) -> list[ExchangeCycle]:
    """Approved and agreed rings whose period has not ended: their officers are busy in a new round."""
    return list(db.session.scalars(
        select(ExchangeCycle).where(ExchangeCycle.status.in_(HOLDING_CYCLE_STATUSES), ExchangeCycle.id.in_(
            select(ExchangeCycleMember.cycle_id).where(ExchangeCycleMember.end_date >= today)))
        .order_by(ExchangeCycle.id)))


def officers_away(cycles: Iterable[ExchangeCycle]) -> dict[int, list[tuple[date, date]]]:
    """Officer id -> the periods the given rings take them away (a released leg takes nobody away)."""
    away: dict[int, list[tuple[date, date]]] = {}
    for cycle in cycles:
        for member in cycle.members:
            if member.released_at is None:
                away.setdefault(member.officer_id, []).append((member.start_date, member.end_date))
    return away
