"""The registry's answer to ``vocabulary.events.term_usage_wanted``: how many profiles use each term."""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..vocabulary.models import Licence, Profession
from .models import SpecialistExperience, specialist_licences, specialist_professions


def profiles_using_terms(model: type) -> dict[int, int]:
    """{term id: profiles using it} for professions, licences or fields of experience."""
    if model is Profession:
        column, table = specialist_professions.c.profession_id, specialist_professions
    elif model is Licence:
        column, table = specialist_licences.c.licence_id, specialist_licences
    else:
        column, table = SpecialistExperience.field_id, SpecialistExperience.__table__
    return dict(db.session.execute(select(column, func.count()).select_from(table).group_by(column)).all())
