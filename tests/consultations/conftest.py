"""A small world for consultation tests: the eight cities, HR officers of Zushi and Kamakura, a coordinator,
and a helper that makes advisers (verified specialists who accept advice work)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from talentbank.consultations import services
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.vocabulary.models import ExperienceField, Profession


@dataclass
class World:
    make: Any
    cities: dict
    zushi_hr: Any
    kamakura_hr: Any
    coordinator: Any

    def adviser(self, city_code: str = "142042", *, cap: int | None = 10, accepts: bool = True, email: str | None = None,
                **kwargs: Any):
        account = self.make.user(Role.SPECIALIST, email=email)
        kwargs.setdefault("can_work_remote", True)
        person = self.make.specialist(self.cities[city_code], user=account, **kwargs)
        person.accepts_advice, person.advice_hours_per_month = accepts, cap
        db.session.commit()
        return person

    def values(self, **overrides: Any) -> services.ConsultationValues:
        values = dict(profession_id=self.make.term(Profession, "civil").id,
                      field_id=self.make.term(ExperienceField, "slopes").id, licence_ids=[], urgency="ordinary",
                      title="法面の崩落後の応急対策", question="市道の法面が崩落しました。応急対策の順序を教えてください。",
                      hours_needed="2", work_mode="remote", wanted_by=clock.today_tokyo() + timedelta(days=14))
        values.update(overrides)
        return services.ConsultationValues(**values)

    def post(self, hr: Any = None, **overrides: Any):
        return services.post(hr or self.zushi_hr, self.values(**overrides))


@pytest.fixture
def world(make, app) -> World:
    app.config["CONSULTATION_OFFER_COUNT"] = 5
    cities = make.demo_cities()
    make.vocabulary()
    return World(make, cities, make.user(Role.CITY_HR, city=cities["142085"], email="hr@zushi.test"),
                 make.user(Role.CITY_HR, city=cities["142042"], email="hr@kamakura.test"),
                 make.user(Role.COORDINATOR, email="coord@test.example"))


def offered_ids(consultation) -> list[int]:
    db.session.refresh(consultation)
    return [o.specialist_id for o in consultation.offers if o.status == "pending"]
