"""Demo staff accounts: one coordinator, one admin, one HR officer per city."""
from __future__ import annotations

from sqlalchemy import select

from ..accounts.models import User
from ..accounts.services import create_user
from ..cities.models import City
from ..core.permissions import Role
from ..extensions import db

DEMO_PASSWORD = "talentbank-demo-2026"


def seed_staff(cities: dict[str, City]) -> list[tuple[str, str, str]]:
    """Create missing demo staff; returns (email, role, city) of the accounts created now."""
    wanted = [("coordinator@demo.talentbank.example", "幹事市 調整担当", Role.COORDINATOR, None),
              ("admin@demo.talentbank.example", "システム管理者", Role.ADMIN, None)]
    for code, city in sorted(cities.items()):
        if not city.is_member:  # home towns of specialists outside the alliance have no HR officer here
            continue
        wanted.append((f"hr.{city.name_en.lower()}@demo.talentbank.example", f"{city.name_ja} 人事担当",
                       Role.CITY_HR, city))
    existing = set(db.session.scalars(select(User.email)))
    created = []
    for email, name, role, city in wanted:
        if email in existing:
            continue
        create_user(email, DEMO_PASSWORD, name, role, city.id if city else None)
        created.append((email, role.value, city.name_ja if city else ""))
    return created
