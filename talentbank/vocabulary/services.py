"""Keeping the controlled vocabularies: the standard seed list and the coordinator's edits."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from ..audit import services as audit
from ..core import permissions
from ..core.errors import UserError
from ..extensions import db
from .models import VOCABULARIES, ExperienceField, Licence, Profession, VocabularyTerm

# code, name_ja, name_en: what the eight cities asked for in the 2021 papers and since.
STANDARD_PROFESSIONS: list[tuple[str, str, str]] = [
    ("civil", "土木", "Civil engineering"),
    ("architecture", "建築", "Architecture and building"),
    ("public_health_nurse", "保健師", "Public health nursing"),
    ("sewerage", "下水道", "Sewerage"),
    ("parks", "公園・緑地", "Parks and green space"),
    ("electrical_mechanical", "電気・機械", "Electrical and mechanical"),
    ("social_welfare", "社会福祉", "Social welfare"),
    ("information", "情報", "Information technology"),
]

# code, name_ja, name_en, profession hint
STANDARD_LICENCES: list[tuple[str, str, str, str | None]] = [
    ("gijutsushi_construction", "技術士（建設部門）", "Professional Engineer (Construction)", "civil"),
    ("gijutsushi_water", "技術士（上下水道部門）", "Professional Engineer (Water Supply and Sewerage)", "sewerage"),
    ("civil_works_manager_1", "1級土木施工管理技士", "1st-grade Civil Works Execution Manager", "civil"),
    ("civil_works_manager_2", "2級土木施工管理技士", "2nd-grade Civil Works Execution Manager", "civil"),
    ("surveyor", "測量士", "Licensed Surveyor", "civil"),
    ("architect_1", "一級建築士", "First-class Architect", "architecture"),
    ("architect_2", "二級建築士", "Second-class Architect", "architecture"),
    ("building_works_manager_1", "1級建築施工管理技士", "1st-grade Building Works Execution Manager",
     "architecture"),
    ("public_health_nurse_licence", "保健師免許", "Public Health Nurse Licence", "public_health_nurse"),
    ("nurse_licence", "看護師免許", "Registered Nurse Licence", "public_health_nurse"),
    ("sewerage_engineer_2", "下水道技術検定（第2種）", "Sewerage Technology Certificate (Class 2)", "sewerage"),
    ("landscape_works_manager_1", "1級造園施工管理技士", "1st-grade Landscape Works Execution Manager", "parks"),
    ("electrical_chief_engineer_3", "第三種電気主任技術者", "Chief Electrical Engineer (Class 3)",
     "electrical_mechanical"),
    ("certified_social_worker", "社会福祉士", "Certified Social Worker", "social_welfare"),
    ("psychiatric_social_worker", "精神保健福祉士", "Psychiatric Social Worker", "social_welfare"),
    ("care_manager", "介護支援専門員", "Care Manager", "social_welfare"),
    ("applied_information_engineer", "応用情報技術者", "Applied Information Technology Engineer", "information"),
]

STANDARD_FIELDS: list[tuple[str, str, str, str | None]] = [
    ("roads", "道路", "Roads", "civil"),
    ("bridges", "橋梁", "Bridges", "civil"),
    ("slopes", "法面・崖地", "Slopes and cliffs", "civil"),
    ("rivers", "河川", "Rivers", "civil"),
    ("disaster_recovery", "災害復旧", "Disaster recovery", "civil"),
    ("urban_planning", "都市計画", "Urban planning", "civil"),
    ("sewerage_facilities", "下水道施設", "Sewerage facilities", "sewerage"),
    ("parks_green", "公園緑地", "Parks and green space", "parks"),
    ("building_control", "建築確認・指導", "Building control", "architecture"),
    ("public_buildings", "公共建築の営繕", "Public building maintenance", "architecture"),
    ("facility_equipment", "設備保全（電気・機械）", "Plant and equipment maintenance", "electrical_mechanical"),
    ("maternal_child_health", "母子保健", "Maternal and child health", "public_health_nurse"),
    ("infection_control", "感染症対策", "Infectious disease control", "public_health_nurse"),
    ("mental_health", "精神保健", "Mental health", "public_health_nurse"),
    ("elderly_health", "高齢者保健", "Health of older people", "public_health_nurse"),
    ("child_welfare", "児童福祉", "Child welfare", "social_welfare"),
    ("elderly_welfare", "高齢者福祉", "Welfare of older people", "social_welfare"),
    ("information_systems", "情報システム", "Information systems", "information"),
]

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
KINDS = tuple(VOCABULARIES)


def seed_vocabulary() -> dict[str, int]:
    """Add the standard terms that are missing (by code); the coordinator's edits are kept."""
    created = {"professions": 0, "licences": 0, "fields": 0}
    professions = {p.code: p for p in db.session.scalars(select(Profession))}
    for order, (code, ja, en) in enumerate(STANDARD_PROFESSIONS, start=1):
        if code not in professions:
            professions[code] = Profession(code=code, name_ja=ja, name_en=en, sort_order=order * 10)
            db.session.add(professions[code])
            created["professions"] += 1
    db.session.flush()
    for kind, model, rows in (("licences", Licence, STANDARD_LICENCES), ("fields", ExperienceField, STANDARD_FIELDS)):
        existing = set(db.session.scalars(select(model.code)))
        names = set(db.session.scalars(select(model.name_ja)))
        for order, (code, ja, en, hint) in enumerate(rows, start=1):
            if code in existing or ja in names:
                continue
            hint_id = professions[hint].id if hint and hint in professions else None
            db.session.add(model(code=code, name_ja=ja, name_en=en, sort_order=order * 10, profession_id=hint_id))
            created[kind] += 1
    db.session.flush()
    return created


