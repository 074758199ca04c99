"""Deciding on a round: approve or reject each proposal and ring; record what the specialist answered.

The dispatch domain takes an approved pairing on from there (offer, acceptance, dispatch) through
``events.proposal_approved`` and calls ``record_acceptance`` / ``record_decline`` / ``record_lapse``
back. Every decision is audited in the transaction that makes it. The last functions answer the other
domains' events (connected in ``talentbank.wiring``).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import lazy_gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core import permissions
from ..core.errors import UserError
from ..core.transactions import begin_deciding
from ..exchange.rings import services as rings
from ..exchange.rings.models import ExchangeCycle
from ..extensions import db
from ..lifecycle.transitions import transition
from ..requests.models import LIVE_STATUSES, StaffingRequest
from ..solver.days import busiest_day_load
from ..specialists.models import Specialist, SpecialistStatus
from . import events
from .models import (
    HOLDING_PROPOSAL_STATUSES,
    LIVE_PROPOSAL_STATUSES,
    PROPOSAL_STATUS_LABELS,
    REVIEWABLE_KINDS,
    ForbiddenPair,
    MatchingRound,
    Proposal,
)

log = logging.getLogger(__name__)

MAX_REASON_LENGTH = 1000


def _load_proposal(proposal_id: int, *, for_update: bool = False) -> Proposal:
    query = select(Proposal).where(Proposal.id == proposal_id)
    if for_update and db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=Proposal)
    proposal = db.session.scalar(query)
    if proposal is None:
        raise UserError("提案が見つかりません。")
    return proposal


def _lock(model: type, row_id: int) -> Any:
    """Load a row, locking it on PostgreSQL so two deciders on the same request or person queue up."""
    query = select(model).where(model.id == row_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=model)
    return db.session.scalar(query.execution_options(populate_existing=True))


def _overlapping_days(specialist_id: int, start: date, end: date, exclude_proposal_id: int) -> int:
    """Days per week the specialist's held pairings take on the busiest day of ``start..end``."""
    rows = db.session.execute(
        select(Proposal.request_id, StaffingRequest.start_date, StaffingRequest.end_date, StaffingRequest.days_per_week)
        .join(StaffingRequest, StaffingRequest.id == Proposal.request_id)
        .where(Proposal.specialist_id == specialist_id, Proposal.status.in_(HOLDING_PROPOSAL_STATUSES),
               Proposal.id != exclude_proposal_id, StaffingRequest.start_date <= end, StaffingRequest.end_date >= start))
    held = {request_id: (s, e, days) for request_id, s, e, days in rows}  # a pair held in two rounds counts once
    return busiest_day_load(held.values(), start, end)


