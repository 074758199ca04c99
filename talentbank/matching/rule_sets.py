"""The priority rule, versioned: every save is a new version, one is published, rounds record the one they used."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit import services as audit
from ..cities.models import City
from ..core import clock, permissions
from ..core.errors import UserError, UserErrors
from ..extensions import db
from ..solver import load_problem
from ..solver.rules import rank_cities_by_need
from .models import (
    DEFAULT_EXCHANGE_PRIORITY,
    EXCHANGE_PRIORITIES,
    INDICATORS,
    RULE_SET_METHODS,
    RuleSetVersion,
)
from .snapshot import city_record
from .standard import seed_first_rule_set

MAX_NOTE_LENGTH = 1000
MAX_WEIGHT = 100.0


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
    if len(reason) > MAX_NOTE_LENGTH:  # refused with the limit, never cut
        raise UserError("理由は%(max)s文字以内で入力してください。", field="reason", max=MAX_NOTE_LENGTH)
    return _publish(actor, rule_set, reason)


def city_ranking(rule_set: RuleSetVersion) -> list[tuple[Any, int]]:
    """The member cities in need order under ``rule_set`` (1 = served first), as the solver ranks them."""
    cities = list(db.session.scalars(select(City).where(City.is_member.is_(True)).order_by(City.code)))
    if not cities:
        return []
    problem = load_problem({"cities": [city_record(c) for c in cities], "rule_set": rule_set.to_solver()})
    ranks = rank_cities_by_need(problem.cities, problem.rule_set)
    return sorted(((c, ranks[c.code] + 1) for c in cities), key=lambda pair: (pair[1], pair[0].code))


