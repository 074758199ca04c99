"""Posting and keeping staffing requests: validation, lifecycle, hooks for matching (the demand board: board.py).

Who may do what is decided here, from the permission table: an HR officer edits, opens and
withdraws their own city's requests while nothing is proposed for them; the coordinating city
may change anything at any time, but only with a written reason (a *correction*). Every change
is audited in the same transaction. The matching engine and the scheduler
call ``mark_fill_state``, ``expire_request`` and friends, and register their checks and
reactions to the signals of ``requests.events`` (connected in ``talentbank.wiring``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..audit import services as audit
from ..audit.models import AuditEntry
from ..core import clock
from ..lifecycle import postings
from ..core.events import announce, ask_any
from ..core.errors import N_, UserError, UserErrors
from ..lifecycle.transitions import REQUEST, transition
from ..lifecycle.postings import is_correction  # noqa: F401  (the request views ask it)
from ..extensions import db
from ..vocabulary.models import ExperienceField, Licence, Profession
from ..vocabulary.services import active_terms
from . import events
from .models import (
    LIVE_STATUSES,
    MAX_DAYS_PER_WEEK,
    MAX_PEOPLE,
    URGENCIES,
    URGENCIES_NEEDING_REASON,
    WORK_MODES,
    StaffingRequest,
)


ENTITY = "staffing_request"
MAX_PERIOD_DAYS = 5 * 366  # longer periods are typing mistakes (a year of 2207), not plans
TEXT_LIMITS = {"department": 100, "section": 100, "urgency_reason": 2000, "description": 4000,
               "internal_notes": 4000}
# Statuses in which the requesting city may still change what it asked for.
EDITABLE_STATUSES = ("draft", "open")
EXPIRABLE_STATUSES = REQUEST.sources("expired")
# Statuses whose filled slots decide the status (open, partly filled, filled).
FILL_STATUSES = (*LIVE_STATUSES, "filled")
STALE_MESSAGE = N_("この派遣要請は他の人が先に更新しました。最新の内容を確認してから、もう一度変更してください。")



@dataclass(frozen=True)
class RequestValues:
    """What an HR officer fills in; ``None`` where the form was left empty."""

    department: str
    section: str
    profession_id: int | None
    required_licence_ids: tuple[int, ...]
    desired_field_ids: tuple[int, ...]
    people: int | None
    start_date: date | None
    end_date: date | None
    days_per_week: int | None
    work_mode: str
    urgency: str
    urgency_reason: str = ""
    description: str = ""
    internal_notes: str = ""
    # The receiving city's offered rate (yen per day or per hour), optional: both or neither.
    offered_rate_amount: int | None = None
    offered_rate_unit: str = ""


# ----------------------------------------------------------------------------- validation


def period_problems(start: date | None, end: date | None, today: date, *,
                    kept_start: date | None = None, kept_end: date | None = None,
                    start_field: str = "start_date", end_field: str = "end_date") -> list[UserError]:
    """What is wrong with a period: missing, reversed, too long, or starting in the past.

    A date equal to ``kept_start``/``kept_end`` (the value already saved) may lie in the past:
    a running request's description can still be corrected after its period began.
    """
    problems: list[UserError] = []
    if start is None:
        problems.append(UserError("開始日を入力してください。", field=start_field))
    if end is None:
        problems.append(UserError("終了日を入力してください。", field=end_field))
    if start is None or end is None:
        return problems
    if start > end:
        problems.append(UserError("終了日は開始日以降の日付にしてください。", field=end_field))
    elif (end - start).days > MAX_PERIOD_DAYS:
        problems.append(UserError("期間は5年以内にしてください。", field=end_field))
    if start < today and start != kept_start:
        problems.append(UserError("開始日に過去の日付は指定できません（今日は%(today)sです）。", field=start_field,
                                  today=today.isoformat()))
    if end < today and end != kept_end and start <= end:
        problems.append(UserError("終了日に過去の日付は指定できません（今日は%(today)sです）。", field=end_field,
                                  today=today.isoformat()))
    return problems


def known_terms(model: type, ids: tuple[int, ...] | list[int], kept: set[int], field_name: str,
                message: str) -> tuple[list[Any], list[UserError]]:
    """The vocabulary terms for ``ids``: unknown ids, and retired terms not already kept, are refused."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return [], []
    found = {t.id: t for t in db.session.scalars(select(model).where(model.id.in_(wanted)))}
    usable = [found[i] for i in wanted if i in found and (found[i].is_active or i in kept)]
    if len(usable) != len(wanted):
        return usable, [UserError(message, field=field_name)]
    return usable, []


