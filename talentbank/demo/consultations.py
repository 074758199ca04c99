"""Demo consultations (``flask seed-demo``): some retirees take advice work, and a fresh demo shows a
consultation in each state — one offered to the README's demo retiree, one in progress with its thread, and
one closed about 法面の崩落 whose summary is published, so the library finds it for 「法面」.

Offers of the open ones go through the consultation matching itself; the closed and in-progress ones are
written as records (their advisers have no accounts to click with).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import click
from sqlalchemy import select

from ..accounts.models import User
from ..cities.models import City
from ..consultations import services as consultations
from ..consultations.matching import adviser_ids
from ..consultations.models import Consultation, ConsultationMessage, ConsultationOffer
from ..core import clock
from ..core.permissions import Role
from ..extensions import db
from ..library.services import publish_entry
from ..specialists.models import Specialist, specialist_professions
from ..specialists.verification import matchable_clause
from ..vocabulary.models import ExperienceField, Profession
from .specialists import DEMO_SPECIALIST_EMAIL

ZUSHI, KAMAKURA, YOKOSUKA = "142085", "142042", "142018"
MARK = "demo:consultation"
SLOPE_TITLE = "法面の崩落直後の応急対策と通行止めの判断"
SLOPE_SUMMARY = ("法面の崩落の直後は、二次崩落を防ぐため①上部の排水（湧水・雨水）の処理、②崩土の仮置きと大型土のうによる押さえ、"
                 "③亀裂の監視（抜き板・伸縮計）の順に進める。通行止めは亀裂の進行と降雨予報で判断し、解除の基準を事前に決めて"
                 "住民に知らせる。復旧工法の比較は災害査定の前に概算で作っておくと手戻りが少ない。")


def _hr(city: City) -> User | None:
    return db.session.scalar(select(User).where(User.role == Role.CITY_HR.value, User.city_id == city.id,
                                                User.is_enabled.is_(True)).order_by(User.id))


def _term(model, code: str):
    return db.session.scalar(select(model).where(model.code == code))


def _adviser_of(profession: Profession, exclude: set[int]) -> Specialist | None:
    """A matchable retiree of the profession who accepts advice work (the demo's first such, by id)."""
    sp = specialist_professions
    of_profession = select(sp.c.specialist_id).where(sp.c.profession_id == profession.id).scalar_subquery()
    return db.session.scalar(select(Specialist).where(
        matchable_clause(), Specialist.accepts_advice.is_(True), Specialist.kind == "retired",
        Specialist.id.in_(of_profession), Specialist.id.not_in(exclude or {0}),
        Specialist.email != DEMO_SPECIALIST_EMAIL).order_by(Specialist.id).limit(1))


def _taken(city: City, hr: User, profession: Profession, field: ExperienceField | None, title: str, question: str,
           hours: str, adviser: Specialist, days_ago: int) -> Consultation:
    now = clock.utcnow()
    c = Consultation(city_id=city.id, posted_by_id=hr.id, profession_id=profession.id,
                     field_id=field.id if field else None, urgency="ordinary", title=title, question=question,
                     hours_needed=Decimal(hours), work_mode="remote", wanted_by=clock.today_tokyo() + timedelta(days=7),
                     status="taken", offer_batches=1, last_offered_at=now - timedelta(days=days_ago),
                     specialist_id=adviser.id, taken_at=now - timedelta(days=days_ago - 1),
                     created_at=now - timedelta(days=days_ago), updated_at=now)
    db.session.add(c)
    db.session.flush()
    db.session.add(ConsultationOffer(consultation_id=c.id, specialist_id=adviser.id, status="accepted", rank=1,
                                     score={}, created_at=c.created_at, answered_at=c.taken_at))
    return c


def seed_consultations(cities: dict[str, City]) -> None:
    """``flask seed-demo`` step (nothing doubled on a re-run)."""
    if db.session.scalar(select(Consultation.id).limit(1)) is not None:
        click.echo("Consultations: demo consultations already present")
        return
    # Advice work: the demo retiree and one retiree in three of the pool, each with their own monthly cap.
    for person in db.session.scalars(select(Specialist).where(Specialist.kind == "retired",
                                                              Specialist.status == "active")):
        if person.email == DEMO_SPECIALIST_EMAIL or person.id % 3 == 0:
            person.accepts_advice = True
            person.advice_hours_per_month = 10 if person.email == DEMO_SPECIALIST_EMAIL else 5 + person.id % 4 * 5
    db.session.flush()
    zushi, kamakura, yokosuka = cities[ZUSHI], cities[KAMAKURA], cities[YOKOSUKA]
    hr_zushi, hr_kamakura, hr_yokosuka = _hr(zushi), _hr(kamakura), _hr(yokosuka)
    if not (hr_zushi and hr_kamakura and hr_yokosuka):
        click.echo("Consultations: no HR officers, skipped")
        return
    civil, sewerage = _term(Profession, "civil"), _term(Profession, "sewerage")
    now = clock.utcnow()
    used: set[int] = set()

    # Closed, its summary published to the library: what Kamakura finds when it searches 「法面」.
    adviser = _adviser_of(civil, used)
    if adviser is not None:
        used.add(adviser.id)
        c = _taken(zushi, hr_zushi, civil, _term(ExperienceField, "slopes"), SLOPE_TITLE,
                   "台風で市道沿いの法面が幅約15mにわたり崩落しました。応急対策の順序と、通行止めを続けるか解除するかの判断の"
                   "目安を教えてください。", "2", adviser, 12)
        db.session.add_all([
            ConsultationMessage(consultation_id=c.id, author_id=hr_zushi.id, side="city", created_at=now - timedelta(days=11),
                                body="現場の状況です。上部から湧水があり、亀裂が2本見えます。"),
            ConsultationMessage(consultation_id=c.id, author_id=None, side="specialist", created_at=now - timedelta(days=10),
                                body="まず上部の排水を処理し、亀裂に抜き板を設置して毎日記録してください。解除の基準は事前に決めましょう。"),
        ])
        c.status, c.hours_spent, c.summary = "closed", Decimal("1.5"), SLOPE_SUMMARY
        c.closed_at, c.closed_by_id, c.hours_recorded_by_id = now - timedelta(days=9), hr_zushi.id, hr_zushi.id
        publish_entry(kind="consultation", title=c.title, body=c.summary, profession_id=c.profession_id,
                      field_id=c.field_id, city_id=c.city_id, source_key=f"consultation:{c.id}", actor=hr_zushi)
        c.published_at = now - timedelta(days=9)

    # In progress: Yokosuka asked about bridge inspections, a retiree answers in the thread.
    adviser = _adviser_of(civil, used)
    if adviser is not None:
        used.add(adviser.id)
        c = _taken(yokosuka, hr_yokosuka, civil, _term(ExperienceField, "bridges"),
                   "小規模橋梁の定期点検の委託範囲について",
                   "5年ごとの定期点検を委託する際、近接目視の範囲と市職員が行う確認の分担をどう決めるべきか助言をください。",
                   "3", adviser, 3)
        db.session.add(ConsultationMessage(consultation_id=c.id, author_id=hr_yokosuka.id, side="city",
                                           created_at=now - timedelta(days=2),
                                           body="対象は橋長15m未満の橋梁42橋です。昨年度の仕様書を添付できます。"))

    # Open: Kamakura's question about a sewer plant's renewal, offered to the demo retiree among others.
    c = Consultation(city_id=kamakura.id, posted_by_id=hr_kamakura.id, profession_id=sewerage.id,
                     field_id=_term(ExperienceField, "sewerage_facilities").id, urgency="ordinary",
                     title="下水処理場の更新計画の優先順位について",
                     question="処理場の設備更新の順序を見直しています。ポンプ設備と水処理設備のどちらを先に更新すべきか、"
                              "判断の観点を教えてください。現地で設備を見ていただけると助かります。",
                     hours_needed=Decimal("2"), work_mode="either", wanted_by=clock.today_tokyo() + timedelta(days=40),
                     status="open", created_at=now, updated_at=now)
    db.session.add(c)
    db.session.flush()
    consultations._offer({c.id}, hr_kamakura)
    demo = db.session.scalar(select(Specialist).where(Specialist.email == DEMO_SPECIALIST_EMAIL))
    if demo is not None and demo.id in adviser_ids() and not any(o.specialist_id == demo.id for o in c.offers):
        db.session.add(ConsultationOffer(consultation_id=c.id, specialist_id=demo.id, status="pending",
                                         rank=len(c.offers) + 1, score={}, batch=c.offer_batches or 1))
    db.session.flush()
    click.echo(f"Consultations: {db.session.scalar(select(db.func.count(Consultation.id)))} demo consultations "
               f"({len(c.offers)} offers for Kamakura's open one)")
