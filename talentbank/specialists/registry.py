"""The registry as a whole: who a matching round may propose, and the coordinator's anonymous counts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from ..cities.models import City
from ..core import permissions
from ..core.clock import utcnow
from ..extensions import db
from ..vocabulary.models import Profession
from .cards import AVAILABILITY_FRESH_DAYS
from .models import Specialist, SpecialistStatus, specialist_professions
from .privacy import full_profile_options
from .verification import matchable_clause


def matchable_specialists() -> list[Specialist]:
    """Everyone the matching may propose: active, consented, confirmed, with a usable profession
    (verification.py), with everything the rules read loaded."""
    return list(db.session.scalars(
        select(Specialist)
        .where(matchable_clause())
        .options(*full_profile_options())
        .order_by(Specialist.id)
    ))


@dataclass(frozen=True)
class RegistryStatistics:
    by_status: dict[str, int]
    by_kind: dict[str, int]
    by_profession: list[tuple[Profession, int, int]]  # term, registered ever, active now
    by_home_city: list[tuple[City, int, int]]
    stale: int


def registry_statistics(actor: Any) -> RegistryStatistics:
    """Counts for the coordinator: kept after withdrawal because they hold nothing personal."""
    permissions.check(actor, "specialist.view_full")
    active = Specialist.status == SpecialistStatus.ACTIVE.value
    by_status = dict(db.session.execute(select(Specialist.status, func.count()).group_by(Specialist.status)).all())
    by_kind = dict(db.session.execute(select(Specialist.kind, func.count()).group_by(Specialist.kind)).all())
    sp = specialist_professions
    rows = db.session.execute(
        select(sp.c.profession_id, func.count(), func.count().filter(active))
        .join(Specialist, Specialist.id == sp.c.specialist_id).group_by(sp.c.profession_id)).all()
    professions = {p.id: p for p in db.session.scalars(select(Profession))}
    by_profession = sorted(((professions[r[0]], r[1], r[2]) for r in rows), key=lambda t: t[0].sort_order)
    city_rows = db.session.execute(
        select(Specialist.home_city_id, func.count(), func.count().filter(active)).group_by(Specialist.home_city_id)
    ).all()
    cities = {c.id: c for c in db.session.scalars(select(City).where(City.id.in_([r[0] for r in city_rows])))}
    by_city = sorted(((cities[r[0]], r[1], r[2]) for r in city_rows), key=lambda t: (not t[0].is_member, t[0].code))
    stale = db.session.scalar(select(func.count()).select_from(Specialist).where(
        active, (Specialist.availability_confirmed_at.is_(None))
        | (Specialist.availability_confirmed_at < utcnow() - timedelta(days=AVAILABILITY_FRESH_DAYS)))) or 0
    return RegistryStatistics(by_status, by_kind, by_profession, by_city, stale)
