"""Demo lessons library (``flask seed-demo``): after-action notes and an uploaded manual, so that a fresh demo
finds something for 「法面」.

The demo notes stand alone (no dispatch record behind them), so the demo's dispatch counts stay as the other
seeders make them; real notes come from the daily job when a dispatch ends.
"""
from __future__ import annotations

import click
from sqlalchemy import select

from ..accounts.models import User
from ..cities.models import City
from ..core.permissions import Role
from ..extensions import db
from ..library import uploads
from ..library.models import LibraryEntry
from ..library.services import publish_entry
from ..vocabulary.models import ExperienceField, Profession
from .demand import KAMAKURA, YOKOSUKA, ZUSHI

NOTES = (
    # (source key, city, party, profession, field, title, what worked, what to share)
    ("demo:note:slope", ZUSHI, "receiving", "civil", "slopes",
     "法面の崩落現場での応急対応と復旧工事の監督",
     "台風の翌朝に市道の法面の崩落を確認し、退職専門人材の助言で当日中に通行止めと大型土のうの設置まで進めた。"
     "復旧工事では、法面の排水と小段の点検を重点に監督した。",
     "崩落の前兆（湧水、小さな落石、ひび割れ）を記録する点検票を作った。雨のあとに同じ場所を写真で比べると変化に気づきやすい。"),
    ("demo:note:sewer", KAMAKURA, "specialist", "sewerage", "sewerage_facilities",
     "下水処理場の更新計画の見直し",
     "処理場の長寿命化計画を、設備ごとの劣化の記録から見直した。ポンプ設備の更新を前倒しし、工事中の処理能力を確保した。",
     "更新の優先順位は、故障の記録と部品の入手しやすさで決めるとよい。"),
)
MANUAL_TEXT = (
    "法面点検の手引き（逗子市 都市整備部）\n\n"
    "1. 雨のあとは、湧水・落石・ひび割れの有無を点検票に記録する。\n"
    "2. 法面の崩落の前兆があれば、通行止めの判断を課長に上げる。\n"
    "3. 写真は同じ位置・同じ向きで撮り、前回と比べる。\n"
)


def _term(model, code: str | None):
    if code is None:
        return None
    return db.session.scalar(select(model).where(model.code == code))


def _hr(city: City | None) -> User | None:
    if city is None:
        return None
    return db.session.scalar(select(User).where(User.role == Role.CITY_HR.value, User.city_id == city.id,
                                                User.is_enabled.is_(True)).order_by(User.id))


def seed_library(cities: dict[str, City]) -> None:
    """``flask seed-demo`` step: two after-action notes and one uploaded manual (nothing doubled on a re-run)."""
    if db.session.scalar(select(LibraryEntry.id).where(LibraryEntry.source_key.like("demo:%")).limit(1)):
        click.echo("Library: demo notes and manual already present")
        return
    for key, code, party, profession, field, title, worked, share in NOTES:
        profession_term, field_term = _term(Profession, profession), _term(ExperienceField, field)
        city = cities.get(code)
        publish_entry(kind="after_action", title=title, body=worked + "\n\n---\n\n" + share,
                      profession_id=profession_term.id if profession_term else None,
                      field_id=field_term.id if field_term else None, city_id=city.id if city else None,
                      source_key=key, actor=None, is_shared=True, party=party)
    uploader = _hr(cities.get(ZUSHI)) or _hr(cities.get(YOKOSUKA))
    manuals = 0
    if uploader is not None:
        civil, slopes = _term(Profession, "civil"), _term(ExperienceField, "slopes")
        entry = uploads.upload_document(uploader, title="法面点検の手引き",
                                        summary="雨のあとの法面の点検と、崩落の前兆を見つけたときの連絡の流れ。",
                                        profession_id=civil.id if civil else None,
                                        field_id=slopes.id if slopes else None,
                                        filename="houmen-tenken.txt", content=MANUAL_TEXT.encode("utf-8"))
        entry.source_key = "demo:manual:slope"
        manuals = 1
    db.session.commit()
    click.echo(f"Library: {len(NOTES)} after-action notes and {manuals} manual")
