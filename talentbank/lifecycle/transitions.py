"""Every record's statuses, the moves allowed between them, and the one function that makes a move.

A record type's ``Lifecycle`` is its whole story in one table: the statuses (stored strings, as
the database's ``status_known`` constraints list them), which status may become which, who may
make a move where it matters (``None``: whoever the service let through, the system included),
and which time fields a move stamps. ``transition`` is the only way a status changes: it checks
the move against the table, stamps the times, sets the status and writes the audit entry in the
caller's transaction. Bulk updates of many rows take their from-statuses from ``sources``.

It sits above the audit package (it writes the audit entry), below every domain that has states.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext

from ..audit import services as audit
from ..core.clock import utcnow
from ..core.errors import N_, UserError
from ..core.permissions import Role

ANYONE = None
STAFF = frozenset({Role.CITY_HR, Role.COORDINATOR, Role.ADMIN})
COORDINATION = frozenset({Role.COORDINATOR, Role.ADMIN})
SPECIALIST = frozenset({Role.SPECIALIST})

REFUSED = N_("%(kind)sを「%(old)s」から「%(new)s」に変えることはできません。")
REFUSED_FOR_ROLE = N_("あなたの役割では、%(kind)sを「%(old)s」から「%(new)s」に変えることはできません。")


class Stamp(StrEnum):
    """What a move does to a time field: set it now, set it now unless already set, or clear it."""

    NOW = "now"
    FIRST = "first"
    CLEAR = "clear"


@dataclass(frozen=True)
class Lifecycle:
    """One record type's statuses, allowed moves (from → {to: who}) and the times each status stamps."""

    table: str
    entity: str
    kind: str
    statuses: type[StrEnum]
    labels: Mapping[str, str]
    moves: Mapping[str, Mapping[str, frozenset[Role] | None]]
    stamps: Mapping[str, Mapping[str, Stamp]]

    def allows(self, old: str, new: str) -> bool:
        """Is ``old`` → ``new`` in the table (whoever makes it)?"""
        return new in self.moves.get(old, {})

    def allows_actor(self, old: str, new: str, actor: Any) -> bool:
        """Is the move in the table and may ``actor`` (``None``: the system) make it?"""
        if not self.allows(old, new):
            return False
        who = self.moves[old][new]
        return who is None or getattr(actor, "role", None) in who

    def sources(self, new: str) -> tuple[str, ...]:
        """Every status the table lets become ``new``: the where-clause of a bulk move."""
        return tuple(old for old in self.statuses if self.allows(old, new))

    def label(self, status: str) -> Any:
        """The status as people read it, translated when shown (services also run outside requests)."""
        return lazy_gettext(self.labels.get(status, status))


# ----------------------------------------------------------------------------- staffing requests


class RequestStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    PARTLY_FILLED = "partly_filled"
    FILLED = "filled"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


_R = RequestStatus
_REOPEN_MOVES = {_R.OPEN: COORDINATION, _R.PARTLY_FILLED: COORDINATION, _R.FILLED: COORDINATION}
REQUEST = Lifecycle(
    table="staffing_requests", entity="staffing_request", kind=N_("派遣要請"), statuses=RequestStatus,
    labels={_R.DRAFT: N_("下書き"), _R.OPEN: N_("募集中"), _R.PARTLY_FILLED: N_("一部充足"), _R.FILLED: N_("充足"),
            _R.WITHDRAWN: N_("取り下げ"), _R.EXPIRED: N_("期限切れ")},
    moves={
        _R.DRAFT: {_R.OPEN: STAFF, _R.WITHDRAWN: STAFF, _R.EXPIRED: ANYONE},
        # Between the live statuses and filled: approved dispatches, or a corrected head count.
        _R.OPEN: {_R.PARTLY_FILLED: ANYONE, _R.FILLED: ANYONE, _R.WITHDRAWN: STAFF, _R.EXPIRED: ANYONE},
        _R.PARTLY_FILLED: {_R.OPEN: ANYONE, _R.FILLED: ANYONE, _R.WITHDRAWN: STAFF},
        _R.FILLED: {_R.OPEN: ANYONE, _R.PARTLY_FILLED: ANYONE},
        # Only the coordinating city reopens; a reopened request takes the status its filled slots mean.
        _R.WITHDRAWN: _REOPEN_MOVES,
        _R.EXPIRED: _REOPEN_MOVES,
    },
    stamps={
        _R.OPEN: {"posted_at": Stamp.FIRST, "closed_at": Stamp.CLEAR},
        _R.PARTLY_FILLED: {"posted_at": Stamp.FIRST, "closed_at": Stamp.CLEAR},
        _R.FILLED: {"posted_at": Stamp.FIRST, "closed_at": Stamp.NOW},
        _R.WITHDRAWN: {"closed_at": Stamp.NOW},
        _R.EXPIRED: {"closed_at": Stamp.NOW},
    },
)


