"""The days-per-week rule: how many days a specialist already has booked, and the refusal when full.

The database is the authority (the triggers of migration 0006 refuse an offer or a dispatch that
would overbook a specialist, also when two people act at the same moment). This module applies
the same rule (``solver.days.busiest_day_load``) so that services can refuse early with numbers in the message, and turns
the trigger's error into the same clear Japanese refusal when the race is lost.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, union_all
from sqlalchemy.exc import DBAPIError

from ..core.errors import UserError
from ..extensions import db
from ..solver.days import busiest_day_load
from ..specialists.models import Specialist
from .models import BOOKED_DISPATCH_STATUSES, DAYS_EXCEEDED_MARKER, Dispatch, Offer

OVERBOOKED_MESSAGE = (
    "専門人材 %(reference)s は %(start)s〜%(end)s の期間に、すでに週%(booked)s日の派遣または回答待ちの打診があります。"
    "週%(days)s日を加えると、本人が申し出た週%(offered)s日を超えるため、この操作はできません。")


def commitments(specialist_id: int, *, skip_dispatch_id: int | None = None,
                skip_offer_id: int | None = None) -> list[tuple[date, date, int]]:
    """The specialist's pending offers and scheduled or active dispatches as (start, end, days)."""
    dispatches = select(Dispatch.start_date, Dispatch.end_date, Dispatch.days_per_week).where(
        Dispatch.specialist_id == specialist_id, Dispatch.status.in_(BOOKED_DISPATCH_STATUSES))
    if skip_dispatch_id is not None:
        dispatches = dispatches.where(Dispatch.id != skip_dispatch_id)
    offers = select(Offer.start_date, Offer.end_date, Offer.days_per_week).where(
        Offer.specialist_id == specialist_id, Offer.status == "pending")
    if skip_offer_id is not None:
        offers = offers.where(Offer.id != skip_offer_id)
    return [tuple(row) for row in db.session.execute(union_all(dispatches, offers))]


def booked_days(specialist_id: int, start: date, end: date, *, skip_dispatch_id: int | None = None,
                skip_offer_id: int | None = None) -> int:
    """Days per week already taken on the busiest day of the period, the row being changed left out."""
    return busiest_day_load(commitments(specialist_id, skip_dispatch_id=skip_dispatch_id, skip_offer_id=skip_offer_id),
                     start, end)


def overbooked_error(specialist: Specialist, start: date, end: date, days: int, booked: int) -> UserError:
    """The refusal people read when the specialist's days per week are full."""
    return UserError(OVERBOOKED_MESSAGE, reference=specialist.reference, start=start.isoformat(),
                     end=end.isoformat(), booked=booked, days=days, offered=specialist.days_per_week)


def check_room(specialist: Specialist, start: date, end: date, days: int, *, skip_dispatch_id: int | None = None,
               skip_offer_id: int | None = None) -> None:
    """Refuse early (with numbers) when the period has no room; the trigger still has the last word."""
    booked = booked_days(specialist.id, start, end, skip_dispatch_id=skip_dispatch_id, skip_offer_id=skip_offer_id)
    if booked + days > specialist.days_per_week:
        raise overbooked_error(specialist, start, end, days, booked)


def is_overbooked_error(error: BaseException) -> bool:
    """True when a database error is the days-per-week trigger's refusal."""
    return isinstance(error, DBAPIError) and DAYS_EXCEEDED_MARKER in str(error.orig)


def flush_or_refuse(specialist_id: int, start: date, end: date, days: int) -> None:
    """Flush; when the trigger refuses, roll back and raise the Japanese refusal with fresh numbers."""
    try:
        db.session.flush()
    except DBAPIError as error:
        if not is_overbooked_error(error):
            raise
        db.session.rollback()
        specialist = db.session.get(Specialist, specialist_id)
        booked = booked_days(specialist_id, start, end)
        raise overbooked_error(specialist, start, end, days, booked) from None
