"""Delegates: serving officers an HR officer authorised to post consultations for their employer city.

Issue 18: consultations are posted by "an HR officer (or a staff member they authorise)". The HR officer of a
city (or the coordinating city, for any city) authorises a serving officer of that city in the registry who has
an account; the officer then posts through the same form and service and follows up only what they posted.
Revoking stops new postings at once (``posting_city`` reads the row on every post).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..audit import services as audit
from ..cities.models import City
from ..core import clock, permissions
from ..core.errors import UserError
from ..core.permissions import Role
from ..extensions import db
from ..specialists.models import Specialist
from .models import ConsultationDelegate

ENTITY = "consultation_delegate"
MAX_ID = 2**31 - 1


def safe_id(value: Any) -> int | None:
    """An id typed or sent by the browser: a positive integer that fits the column, else None."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def active_delegation(actor: Any) -> ConsultationDelegate | None:
    """The actor's active authorisation: a serving officer with an account, for their current employer city."""
    if actor is None or getattr(actor, "role", None) != Role.SPECIALIST:
        return None
    me = db.session.scalar(select(Specialist).where(Specialist.user_id == actor.id))
    if me is None or me.kind != "serving" or me.employer_city_id is None or not me.is_active:
        return None
    return db.session.scalar(select(ConsultationDelegate).where(
        ConsultationDelegate.specialist_id == me.id, ConsultationDelegate.city_id == me.employer_city_id,
        ConsultationDelegate.revoked_at.is_(None)).limit(1))


def posting_city(actor: Any) -> int | None:
    """The city the actor may post consultations for: an HR officer's own, an active delegate's employer city."""
    if actor is None or not permissions.may(actor, "consultation.post"):
        return None
    if actor.role == Role.CITY_HR:
        return actor.city_id
    delegation = active_delegation(actor)
    return delegation.city_id if delegation is not None else None


def _city_for(actor: Any, city_id: int | None) -> City:
    permissions.check(actor, "consultation.delegates")
    if actor.role == Role.CITY_HR:
        city_id = actor.city_id
    city_id = safe_id(city_id)
    city = db.session.get(City, city_id) if city_id else None
    if city is None:
        raise UserError("市を選んでください。", field="city_id")
    return city


def listing(actor: Any, city_id: int | None) -> tuple[City | None, list[ConsultationDelegate], list[Specialist]]:
    """The city's delegates (active first, then revoked) and the serving officers with an account not yet
    authorised. HR officers see their own city; the coordinating city the city it chose (none: nothing)."""
    permissions.check(actor, "consultation.delegates")
    if actor.role != Role.CITY_HR and not city_id:
        return None, [], []
    try:
        city = _city_for(actor, city_id)
    except UserError:
        return None, [], []
    rows = list(db.session.scalars(select(ConsultationDelegate).where(ConsultationDelegate.city_id == city.id)
                                   .order_by(ConsultationDelegate.revoked_at.is_not(None),
                                             ConsultationDelegate.authorised_at.desc()).limit(500)))
    active = {d.specialist_id for d in rows if d.revoked_at is None}
    officers = [s for s in _eligible(city.id) if s.id not in active]
    return city, rows, officers


def _eligible(city_id: int) -> list[Specialist]:
    return list(db.session.scalars(select(Specialist).where(
        Specialist.kind == "serving", Specialist.employer_city_id == city_id, Specialist.user_id.is_not(None),
        Specialist.status == "active").order_by(Specialist.name_kana, Specialist.id).limit(500)))


def authorise(actor: Any, city_id: int | None, specialist_id: int | None) -> ConsultationDelegate:
    """Authorise a serving officer of the city (with an account) to post consultations for the city."""
    city = _city_for(actor, city_id)
    specialist_id = safe_id(specialist_id)
    person = db.session.get(Specialist, specialist_id) if specialist_id else None
    if person is None or person.kind != "serving" or person.employer_city_id != city.id \
            or person.user_id is None or not person.is_active:
        raise UserError("この市の職員で、アカウントを持つ人を選んでください。", field="specialist_id")
    if db.session.scalar(select(ConsultationDelegate.id).where(
            ConsultationDelegate.city_id == city.id, ConsultationDelegate.specialist_id == person.id,
            ConsultationDelegate.revoked_at.is_(None))) is not None:
        raise UserError("この職員はすでに相談の投稿を認められています。", field="specialist_id")
    row = ConsultationDelegate(city_id=city.id, specialist_id=person.id, authorised_by_id=actor.id,
                               authorised_at=clock.utcnow())
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "consultation.delegate_authorised", ENTITY, row.id, city_id=city.id,
                 changes={"specialist": [None, person.reference]}, summary=person.reference)
    db.session.commit()
    return row


def revoke(actor: Any, delegate_id: int | None) -> ConsultationDelegate:
    """Withdraw an authorisation: the officer can post no new consultation from now on."""
    permissions.check(actor, "consultation.delegates")
    delegate_id = safe_id(delegate_id)
    row = db.session.get(ConsultationDelegate, delegate_id) if delegate_id else None
    if row is None or (actor.role == Role.CITY_HR and row.city_id != actor.city_id):
        raise UserError("認めた職員が見つかりません。")
    if row.revoked_at is not None:
        raise UserError("この認可はすでに取り消されています。")
    row.revoked_at, row.revoked_by_id = clock.utcnow(), actor.id
    audit.record(actor, "consultation.delegate_revoked", ENTITY, row.id, city_id=row.city_id,
                 changes={"specialist": [row.specialist.reference, None]}, summary=row.specialist.reference)
    db.session.commit()
    return row
