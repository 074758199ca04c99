"""Demo training (``flask seed-demo``): a coming Fujisawa session that is full with a waiting list, a past Yokohama
session 「崖防災に関する技術・法務研修」 with attendance recorded (the demo retiree and a dozen civil engineers have a
training record), and a coming Machida session. Times are relative to today, so a fresh demo always shows them.
"""
from __future__ import annotations

from datetime import time, timedelta

import click
from sqlalchemy import select

from ..accounts.models import User
from ..cities.models import City
from ..core.clock import today_tokyo
from ..core.permissions import Role
from ..extensions import db
from ..specialists.models import Specialist, specialist_professions
from ..training.models import TrainingRegistration, TrainingSession
from ..training.services import to_utc
from ..vocabulary.models import Profession
from .demand import FUJISAWA, MACHIDA, YOKOHAMA
from .specialists import DEMO_SPECIALIST_EMAIL

CLIFF_TITLE = "崖防災に関する技術・法務研修"


def _hr(city: City) -> User | None:
    return db.session.scalar(select(User).where(User.role == Role.CITY_HR.value, User.city_id == city.id,
                                                User.is_enabled.is_(True)).order_by(User.id))


def _retirees(profession: str, limit: int, skip: set[int]) -> list[Specialist]:
    """Active retirees of one profession (registered by the registry's demo seeder), in a fixed order."""
    query = (select(Specialist).join(specialist_professions, specialist_professions.c.specialist_id == Specialist.id)
             .join(Profession, Profession.id == specialist_professions.c.profession_id)
             .where(Profession.code == profession, Specialist.kind == "retired", Specialist.status == "active")
             .order_by(Specialist.id))
    return [s for s in db.session.scalars(query) if s.id not in skip][:limit]


def _session(city: City, title: str, description: str, day_offset: int, start: time, end: time, *, place: str | None,
             online_url: str | None, capacity: int, audience: str, professions: list[str]) -> TrainingSession:
    day = today_tokyo() + timedelta(days=day_offset)
    session = TrainingSession(
        city_id=city.id, title=title, description=description, starts_at=to_utc(day, start), ends_at=to_utc(day, end),
        is_online=online_url is not None, place=place, online_url=online_url, capacity=capacity, audience=audience,
        registration_deadline=day - timedelta(days=3), status="scheduled", created_by_id=getattr(_hr(city), "id", None))
    session.professions = list(db.session.scalars(select(Profession).where(Profession.code.in_(professions))))
    db.session.add(session)
    db.session.flush()
    return session


def _register(session: TrainingSession, people: list[Specialist], *, status: str = "confirmed",
              attendance: str | None = None, minutes: int = 0) -> None:
    for n, person in enumerate(people):
        at = session.created_at - timedelta(days=20) + timedelta(minutes=minutes + n)
        db.session.add(TrainingRegistration(
            session_id=session.id, specialist_id=person.id, status=status, queued_at=at,
            confirmed_at=at if status == "confirmed" else None, attendance=attendance,
            attendance_recorded_at=session.ends_at if attendance else None,
            attendance_recorded_by_id=session.created_by_id if attendance else None))


def seed_training(cities: dict[str, City]) -> None:
    """``flask seed-demo`` step: three sessions and their registrations (nothing doubled on a re-run)."""
    if db.session.scalar(select(TrainingSession.id).where(TrainingSession.title == CLIFF_TITLE).limit(1)):
        click.echo("Training: demo sessions already present")
        return
    yokohama, fujisawa, machida = cities[YOKOHAMA], cities[FUJISAWA], cities[MACHIDA]
    demo = db.session.scalar(select(Specialist).where(Specialist.email == DEMO_SPECIALIST_EMAIL))
    taken: set[int] = {demo.id} if demo is not None else set()

    # Yokohama's seminar, two months ago: the demo retiree and civil engineers attended (one did not come).
    cliff = _session(yokohama, CLIFF_TITLE,
                     "急傾斜地の崩壊防止工事の技術基準と、宅地の崖に関する法的な責任（所有者・行政）の整理。"
                     "横浜市の事例をもとに、点検・勧告・応急対応の流れを学びます。",
                     -60, time(13, 30), time(17, 0), place="横浜市役所 アトリウム会議室", online_url=None,
                     capacity=40, audience="both", professions=["civil", "architecture"])
    engineers = _retirees("civil", 13, taken)
    taken |= {p.id for p in engineers}
    _register(cliff, ([demo] if demo is not None else []) + engineers[:12], attendance="attended")
    _register(cliff, engineers[12:], attendance="absent", minutes=30)

    # Fujisawa's session in three weeks: full (3 places), two people waiting in order.
    slope = _session(fujisawa, "法面の点検と応急対応の実務",
                     "台風・豪雨のあとの法面点検、崩落の前兆の見分け方、通行止めと応急対策の判断。現地見学を含みます。",
                     21, time(9, 30), time(12, 0), place="藤沢市役所 本庁舎 5階 会議室", online_url=None,
                     capacity=3, audience="both", professions=["civil"])
    people = _retirees("civil", 5, taken)
    taken |= {p.id for p in people}
    _register(slope, people[:3])
    _register(slope, people[3:], status="waiting", minutes=10)

    # Machida's online session for public health nurses in five weeks.
    nurses = _session(machida, "地域の健康づくりと保健師の連携（オンライン）",
                      "町田市の地域保健活動の事例紹介と、災害時の保健師の応援体制についての意見交換。",
                      35, time(14, 0), time(16, 0), place=None, online_url="https://meet.example.jp/machida-hoken",
                      capacity=30, audience="both", professions=["public_health_nurse"])
    _register(nurses, _retirees("public_health_nurse", 2, taken))
    db.session.flush()
    click.echo(f"Training: 3 demo sessions (past: {CLIFF_TITLE}, attended by "
               f"{len(engineers[:12]) + (1 if demo is not None else 0)})")