def _text_problems(values: RequestValues) -> list[UserError]:
    problems = []
    if not values.department.strip():
        problems.append(UserError("部署名を入力してください。", field="department"))
    if not values.section.strip():
        problems.append(UserError("課・係名を入力してください。", field="section"))
    if not values.description.strip():
        problems.append(UserError("業務内容を入力してください。", field="description"))
    for name, limit in TEXT_LIMITS.items():
        if len(getattr(values, name) or "") > limit:
            problems.append(UserError("%(limit)s文字以内で入力してください。", field=name, limit=limit))
    return problems


OFFERED_RATE_UNITS = ("day", "hour")
MAX_OFFERED_RATE = 1_000_000


def offered_rate_problems(amount: int | None, unit: str) -> list[UserError]:
    """The offered rate is optional, but an amount needs its unit (日額・時間額) and stays within bounds."""
    problems = []
    if amount is not None and not 0 <= amount <= MAX_OFFERED_RATE:
        problems.append(UserError("金額は0円以上%(limit)s円以下の整数で入力してください。", field="offered_rate_amount",
                                  limit=f"{MAX_OFFERED_RATE:,}"))
    if unit and unit not in OFFERED_RATE_UNITS:
        problems.append(UserError("報酬の単位を一覧から選んでください。", field="offered_rate_unit"))
    elif amount is not None and not unit:
        problems.append(UserError("報酬の金額には単位（日額・時間額）を選んでください。", field="offered_rate_unit"))
    elif unit and amount is None:
        problems.append(UserError("報酬の金額を入力してください（単位だけは保存できません）。", field="offered_rate_amount"))
    return problems


def validate_request_values(values: RequestValues, today: date, before: StaffingRequest | None = None
                            ) -> tuple[Profession, list[Licence], list[ExperienceField]]:
    """Check a whole request at once; raise ``UserErrors`` listing every problem, else return its terms."""
    problems = _text_problems(values)
    profession = None
    if values.profession_id is None:
        problems.append(UserError("職種を選んでください。", field="profession_id"))
    else:
        profession = db.session.get(Profession, values.profession_id)
        kept = before is not None and before.profession_id == values.profession_id
        if profession is None or not (profession.is_active or kept):
            problems.append(UserError("選ばれた職種は登録されていません。", field="profession_id"))
            profession = None
    kept_licences = {t.id for t in before.required_licences} if before else set()
    licences, bad = known_terms(Licence, values.required_licence_ids, kept_licences, "required_licence_ids",
                                "登録されていない資格が含まれています。")
    problems += bad
    kept_fields = {t.id for t in before.desired_fields} if before else set()
    fields, bad = known_terms(ExperienceField, values.desired_field_ids, kept_fields, "desired_field_ids",
                              "登録されていない経験分野が含まれています。")
    problems += bad
    if values.people is None or not 1 <= values.people <= MAX_PEOPLE:
        problems.append(UserError("人数は1〜%(max)s人の範囲で入力してください。", field="people", max=MAX_PEOPLE))
    elif before is not None and values.people < before.filled_count:
        problems.append(UserError("既に派遣が決まった人数（%(filled)s人）より少なくはできません。", field="people",
                                  filled=before.filled_count))
    if values.days_per_week is None or not 1 <= values.days_per_week <= MAX_DAYS_PER_WEEK:
        problems.append(UserError("週あたりの勤務日数は1〜5日の範囲で入力してください。", field="days_per_week"))
    if values.work_mode not in WORK_MODES:
        problems.append(UserError("勤務形態を選んでください。", field="work_mode"))
    if values.urgency not in URGENCIES:
        problems.append(UserError("緊急度を選んでください。", field="urgency"))
    elif values.urgency in URGENCIES_NEEDING_REASON and not values.urgency_reason.strip():
        problems.append(UserError("災害復旧または法定・安全業務の要請には、その理由を記入してください。",
                                  field="urgency_reason"))
    problems += offered_rate_problems(values.offered_rate_amount, values.offered_rate_unit)
    problems += period_problems(values.start_date, values.end_date, today,
                                kept_start=before.start_date if before else None,
                                kept_end=before.end_date if before else None)
    if problems:
        raise UserErrors(problems)
    assert profession is not None
    return profession, licences, fields