def model_for(kind: str) -> type[VocabularyTerm]:
    """The model behind a vocabulary name in URLs ('professions', 'licences', 'fields')."""
    try:
        return VOCABULARIES[kind]
    except KeyError:
        raise UserError("この語彙は存在しません。") from None


def active_terms(model: type[VocabularyTerm]) -> list[Any]:
    """Active terms in screen order, for choice lists."""
    return list(db.session.scalars(select(model).where(model.is_active.is_(True))
                                   .order_by(model.sort_order, model.id)))


def all_terms(model: type[VocabularyTerm]) -> list[Any]:
    """Every term, retired ones included, for the coordinator's lists and for reading old profiles."""
    return list(db.session.scalars(select(model).order_by(model.sort_order, model.id)))


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


FIELDS = ("code", "name_ja", "name_en", "sort_order", "is_active", "profession_id")


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


def _apply(term: Any, values: TermValues) -> None:
    term.code = values.code
    term.name_ja = values.name_ja.strip()
    term.name_en = values.name_en.strip()
    term.sort_order = values.sort_order
    term.is_active = values.is_active
    if hasattr(term, "profession_id"):
        term.profession_id = values.profession_id


def create_term(actor: Any, kind: str, values: TermValues) -> Any:
    """Add a term to a vocabulary so profiles and requests can use it."""
    permissions.check(actor, "vocabulary.edit")
    model = model_for(kind)
    _validate(model, values, None)
    if values.sort_order == 0:
        top = db.session.scalar(select(func.max(model.sort_order))) or 0
        values = TermValues(values.code, values.name_ja, values.name_en, top + 10, values.is_active,
                            values.profession_id)
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


def usage_counts(model: type[VocabularyTerm]) -> dict[int, int]:
    """How many profiles use each term, so the coordinator retires rather than misreads."""
    from ..specialists.models import SpecialistExperience, specialist_licences, specialist_professions

    if model is Profession:
        column, table = specialist_professions.c.profession_id, specialist_professions
    elif model is Licence:
        column, table = specialist_licences.c.licence_id, specialist_licences
    else:
        column, table = SpecialistExperience.field_id, SpecialistExperience.__table__
    return dict(db.session.execute(select(column, func.count()).select_from(table).group_by(column)).all())
