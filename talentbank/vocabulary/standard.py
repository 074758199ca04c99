"""The standard vocabularies every installation starts with, and the one function that seeds them.

Migration 0009 runs ``seed_standard_terms`` so that a production install without demo data can post
a request; the demo loader and the tests run the same function after emptying the tables. It adds
only what is missing (by code, or by Japanese name), so the coordinating city's edits are kept.
Changing these lists changes no existing installation: add a migration that calls the function.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

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

_TERMS = {name: sa.table(name, sa.column("id"), sa.column("code"), sa.column("name_ja"), sa.column("name_en"),
                         sa.column("sort_order"), sa.column("is_active"), *(
                             [sa.column("profession_id")] if name != "professions" else []))
          for name in ("professions", "licences", "experience_fields")}


def seed_standard_terms(connection: Connection) -> dict[str, int]:
    """Insert the standard professions, licences and fields that are missing; returns how many of each."""
    created = {"professions": 0, "licences": 0, "fields": 0}
    professions = _TERMS["professions"]
    have = dict(connection.execute(sa.select(professions.c.code, professions.c.id)).all())
    names = set(connection.execute(sa.select(professions.c.name_ja)).scalars())
    for order, (code, ja, en) in enumerate(STANDARD_PROFESSIONS, start=1):
        if code in have or ja in names:
            continue
        connection.execute(professions.insert().values(code=code, name_ja=ja, name_en=en, sort_order=order * 10,
                                                       is_active=True))
        created["professions"] += 1
    have = dict(connection.execute(sa.select(professions.c.code, professions.c.id)).all())
    for kind, table_name, rows in (("licences", "licences", STANDARD_LICENCES),
                                   ("fields", "experience_fields", STANDARD_FIELDS)):
        table = _TERMS[table_name]
        codes = set(connection.execute(sa.select(table.c.code)).scalars())
        names = set(connection.execute(sa.select(table.c.name_ja)).scalars())
        for order, (code, ja, en, hint) in enumerate(rows, start=1):
            if code in codes or ja in names:
                continue
            connection.execute(table.insert().values(code=code, name_ja=ja, name_en=en, sort_order=order * 10,
                                                     is_active=True, profession_id=have.get(hint) if hint else None))
            created[kind] += 1
    return created
