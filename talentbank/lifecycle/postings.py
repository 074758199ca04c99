"""The life staffing requests and exchange offers share: open, withdraw, reopen, expire, buttons, lists.

A city posts either kind as a draft, opens it, may take it back while nothing holds it, and the
coordinating city may take it back or reopen it at any time with a reason; the scheduler expires
what was never taken once its period began. ``Posting`` says what differs between the two kinds
(messages, what freezes a posting for its city, what reopening must check); the moves themselves
are the lifecycle tables' (``lifecycle.transitions``). Functions here add to the caller's transaction:
the services run their reactions and commit.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from ..audit import services as audit
from ..audit.models import AuditEntry
from ..extensions import db
from ..core import clock, permissions
from ..core.pagination import paginate
from ..core.errors import N_, UserError, UserErrors
from .transitions import Lifecycle, check_move, transition
from ..core.permissions import Role


@dataclass(frozen=True)
class PostingMessages:
    """What people read when a move is refused (message ids, translated when shown)."""

    not_found: str
    stale: str
    edit_only: str
    open_only_drafts: str
    withdraw_ended: str  # to the coordinating city, and to the city where nothing else applies
    withdraw_by_city: str
    reopen_only: str
    expire_only: str
    expire_not_begun: str
    reopen_period: str
    withdraw_reason: str = N_("取り下げの理由を入力してください。")
    reopen_reason: str = N_("再公開の理由を入力してください。")
    correction_reason: str = N_("訂正の理由を入力してください。")


@dataclass(frozen=True)
class Posting:
    """One kind of posting: its model, lifecycle, permission prefix and what differs in its life."""

    model: Any
    lifecycle: Lifecycle
    permission: str  # "request" → request.manage, request.correct
    action: str  # "request" → request.opened, request.withdrawn, …
    messages: PostingMessages
    editable: tuple[str, ...]  # where its city may still change it
    reopens_from: tuple[str, ...]
    summary: Callable[[Any], str]
    # Why its city may not change or withdraw it now (something proposed, a live ring), or None.
    frozen: Callable[[Any, str], UserError | None]
    # What opening and reopening must check beyond the period (the officer of an offer).
    open_problems: Callable[[Any], list[UserError]]
    reopen_problem: Callable[[Any], UserError | None]
    # The status a reopened posting takes (a request's filled slots decide it).
    reopened_status: Callable[[Any], str]
    period_problems: Callable[[date | None, date | None, date], list[UserError]]
    load_options: Sequence[Any] = ()

    def load(self, record_id: int, *, for_update: bool = False) -> Any:
        """The posting, locked on PostgreSQL when it is about to change."""
        query = select(self.model).where(self.model.id == record_id).options(*self.load_options)
        if for_update and db.engine.dialect.name == "postgresql":
            # Two officers pressing "withdraw" and a round taking the posting must not interleave.
            query = query.with_for_update(of=self.model)
        record = db.session.scalar(query)
        if record is None:
            raise UserError(self.messages.not_found)
        return record


def is_correction(actor: Any) -> bool:
    """Changes by the coordinating city to a city's posting are corrections: reason required."""
    return getattr(actor, "role", None) != Role.CITY_HR


def allowed_actions(kind: Posting, actor: Any, record: Any) -> set[str]:
    """The lifecycle buttons ``actor`` may press on ``record`` now: edit, open, withdraw, reopen."""
    actions: set[str] = set()
    if not permissions.may(actor, f"{kind.permission}.manage", record.city_id):
        return actions
    correcting = is_correction(actor)
    status = record.status
    if correcting and permissions.may(actor, f"{kind.permission}.correct"):
        actions.add("edit")
        if status in kind.reopens_from:
            actions.add("reopen")
    elif not correcting and status in kind.editable and kind.frozen(record, "edit") is None:
        actions.add("edit")
    if status == "draft":
        actions.add("open")
    if kind.lifecycle.allows_actor(status, "withdrawn", actor) and (
            correcting or kind.frozen(record, "withdraw") is None):
        actions.add("withdraw")
    return actions


def city_creating(kind: Posting, actor: Any) -> int:
    """The city a new posting is for: the actor's own, when they may post for it."""
    permissions.check(actor, f"{kind.permission}.create")
    permissions.check(actor, f"{kind.permission}.manage", actor.city_id)
    return actor.city_id


def save_draft(kind: Posting, actor: Any, record: Any, snapshot: Callable[[Any], dict[str, Any]]) -> Any:
    """Save a new posting as a draft and audit everything it says; commits."""
    db.session.add(record)
    db.session.flush()
    audit.record(actor, f"{kind.action}.created", kind.lifecycle.entity, record.id, city_id=record.city_id,
                 changes=audit.diff({}, snapshot(record)), summary=kind.summary(record))
    db.session.commit()
    return record


def _load_to_change(kind: Posting, actor: Any, record_id: int, reason: str, reason_message: str
                    ) -> tuple[Any, bool]:
    record = kind.load(record_id, for_update=True)
    permissions.check(actor, f"{kind.permission}.manage", record.city_id)
    correcting = is_correction(actor)
    if correcting:
        permissions.check(actor, f"{kind.permission}.correct")
        if not reason.strip():
            raise UserError(reason_message, field="reason")
    return record, correcting


