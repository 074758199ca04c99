"""Factory helpers for tests: plain functions that build valid records with overridable fields."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from talentbank.accounts.models import User
from talentbank.accounts.services import create_user
from talentbank.cities.models import City
from talentbank.core.permissions import Role
from talentbank.extensions import db


class Factory:
    def __init__(self, password: str) -> None:
        self.password = password
        self._counter = 0

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def city(self, code: str = "142085", name_ja: str = "逗子市", name_en: str = "Zushi", **fields: Any) -> City:
        values = dict(prefecture="神奈川県", population=57425, general_staff=300,
                      allowance_rate=Decimal("10"), fiscal_index=Decimal("0.860"), indicators_year=2020,
                      is_member=True)
        values.update(fields)
        city = City(code=code, name_ja=name_ja, name_en=name_en, **values)
        db.session.add(city)
        db.session.commit()
        return city

    def demo_cities(self) -> dict[str, City]:
        """The eight cities and their travel matrix, as ``flask seed-demo`` makes them."""
        from talentbank.demo.cities import seed_cities

        cities = seed_cities()
        db.session.commit()
        return cities

    def user(self, role: Role | str = Role.COORDINATOR, city: City | None = None, email: str | None = None,
             name: str | None = None, **fields: Any) -> User:
        n = self._next()
        user = create_user(email or f"user{n}@test.example", self.password, name or f"テスト利用者{n}", role,
                           city.id if city else None)
        for key, value in fields.items():
            setattr(user, key, value)
        db.session.commit()
        return user