# ----------------------------------------------------------------------------- helpers


def _snapshot(req: StaffingRequest) -> dict[str, Any]:
    """The audited view of a request: readable names, not ids."""
    return {
        "department": req.department,
        "section": req.section,
        "profession": req.profession.name_ja if req.profession else None,
        "required_licences": "、".join(t.name_ja for t in req.required_licences),
        "desired_fields": "、".join(t.name_ja for t in req.desired_fields),
        "people": req.people,
        "start_date": req.start_date,
        "end_date": req.end_date,
        "days_per_week": req.days_per_week,
        "work_mode": req.work_mode,
        "urgency": req.urgency,
        "urgency_reason": req.urgency_reason,
        "description": req.description,
        "internal_notes": req.internal_notes,
        "status": req.status,
        "filled_count": req.filled_count,
    }


def _summary(req: StaffingRequest) -> str:
    profession = req.profession.name_ja if req.profession else ""
    return f"{req.department} {req.section} {profession} {req.people}人"


def _load(request_id: int, *, for_update: bool = False) -> StaffingRequest:
    return POSTING.load(request_id, for_update=for_update)


def _apply(req: StaffingRequest, values: RequestValues, profession: Profession, licences: list[Licence],
           fields: list[ExperienceField]) -> None:
    req.department = values.department.strip()
    req.section = values.section.strip()
    req.profession = profession
    req.required_licences = licences
    req.desired_fields = fields
    req.people = values.people  # type: ignore[assignment]
    req.start_date = values.start_date  # type: ignore[assignment]
    req.end_date = values.end_date  # type: ignore[assignment]
    req.days_per_week = values.days_per_week  # type: ignore[assignment]
    req.work_mode = values.work_mode
    req.urgency = values.urgency
    # An ordinary request keeps no reason: it would claim a priority the request does not have.
    req.urgency_reason = values.urgency_reason.strip() if values.urgency in URGENCIES_NEEDING_REASON else None
    req.description = values.description.strip()
    req.internal_notes = values.internal_notes.strip()
    req.offered_rate_amount = values.offered_rate_amount
    req.offered_rate_unit = values.offered_rate_unit or None
    # Touch the row even when only the links changed, so the optimistic lock sees the edit.
    req.updated_at = clock.utcnow()


def fill_status(people: int, filled_count: int) -> str:
    """The live status that ``filled_count`` of ``people`` slots means."""
    if filled_count <= 0:
        return "open"
    if filled_count < people:
        return "partly_filled"
    return "filled"


def _commit() -> None:
    postings.commit(POSTING)


def has_proposals(request_id: int) -> bool:
    """True when the matching engine has proposed or placed someone for the request (``events.request_frozen``)."""
    return ask_any(events.request_frozen, request_id)


def _run_opened_hooks(req: StaffingRequest) -> None:
    announce(events.request_opened, req)  # a failing reaction must not undo or hide the opening


# ----------------------------------------------------------------------------- what may be done


def _frozen(req: StaffingRequest, action: str) -> UserError | None:
    """Something proposed for the request freezes it for its city (the coordinating city may still act)."""
    if not has_proposals(req.id):
        return None
    if action == "withdraw":
        return UserError("この派遣要請には既に提案された候補者がいるため取り下げできません。幹事市に連絡してください。")
    return UserError("この派遣要請には既に提案された候補者がいるため変更できません。変更が必要な場合は幹事市に連絡してください。")


