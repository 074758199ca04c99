"""Keeping the controlled vocabularies: the standard seed list and the coordinator's edits."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ..audit import services as audit
from ..core import cache, permissions
from ..core.cache import Row
from ..core.errors import UserError
from ..extensions import db
from .models import VOCABULARIES, ExperienceField, Licence, Profession, VocabularyTerm
from .standard import seed_standard_terms

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
KINDS = tuple(VOCABULARIES)


def seed_vocabulary() -> dict[str, int]:
    """Add the standard terms that are missing (by code); the coordinator's edits are kept (see ``standard``)."""
    return seed_standard_terms(db.session.connection())


def model_for(kind: str) -> type[VocabularyTerm]:
    """The model behind a vocabulary name in URLs ('professions', 'licences', 'fields')."""
    try:
        return VOCABULARIES[kind]
    except KeyError:
        raise UserError("この語彙は存在しません。") from None


def _cached_terms(model: type[VocabularyTerm]) -> tuple[Row, ...]:
    """Every term of ``model`` in screen order as read-only rows, kept per process until the table changes
    (``core.cache``: every worker and the scheduler see a change at their next transaction)."""
    table = model.__tablename__

    def load() -> tuple[Row, ...]:
        return tuple(Row.of(term) for term in db.session.scalars(
            select(model).order_by(model.sort_order, model.id)))

    return cache.cached(f"vocabulary.{table}", (table,), load)


def active_terms(model: type[VocabularyTerm]) -> list[Any]:
    """Active terms in screen order, for choice lists (read-only rows from the cache: load the ORM object
    to change a term)."""
    return [term for term in _cached_terms(model) if term.is_active]


def all_terms(model: type[VocabularyTerm]) -> list[Any]:
    """Every term, retired ones included, for the coordinator's lists and for reading old profiles
    (read-only rows from the cache)."""
    return list(_cached_terms(model))


def terms_by_id(model: type[VocabularyTerm]) -> dict[int, Any]:
    """Every term by id (retired ones included), for naming the terms of many rows without a query each."""
    return {term.id: term for term in _cached_terms(model)}


def group_by_profession(terms: list[Any], professions: list[Any]) -> list[tuple[Any | None, list[Any]]]:
    """Licences or fields grouped under the profession they usually belong to, in profession order."""
    order = {p.id: i for i, p in enumerate(professions)}
    groups: dict[int | None, list[Any]] = {}
    for term in terms:
        key = term.profession_id if term.profession_id in order else None
        groups.setdefault(key, []).append(term)
    by_id = {p.id: p for p in professions}
    keys = sorted(groups, key=lambda k: (k is None, order.get(k, 0)))  # type: ignore[arg-type]
    return [(by_id.get(k) if k is not None else None, groups[k]) for k in keys]


def list_terms(actor: Any, kind: str) -> list[Any]:
    """Every term of one vocabulary with retired ones last, for the coordinator's screen."""
    permissions.check(actor, "vocabulary.edit")
    model = model_for(kind)
    return list(db.session.scalars(select(model).order_by(model.is_active.desc(), model.sort_order, model.id)))


@dataclass(frozen=True)
class TermValues:
    """What the coordinator sets on a term."""

    code: str
    name_ja: str
    name_en: str
    sort_order: int = 0
    is_active: bool = True
    profession_id: int | None = None
    # professions only: disaster-recovery requests need a training within this many months (None = none)
    disaster_training_months: int | None = None


FIELDS = ("code", "name_ja", "name_en", "sort_order", "is_active", "profession_id", "disaster_training_months")
TRAINING_MONTHS_RANGE = (1, 60)


def _snapshot(term: Any) -> dict[str, Any]:
    return {f: getattr(term, f) for f in FIELDS if hasattr(term, f)}


def _validate(model: type[VocabularyTerm], values: TermValues, term_id: int | None) -> None:
    if not CODE_PATTERN.match(values.code):
        raise UserError("コードは半角英小文字で始まり、半角英小文字・数字・「_」だけの2〜60文字にしてください。",
                        field="code")
    if not values.name_ja.strip():
        raise UserError("名称（日本語）を入力してください。", field="name_ja")
    if not values.name_en.strip():
        raise UserError("名称（英語）を入力してください。", field="name_en")
    if not 0 <= values.sort_order <= 100000:
        raise UserError("表示順は0〜100000の整数で入力してください。", field="sort_order")
    clash = select(model.id).where(model.code == values.code)
    if term_id is not None:
        clash = clash.where(model.id != term_id)
    if db.session.scalar(clash) is not None:
        raise UserError("コード「%(code)s」は既に使われています。", field="code", code=values.code)
    clash = select(model.id).where(model.name_ja == values.name_ja.strip())
    if term_id is not None:
        clash = clash.where(model.id != term_id)
    if db.session.scalar(clash) is not None:
        raise UserError("名称「%(name)s」は既に登録されています。", field="name_ja", name=values.name_ja.strip())
    if values.profession_id is not None and db.session.get(Profession, values.profession_id) is None:
        raise UserError("職種が見つかりません。", field="profession_id")
    months = values.disaster_training_months
    if months is not None and not TRAINING_MONTHS_RANGE[0] <= months <= TRAINING_MONTHS_RANGE[1]:
        raise UserError("研修の受講期限は1〜60か月の整数で入力してください（求めない場合は空欄）。",
                        field="disaster_training_months")


def _apply(term: Any, values: TermValues) -> None:
    term.code = values.code
    term.name_ja = values.name_ja.strip()
    term.name_en = values.name_en.strip()
    term.sort_order = values.sort_order
    term.is_active = values.is_active
    if hasattr(term, "profession_id"):
        term.profession_id = values.profession_id
    if hasattr(term, "disaster_training_months"):
        term.disaster_training_months = values.disaster_training_months


def create_term(actor: Any, kind: str, values: TermValues) -> Any:
    """Add a term to a vocabulary so profiles and requests can use it."""
    permissions.check(actor, "vocabulary.edit")
    model = model_for(kind)
    _validate(model, values, None)
    if values.sort_order == 0:
        top = db.session.scalar(select(func.max(model.sort_order))) or 0
        values = dataclasses.replace(values, sort_order=top + 10)
    term = model()
    _apply(term, values)
    db.session.add(term)
    db.session.flush()
    audit.record(actor, "vocabulary.created", model.__tablename__, term.id,
                 changes=audit.diff({}, _snapshot(term)), summary=term.name_ja)
    db.session.commit()
    return term


def get_term(actor: Any, kind: str, term_id: int) -> Any:
    """One term, or a not-found error."""
    permissions.check(actor, "vocabulary.edit")
    term = db.session.get(model_for(kind), term_id)
    if term is None:
        raise UserError("この語彙は存在しません。")
    return term


def update_term(actor: Any, kind: str, term_id: int, values: TermValues) -> Any:
    """Rename, reorder or retire a term; the code stays the key old records and imports use."""
    permissions.check(actor, "vocabulary.edit")
    model = model_for(kind)
    term = get_term(actor, kind, term_id)
    if values.code != term.code:
        raise UserError("コードは作成後に変更できません（取込ファイルや過去の記録が参照しています）。", field="code")
    _validate(model, values, term_id)
    before = _snapshot(term)
    _apply(term, values)
    changes = audit.diff(before, _snapshot(term))
    if changes:
        audit.record(actor, "vocabulary.updated", model.__tablename__, term.id, changes=changes,
                     summary=term.name_ja)
    db.session.commit()
    return term