def _approve(actor: Any, proposal_id: int) -> Proposal:
    begin_deciding()
    proposal = _load_proposal(proposal_id)
    rnd = db.session.get(MatchingRound, proposal.round_id)
    if not rnd.is_reviewable:
        raise UserError("このマッチングの結果は審査できません（試算、計算中または失敗）。")
    # Lock order everywhere: request, then specialist, then proposal (no deadlocks between deciders).
    req = _lock(StaffingRequest, proposal.request_id)
    specialist = _lock(Specialist, proposal.specialist_id)
    proposal = _load_proposal(proposal_id, for_update=True)
    db.session.refresh(proposal)
    if proposal.status != "proposed":
        raise UserError("この提案はすでに「%(status)s」です。", status=_status_label(proposal.status))
    if req.status not in LIVE_STATUSES:
        raise UserError("派遣要請 No.%(id)s は募集中ではないため承認できません。", id=req.id)
    if specialist.status != SpecialistStatus.ACTIVE.value:
        raise UserError("%(ref)s は現在マッチングの対象外（一時停止または退会）のため承認できません。",
                        ref=specialist.reference)
    if db.session.scalar(select(ForbiddenPair.id).where(ForbiddenPair.specialist_id == specialist.id,
                                                        ForbiddenPair.request_id == req.id)):
        raise UserError("この組み合わせは以前に却下または辞退されています。")
    held = db.session.scalar(select(func.count(func.distinct(Proposal.specialist_id))).where(
        Proposal.request_id == req.id, Proposal.status.in_(("approved", "offered")),
        Proposal.specialist_id != specialist.id)) or 0
    if req.filled_count + held >= req.people:
        raise UserError("派遣要請 No.%(id)s の%(people)s人の枠は、承認済みの提案ですでに埋まっています。",
                        id=req.id, people=req.people)
    if db.session.scalar(select(Proposal.id).where(
            Proposal.request_id == req.id, Proposal.specialist_id == specialist.id,
            Proposal.status.in_(HOLDING_PROPOSAL_STATUSES))):
        raise UserError("この組み合わせは別のマッチングですでに承認されています。")
    used = _overlapping_days(specialist.id, req.start_date, req.end_date, proposal.id)
    if used + req.days_per_week > specialist.days_per_week:
        raise UserError("%(ref)s は同じ期間にすでに週%(used)s日の派遣が承認されているため、週%(days)s日の"
                        "この要請は承認できません（本人の上限は週%(limit)s日）。",
                        ref=specialist.reference, used=used, days=req.days_per_week, limit=specialist.days_per_week)
    ring = rings.holding_ring_of_officer(specialist.id, req.start_date, req.end_date)
    if ring is not None:
        raise UserError("%(ref)s は同じ期間の承認済みの交流の輪（No.%(id)s）に含まれているため、派遣には承認できません。",
                        ref=specialist.reference, id=ring.id)
    transition(proposal, "approved", actor=actor, action="proposal.approved",
               summary=f"round {proposal.round_id}: {specialist.reference} → request {req.id}",
               stamp={"decided_by_id": actor.id, "decision_reason": None})
    db.session.flush()
    events.proposal_approved.send(proposal, actor=actor)
    return proposal


def _status_label(status: str) -> Any:
    """The status name, translated only when the message is shown (services run outside requests too)."""
    return lazy_gettext(PROPOSAL_STATUS_LABELS.get(status, status))


def _commit_decision() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        log.info("decision refused by the database: %s", exc.orig)
        raise UserError("同時に行われた別の承認と重なったため、承認できませんでした。画面を更新して確認してください。") from None


def approve_proposal(actor: Any, proposal_id: int) -> Proposal:
    """Approve one pairing: the specialist is then asked (the dispatch domain sends the offer)."""
    permissions.check(actor, "proposal.decide")
    try:
        proposal = _approve(actor, proposal_id)
    except UserError:
        db.session.rollback()
        raise
    _commit_decision()
    return proposal


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise UserError("却下する理由を入力してください。", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise UserError("理由は%(max)s文字以内で入力してください。", field="reason", max=MAX_REASON_LENGTH)
    return reason


def _forbid(specialist_id: int, request_id: int, kind: str, proposal_id: int) -> None:
    exists = db.session.scalar(select(ForbiddenPair.id).where(ForbiddenPair.specialist_id == specialist_id,
                                                              ForbiddenPair.request_id == request_id))
    if exists is None:
        db.session.add(ForbiddenPair(specialist_id=specialist_id, request_id=request_id, reason_kind=kind,
                                     proposal_id=proposal_id))


def _reject(actor: Any, proposal_id: int, reason: str) -> Proposal:
    begin_deciding()
    proposal = _load_proposal(proposal_id)
    # The approval's lock order (request, specialist, proposal): the forbidden pair written below
    # refers to both rows, so taking the proposal first would deadlock against an approval on PostgreSQL.
    _lock(StaffingRequest, proposal.request_id)
    _lock(Specialist, proposal.specialist_id)
    proposal = _load_proposal(proposal_id, for_update=True)
    db.session.refresh(proposal)
    rnd = db.session.get(MatchingRound, proposal.round_id)
    if not rnd.is_reviewable:
        raise UserError("このマッチングの結果は審査できません（試算、計算中または失敗）。")
    if proposal.status != "proposed":
        raise UserError("この提案はすでに「%(status)s」です。", status=_status_label(proposal.status))
    transition(proposal, "rejected", actor=actor, action="proposal.rejected", reason=reason,
               summary=_pair_summary(proposal), stamp={"decided_by_id": actor.id, "decision_reason": reason})
    _forbid(proposal.specialist_id, proposal.request_id, "rejected", proposal.id)
    return proposal


def reject_proposal(actor: Any, proposal_id: int, reason: str) -> Proposal:
    """Reject one pairing with a reason; the pair is never proposed again."""
    permissions.check(actor, "proposal.decide")
    reason = _clean_reason(reason)
    try:
        proposal = _reject(actor, proposal_id, reason)
    except UserError:
        db.session.rollback()
        raise
    _commit_decision()
    return proposal


@dataclass
class BulkOutcome:
    """What a bulk decision did: ids done, and for each refused id the reason."""

    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, UserError]] = field(default_factory=list)