POSTING = postings.Posting(
    model=StaffingRequest, lifecycle=REQUEST, permission="request", action="request",
    messages=postings.PostingMessages(
        not_found=N_("派遣要請が見つかりません。"), stale=STALE_MESSAGE,
        edit_only=N_("下書きまたは募集中の派遣要請だけを変更できます。"),
        open_only_drafts=N_("下書きの派遣要請だけを公開できます。"),
        withdraw_ended=N_("この派遣要請は既に終了しているため取り下げできません。"),
        withdraw_by_city=N_("この派遣要請は既に終了しているため取り下げできません。"),
        reopen_only=N_("取り下げ・期限切れの派遣要請だけを再公開できます。"),
        expire_only=N_("募集中または下書きの派遣要請だけが期限切れになります。"),
        expire_not_begun=N_("期間が始まる前の派遣要請は期限切れにできません。"),
        reopen_period=N_("期間が過ぎています。先に期間を訂正してから再公開してください。")),
    editable=EDITABLE_STATUSES, reopens_from=("withdrawn", "expired"),
    summary=_summary, frozen=_frozen, open_problems=lambda req: [], reopen_problem=lambda req: None,
    reopened_status=lambda req: fill_status(req.people, req.filled_count), period_problems=period_problems,
    load_options=(selectinload(StaffingRequest.required_licences), selectinload(StaffingRequest.desired_fields)))


def allowed_actions(actor: Any, req: StaffingRequest) -> set[str]:
    """The lifecycle buttons ``actor`` may press on ``req`` now: edit, open, withdraw, reopen."""
    return postings.allowed_actions(POSTING, actor, req)


# ----------------------------------------------------------------------------- lifecycle


def create_request(actor: Any, values: RequestValues) -> StaffingRequest:
    """Save a new request of the actor's city as a draft, to be opened when ready."""
    city_id = postings.city_creating(POSTING, actor)
    profession, licences, fields = validate_request_values(values, clock.today_tokyo())
    req = StaffingRequest(city_id=city_id, status="draft", created_by_id=actor.id, filled_count=0,
                          carry_over_count=0)
    _apply(req, values, profession, licences, fields)
    return postings.save_draft(POSTING, actor, req, _snapshot)


def update_request(actor: Any, request_id: int, values: RequestValues, *, reason: str = "",
                   expected_version: int | None = None) -> StaffingRequest:
    """Change a request: its city while draft or open with nothing proposed, the coordinator any time with a reason."""
    req, correcting = postings.load_for_edit(POSTING, actor, request_id, reason, expected_version)
    before = _snapshot(req)
    profession, licences, fields = validate_request_values(values, clock.today_tokyo(), before=req)
    _apply(req, values, profession, licences, fields)
    action = "request.corrected" if correcting else "request.updated"
    changes = audit.diff(before, _snapshot(req))
    # A corrected head count may fill the request, or open slots again.
    status = fill_status(req.people, req.filled_count) if correcting and req.status in FILL_STATUSES else req.status
    if status != req.status:
        transition(req, status, actor=actor, action=action, reason=reason.strip(), changes=changes,
                   summary=_summary(req))
    elif changes:
        audit.record(actor, action, ENTITY, req.id, city_id=req.city_id, changes=changes,
                     reason=reason.strip() or None, summary=_summary(req))
    _commit()
    return req


def open_request(actor: Any, request_id: int, *, run_hooks: bool = True) -> StaffingRequest:
    """Publish a draft: it appears on the demand board and enters the next matching round.

    ``run_hooks=False`` is for loading demo data, which must not start fast-track rounds.
    """
    req = postings.open_posting(POSTING, actor, request_id)
    _commit()
    if run_hooks:
        _run_opened_hooks(req)
    return req


def withdraw_request(actor: Any, request_id: int, reason: str = "") -> StaffingRequest:
    """Take a request back: its city while nothing is proposed, the coordinating city any time with a reason."""
    req = postings.withdraw_posting(POSTING, actor, request_id, reason)
    events.request_withdrawing.send(req)
    _commit()
    return req


def reopen_request(actor: Any, request_id: int, reason: str) -> StaffingRequest:
    """Coordinating city only: put a withdrawn or expired request back on the board, with a reason."""
    req = postings.reopen_posting(POSTING, actor, request_id, reason)
    _commit()
    if req.status in LIVE_STATUSES:
        _run_opened_hooks(req)
    return req


