"""A small world of records for the URL walk: one account per role and a sample per URL parameter.

Each domain that adds a route with a new URL parameter adds its sample here (an object of
Zushi, the HR officer's own city, so that ``city_hr_other_city`` meets the city scope).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from talentbank.accounts import services as accounts
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.demo.cities import seed_cities


@dataclass
class World:
    emails: dict[str, str]
    samples: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)


def build_world(password: str) -> World:
    cities = seed_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    users = {
        "specialist": accounts.create_user("walk.specialist@test.example", password, "専門 太郎", Role.SPECIALIST),
        "city_hr": accounts.create_user("walk.hr@test.example", password, "逗子 人事", Role.CITY_HR, zushi.id),
        "city_hr_other_city": accounts.create_user("walk.hr2@test.example", password, "鎌倉 人事", Role.CITY_HR,
                                                   kamakura.id),
        "coordinator": accounts.create_user("walk.coord@test.example", password, "幹事 花子", Role.COORDINATOR),
        "admin": accounts.create_user("walk.admin@test.example", password, "管理 次郎", Role.ADMIN),
    }
    db.session.commit()
    _invitation, token = accounts.invite_user(users["admin"], "walk.invitee@test.example", "招待 三郎",
                                              Role.CITY_HR, zushi.id)
    samples: dict[str, Any] = {
        "city_id": zushi.id,
        "user_id": users["city_hr_other_city"].id,
        "token": token,
        "code": "ja",
    }
    return World(emails={k: u.email for k, u in users.items()}, samples=samples,
                 objects={"users": users, "cities": cities})