def approve_proposals(actor: Any, proposal_ids: Iterable[int]) -> BulkOutcome:
    """Approve many, in priority order, each on its own: one that no longer fits does not stop the rest."""
    permissions.check(actor, "proposal.decide")
    return _decide_each(proposal_ids, lambda proposal_id: _approve(actor, proposal_id))


def reject_proposals(actor: Any, proposal_ids: Iterable[int], reason: str) -> BulkOutcome:
    """Reject many with one reason; each pair is never proposed again."""
    permissions.check(actor, "proposal.decide")
    reason = _clean_reason(reason)
    return _decide_each(proposal_ids, lambda proposal_id: _reject(actor, proposal_id, reason))


def _decide_each(proposal_ids: Iterable[int], decide: Callable[[int], Any]) -> BulkOutcome:
    """Decide each proposal in priority order, each in its own transaction; a refusal stops only that one."""
    outcome = BulkOutcome()
    for proposal_id in _in_priority_order(proposal_ids):
        try:
            decide(proposal_id)
            _commit_decision()
        except UserError as exc:
            db.session.rollback()
            outcome.refused.append((proposal_id, exc))
        else:
            outcome.done.append(proposal_id)
    return outcome


def _in_priority_order(proposal_ids: Iterable[int]) -> list[int]:
    ids = sorted({int(i) for i in proposal_ids})
    if not ids:
        raise UserError("提案を1件以上選んでください。")
    found = list(db.session.scalars(select(Proposal.id).where(Proposal.id.in_(ids))
                                    .order_by(Proposal.priority_position, Proposal.id)))
    return found + [i for i in ids if i not in set(found)]


def _pair_summary(proposal: Proposal) -> str:
    return f"round {proposal.round_id}: specialist {proposal.specialist_id} → request {proposal.request_id}"


def record_acceptance(proposal_id: int, actor: Any = None) -> Proposal:
    """The specialist accepted the offer (the dispatch domain calls this; its transaction, its commit)."""
    proposal = _load_proposal(proposal_id, for_update=True)
    if proposal.status not in ("approved", "offered"):
        raise UserError("この提案はすでに「%(status)s」です。", status=_status_label(proposal.status))
    transition(proposal, "accepted", actor=actor, action="proposal.accepted", summary=_pair_summary(proposal))
    return proposal


def mark_offered(proposal_id: int, actor: Any = None) -> Proposal:
    """The offer went out to the specialist (the dispatch domain calls this inside the approval)."""
    proposal = _load_proposal(proposal_id)
    if proposal.status != "approved":
        raise UserError("この提案はすでに「%(status)s」です。", status=_status_label(proposal.status))
    transition(proposal, "offered", actor=actor, action="proposal.offered", summary=_pair_summary(proposal))
    return proposal


def record_decline(proposal_id: int, actor: Any, reason: str | None = None) -> Proposal:
    """The specialist declined: the pair is forbidden and the slot goes back to the next round (caller commits)."""
    proposal = _load_proposal(proposal_id, for_update=True)
    if proposal.status not in ("approved", "offered"):
        raise UserError("この提案はすでに「%(status)s」です。", status=_status_label(proposal.status))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_LENGTH:  # refused with the limit, never cut
        raise UserError("理由は%(max)s文字以内で入力してください。", field="reason", max=MAX_REASON_LENGTH)
    transition(proposal, "declined", actor=actor, action="proposal.declined", reason=reason or None,
               summary=_pair_summary(proposal),
               stamp={"decision_reason": reason or proposal.decision_reason})
    _forbid(proposal.specialist_id, proposal.request_id, "declined", proposal.id)
    return proposal


