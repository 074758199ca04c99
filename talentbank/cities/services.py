"""Keeping the city registry: indicators and travel times, every change audited."""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ..audit import services as audit
from ..core import cache, permissions
from ..core.cache import Row
from ..core.clock import today_tokyo
from ..core.errors import N_, UserError
from ..extensions import db
from . import official
from .codes import municipality_code_error
from .models import City, TravelTime

INDICATOR_FIELDS = ("population", "general_staff", "allowance_rate", "fiscal_index", "indicators_year",
                    "is_sample_indicators")
CITY_FIELDS = ("code", "name_ja", "name_en", "prefecture", "is_member", *INDICATOR_FIELDS)


@dataclass(frozen=True)
class CityValues:
    """What the coordinator may set on a city."""

    code: str
    name_ja: str
    name_en: str
    prefecture: str
    population: int
    general_staff: int
    allowance_rate: Decimal
    fiscal_index: Decimal
    indicators_year: int
    is_sample_indicators: bool = False
    is_member: bool = True


def _snapshot(city: City) -> dict[str, Any]:
    return {field: getattr(city, field) for field in CITY_FIELDS}


def validate_city_values(values: CityValues) -> None:
    """Refuse values the registry must never hold, with the field at fault."""
    problem = municipality_code_error(values.code)
    if problem:
        raise UserError(problem[0], field="code", **problem[1])
    if values.population <= 0:
        raise UserError("人口は1以上の整数で入力してください。", field="population")
    if values.general_staff < 0:
        raise UserError("一般行政職員数は0以上の整数で入力してください。", field="general_staff")
    if not Decimal(0) <= values.allowance_rate <= Decimal(30):
        raise UserError("地域手当支給率は0〜30の範囲（単位: パーセント）で入力してください。", field="allowance_rate")
    if not Decimal(0) <= values.fiscal_index <= Decimal(3):
        raise UserError("財政力指数は0〜3の範囲で入力してください。", field="fiscal_index")
    if not 1950 <= values.indicators_year <= 2100:
        raise UserError("指標の年度が正しくありません。", field="indicators_year")
    if not values.name_ja.strip() or not values.name_en.strip():
        raise UserError("市名を日本語と英語で入力してください。", field="name_ja")


def official_values(values: CityValues) -> CityValues:
    """The values with the official name and prefecture of their 団体コード; refused when the code is not in
    the official list or the name or prefecture given is another municipality's."""
    found = official.lookup(values.code)
    if found is None:
        raise UserError(official.UNKNOWN_CODE, field="code", code=values.code)
    if official.fold(values.name_ja) != official.fold(found.name_ja):
        raise UserError(N_("団体コード %(code)s の市区町村名は「%(official)s」です（入力: %(name)s）。"),
                        field="name_ja", code=found.code, official=found.name_ja, name=values.name_ja)
    if official.fold(values.prefecture) != official.fold(found.prefecture):
        raise UserError(N_("団体コード %(code)s の%(name)sは%(official)sにあります（入力: %(prefecture)s）。"),
                        field="prefecture", code=found.code, name=found.name_ja, official=found.prefecture,
                        prefecture=values.prefecture)
    return replace(values, name_ja=found.name_ja, prefecture=found.prefecture)


def home_municipality_city_id(actor: Any, code: str) -> int:
    """The city row of a specialist's home municipality, added as a non-member when it is new; ``code`` is a
    団体コード (or anything ``official.resolve`` accepts) and must be in the official list. The caller commits."""
    found = official.resolve(code, field="home_city_code")
    existing = db.session.scalar(select(City.id).where(City.code == found.code))
    if existing is not None:
        return existing
    # A non-member only needs a name: the indicators rank members in the prefectural priority rule.
    city = City(code=found.code, name_ja=found.name_ja, name_en=found.name_en, prefecture=found.prefecture,
                is_member=False, is_coordinating=False, population=1, general_staff=0, allowance_rate=0,
                fiscal_index=0, indicators_year=today_tokyo().year, is_sample_indicators=True)
    db.session.add(city)
    db.session.flush()
    audit.record(actor, "city.created", "city", city.id, city_id=city.id,
                 changes={"code": [None, city.code], "name_ja": [None, city.name_ja], "is_member": [None, False]},
                 reason="専門人材の居住地として追加（連携外の市区町村）", summary=city.name_ja)
    return city.id


def city_rows() -> tuple[Row, ...]:
    """Every city of the registry (members, then home towns of specialists) in code order, as read-only rows
    kept per process until the table changes (``core.cache``); for choice lists and for naming the cities
    of many rows without a query each."""
    return cache.cached("cities", ("cities",), lambda: tuple(
        Row.of(city) for city in db.session.scalars(select(City).order_by(City.code))))


def member_city_rows() -> list[Row]:
    """The member cities in code order (read-only rows from the cache)."""
    return [city for city in city_rows() if city.is_member]


def cities_by_id() -> dict[int, Row]:
    """Every city by id (read-only rows from the cache)."""
    return cache.cached("cities.by_id", ("cities",), lambda: {city.id: city for city in city_rows()})