# ----------------------------------------------------------------------------- exchange offers


class OfferStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    MATCHED = "matched"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


_O = OfferStatus
OFFER = Lifecycle(
    table="exchange_offers", entity="exchange_offer", kind=N_("交流職員の提供"), statuses=OfferStatus,
    labels={_O.DRAFT: N_("下書き"), _O.OPEN: N_("募集中"), _O.MATCHED: N_("交流成立"), _O.WITHDRAWN: N_("取り下げ"),
            _O.EXPIRED: N_("期限切れ")},
    moves={
        _O.DRAFT: {_O.OPEN: STAFF, _O.WITHDRAWN: STAFF, _O.EXPIRED: ANYONE},
        _O.OPEN: {_O.MATCHED: ANYONE, _O.WITHDRAWN: STAFF, _O.EXPIRED: ANYONE},
        # Back to open: a ring fell through (any city in it), or the coordinating city reopens.
        # Withdrawn: only the coordinating city undoes an agreed exchange.
        _O.MATCHED: {_O.OPEN: ANYONE, _O.WITHDRAWN: COORDINATION},
        _O.WITHDRAWN: {_O.OPEN: COORDINATION},
        _O.EXPIRED: {_O.OPEN: COORDINATION},
    },
    stamps={
        _O.OPEN: {"posted_at": Stamp.FIRST, "closed_at": Stamp.CLEAR},
        _O.MATCHED: {"closed_at": Stamp.NOW},
        _O.WITHDRAWN: {"closed_at": Stamp.NOW},
        _O.EXPIRED: {"closed_at": Stamp.NOW},
    },
)


# ----------------------------------------------------------------------------- offers to specialists, dispatches


class DispatchOfferStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"
    CANCELLED = "cancelled"


_D = DispatchOfferStatus
DISPATCH_OFFER = Lifecycle(
    table="dispatch_offers", entity="dispatch_offer", kind=N_("打診"), statuses=DispatchOfferStatus,
    labels={_D.PENDING: N_("回答待ち"), _D.ACCEPTED: N_("承諾"), _D.DECLINED: N_("辞退"), _D.LAPSED: N_("期限切れ"),
            _D.CANCELLED: N_("取消し")},
    # Only the specialist answers; the deadline lapses it; its request or its specialist going away cancels it.
    moves={_D.PENDING: {_D.ACCEPTED: SPECIALIST, _D.DECLINED: SPECIALIST, _D.LAPSED: ANYONE, _D.CANCELLED: ANYONE}},
    stamps={to: {"closed_at": Stamp.NOW} for to in (_D.ACCEPTED, _D.DECLINED, _D.LAPSED, _D.CANCELLED)},
)


class DispatchStatus(StrEnum):
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


_P = DispatchStatus
DISPATCH = Lifecycle(
    table="dispatches", entity="dispatch", kind=N_("派遣"), statuses=DispatchStatus,
    labels={_P.SCHEDULED: N_("派遣予定"), _P.ACTIVE: N_("派遣中"), _P.COMPLETED: N_("派遣終了"), _P.CANCELLED: N_("中止")},
    moves={_P.SCHEDULED: {_P.ACTIVE: ANYONE, _P.CANCELLED: ANYONE},
           _P.ACTIVE: {_P.COMPLETED: ANYONE, _P.CANCELLED: ANYONE}},
    stamps={_P.ACTIVE: {"started_at": Stamp.NOW}, _P.COMPLETED: {"completed_at": Stamp.NOW},
            _P.CANCELLED: {"cancelled_at": Stamp.NOW}},
)


# ----------------------------------------------------------------------------- exchange rings


class RingStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    SUPERSEDED = "superseded"


_G = RingStatus
RING = Lifecycle(
    table="exchange_cycles", entity="exchange_cycle", kind=N_("交流の輪"), statuses=RingStatus,
    labels={_G.PROPOSED: N_("提案中"), _G.APPROVED: N_("承認済み（各市の確認待ち）"), _G.REJECTED: N_("却下"),
            _G.CONFIRMED: N_("全市が確認"), _G.CANCELLED: N_("取り消し"), _G.SUPERSEDED: N_("新しいマッチングで置換")},
    moves={
        # The coordinating city decides or releases; a later round supersedes what is still waiting.
        _G.PROPOSED: {_G.APPROVED: COORDINATION, _G.REJECTED: COORDINATION, _G.CANCELLED: COORDINATION,
                      _G.SUPERSEDED: ANYONE},
        # The last city to confirm agrees it; a city refusing or the coordinating city releasing cancels it.
        _G.APPROVED: {_G.CONFIRMED: frozenset({Role.CITY_HR}), _G.CANCELLED: STAFF},
    },
    stamps={_G.APPROVED: {"decided_at": Stamp.NOW}, _G.REJECTED: {"decided_at": Stamp.NOW}},
)


# ----------------------------------------------------------------------------- matching rounds and proposals


class RoundStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


_M = RoundStatus
ROUND = Lifecycle(
    table="matching_rounds", entity="matching_round", kind=N_("マッチング"), statuses=RoundStatus,
    labels={_M.QUEUED: N_("待機中"), _M.RUNNING: N_("計算中"), _M.SUCCEEDED: N_("完了"), _M.FAILED: N_("失敗")},
    # A round left queued by a process that died fails without ever running.
    moves={_M.QUEUED: {_M.RUNNING: ANYONE, _M.FAILED: ANYONE},
           _M.RUNNING: {_M.SUCCEEDED: ANYONE, _M.FAILED: ANYONE}},
    stamps={_M.RUNNING: {"started_at": Stamp.NOW}, _M.SUCCEEDED: {"finished_at": Stamp.NOW},
            _M.FAILED: {"finished_at": Stamp.NOW}},
)


class ProposalStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    LAPSED = "lapsed"
    SUPERSEDED = "superseded"


_Q = ProposalStatus
# The specialist's answer reaches a proposal through its dispatch offer, whose table says who answers.
_ANSWERS = {_Q.ACCEPTED: ANYONE, _Q.DECLINED: ANYONE, _Q.LAPSED: ANYONE, _Q.SUPERSEDED: ANYONE}
PROPOSAL = Lifecycle(
    table="proposals", entity="proposal", kind=N_("提案"), statuses=ProposalStatus,
    labels={_Q.PROPOSED: N_("提案中"), _Q.APPROVED: N_("承認済み"), _Q.REJECTED: N_("却下"), _Q.OFFERED: N_("本人に打診中"),
            _Q.ACCEPTED: N_("本人が受諾"), _Q.DECLINED: N_("本人が辞退"), _Q.LAPSED: N_("回答期限切れ"),
            _Q.SUPERSEDED: N_("新しいマッチングで置換")},
    moves={
        _Q.PROPOSED: {_Q.APPROVED: COORDINATION, _Q.REJECTED: COORDINATION, _Q.SUPERSEDED: ANYONE},
        # The specialist answers the offer; a cancelled offer or dispatch frees the slot (superseded).
        _Q.APPROVED: {_Q.OFFERED: ANYONE, **_ANSWERS},
        _Q.OFFERED: _ANSWERS,
        _Q.ACCEPTED: {_Q.SUPERSEDED: ANYONE},
    },
    stamps={_Q.APPROVED: {"decided_at": Stamp.NOW}, _Q.REJECTED: {"decided_at": Stamp.NOW}},
)

LIFECYCLES: dict[str, Lifecycle] = {lc.table: lc for lc in (REQUEST, OFFER, DISPATCH_OFFER, DISPATCH, RING, ROUND,
                                                             PROPOSAL)}


# ----------------------------------------------------------------------------- the one way to move


def lifecycle_of(record: Any) -> Lifecycle:
    """The lifecycle of a record, found by its table."""
    return LIFECYCLES[record.__tablename__]


def refusal(record: Any, to: str, actor: Any, message: str | None = None) -> UserError | None:
    """Why ``actor`` may not move ``record`` to ``to`` (``message`` replaces the table's wording), or ``None``."""
    lc = lifecycle_of(record)
    old = record.status
    if lc.allows_actor(old, to, actor):
        return None
    params = {"kind": lazy_gettext(lc.kind), "old": lc.label(old), "new": lc.label(to)}
    if message is not None:
        return UserError(message)
    return UserError(REFUSED if not lc.allows(old, to) else REFUSED_FOR_ROLE, **params)


def check_move(record: Any, to: str, actor: Any, message: str | None = None) -> None:
    """Raise ``UserError`` unless the table lets ``actor`` move ``record`` to ``to``."""
    problem = refusal(record, to, actor, message)
    if problem is not None:
        raise problem


def transition(record: Any, to: str, *, actor: Any, action: str, reason: str | None = None, summary: str = "",
               city_id: int | None = None, changes: Mapping[str, Any] | None = None,
               stamp: Mapping[str, Any] | None = None, refused: str | None = None,
               now: datetime | None = None) -> Any:
    """Move ``record`` to ``to``: check the move, stamp its times and ``stamp``'s fields, audit it (caller commits)."""
    check_move(record, to, actor, refused)
    lc = lifecycle_of(record)
    old = str(record.status)
    now = now or utcnow()
    for name, how in lc.stamps.get(to, {}).items():
        if how is Stamp.CLEAR:
            setattr(record, name, None)
        elif how is Stamp.NOW or getattr(record, name) is None:
            setattr(record, name, now)
    for name, value in (stamp or {}).items():
        setattr(record, name, value)
    record.status = str(to)
    audit.record(actor, action, lc.entity, record.id,
                 city_id=city_id if city_id is not None else getattr(record, "city_id", None),
                 changes={"status": [old, str(to)], **(changes or {})}, reason=reason or None, summary=summary)
    return record
