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
    samples.update(_demand_samples(zushi, users["city_hr"]))
    return World(emails={k: u.email for k, u in users.items()}, samples=samples,
                 objects={"users": users, "cities": cities})

def _demand_samples(zushi, hr_officer) -> dict[str, Any]:
    """An open staffing request and an open exchange offer of Zushi (pages every role may reach)."""
    from datetime import timedelta

    from talentbank.core import clock
    from talentbank.exchange.models import ExchangeOffer
    from talentbank.requests.models import StaffingRequest
    from talentbank.specialists.models import Specialist
    from talentbank.vocabulary.models import Profession
    from talentbank.vocabulary.services import seed_vocabulary

    seed_vocabulary()
    professions = {p.code: p for p in db.session.scalars(db.select(Profession))}
    today = clock.today_tokyo()
    request = StaffingRequest(
        city_id=zushi.id, department="都市整備部", section="道路・法面整備課", profession=professions["civil"],
        people=2, start_date=today + timedelta(days=30), end_date=today + timedelta(days=395), days_per_week=3,
        work_mode="onsite", urgency="disaster", urgency_reason="法面崩落の復旧", description="法面の復旧設計",
        status="open", posted_at=clock.utcnow(), created_by_id=hr_officer.id)
    officer = Specialist(kind="serving", employer_city_id=zushi.id, home_city_id=zushi.id, name_kanji="逗子 職員",
                         name_kana="ずし しょくいん", email="walk.officer@test.example", status="active")
    officer.professions = [professions["civil"]]
    offer = ExchangeOffer(city_id=zushi.id, officer=officer, start_date=today + timedelta(days=60),
                          end_date=today + timedelta(days=425), is_one_way=False,
                          wants_profession=professions["social_welfare"], status="open", posted_at=clock.utcnow())
    db.session.add_all([request, officer, offer])
    db.session.commit()
    return {"request_id": request.id, "offer_id": offer.id}
