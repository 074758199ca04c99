"""Matching rounds and their review: start, re-solve, what-if, approve and reject, rule-set versions.

The coordinating city runs rounds and decides on each proposal; the dispatch domain takes an
approved pairing on from there (offer, acceptance, dispatch) through ``events.proposal_approved``
and calls ``record_acceptance`` / ``record_decline`` / ``record_lapse`` back. Every decision is
audited in the transaction that makes it.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit import services as audit
from ..core import clock, permissions
from ..cities.models import City
from ..core.errors import UserError, UserErrors
from ..lifecycle.transitions import transition
from ..extensions import db
from ..requests.models import LIVE_STATUSES, StaffingRequest
from ..specialists.models import Specialist, SpecialistStatus
from ..vocabulary.models import Profession
from ..exchange.rings import services as rings
from ..exchange.rings.models import ExchangeCycle
from ..solver import load_problem
from ..solver.days import busiest_day_load
from ..solver.rules import rank_cities_by_need
from . import events
from .standard import seed_first_rule_set
from .models import (
    DEFAULT_EXCHANGE_PRIORITY,
    EXCHANGE_PRIORITIES,
    HOLDING_PROPOSAL_STATUSES,
    INDICATORS,
    LIVE_PROPOSAL_STATUSES,
    PROPOSAL_STATUS_LABELS,
    REVIEWABLE_KINDS,
    RULE_SET_METHODS,
    ForbiddenPair,
    MatchingRound,
    Proposal,
    RuleSetVersion,
)
from .runner import RUNNER, execute_round, fail_stale_rounds
from .snapshot import city_record

log = logging.getLogger(__name__)

MAX_REASON_LENGTH = 1000
MAX_NOTE_LENGTH = 1000
MAX_WEIGHT = 100.0
SYSTEM_KINDS = ("scheduled", "fast_track")  # rounds the scheduler may start without a person


# ----------------------------------------------------------------------------- rule sets


@dataclass(frozen=True)
class RuleSetValues:
    """What the coordinator fills in: the method, the indicators in order with weights, the ring limit."""

    method: str
    criteria: list[dict[str, Any]]
    max_cycle_length: int
    note: str
    is_published: bool = False
    exchange_priority: str = DEFAULT_EXCHANGE_PRIORITY


def validate_rule_set(values: RuleSetValues) -> list[UserError]:
    """Every problem with a rule set at once, so the coordinator can fix them in one go."""
    errors: list[UserError] = []
    if values.method not in RULE_SET_METHODS:
        errors.append(UserError("比較方法を選んでください。", field="method"))
    indicators = [c.get("indicator") for c in values.criteria]
    if not indicators:
        errors.append(UserError("指標を1つ以上選んでください。", field="criteria"))
    if any(i not in INDICATORS for i in indicators) or len(set(indicators)) != len(indicators):
        errors.append(UserError("同じ指標を2回使うことはできません。", field="criteria"))
    for c in values.criteria:
        weight = c.get("weight")
        if not isinstance(weight, int | float) or not 0 <= weight <= MAX_WEIGHT:
            errors.append(UserError("重みは0〜%(max)sの数値で入力してください。", field="criteria", max=int(MAX_WEIGHT)))
            break
    if values.method == "weighted" and values.criteria and all(float(c.get("weight") or 0) == 0
                                                               for c in values.criteria):
        errors.append(UserError("重み付け合計では、少なくとも1つの指標に0より大きい重みを付けてください。",
                                field="criteria"))
    if values.exchange_priority not in EXCHANGE_PRIORITIES:
        errors.append(UserError("職員交流を優先する順位を選んでください。", field="exchange_priority"))
    if not 2 <= values.max_cycle_length <= 6:
        errors.append(UserError("交流の輪の最大の長さは2〜6の整数で入力してください。", field="max_cycle_length"))
    note = values.note.strip()
    if not note:
        errors.append(UserError("変更の理由を入力してください。", field="note"))
    elif len(note) > MAX_NOTE_LENGTH:
        errors.append(UserError("変更の理由は%(max)s文字以内で入力してください。", field="note", max=MAX_NOTE_LENGTH))
    return errors


def current_rule_set() -> RuleSetVersion | None:
    """The published version: what rounds use unless told otherwise."""
    return db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.is_published.is_(True)))


def ensure_rule_set(actor: Any = None) -> RuleSetVersion:
    """The published version, creating version 1 (the prefectural order) when there is none at all."""
    published = current_rule_set()
    if published is not None:
        return published
    if db.session.scalar(select(func.count(RuleSetVersion.id))):
        latest = db.session.scalar(select(RuleSetVersion).order_by(RuleSetVersion.version.desc()))
        return _publish(actor, latest, reason="公開中の版がないため、最新の版を公開しました。")
    first = db.session.get(RuleSetVersion, seed_first_rule_set(db.session.connection()))
    audit.record(actor, "ruleset.created", "rule_set", first.id, changes={"version": [None, 1]},
                 summary="version 1 (default)")
    db.session.commit()
    return first


def list_rule_sets(actor: Any) -> list[RuleSetVersion]:
    """Every saved version, newest first (staff may read the rule that ranks their city)."""
    permissions.check(actor, "ruleset.view")
    return list(db.session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.version.desc())))


def get_rule_set(actor: Any, version_id: int) -> RuleSetVersion:
    """One version, for the editor or a what-if."""
    permissions.check(actor, "ruleset.view")
    rule_set = db.session.get(RuleSetVersion, version_id)
    if rule_set is None:
        raise UserError("優先順位の規則の版が見つかりません。")
    return rule_set


def _publish(actor: Any, rule_set: RuleSetVersion, reason: str) -> RuleSetVersion:
    previous = current_rule_set()
    # Two statements in this order: the partial unique index allows one published row at any moment.
    db.session.execute(update(RuleSetVersion).where(RuleSetVersion.is_published.is_(True))
                       .values(is_published=False).execution_options(synchronize_session=False))
    db.session.execute(update(RuleSetVersion).where(RuleSetVersion.id == rule_set.id)
                       .values(is_published=True, published_at=clock.utcnow())
                       .execution_options(synchronize_session=False))
    db.session.expire_all()
    audit.record(actor, "ruleset.published", "rule_set", rule_set.id,
                 changes={"published_version": [previous.version if previous else None, rule_set.version]},
                 reason=reason, summary=f"version {rule_set.version}")
    db.session.commit()
    return db.session.get(RuleSetVersion, rule_set.id)


def save_rule_set(actor: Any, values: RuleSetValues) -> RuleSetVersion:
    """Save the rule as a new version (never overwrite: rounds point at the version they used)."""
    permissions.check(actor, "ruleset.edit")
    errors = validate_rule_set(values)
    if errors:
        raise UserErrors(errors)
    criteria = [{"indicator": c["indicator"], "weight": float(c["weight"])} for c in values.criteria]
    for attempt in range(3):  # two coordinators saving at once: the loser takes the next number
        number = (db.session.scalar(select(func.max(RuleSetVersion.version))) or 0) + 1
        rule_set = RuleSetVersion(version=number, method=values.method, criteria=criteria,
                                  max_cycle_length=values.max_cycle_length, note=values.note.strip(),
                                  exchange_priority=values.exchange_priority, is_published=False,
                                  created_by_id=actor.id)
        db.session.add(rule_set)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            continue
        audit.record(actor, "ruleset.created", "rule_set", rule_set.id,
                     changes={"version": [None, number], "method": [None, values.method],
                              "criteria": [None, criteria], "max_cycle_length": [None, values.max_cycle_length],
                              "exchange_priority": [None, values.exchange_priority]},
                     reason=values.note.strip(), summary=f"version {number}")
        db.session.commit()
        if values.is_published:
            return _publish(actor, rule_set, values.note.strip())
        return rule_set
    raise UserError("他の人が同時に規則を保存しました。もう一度保存してください。")


def publish_rule_set(actor: Any, version_id: int, reason: str) -> RuleSetVersion:
    """Make a saved version the one rounds use from now on."""
    permissions.check(actor, "ruleset.edit")
    rule_set = get_rule_set(actor, version_id)
    if rule_set.is_published:
        raise UserError("この版はすでに公開中です。")
    reason = (reason or "").strip()
    if not reason:
        raise UserError("公開する理由を入力してください。", field="reason")
    return _publish(actor, rule_set, reason[:MAX_NOTE_LENGTH])


def city_ranking(rule_set: RuleSetVersion) -> list[tuple[Any, int]]:
    """The member cities in need order under ``rule_set`` (1 = served first), as the solver ranks them."""
    cities = list(db.session.scalars(select(City).where(City.is_member.is_(True)).order_by(City.code)))
    if not cities:
        return []
    problem = load_problem({"cities": [city_record(c) for c in cities], "rule_set": rule_set.to_solver()})
    ranks = rank_cities_by_need(problem.cities, problem.rule_set)
    return sorted(((c, ranks[c.code] + 1) for c in cities), key=lambda pair: (pair[1], pair[0].code))


# ----------------------------------------------------------------------------- starting rounds


def _check_round_actor(actor: Any, kind: str) -> None:
    if actor is None and kind in SYSTEM_KINDS:
        return  # the scheduler: no person, recorded as the system
    permissions.check(actor, "round.run")


def active_round() -> MatchingRound | None:
    """The round now queued or running, if any (one at a time: they would propose the same people)."""
    return db.session.scalar(select(MatchingRound).where(MatchingRound.status.in_(("queued", "running")))
                             .order_by(MatchingRound.id))


def _queue_round(actor: Any, kind: str, rule_set: RuleSetVersion, *, profession_code: str | None = None,
                 parent: MatchingRound | None = None, problem_json: str | None = None) -> MatchingRound:
    fail_stale_rounds()
    running = active_round()
    if running is not None:
        raise UserError("マッチング（No.%(id)s）を計算中です。終わってから実行してください。", id=running.id)
    rnd = MatchingRound(kind=kind, status="queued", rule_set_version_id=rule_set.id, profession_code=profession_code,
                        parent_round_id=parent.id if parent else None, started_by_id=getattr(actor, "id", None),
                        problem_json=problem_json, stats={})
    db.session.add(rnd)
    db.session.flush()
    audit.record(actor, "round.started", "matching_round", rnd.id,
                 changes={"kind": [None, kind], "rule_set_version": [None, rule_set.version],
                          **({"profession": [None, profession_code]} if profession_code else {}),
                          **({"parent_round": [None, parent.id]} if parent else {})},
                 summary=f"{kind} round with rule set version {rule_set.version}")
    db.session.commit()
    return rnd


def _rule_set_for(rule_set_version_id: int | None, actor: Any) -> RuleSetVersion:
    if rule_set_version_id is None:
        return ensure_rule_set(actor)
    rule_set = db.session.get(RuleSetVersion, rule_set_version_id)
    if rule_set is None:
        raise UserError("優先順位の規則の版が見つかりません。")
    return rule_set


def _known_profession(code: str | None) -> str | None:
    if code is None or code == "":
        return None
    if db.session.scalar(select(Profession.id).where(Profession.code == code)) is None:
        raise UserError("職種「%(code)s」は登録されていません。", code=code)
    return code


def start_round(actor: Any, kind: str = "manual", rule_set_version_id: int | None = None,
                profession_code: str | None = None, parent_round_id: int | None = None) -> MatchingRound:
    """Queue a round and run it in the background; the caller shows its progress page."""
    if kind not in ("manual", "scheduled", "fast_track"):
        raise ValueError(f"start_round does not start {kind!r} rounds; use resolve() or what_if()")
    _check_round_actor(actor, kind)
    rule_set = _rule_set_for(rule_set_version_id, actor)
    parent = db.session.get(MatchingRound, parent_round_id) if parent_round_id else None
    rnd = _queue_round(actor, kind, rule_set, profession_code=_known_profession(profession_code), parent=parent)
    RUNNER.submit(current_app._get_current_object(), rnd.id)
    return rnd


def run_round_now(round_id: int) -> MatchingRound:
    """Run a queued round here and now, waiting for it (CLI and scheduler)."""
    return execute_round(round_id)


def queue_round(actor: Any, kind: str = "manual", rule_set_version_id: int | None = None,
                profession_code: str | None = None, *, by_operator: bool = False) -> MatchingRound:
    """Queue a round without starting it, for callers that run it themselves with ``run_round_now``.

    ``by_operator``: the command line, run by someone with the server's own access; recorded as the system.
    """
    if kind not in ("manual", "scheduled", "fast_track"):
        raise ValueError(f"queue_round does not queue {kind!r} rounds")
    if not (by_operator and actor is None):
        _check_round_actor(actor, kind)
    return _queue_round(actor, kind, _rule_set_for(rule_set_version_id, actor),
                        profession_code=_known_profession(profession_code))


def _reviewable_round(round_id: int) -> MatchingRound:
    rnd = db.session.get(MatchingRound, round_id)
    if rnd is None:
        raise UserError("マッチングが見つかりません。")
    if not rnd.is_reviewable:
        raise UserError("このマッチングの結果は審査できません（試算、計算中または失敗）。")
    return rnd


def resolve(actor: Any, round_id: int) -> MatchingRound:
    """Solve again keeping what is approved, never bringing back a rejected or declined pair."""
    permissions.check(actor, "round.run")
    base = _reviewable_round(round_id)
    rule_set = db.session.get(RuleSetVersion, base.rule_set_version_id)
    rnd = _queue_round(actor, "resolve", rule_set, profession_code=base.profession_code, parent=base)
    RUNNER.submit(current_app._get_current_object(), rnd.id)
    return rnd


def what_if(actor: Any, base_round_id: int, rule_set_version_id: int) -> MatchingRound:
    """Solve a round's own input again under another rule-set version, without publishing or deciding anything."""
    permissions.check(actor, "round.run")
    base = db.session.get(MatchingRound, base_round_id)
    if base is None or base.status != "succeeded" or not base.problem_json:
        raise UserError("比較の基準にできるのは、完了したマッチングだけです。")
    rule_set = _rule_set_for(rule_set_version_id, actor)
    if rule_set.id == base.rule_set_version_id:
        raise UserError("基準のマッチングと同じ版です。別の版を選んでください。", field="rule_set_version_id")
    problem = json.loads(base.problem_json)
    problem["rule_set"] = rule_set.to_solver()
    rnd = _queue_round(actor, "what_if", rule_set, profession_code=base.profession_code, parent=base,
                       problem_json=json.dumps(problem, ensure_ascii=False))
    RUNNER.submit(current_app._get_current_object(), rnd.id)
    return rnd


# ----------------------------------------------------------------------------- deciding


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
    proposal = _load_proposal(proposal_id, for_update=True)
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
    outcome = BulkOutcome()
    ids = _in_priority_order(proposal_ids)
    for proposal_id in ids:
        try:
            _approve(actor, proposal_id)
            _commit_decision()
        except UserError as exc:
            db.session.rollback()
            outcome.refused.append((proposal_id, exc))
        else:
            outcome.done.append(proposal_id)
    return outcome


def reject_proposals(actor: Any, proposal_ids: Iterable[int], reason: str) -> BulkOutcome:
    """Reject many with one reason; each pair is never proposed again."""
    permissions.check(actor, "proposal.decide")
    reason = _clean_reason(reason)
    outcome = BulkOutcome()
    for proposal_id in _in_priority_order(proposal_ids):
        try:
            _reject(actor, proposal_id, reason)
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
    transition(proposal, "declined", actor=actor, action="proposal.declined", reason=reason,
               summary=_pair_summary(proposal),
               stamp={"decision_reason": (reason or "").strip()[:MAX_REASON_LENGTH] or proposal.decision_reason})
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
