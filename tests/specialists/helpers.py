"""Shared builders for registry tests: a valid sign-up form and valid profile values."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from talentbank.core import clock
from talentbank.extensions import db
from talentbank.specialists.validation import ProfileValues
from talentbank.vocabulary.models import ExperienceField, Licence, Profession


def term_id(model: type, code: str) -> int:
    return db.session.scalar(select(model.id).where(model.code == code))


def valid_values(home_city_id: int | None, /, **overrides: Any) -> ProfileValues:
    """Values that pass every rule: a retired civil engineer living in ``home_city_id``."""
    today = clock.today_tokyo()
    values = ProfileValues(
        name_kanji="横須賀 一郎", name_kana="よこすか いちろう", email="ichiro@example.jp", phone="046-822-4000",
        home_city_id=home_city_id, former_employer="横須賀市 土木部", retirement_year=2023,
        profession_ids=[term_id(Profession, "civil")], licence_ids=[term_id(Licence, "gijutsushi_construction")],
        experiences=[(term_id(ExperienceField, "roads"), 25), (term_id(ExperienceField, "slopes"), 8)],
        windows=[(today + timedelta(days=10), today + timedelta(days=200))], days_per_week=3,
        can_work_onsite=True, can_work_remote=False, max_travel_minutes=60,
    )
    for key, value in overrides.items():
        setattr(values, key, value)
    return values


def signup_form(home_city_id: int, /, **overrides: Any) -> dict[str, Any]:
    """The sign-up form as a browser posts it, valid unless overridden."""
    start = clock.today_tokyo() + timedelta(days=10)
    data: dict[str, Any] = {
        "name_kanji": "横須賀 一郎", "name_kana": "よこすか いちろう", "email": "ichiro@example.jp",
        "phone": "046-822-4000", "home_city_id": str(home_city_id), "former_employer": "横須賀市 土木部",
        "retirement_year": "2023", "profession_ids": [str(term_id(Profession, "civil"))],
        "licence_ids": [str(term_id(Licence, "gijutsushi_construction"))],
        "experiences-0-field_id": str(term_id(ExperienceField, "roads")), "experiences-0-years": "25",
        "windows-0-start_date": start.isoformat(), "windows-0-end_date": (start + timedelta(days=180)).isoformat(),
        "days_per_week": "3", "can_work_onsite": "y", "max_travel_minutes": "60",
        "password": "correct-horse-42", "confirm": "correct-horse-42", "consent": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def days(n: int) -> date:
    return clock.today_tokyo() + timedelta(days=n)
