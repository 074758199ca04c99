"""Starting rounds: a manual or scheduled round, a re-solve that keeps every decision, a what-if under another rule."""
from __future__ import annotations

import json
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..audit import services as audit
from ..core import permissions
from ..core.errors import UserError
from ..extensions import db
from ..vocabulary.models import Profession
from .models import (
    MatchingRound,
    RuleSetVersion,
)
from .rule_sets import ensure_rule_set
from .runner import RUNNER, execute_round, fail_stale_rounds

SYSTEM_KINDS = ("scheduled", "fast_track")  # rounds the scheduler may start without a person


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


