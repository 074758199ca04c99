"""The rules a profile must meet, checked in one place for forms, HR registration and imports.

Every rule gives a Japanese message naming what is wrong; all problems are reported at once
so that a person fixing a form (or a spreadsheet row) sees the whole list.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..cities import official
from ..cities.models import City
from ..core.bounds import DB_INT_MAX
from ..core.errors import UserError
from ..core.names import name_problem, reading_problem
from ..extensions import db
from ..vocabulary.models import ExperienceField, Licence, Profession

MAX_WINDOWS = 10
MAX_EXPERIENCES = 20
MAX_TRAVEL_MINUTES = 600
MAX_NOTES = 2000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?[0-9][0-9\-]{7,18}$")


@dataclass
class ProfileValues:
    """Everything a profile holds, as plain values (ids for vocabulary and cities)."""

    name_kanji: str = ""
    name_kana: str = ""
    email: str = ""
    phone: str = ""
    home_city_id: int | None = None
    # Another municipality, by its 団体コード (and its name when the registry does not know it yet).
    home_city_code: str = ""
    home_city_name: str = ""
    former_employer: str = ""
    retirement_year: int | None = None
    profession_ids: list[int] = field(default_factory=list)
    licence_ids: list[int] = field(default_factory=list)
    # (field id, years); a row with either part missing is reported, blank rows are dropped by callers.
    experiences: list[tuple[int | None, int | None]] = field(default_factory=list)
    windows: list[tuple[date | None, date | None]] = field(default_factory=list)
    days_per_week: int | None = None
    can_work_onsite: bool = True
    can_work_remote: bool = False
    max_travel_minutes: int | None = None
    excluded_city_ids: list[int] = field(default_factory=list)
    preferred_city_ids: list[int] = field(default_factory=list)
    notes: str = ""

    def normalised(self) -> ProfileValues:
        """The same values with text trimmed and the email in lower case."""
        self.name_kanji = (self.name_kanji or "").strip()
        self.name_kana = (self.name_kana or "").strip()
        self.email = (self.email or "").strip().lower()
        self.phone = (self.phone or "").strip().replace("－", "-").replace("ー", "-")
        self.home_city_code = (self.home_city_code or "").strip()
        self.home_city_name = (self.home_city_name or "").strip()
        self.former_employer = (self.former_employer or "").strip()
        self.notes = (self.notes or "").strip()
        return self


class ProfileInvalid(UserError):
    """Several problems with one profile; ``errors`` lists each with the field at fault."""

    def __init__(self, errors: list[UserError]) -> None:
        super().__init__(errors[0].message_id, field=errors[0].field, **errors[0].params)
        self.errors = errors

    def messages(self) -> list[str]:
        return [error.translated() for error in self.errors]


@dataclass(frozen=True)
class Held:
    """Terms and cities a profile already has: still accepted after they are retired."""

    profession_ids: frozenset[int] = frozenset()
    licence_ids: frozenset[int] = frozenset()
    field_ids: frozenset[int] = frozenset()


def _known(model, ids: list[int], held: frozenset[int]) -> set[int]:
    ids = [i for i in ids if 0 < i <= DB_INT_MAX]  # a number no column holds is simply unknown
    if not ids:
        return set()
    rows = db.session.execute(select(model.id, model.is_active).where(model.id.in_(ids))).all()
    return {row.id for row in rows if row.is_active or row.id in held}


def validate_profile(values: ProfileValues, today: date, held: Held = Held(),
                     require_phone: bool = True) -> None:
    """Raise ``ProfileInvalid`` listing every rule the values break; return quietly when all hold."""
    errors: list[UserError] = []
    add = errors.append

    if not values.name_kanji:
        add(UserError("氏名を入力してください。", field="name_kanji"))
    elif problem := name_problem(values.name_kanji):
        add(UserError(problem[0], field="name_kanji", **problem[1]))
    if not values.name_kana:
        add(UserError("ふりがなを入力してください。", field="name_kana"))
    elif problem := reading_problem(values.name_kana):
        add(UserError(problem[0], field="name_kana", **problem[1]))
    if not EMAIL.match(values.email) or len(values.email) > 254:
        add(UserError("メールアドレスの形式が正しくありません。", field="email"))
    if values.phone:
        digits = sum(ch.isdigit() for ch in values.phone)
        if not PHONE.match(values.phone) or not 10 <= digits <= 15:
            add(UserError("電話番号は半角数字とハイフンで入力してください（例: 046-873-1111）。", field="phone"))
    elif require_phone:
        add(UserError("電話番号を入力してください。", field="phone"))

    _check_home_city(values, add)

    if values.retirement_year is not None and not 1950 <= values.retirement_year <= today.year + 1:
        add(UserError("退職年は1950年から%(max)s年までの西暦で入力してください。", field="retirement_year",
                      max=today.year + 1))
    if len(values.former_employer) > 100:
        add(UserError("元の勤務先は100文字以内で入力してください。", field="former_employer"))

    if not values.profession_ids:
        add(UserError("職種を1つ以上選んでください。", field="profession_ids"))
    elif _known(Profession, values.profession_ids, held.profession_ids) != set(values.profession_ids):
        add(UserError("選択された職種の中に、登録されていない職種があります。", field="profession_ids"))
    if _known(Licence, values.licence_ids, held.licence_ids) != set(values.licence_ids):
        add(UserError("選択された資格の中に、登録されていない資格があります。", field="licence_ids"))

    _check_experiences(values, held, add)
    _check_windows(values, today, add)

    if values.days_per_week is None or not 1 <= values.days_per_week <= 5:
        add(UserError("週あたりの勤務可能日数は1〜5日で入力してください。", field="days_per_week"))
    if not values.can_work_onsite and not values.can_work_remote:
        add(UserError("勤務形態（現地勤務・在宅勤務）を1つ以上選んでください。", field="can_work_onsite"))
    if values.max_travel_minutes is not None and not 0 <= values.max_travel_minutes <= MAX_TRAVEL_MINUTES:
        add(UserError("移動時間の上限は0〜600分の整数で入力してください。", field="max_travel_minutes"))
    if set(values.excluded_city_ids) & set(values.preferred_city_ids):
        add(UserError("同じ市を「除外する市」と「希望する市」の両方に選ぶことはできません。", field="excluded_city_ids"))
    city_ids = set(values.excluded_city_ids) | set(values.preferred_city_ids)
    in_range = {i for i in city_ids if 0 < i <= DB_INT_MAX}
    if city_ids and (in_range != city_ids or len(db.session.scalars(
            select(City.id).where(City.id.in_(in_range))).all()) != len(city_ids)):
        add(UserError("選択された市の中に、登録されていない市があります。", field="excluded_city_ids"))
    if len(values.notes) > MAX_NOTES:
        add(UserError("備考は2000文字以内で入力してください。", field="notes"))

    if errors:
        raise ProfileInvalid(errors)


def _check_home_city(values: ProfileValues, add) -> None:
    if values.home_city_id is not None:
        if not 0 < values.home_city_id <= DB_INT_MAX or db.session.get(City, values.home_city_id) is None:
            add(UserError("居住する市区町村が見つかりません。", field="home_city_id"))
        return
    if not values.home_city_code:
        add(UserError("居住する市区町村を選ぶか、団体コードを入力してください。", field="home_city_id"))
        return
    # Only municipalities of the official 全国地方公共団体コード list (cities/official.py): a code, or a name.
    try:
        found = official.resolve(values.home_city_code, field="home_city_code")
    except UserError as exc:
        add(exc)
        return
    values.home_city_code = found.code
    if values.home_city_name and official.fold(values.home_city_name) not in {
            official.fold(found.name_ja), official.fold(found.label("ja")), official.fold(found.name_en)}:
        add(UserError("団体コード %(code)s の市区町村名は「%(name)s」です（入力: %(given)s）。", field="home_city_name",
                      code=found.code, name=found.name_ja, given=values.home_city_name[:50]))


def _check_experiences(values: ProfileValues, held: Held, add) -> None:
    if len(values.experiences) > MAX_EXPERIENCES:
        add(UserError("経験分野は%(max)s件までです。", field="experiences", max=MAX_EXPERIENCES))
        return
    seen: dict[int, int] = {}
    field_ids = [f for f, _y in values.experiences if f is not None]
    known = _known(ExperienceField, field_ids, held.field_ids)
    for row, (field_id, years) in enumerate(values.experiences, start=1):
        where = f"experiences-{row - 1}"
        if field_id is None:
            add(UserError("経験分野を選んでください（%(row)s件目の経験）。", field=where, row=row))
        elif field_id not in known:
            add(UserError("経験分野が登録されていません（%(row)s件目の経験）。", field=where, row=row))
        elif field_id in seen:
            add(UserError("同じ経験分野が2回入力されています（%(other)s件目と%(row)s件目の経験）。", field=where, row=row,
                          other=seen[field_id]))
        else:
            seen[field_id] = row
        if years is None or not 0 <= years <= 60:
            add(UserError("経験年数は0〜60年の整数で入力してください（%(row)s件目の経験）。", field=where, row=row))


def _check_windows(values: ProfileValues, today: date, add) -> None:
    if len(values.windows) > MAX_WINDOWS:
        add(UserError("勤務可能期間は%(max)s件までです。", field="windows", max=MAX_WINDOWS))
        return
    complete: list[tuple[int, date, date]] = []
    for row, (start, end) in enumerate(values.windows, start=1):
        where = f"windows-{row - 1}"
        if start is None or end is None:
            add(UserError("勤務可能期間の開始日と終了日を両方入力してください（%(row)s件目の期間）。", field=where, row=row))
        elif end < start:
            add(UserError("勤務可能期間の終了日は開始日以降の日付にしてください（%(row)s件目の期間）。", field=where, row=row))
        elif end < today:
            add(UserError("勤務可能期間がすでに終わっています。終了日は今日以降にしてください（%(row)s件目の期間）。",
                          field=where, row=row))
        else:
            complete.append((row, start, end))
    complete.sort(key=lambda item: item[1])
    for (row_a, _start_a, end_a), (row_b, start_b, _end_b) in zip(complete, complete[1:]):
        if start_b <= end_a:
            first, second = sorted((row_a, row_b))
            add(UserError("勤務可能期間が重なっています（%(row)s件目と%(other)s件目の期間）。1つにまとめてください。",
                          field=f"windows-{second - 1}", row=first, other=second))
