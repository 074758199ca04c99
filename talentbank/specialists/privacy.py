"""Who sees what of a specialist, decided here and never in templates.

HR officers get a ``CandidateCard`` (cards.py) that has no name or contact fields at all; every
view of full personal data by staff is written to the audit log in the same call that returns it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit import services as audit
from ..core import permissions
from ..core.errors import UserError
from ..core.events import ask_any
from ..core.permissions import Role
from ..extensions import db
from . import events
from .cards import CandidateCard, candidate_card
from .models import Specialist, SpecialistExperience, SpecialistKind, SpecialistLicence, SpecialistStatus

# What a profile holds about the person; masked in the audit log, erased at withdrawal.
PERSONAL_FIELDS = ("name_kanji", "name_kana", "email", "phone", "former_employer", "retirement_year", "notes")
REDACTED = "***"


def full_profile_options() -> tuple:
    """Eager loads for showing a whole profile without one query per relationship row."""
    return (
        selectinload(Specialist.professions), selectinload(Specialist.licences),
        selectinload(Specialist.licence_records).selectinload(SpecialistLicence.licence),
        selectinload(Specialist.experiences).selectinload(SpecialistExperience.field),
        selectinload(Specialist.availability_windows), selectinload(Specialist.excluded_cities),
        selectinload(Specialist.preferred_cities), selectinload(Specialist.home_city),
        selectinload(Specialist.employer_city),
    )


def get_specialist(specialist_id: int) -> Specialist:
    """One profile with everything it shows loaded, or "not found" for the user."""
    specialist = db.session.scalar(select(Specialist).where(Specialist.id == specialist_id)
                                   .options(*full_profile_options()))
    if specialist is None:
        raise UserError("専門人材が見つかりません。")
    return specialist


class Visibility(StrEnum):
    NONE = "none"  # not shown at all (not found for this viewer)
    CARD = "card"  # pseudonymised candidate card: no name, no contact
    FULL = "full"  # everything, and the view is audited
    SELF = "self"  # the specialist looking at their own profile


def is_own_officer(actor: Any, specialist: Specialist) -> bool:
    """An HR officer's own city employs this serving officer (they registered them)."""
    return (specialist.kind == SpecialistKind.SERVING and specialist.employer_city_id is not None
            and permissions.may(actor, "officer.register", specialist.employer_city_id)
            and getattr(actor, "role", None) == Role.CITY_HR)


def is_candidate_for(specialist: Specialist, city_id: int | None) -> bool:
    """May HR officers of ``city_id`` see this specialist's card in searches?"""
    if specialist.status != SpecialistStatus.ACTIVE or specialist.consented_at is None:
        return False
    if city_id is not None and any(c.id == city_id for c in specialist.excluded_cities):
        return False
    return True


def has_agreed_dispatch(city_id: int | None, specialist_id: int) -> bool:
    """True when a dispatch of the specialist to the city is agreed (``events.agreed_dispatch``): the city may see the name."""
    if city_id is None:
        return False
    return ask_any(events.agreed_dispatch, specialist_id, city_id=city_id)


def visibility(actor: Any, specialist: Specialist) -> Visibility:
    """What ``actor`` may see of ``specialist``: the privacy table in one function."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Visibility.NONE
    if actor.role == Role.SPECIALIST:
        return Visibility.SELF if specialist.user_id == actor.id else Visibility.NONE
    if permissions.may(actor, "specialist.view_full"):
        return Visibility.FULL
    if actor.role == Role.CITY_HR:
        if specialist.status == SpecialistStatus.WITHDRAWN:
            return Visibility.NONE
        if is_own_officer(actor, specialist) or has_agreed_dispatch(actor.city_id, specialist.id):
            return Visibility.FULL
        if permissions.may(actor, "candidate.view") and is_candidate_for(specialist, actor.city_id):
            return Visibility.CARD
    return Visibility.NONE


@dataclass(frozen=True)
class ProfileView:
    """A profile as one viewer may see it: ``specialist`` is set only for full or own views."""

    visibility: Visibility
    card: CandidateCard
    specialist: Specialist | None


def record_full_view(actor: Any, specialist: Specialist, purpose: str) -> None:
    """Write that a staff member saw a person's full data; part of the caller's transaction."""
    audit.record(actor, "specialist.viewed", "specialist", specialist.id, city_id=getattr(actor, "city_id", None),
                 summary=f"{specialist.reference} ({purpose})")


def view_specialist(actor: Any, specialist_id: int) -> ProfileView:
    """A profile for a staff member: a card, or full data with an audit entry for the view."""
    permissions.check(actor, "candidate.view")
    specialist = get_specialist(specialist_id)
    seen = visibility(actor, specialist)
    if seen == Visibility.NONE:
        raise UserError("専門人材が見つかりません。")
    card = candidate_card(specialist.id, getattr(actor, "city_id", None))
    if seen == Visibility.CARD:
        return ProfileView(seen, card, None)
    if seen == Visibility.FULL:
        record_full_view(actor, specialist, "profile")
        db.session.commit()
        specialist = get_specialist(specialist_id)  # loaded again in one go: the commit expired it
    return ProfileView(seen, card, specialist)


def hidden_actors(viewer: Any, entries: Iterable[Any]) -> dict[int, str]:
    """Audit entries a specialist made whom ``viewer`` may not see by name: entry id -> registry reference.

    A request's or an offer's history shows who acted; once a city's right to see a person ends
    (their dispatch cancelled, or they withdrew), the person is shown there by reference only.
    """
    by_user: dict[int, list[int]] = {}
    for entry in entries:
        if entry.actor_id is not None and entry.actor is not None and entry.actor.role == Role.SPECIALIST:
            by_user.setdefault(entry.actor_id, []).append(entry.id)
    if not by_user:
        return {}
    hidden: dict[int, str] = {}
    for specialist in db.session.scalars(select(Specialist).where(Specialist.user_id.in_(sorted(by_user)))):
        if visibility(viewer, specialist) not in (Visibility.FULL, Visibility.SELF):
            hidden.update({entry_id: specialist.reference for entry_id in by_user[specialist.user_id]})
    return hidden