def record_lapse(proposal_id: int, actor: Any = None) -> Proposal:
    """Nobody answered by the deadline: the slot is free again, but the pair is not forbidden (caller commits)."""
    proposal = _load_proposal(proposal_id, for_update=True)
    if proposal.status not in ("approved", "offered"):
        raise UserError("この提案はすでに「%(status)s」です。", status=_status_label(proposal.status))
    transition(proposal, "lapsed", actor=actor, action="proposal.lapsed", summary=_pair_summary(proposal))
    return proposal


def approve_cycle(actor: Any, cycle_id: int) -> ExchangeCycle:
    """Approve an exchange ring of a reviewable round; each city in it is then asked to confirm."""
    permissions.check(actor, "proposal.decide")
    begin_deciding()
    cycle = db.session.get(ExchangeCycle, cycle_id)
    if cycle is None:
        raise UserError("交流の輪が見つかりません。")
    try:
        rings.approve_ring(actor, cycle_id, round_is_reviewable=db.session.get(MatchingRound, cycle.round_id).is_reviewable)
    except UserError:
        db.session.rollback()
        raise
    _commit_decision()
    return cycle


def reject_cycle(actor: Any, cycle_id: int, reason: str) -> ExchangeCycle:
    """Reject an exchange ring with a reason."""
    try:
        begin_deciding()
        cycle = rings.reject_ring(actor, cycle_id, reason)
    except UserError:
        db.session.rollback()
        raise
    db.session.commit()
    return cycle


def refuse_ring_with_held_dispatch(cycle: ExchangeCycle, actor: Any = None) -> None:
    """``ring_approving``: an officer approved, offered or agreed for a dispatch in the ring's period stays there."""
    for member in cycle.members:
        held = db.session.execute(
            select(Proposal.request_id).join(StaffingRequest, StaffingRequest.id == Proposal.request_id)
            .where(Proposal.specialist_id == member.officer_id, Proposal.status.in_(HOLDING_PROPOSAL_STATUSES),
                   StaffingRequest.start_date <= member.end_date, StaffingRequest.end_date >= member.start_date)
            .limit(1)).scalar()
        if held is not None:
            officer = db.session.get(Specialist, member.officer_id)
            raise UserError("交流職員 %(ref)s は同じ期間の派遣要請 No.%(request)s に承認済みのため、この交流の輪は承認できません。",
                            ref=officer.reference, request=held)


# ----------------------------------------------------------------------------- hooks of other domains


def has_live_proposals(request_id: int) -> bool:
    """A pairing is pending or agreed for the request: the requesting city may no longer change it."""
    return db.session.scalar(
        select(Proposal.id).join(MatchingRound, MatchingRound.id == Proposal.round_id)
        .where(Proposal.request_id == request_id, Proposal.status.in_(LIVE_PROPOSAL_STATUSES),
               MatchingRound.kind.in_(REVIEWABLE_KINDS)).limit(1)) is not None


def _supersede(query_filter: Any, actor: Any, why: str) -> int:
    proposals = list(db.session.scalars(select(Proposal).where(query_filter, Proposal.status.in_(("proposed",
                                                                                                  "approved")))))
    for proposal in proposals:
        transition(proposal, "superseded", actor=actor, action="proposal.superseded", reason=why,
                   summary=_pair_summary(proposal))
    return len(proposals)


def on_request_withdrawn(req: StaffingRequest) -> None:
    """A withdrawn request takes its pending proposals with it (inside the withdrawal's transaction)."""
    _supersede(Proposal.request_id == req.id, None, "request withdrawn")


def on_specialist_withdrawn(specialist: Specialist, actor: Any) -> None:
    """A withdrawing specialist's pending proposals end (inside the withdrawal's transaction)."""
    _supersede(Proposal.specialist_id == specialist.id, actor, "specialist withdrew")
