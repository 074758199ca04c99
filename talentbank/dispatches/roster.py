"""The dispatch roster (派遣一覧): who is placed where and when, on screen and as CSV/XLSX files.

One list for everyone, cut by who is looking: the coordinating city sees every dispatch, an HR
officer their own city's, a specialist their own. Names and contacts appear for the coordinating
city, for the specialist themself, and for the receiving city once the dispatch is agreed; else
the pseudonymous reference (TB-000123) stands in. File headers are Japanese whatever the screen
language: the files go to Japanese HR offices.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..audit import services as audit
from ..cities.models import City
from ..core import clock, permissions, spreadsheets
from ..core.bounds import parse_id
from ..core.errors import UserError
from ..core.pagination import paginate
from ..core.permissions import Role
from ..extensions import db
from ..requests.models import StaffingRequest
from ..specialists.models import Specialist, SpecialistStatus
from .models import (
    AGREED_DISPATCH_STATUSES,
    DISPATCH_STATUS_LABELS,
    DISPATCH_STATUSES,
    SERVED_MODE_LABELS,
    Dispatch,
    DispatchEvaluation,
    DispatchExtension,
)

# What the roster shows when no status is chosen: the dispatches that are current or coming.
DEFAULT_STATUSES = ("scheduled", "active")
STATUS_CHOICES = ("current", *DISPATCH_STATUSES, "all")
EXPORT_LIMIT = 50_000

HEADERS = ["派遣番号", "状態", "種別", "派遣先団体コード", "派遣先", "部署", "課・係", "職種", "専門人材番号", "氏名",
           "ふりがな", "メールアドレス", "電話番号", "居住地", "開始日", "終了日", "週あたり勤務日数", "勤務形態",
           "延長回数", "中止の理由", "市の評価", "本人の評価"]


@dataclass(frozen=True)
class RosterFilter:
    status: str = "current"  # current (scheduled + active) | one status | all
    city_id: int | None = None
    on_date: date | None = None  # dispatches running on this day
    q: str = ""  # reference number (TB-000123) or, where names may be seen, a name


@dataclass(frozen=True)
class RosterRow:
    dispatch: Dispatch
    shows_person: bool


def _statuses(flt: RosterFilter) -> tuple[str, ...] | None:
    if flt.status == "all":
        return None
    if flt.status in DISPATCH_STATUSES:
        return (flt.status,)
    return DEFAULT_STATUSES


def _scope(actor: Any, query: Select) -> Select:
    if actor.role == Role.CITY_HR:
        return query.where(Dispatch.city_id == actor.city_id)
    if actor.role == Role.SPECIALIST:
        return query.where(Dispatch.specialist_id.in_(select(Specialist.id).where(Specialist.user_id == actor.id)))
    return query


def _sees_names(actor: Any) -> bool:
    return actor.role in (Role.COORDINATOR, Role.ADMIN, Role.SPECIALIST)


def _filtered(actor: Any, query: Select, flt: RosterFilter) -> Select:
    query = _scope(actor, query)
    statuses = _statuses(flt)
    if statuses:
        query = query.where(Dispatch.status.in_(statuses))
    if flt.city_id and actor.role in (Role.COORDINATOR, Role.ADMIN):
        query = query.where(Dispatch.city_id == flt.city_id)
    if flt.on_date:
        query = query.where(Dispatch.start_date <= flt.on_date, Dispatch.end_date >= flt.on_date)
    q = flt.q.strip()
    if q:
        digits = q.upper().removeprefix("TB-").lstrip("0")
        reference = parse_id(digits)
        conditions = [Dispatch.specialist_id == reference] if reference is not None else []
        like = f"%{q}%"
        name_match = Dispatch.specialist_id.in_(select(Specialist.id).where(
            or_(Specialist.name_kanji.like(like), Specialist.name_kana.like(like))))
        if actor.role == Role.CITY_HR:
            # A name finds only the dispatches whose person the city may see, so a search reveals nothing.
            name_match = name_match & Dispatch.status.in_(AGREED_DISPATCH_STATUSES)
        query = query.where(or_(name_match, *conditions))
    return query


def _options(query: Select) -> Select:
    return query.options(joinedload(Dispatch.city), joinedload(Dispatch.specialist).joinedload(Specialist.home_city),
                         joinedload(Dispatch.request).joinedload(StaffingRequest.profession),
                         selectinload(Dispatch.extensions))


def _shows_person(actor: Any, dispatch: Dispatch) -> bool:
    if dispatch.specialist.status == SpecialistStatus.WITHDRAWN:
        return False
    if _sees_names(actor):
        return True
    return actor.role == Role.CITY_HR and dispatch.city_id == actor.city_id and dispatch.is_agreed


def _order(query: Select) -> Select:
    return query.order_by(Dispatch.start_date, Dispatch.city_id, Dispatch.id)


def roster(actor: Any, flt: RosterFilter, page: int, per_page: int) -> Pagination:
    """One page of the roster (``RosterRow``) as ``actor`` may see it, with the total count."""
    permissions.check(actor, "dispatch.list")
    found = paginate(_options(_order(_filtered(actor, select(Dispatch), flt))), page, per_page)
    found.items = [RosterRow(d, _shows_person(actor, d)) for d in found.items]
    return found


def filter_cities(actor: Any) -> list[City]:
    """The cities the roster can be narrowed to (the coordinating city's filter)."""
    if actor.role not in (Role.COORDINATOR, Role.ADMIN):
        return []
    return list(db.session.scalars(select(City).where(City.is_member.is_(True)).order_by(City.code)))


# ----------------------------------------------------------------------------- files


def _ratings(dispatch_ids: list[int]) -> dict[tuple[int, str], int]:
    if not dispatch_ids:
        return {}
    rows = db.session.execute(select(DispatchEvaluation.dispatch_id, DispatchEvaluation.party,
                                     DispatchEvaluation.rating).where(DispatchEvaluation.dispatch_id.in_(dispatch_ids)))
    return {(d, p): r for d, p, r in rows}


def _extension_counts(dispatch_ids: list[int]) -> dict[int, int]:
    if not dispatch_ids:
        return {}
    rows = db.session.execute(select(DispatchExtension.dispatch_id, func.count(DispatchExtension.id))
                              .where(DispatchExtension.dispatch_id.in_(dispatch_ids))
                              .group_by(DispatchExtension.dispatch_id))
    return dict(rows.all())


def export_rows(actor: Any, flt: RosterFilter) -> list[list[Any]]:
    """The roster as spreadsheet rows (``HEADERS`` order); the export itself is written to the audit log."""
    permissions.check(actor, "dispatch.export")
    dispatches = list(db.session.scalars(_options(_order(_filtered(actor, select(Dispatch), flt)))
                                         .limit(EXPORT_LIMIT + 1)).unique())
    if len(dispatches) > EXPORT_LIMIT:
        raise UserError("出力できるのは%(limit)s件までです。条件を絞り込んでください。", limit=EXPORT_LIMIT)
    ids = [d.id for d in dispatches]
    ratings, extensions = _ratings(ids), _extension_counts(ids)
    rows = []
    for d in dispatches:
        person = _shows_person(actor, d)
        s, req = d.specialist, d.request
        rows.append([
            d.id, DISPATCH_STATUS_LABELS[d.status], "職員交流" if d.is_exchange else "派遣要請",
            d.city.code, d.city.name_ja,
            req.department if req else "", req.section if req else "",
            req.profession.name_ja if req else "",
            s.reference, (s.name_kanji or "") if person else "", (s.name_kana or "") if person else "",
            (s.email or "") if person else "", (s.phone or "") if person else "", s.home_city.name_ja,
            d.start_date, d.end_date, d.days_per_week, SERVED_MODE_LABELS[d.work_mode],
            extensions.get(d.id, 0), d.cancel_reason or "",
            ratings.get((d.id, "city"), ""), ratings.get((d.id, "specialist"), ""),
        ])
    audit.record(actor, "dispatch.roster_exported", "dispatch", None, city_id=getattr(actor, "city_id", None),
                 summary=f"{len(rows)} rows, status={flt.status}")
    db.session.commit()
    return rows


def csv_text(rows: list[list[Any]]) -> str:
    """CSV with a BOM (Excel reads it as UTF-8); typed-in text cannot start a formula."""
    return spreadsheets.csv_text(HEADERS, rows)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    """The roster as a workbook: bold frozen headers, dates as dates."""
    return spreadsheets.xlsx_bytes(spreadsheets.Sheet("派遣一覧", HEADERS, rows))


def export_filename(extension: str) -> str:
    return f"dispatch-roster-{clock.today_tokyo().isoformat()}.{extension}"