def travel_minutes() -> dict[tuple[int, int], int]:
    """Minutes between two cities, both directions (cached per process until the travel times change);
    do not change the dictionary returned."""
    def load() -> dict[tuple[int, int], int]:
        minutes: dict[tuple[int, int], int] = {}
        for a, b, value in db.session.execute(select(TravelTime.from_city_id, TravelTime.to_city_id,
                                                     TravelTime.minutes)):
            minutes[(a, b)] = minutes[(b, a)] = value
        return minutes

    return cache.cached("travel_times", ("travel_times",), load)


def list_cities(actor: Any, members_only: bool = False) -> list[City]:
    """Cities in code order, for staff screens."""
    permissions.check(actor, "city.view")
    query = select(City).order_by(City.code)
    if members_only:
        query = query.where(City.is_member.is_(True))
    return list(db.session.scalars(query))


def get_city(actor: Any, city_id: int) -> City:
    """One city, or a not-found error."""
    permissions.check(actor, "city.view")
    city = db.session.get(City, city_id)
    if city is None:
        raise UserError("市が見つかりません。")
    return city


def create_city(actor: Any, values: CityValues, reason: str) -> City:
    """Add a municipality to the registry (a new member or a home town of a specialist)."""
    permissions.check(actor, "city.edit")
    validate_city_values(values)
    if db.session.scalar(select(City.id).where(City.code == values.code)) is not None:
        raise UserError("団体コード %(code)s の市町村は既に登録されています。", field="code", code=values.code)
    values = official_values(values)
    city = City(**{field: getattr(values, field) for field in CITY_FIELDS})
    db.session.add(city)
    db.session.flush()
    audit.record(actor, "city.created", "city", city.id, city_id=city.id,
                 changes=audit.diff({}, _snapshot(city)), reason=reason, summary=city.name_ja)
    db.session.commit()
    return city


def update_city(actor: Any, city_id: int, values: CityValues, reason: str) -> City:
    """Change a city's names or indicators; the old and new values and the reason are audited."""
    permissions.check(actor, "city.edit")
    if not reason.strip():
        raise UserError("変更理由を入力してください。", field="reason")
    validate_city_values(values)
    city = db.session.get(City, city_id)
    if city is None:
        raise UserError("市が見つかりません。")
    clash = db.session.scalar(select(City.id).where(City.code == values.code, City.id != city_id))
    if clash is not None:
        raise UserError("団体コード %(code)s の市町村は既に登録されています。", field="code", code=values.code)
    if (values.code, values.name_ja, values.prefecture) != (city.code, city.name_ja, city.prefecture):
        values = official_values(values)  # a city renamed or recoded must still be an official municipality
    before = _snapshot(city)
    for field in CITY_FIELDS:
        setattr(city, field, getattr(values, field))
    changes = audit.diff(before, _snapshot(city))
    if changes:
        audit.record(actor, "city.updated", "city", city.id, city_id=city.id, changes=changes,
                     reason=reason, summary=city.name_ja)
    db.session.commit()
    return city


def travel_matrix(actor: Any) -> tuple[list[Any], dict[tuple[int, int], int]]:
    """Member cities and the minutes between each pair (both directions filled in)."""
    permissions.check(actor, "travel.view")
    return member_city_rows(), dict(travel_minutes())


def set_travel_times(actor: Any, minutes: dict[tuple[int, int], int | None], reason: str) -> int:
    """Replace travel minutes for the pairs given (``None`` removes a pair); returns changes made."""
    permissions.check(actor, "travel.edit")
    if not reason.strip():
        raise UserError("変更理由を入力してください。", field="reason")
    wanted: dict[tuple[int, int], int | None] = {}
    for (a, b), value in minutes.items():
        if a == b:
            continue
        if value is not None and not 0 <= value <= 1440:
            raise UserError("移動時間は0〜1440分の範囲で入力してください。")
        key = (min(a, b), max(a, b))
        if key in wanted and wanted[key] != value:
            raise UserError("同じ2市の間に異なる移動時間が入力されています。")
        wanted[key] = value
    existing = {(r.from_city_id, r.to_city_id): r for r in db.session.scalars(select(TravelTime))}
    codes = {city_id: code for city_id, code in db.session.execute(select(City.id, City.code))}
    changes: dict[str, list[Any]] = {}
    for (a, b), value in sorted(wanted.items()):
        row = existing.get((a, b))
        old = row.minutes if row else None
        if old == value:
            continue
        if value is None:
            db.session.delete(row)
        elif row is None:
            db.session.add(TravelTime(from_city_id=a, to_city_id=b, minutes=value))
        else:
            row.minutes = value
        changes[f"{codes.get(a, a)}-{codes.get(b, b)}"] = [old, value]
    if changes:
        audit.record(actor, "travel.updated", "travel_times", None, changes=changes, reason=reason,
                     summary=f"{len(changes)} pairs")
    db.session.commit()
    return len(changes)
