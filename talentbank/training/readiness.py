"""The readiness rule on the app's pages: "a profession can require a training within N months for
disaster-recovery requests" (hard rule ``training``, docs/matching-rules.md).

Rounds apply it in the solver (``solver.rules.has_recent_training``) to the latest day each person attended
(``records.attended_by_profession``). The pages that show what a round could match apply the same rule
with the same pieces, so that they never show a pairing a round will refuse:

* the cutoff is ``solver.rules.training_since`` (the request's start less N calendar months, the month's
  last day when that month is shorter), only for a disaster-recovery request of a profession that sets N;
* what counts as attended is ``records.attended_conditions`` (recorded as attended, session not cancelled,
  held up to the page's day).

``candidate_requirement`` answers the candidate search (``specialists.events.candidate_requirements_wanted``)
with an SQL condition on the specialist; ``lacking_training_clause`` is the SQL condition on requests that a
person's fit list leaves out. Both read in bulk: one query whatever the number of rows.
"""
from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select

from ..core import clock
from ..extensions import db
from ..requests.models import StaffingRequest
from ..solver.problem import TRAINING_URGENCY
from ..solver.rules import months_before, training_since
from ..specialists.events import CandidateRequirement
from ..specialists.models import Specialist
from ..vocabulary.models import Profession
from .models import TrainingRegistration, TrainingSession, training_session_professions
from .records import attended_conditions, tokyo_date


def requirements() -> dict[int, int]:
    """Profession id -> N months: the training its disaster-recovery requests require (vocabulary page)."""
    return dict(db.session.execute(
        select(Profession.id, Profession.disaster_training_months)
        .where(Profession.disaster_training_months.is_not(None))).all())


def trained_clause(specialist_id: Any, profession_id: int, since: date, up_to: date) -> ColumnElement[bool]:
    """SQL: ``specialist_id`` attended a training of the profession held from ``since`` up to ``up_to``.
    An IN over the few people trained in that span (one hash semi-join, not a probe per profile)."""
    tsp = training_session_professions.c
    trained = (select(TrainingRegistration.specialist_id)
               .join(TrainingSession, TrainingSession.id == TrainingRegistration.session_id)
               .join(training_session_professions, tsp.session_id == TrainingSession.id)
               .where(tsp.profession_id == profession_id, *attended_conditions(since=since, up_to=up_to)))
    return specialist_id.in_(trained)


def candidate_requirement(flt: Any, *, today: date | None = None, **_: Any) -> CandidateRequirement | None:
    """The candidate search for a disaster-recovery request (the search asks only when ``flt.disaster``) of a
    profession that requires a training: only people who attended one of that profession since the request's
    start (the filter's day available, or today) less N months, up to today."""
    if not flt.profession_id:
        return None
    today = today or clock.today_tokyo()
    months = db.session.scalar(select(Profession.disaster_training_months).where(Profession.id == flt.profession_id))
    since = training_since(TRAINING_URGENCY, months, flt.available_on or today)
    if since is None or months is None:
        return None
    return CandidateRequirement(clause=trained_clause(Specialist.id, flt.profession_id, since, today),
                                months=months, since=since, profession_id=flt.profession_id)


def last_start_served(attended: date, months: int) -> date:
    """The latest request start for which a training attended on ``attended`` still counts, i.e. the latest
    ``start`` with ``months_before(start, months) <= attended`` (the rule's own function: it never decreases
    with ``start``, and the answer lies in the month ``months`` after the training's)."""
    year, month0 = divmod(attended.year * 12 + attended.month - 1 + months, 12)
    if year > date.max.year:
        return date.max
    day = date(year, month0 + 1, calendar.monthrange(year, month0 + 1)[1])
    while months_before(day, months) > attended:
        day = day.replace(day=day.day - 1)
    return day


def latest_attended(specialist_id: int, profession_ids: list[int], up_to: date) -> dict[int, date]:
    """Profession id -> the latest day (Japan) the person attended a training of it held up to ``up_to``."""
    if not profession_ids:
        return {}
    tsp = training_session_professions.c
    rows = db.session.execute(
        select(tsp.profession_id, func.max(TrainingSession.starts_at))
        .select_from(TrainingRegistration)
        .join(TrainingSession, TrainingSession.id == TrainingRegistration.session_id)
        .join(training_session_professions, tsp.session_id == TrainingSession.id)
        .where(TrainingRegistration.specialist_id == specialist_id, tsp.profession_id.in_(profession_ids),
               *attended_conditions(up_to=up_to))
        .group_by(tsp.profession_id))
    return {profession_id: tokyo_date(starts_at) for profession_id, starts_at in rows}


def lacking_training_clause(specialist_id: int, today: date | None = None) -> ColumnElement[bool] | None:
    """SQL on requests: the disaster-recovery requests a round will not give this person because they lack the
    recent training its profession requires (None: no profession requires one). Two queries in all."""
    today = today or clock.today_tokyo()
    required = requirements()
    if not required:
        return None
    latest = latest_attended(specialist_id, sorted(required), today)
    lacking = []
    for profession_id, months in sorted(required.items()):
        of_profession = StaffingRequest.profession_id == profession_id
        attended = latest.get(profession_id)
        # the training counts for every start up to last_start_served (months_before never decreases)
        lacking.append(of_profession if attended is None
                       else and_(of_profession, StaffingRequest.start_date > last_start_served(attended, months)))
    return and_(StaffingRequest.urgency == TRAINING_URGENCY, or_(*lacking))