def load_for_edit(kind: Posting, actor: Any, record_id: int, reason: str, expected_version: int | None
                  ) -> tuple[Any, bool]:
    """The posting about to be changed, and whether it is a correction: refused unless ``actor`` may change it now."""
    record, correcting = _load_to_change(kind, actor, record_id, reason, kind.messages.correction_reason)
    if not correcting:
        if record.status not in kind.editable:
            raise UserError(kind.messages.edit_only)
        problem = kind.frozen(record, "edit")
        if problem:
            raise problem
    if expected_version is not None and expected_version != record.lock_version:
        raise UserError(kind.messages.stale)
    return record, correcting


def commit(kind: Posting) -> None:
    """Commit the change; an edit made on a stale page is refused instead of overwriting."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise UserError(kind.messages.stale) from None


def open_posting(kind: Posting, actor: Any, record_id: int) -> Any:
    """Publish a draft whose period still lies ahead (caller commits)."""
    record = kind.load(record_id, for_update=True)
    permissions.check(actor, f"{kind.permission}.manage", record.city_id)
    if record.status != "draft":
        raise UserError(kind.messages.open_only_drafts)
    problems = kind.period_problems(record.start_date, record.end_date, clock.today_tokyo())
    problems += kind.open_problems(record)
    if problems:
        raise UserErrors(problems)
    return transition(record, "open", actor=actor, action=f"{kind.action}.opened", summary=kind.summary(record))


def withdraw_posting(kind: Posting, actor: Any, record_id: int, reason: str = "") -> Any:
    """Take a posting back: its city while nothing holds it, the coordinating city any time with a reason."""
    record, correcting = _load_to_change(kind, actor, record_id, reason, kind.messages.withdraw_reason)
    check_move(record, "withdrawn", actor, kind.messages.withdraw_ended if correcting else kind.messages.withdraw_by_city)
    if not correcting:
        problem = kind.frozen(record, "withdraw")
        if problem:
            raise problem
    return transition(record, "withdrawn", actor=actor, action=f"{kind.action}.withdrawn", reason=reason.strip(),
                      summary=kind.summary(record))


def reopen_posting(kind: Posting, actor: Any, record_id: int, reason: str) -> Any:
    """Coordinating city only: put a closed posting back on the board, with a reason (caller commits)."""
    record = kind.load(record_id, for_update=True)
    permissions.check(actor, f"{kind.permission}.correct")
    permissions.check(actor, f"{kind.permission}.manage", record.city_id)
    if not reason.strip():
        raise UserError(kind.messages.reopen_reason, field="reason")
    if record.status not in kind.reopens_from:
        raise UserError(kind.messages.reopen_only)
    if kind.period_problems(record.start_date, record.end_date, clock.today_tokyo()):
        raise UserError(kind.messages.reopen_period)
    problem = kind.reopen_problem(record)
    if problem:
        raise problem
    return transition(record, kind.reopened_status(record), actor=actor, action=f"{kind.action}.reopened",
                      reason=reason.strip(), summary=kind.summary(record), refused=kind.messages.reopen_only)


def expire_posting(kind: Posting, record_id: int, actor: Any = None) -> Any:
    """Close a posting whose period began with nothing agreed (caller commits; the scheduler runs it daily)."""
    record = kind.load(record_id, for_update=True)
    check_move(record, "expired", actor, kind.messages.expire_only)
    if record.start_date >= clock.today_tokyo():
        raise UserError(kind.messages.expire_not_begun)
    return transition(record, "expired", actor=actor, action=f"{kind.action}.expired", summary=kind.summary(record))


def expirable_statuses(kind: Posting) -> tuple[str, ...]:
    """The statuses a posting expires from, as the lifecycle table says."""
    return kind.lifecycle.sources("expired")


def get_posting(kind: Posting, actor: Any, record_id: int) -> Any:
    """A posting in full (internal notes included), for its own city and the coordinating city."""
    record = kind.load(record_id)
    permissions.check(actor, f"{kind.permission}.view", record.city_id)
    return record


def posting_history(kind: Posting, actor: Any, record_id: int) -> list[AuditEntry]:
    """The audit trail of one posting, oldest first, for the people who may see the posting."""
    get_posting(kind, actor, record_id)
    return audit.entity_history((kind.lifecycle.entity, record_id))


@dataclass(frozen=True)
class ListFilter:
    """The list's status tab and, for the coordinating city, the city."""

    status: str | None = None
    city_id: int | None = None


def list_postings(kind: Posting, actor: Any, flt: ListFilter, page: int, per_page: int,
                  options: Sequence[Any] = ()) -> tuple[Pagination, dict[str, int]]:
    """A page of postings (newest first) and the counts by status: HR see only their city."""
    model = kind.model
    permissions.check(actor, f"{kind.permission}.list")
    city_id = actor.city_id if actor.role == Role.CITY_HR else flt.city_id
    conditions = [model.city_id == city_id] if city_id else []
    counts = dict(db.session.execute(select(model.status, func.count())
                                     .where(*conditions).group_by(model.status)).all())
    if flt.status:
        conditions.append(model.status == flt.status)
    listing = paginate(select(model).where(*conditions).options(*options)
                       .order_by(model.created_at.desc(), model.id.desc()), page, per_page)
    return listing, counts