def mark_fill_state(request_id: int, filled_count: int, *, actor: Any = None, commit: bool = True
                    ) -> StaffingRequest:
    """Record how many slots approved dispatches fill: open, partly filled or filled (matching calls this)."""
    req = _load(request_id, for_update=True)
    if req.status not in FILL_STATUSES:
        raise UserError("募集中・一部充足・充足の派遣要請だけ充足状況を変更できます。")
    if not 0 <= filled_count <= req.people:
        raise UserError("充足人数は0〜%(people)s人の範囲でなければなりません。", people=req.people)
    changes = audit.diff({"filled_count": req.filled_count}, {"filled_count": filled_count})
    req.filled_count = filled_count
    status = fill_status(req.people, filled_count)
    if status != req.status:
        transition(req, status, actor=actor, action="request.fill_changed", changes=changes, summary=_summary(req))
    elif changes:
        audit.record(actor, "request.fill_changed", ENTITY, req.id, city_id=req.city_id, changes=changes,
                     summary=_summary(req))
    if commit:
        _commit()
    return req


def expire_request(request_id: int, actor: Any = None, *, commit: bool = True) -> StaffingRequest:
    """Close a request whose period began with nobody placed (the scheduler calls this daily)."""
    req = postings.expire_posting(POSTING, request_id, actor)
    if commit:
        _commit()
    return req


def expire_due_requests(actor: Any = None) -> list[int]:
    """Expire every draft or open request whose period began before today; returns their ids."""
    today = clock.today_tokyo()
    ids = list(db.session.scalars(select(StaffingRequest.id).where(
        StaffingRequest.status.in_(EXPIRABLE_STATUSES), StaffingRequest.start_date < today)
        .order_by(StaffingRequest.id)))
    for request_id in ids:
        expire_request(request_id, actor, commit=False)
    db.session.commit()
    return ids


def add_carry_over(request_ids: list[int]) -> None:
    """Count one more round left (partly) unfilled; adds to the caller's transaction (matching commits)."""
    if not request_ids:
        return
    # The optimistic lock is left alone: a round is not an edit, and must not make an open form stale.
    db.session.execute(StaffingRequest.__table__.update()
                       .where(StaffingRequest.id.in_(request_ids))
                       .values(carry_over_count=StaffingRequest.carry_over_count + 1))


# ----------------------------------------------------------------------------- reading


def open_requests_for_matching(today: date | None = None) -> list[StaffingRequest]:
    """Live requests whose period has not begun, with city, profession, licences and fields loaded."""
    today = today or clock.today_tokyo()
    return list(db.session.scalars(
        select(StaffingRequest)
        .where(StaffingRequest.status.in_(LIVE_STATUSES), StaffingRequest.start_date >= today)
        .options(joinedload(StaffingRequest.city), joinedload(StaffingRequest.profession),
                 selectinload(StaffingRequest.required_licences),
                 selectinload(StaffingRequest.desired_fields))
        .order_by(StaffingRequest.id)))


def get_request(actor: Any, request_id: int) -> StaffingRequest:
    """A request in full (internal notes included), for its own city and the coordinating city."""
    return postings.get_posting(POSTING, actor, request_id)


def request_history(actor: Any, request_id: int) -> list[AuditEntry]:
    """The audit trail of one request, oldest first, for the people who may see the request."""
    return postings.posting_history(POSTING, actor, request_id)


ListFilter = postings.ListFilter


def list_requests(actor: Any, flt: ListFilter, page: int, per_page: int) -> tuple[Pagination, dict[str, int]]:
    """A page of requests (newest first) and the counts by status: HR see only their city."""
    return postings.list_postings(POSTING, actor, flt, page, per_page,
                                  (joinedload(StaffingRequest.city), joinedload(StaffingRequest.profession)))


# ----------------------------------------------------------------------------- form choices


def form_terms(current: StaffingRequest | None = None
               ) -> tuple[list[Profession], list[Licence], list[ExperienceField]]:
    """Active vocabulary for the request form, plus retired terms ``current`` already uses."""
    professions = active_terms(Profession)
    licences = active_terms(Licence)
    fields = active_terms(ExperienceField)
    if current is not None:
        if current.profession is not None and current.profession not in professions:
            professions.append(current.profession)
        licences += [t for t in current.required_licences if t not in licences]
        fields += [t for t in current.desired_fields if t not in fields]
    return professions, licences, fields

