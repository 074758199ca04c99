"""The demand board: every city's live requests, their open slots by urgency and profession × city, and the export.

Every city may see this much of another city's request (never its internal notes); the rows are
plain columns, so a board of thousands of requests is two grouped queries and one page.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..cities.models import City
from ..cities.services import city_rows
from ..core import permissions
from ..core.errors import UserError
from ..core.pagination import paginate
from ..extensions import db
from ..requests.models import (
    LIVE_STATUSES,
    URGENCIES,
    StaffingRequest,
    staffing_request_fields,
    staffing_request_licences,
)
from ..vocabulary.models import ExperienceField, Licence, Profession
from ..vocabulary.services import all_terms


def get_board_entry(actor: Any, request_id: int) -> StaffingRequest:
    """A live request as every city may see it (the template leaves out the internal notes)."""
    permissions.check(actor, "request.view_board")
    req = db.session.scalar(
        select(StaffingRequest).where(StaffingRequest.id == request_id, StaffingRequest.status.in_(LIVE_STATUSES))
        .options(joinedload(StaffingRequest.city), joinedload(StaffingRequest.profession),
                 selectinload(StaffingRequest.required_licences), selectinload(StaffingRequest.desired_fields)))
    if req is None:
        raise UserError("派遣要請が見つかりません。")
    return req


@dataclass(frozen=True)
class BoardFilter:
    city_id: int | None = None
    profession_id: int | None = None
    urgency: str | None = None
    work_mode: str | None = None
    period_from: date | None = None  # requests whose period overlaps [period_from, period_to]
    period_to: date | None = None


@dataclass(frozen=True)
class BoardRow:
    """What every city may know about another city's live request."""

    id: int
    city_id: int
    city_code: str
    city_name_ja: str
    city_name_en: str
    department: str
    section: str
    profession_name_ja: str
    profession_name_en: str
    people: int
    open_slots: int
    start_date: date
    end_date: date
    days_per_week: int
    work_mode: str
    urgency: str
    posted_at: datetime | None

    def city_name(self, locale: str = "ja") -> str:
        return self.city_name_en if locale == "en" else self.city_name_ja

    def profession_name(self, locale: str = "ja") -> str:
        return self.profession_name_en if locale == "en" else self.profession_name_ja


@dataclass
class Board:
    page: Pagination  # of BoardRow
    total_requests: int
    total_slots: int
    slots_by_urgency: dict[str, int]
    requests_by_urgency: dict[str, int]
    # Pivot of open slots: professions (rows) × cities (columns).
    professions: list[Profession]
    cities: list[City]
    slots: dict[tuple[int, int], int] = field(default_factory=dict)
    slots_by_profession: dict[int, int] = field(default_factory=dict)
    slots_by_city: dict[int, int] = field(default_factory=dict)

    @property
    def rows(self) -> list[BoardRow]:
        return self.page.items


BOARD_COLUMNS = len(dataclass_fields(BoardRow))
URGENCY_RANK = case({u: i for i, u in enumerate(URGENCIES)}, value=StaffingRequest.urgency, else_=len(URGENCIES))
OPEN_SLOTS = StaffingRequest.people - StaffingRequest.filled_count


def _board_conditions(flt: BoardFilter) -> list[Any]:
    conditions: list[Any] = [StaffingRequest.status.in_(LIVE_STATUSES)]
    if flt.city_id:
        conditions.append(StaffingRequest.city_id == flt.city_id)
    if flt.profession_id:
        conditions.append(StaffingRequest.profession_id == flt.profession_id)
    if flt.urgency:
        conditions.append(StaffingRequest.urgency == flt.urgency)
    if flt.work_mode:
        # A request open to either mode suits someone looking for on-site or remote work.
        conditions.append(or_(StaffingRequest.work_mode == flt.work_mode, StaffingRequest.work_mode == "either")
                          if flt.work_mode != "either" else StaffingRequest.work_mode == "either")
    if flt.period_from:
        conditions.append(StaffingRequest.end_date >= flt.period_from)
    if flt.period_to:
        conditions.append(StaffingRequest.start_date <= flt.period_to)
    return conditions


def _board_rows_query(conditions: list[Any]) -> Select:
    return (select(StaffingRequest.id, StaffingRequest.city_id, City.code, City.name_ja, City.name_en,
                   StaffingRequest.department, StaffingRequest.section, Profession.name_ja, Profession.name_en,
                   StaffingRequest.people, OPEN_SLOTS, StaffingRequest.start_date, StaffingRequest.end_date,
                   StaffingRequest.days_per_week, StaffingRequest.work_mode, StaffingRequest.urgency,
                   StaffingRequest.posted_at)
            .join(City, City.id == StaffingRequest.city_id)
            .join(Profession, Profession.id == StaffingRequest.profession_id)
            .where(*conditions)
            # The order the matching engine serves them in, as far as the board can know it.
            .order_by(URGENCY_RANK, StaffingRequest.start_date, StaffingRequest.posted_at, StaffingRequest.id))


