"""What the dispatch domain answers when other domains ask (subscribers of their question signals)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from ..extensions import db
from . import services
from .models import BOOKED_DISPATCH_STATUSES, Dispatch


def dispatch_pins(_sender: Any = None) -> Iterable[tuple[int, int]]:
    """``pins_wanted``: (specialist_id, request_id) of every scheduled or active dispatch made from a request."""
    return db.session.execute(select(Dispatch.specialist_id, Dispatch.request_id).where(
        Dispatch.status.in_(BOOKED_DISPATCH_STATUSES), Dispatch.request_id.is_not(None))).all()


def is_dispatch_agreed(specialist_id: int, city_id: int) -> bool:
    """``agreed_dispatch``: a dispatch of the specialist to the city is agreed, so the city sees the name."""
    return services.has_agreed_dispatch(city_id, specialist_id)
