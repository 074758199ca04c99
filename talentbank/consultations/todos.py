"""What consultations leave for people to act on: the counts the home pages and the menu show.

Every function is one or two SQL aggregates over indexed columns (the home pages are benchmarked at 50,000
specialists): offers by ``(specialist_id, status)``, consultations by ``(status, city_id)``, unread notices by
``(user_id, read_at)``. A thread has a new message for a reader while the inbox notice of that message is unread
(opening the consultation reads it: ``services.read_notices``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select

from ..core.permissions import Role
from ..extensions import db
from ..notifications.models import Notification
from ..specialists.models import Specialist
from .models import Consultation, ConsultationOffer

# An open consultation expires the day after its wanted-by date (``services.offer_overdue``): the city is warned
# this many days before.
EXPIRY_WARNING_DAYS = 3
MESSAGE_KIND = "consultation.message"


def _count(query: Any) -> int:
    return int(db.session.scalar(query) or 0)


def pending_offer_count(specialist_id: int) -> int:
    """Offers waiting for the specialist's answer (the consultation still looking for someone)."""
    return _count(select(func.count()).select_from(ConsultationOffer)
                  .join(Consultation, Consultation.id == ConsultationOffer.consultation_id)
                  .where(ConsultationOffer.specialist_id == specialist_id, ConsultationOffer.status == "pending",
                         Consultation.status == "open"))


def pending_offers_of(user: Any) -> int:
    """The menu's count beside 「相談」: a specialist account's offers waiting for an answer (others: 0)."""
    if getattr(user, "role", None) != Role.SPECIALIST or not getattr(user, "is_authenticated", False):
        return 0
    specialist_id = db.session.scalar(select(Specialist.id).where(Specialist.user_id == user.id))
    return pending_offer_count(specialist_id) if specialist_id is not None else 0


def unread_threads(user_id: int) -> tuple[int, str | None]:
    """Consultations whose thread has a message the user has not read (its notice unread), and the link to the
    oldest of them."""
    where = (Notification.user_id == user_id, Notification.read_at.is_(None), Notification.kind == MESSAGE_KIND)
    total = _count(select(func.count(func.distinct(Notification.link))).where(*where))
    if not total:
        return 0, None
    link = db.session.scalar(select(Notification.link).where(*where)
                             .order_by(Notification.created_at, Notification.id).limit(1))
    return total, link


@dataclass(frozen=True)
class CityWaiting:
    """The posting side's open consultations nobody has taken and none is offered to (nobody fits), and those
    whose wanted-by date is near; each with the first one to open."""

    no_taker: int = 0
    no_taker_id: int | None = None
    expiring: int = 0
    expiring_id: int | None = None


def _no_pending_offer() -> Any:
    return ~exists().where(ConsultationOffer.consultation_id == Consultation.id, ConsultationOffer.status == "pending")


def city_waiting(today: date, *, city_id: int | None = None, posted_by_id: int | None = None) -> CityWaiting:
    """Open consultations of a city (or posted by one delegate) with no taker and none offered, and those
    that expire within ``EXPIRY_WARNING_DAYS`` days."""
    scope = [Consultation.status == "open"]
    if city_id is not None:
        scope.append(Consultation.city_id == city_id)
    if posted_by_id is not None:
        scope.append(Consultation.posted_by_id == posted_by_id)
    soon = and_(Consultation.wanted_by >= today, Consultation.wanted_by <= today + timedelta(days=EXPIRY_WARNING_DAYS))
    no_taker, expiring = db.session.execute(
        select(func.count().filter(_no_pending_offer()), func.count().filter(soon))
        .select_from(Consultation).where(*scope)).one()
    no_taker_id = db.session.scalar(select(Consultation.id).where(*scope, _no_pending_offer())
                                    .order_by(Consultation.wanted_by, Consultation.id).limit(1)) if no_taker else None
    expiring_id = db.session.scalar(select(Consultation.id).where(*scope, soon)
                                    .order_by(Consultation.wanted_by, Consultation.id).limit(1)) if expiring else None
    return CityWaiting(int(no_taker or 0), no_taker_id, int(expiring or 0), expiring_id)