def demand_board(actor: Any, flt: BoardFilter, page: int, per_page: int) -> Board:
    """Open slots of every city's live requests: totals by urgency, profession × city, and one page of rows."""
    permissions.check(actor, "request.view_board")
    conditions = _board_conditions(flt)
    slots: dict[tuple[int, int], int] = {}
    slots_by_urgency = {u: 0 for u in URGENCIES}
    requests_by_urgency = {u: 0 for u in URGENCIES}
    by_profession: dict[int, int] = {}
    by_city: dict[int, int] = {}
    # One grouped scan gives every total; the page of rows is a second, limited query.
    grouped = db.session.execute(
        select(StaffingRequest.profession_id, StaffingRequest.city_id, StaffingRequest.urgency,
               func.count(), func.sum(OPEN_SLOTS))
        .where(*conditions)
        .group_by(StaffingRequest.profession_id, StaffingRequest.city_id, StaffingRequest.urgency)).all()
    for profession_id, city_id, urgency, count, open_slots in grouped:
        open_slots = int(open_slots or 0)
        slots[(profession_id, city_id)] = slots.get((profession_id, city_id), 0) + open_slots
        slots_by_urgency[urgency] += open_slots
        requests_by_urgency[urgency] += count
        by_profession[profession_id] = by_profession.get(profession_id, 0) + open_slots
        by_city[city_id] = by_city.get(city_id, 0) + open_slots
    # Names from the per-process caches (core/cache.py), in screen order.
    professions = [p for p in all_terms(Profession) if p.id in by_profession]
    cities = [c for c in city_rows() if c.id in by_city]
    total_requests = sum(requests_by_urgency.values())
    found = paginate(_board_rows_query(conditions).with_only_columns(StaffingRequest.id), page, per_page)
    by_id = {row[0]: BoardRow(*row) for row in db.session.execute(
        _board_rows_query([StaffingRequest.id.in_(list(found.items))])).all()} if found.items else {}
    found.items = [by_id[i] for i in found.items]
    return Board(page=found, total_requests=total_requests, total_slots=sum(slots_by_urgency.values()),
                 slots_by_urgency=slots_by_urgency, requests_by_urgency=requests_by_urgency,
                 professions=professions, cities=cities, slots=slots, slots_by_profession=by_profession,
                 slots_by_city=by_city)


@dataclass(frozen=True)
class ExportRow:
    row: BoardRow
    required_licences: str
    desired_fields: str
    urgency_reason: str
    description: str


def board_rows_for_export(actor: Any, flt: BoardFilter, chunk: int = 2000) -> Iterator[ExportRow]:
    """Every board row for the filter, with licences, fields and description, streamed in chunks."""
    permissions.check(actor, "demand.export")
    conditions = _board_conditions(flt)
    # The licence and field names of every matching request in one query each, then one sorted
    # scan of the requests read in chunks (a server-side cursor on PostgreSQL).
    licences = _names_by_request(staffing_request_licences, staffing_request_licences.c.licence_id, Licence,
                                 conditions)
    fields = _names_by_request(staffing_request_fields, staffing_request_fields.c.field_id, ExperienceField,
                               conditions)
    query = _board_rows_query(conditions).add_columns(StaffingRequest.urgency_reason, StaffingRequest.description)
    for batch in db.session.execute(query.execution_options(yield_per=chunk)).partitions():
        for r in batch:
            yield ExportRow(BoardRow(*r[:BOARD_COLUMNS]), "、".join(licences.get(r[0], ())),
                            "、".join(fields.get(r[0], ())), r[BOARD_COLUMNS] or "", r[BOARD_COLUMNS + 1] or "")


def _names_by_request(table: Any, term_column: Any, model: type, conditions: list[Any]) -> dict[int, list[str]]:
    names: dict[int, list[str]] = {}
    for request_id, name in db.session.execute(
            select(table.c.request_id, model.name_ja)
            .join(model, model.id == term_column)
            .join(StaffingRequest, StaffingRequest.id == table.c.request_id)
            .where(*conditions).order_by(table.c.request_id, model.sort_order, model.id)):
        names.setdefault(request_id, []).append(name)
    return names


