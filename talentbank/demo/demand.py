"""Demo demand from the cities' own papers: staffing requests and exchange offers (``flask seed-demo``).

Zushi's three sections from its 2021 paper (roads and slopes after the landslides of 2019-05,
2020-02, 2020-06 and 2020-07; parks and green space; the sewerage plant facing its once-in-50-
years rebuild), public health nurses for Kamakura, Zushi and Yokosuka (the prefecture's scheme
covers only them and civil engineers, and cannot meet the demand), ordinary requests of the
larger cities, and exchange offers: urban-development staff for welfare staff (the flexible
exchange Zushi proposed), a three-city ring and a one-way secondment.

Everything goes through the services, as an HR officer would do it, so the audit log tells the
same story; dates follow today, so the demo never goes stale. Running it again adds nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import click
from sqlalchemy import select

from ..accounts.models import User
from ..cities.models import City
from ..core.clock import today_tokyo, utcnow
from ..core.permissions import Role
from ..exchange import services as offers
from ..exchange.models import ExchangeOffer
from ..extensions import db
from ..requests import services as requests
from ..requests.models import StaffingRequest
from ..specialists.consent import CONSENT_VERSION
from ..specialists.models import AvailabilityWindow, CheckedBy, Specialist, SpecialistExperience
from ..specialists.verification import vouch
from ..vocabulary.models import ExperienceField, Licence, Profession
from ..vocabulary.services import seed_vocabulary

ZUSHI, KAMAKURA, YOKOSUKA, YOKOHAMA = "142085", "142042", "142018", "141003"
KAWASAKI, FUJISAWA, YAMATO, MACHIDA = "141305", "142051", "142131", "132098"


@dataclass(frozen=True)
class DemoRequest:
    city: str
    department: str
    section: str
    profession: str
    people: int
    period: str  # "fiscal": next April to March; "soon": from next month for half a year; "now": from next week
    days_per_week: int
    work_mode: str
    urgency: str
    description: str
    reason: str = ""
    licences: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    notes: str = ""
    status: str = "open"  # or "draft", "withdrawn"


SLOPE_REASON = ("2019年5月、2020年2月・6月・7月と崖崩れ・法面災害が続き、同じ市道で再発している。"
                "道路・法面の技術職員は8人中2人で、県からの交流職員の支援を受けても復旧設計と工事監理が追いつかない。")

REQUESTS = [
    # Zushi: roads and slopes (2 technical staff of 8)
    DemoRequest(ZUSHI, "都市整備部", "道路・法面整備課", "civil", 2, "fiscal", 3, "onsite", "disaster",
                "崖崩れ・法面災害箇所の調査、復旧設計、工事の監理。市道の法面の緊急点検にも同行していただきます。",
                SLOPE_REASON, ("civil_works_manager_1",), ("slopes", "disaster_recovery", "roads"),
                "補正予算で報酬を確保済み。法面の現場が多く、足元の悪い場所での作業があります。"),
    DemoRequest(ZUSHI, "都市整備部", "道路・法面整備課", "civil", 1, "soon", 2, "either", "ordinary",
                "道路・法面の維持管理計画の見直し（点検計画、長寿命化計画の更新）と職員への技術的助言。",
                fields=("roads", "slopes")),
    # Zushi: parks and green space (4 technical staff of 7)
    DemoRequest(ZUSHI, "環境都市部", "公園緑地課", "parks", 1, "fiscal", 3, "onsite", "ordinary",
                "市内公園の樹木・斜面緑地の管理計画づくりと、公園施設の改修設計の確認。",
                licences=("landscape_works_manager_1",), fields=("parks_green",)),
    # Zushi: the sewerage plant (7 technical staff of 8) facing its once-in-50-years rebuild
    DemoRequest(ZUSHI, "環境都市部", "下水道課", "sewerage", 1, "fiscal", 4, "onsite", "ordinary",
                "50年に一度の下水処理場の改築に向けた基本計画・発注図書の確認と、施設の維持管理の技術支援。",
                licences=("gijutsushi_water",), fields=("sewerage_facilities",),
                notes="改築事業の国庫補助の要望時期（秋）までに計画の骨子が必要。"),
    DemoRequest(ZUSHI, "環境都市部", "下水道課", "electrical_mechanical", 1, "soon", 2, "onsite", "statutory",
                "下水処理場の受変電設備・ポンプ設備の保安管理と、改築時の設備更新計画への助言。",
                "処理場の自家用電気工作物には電気事業法により電気主任技術者の選任が必要で、現任者が年度末で退職する。",
                ("electrical_chief_engineer_3",), ("facility_equipment",)),
    # Public health nurses: Kamakura, Zushi and Yokosuka
    DemoRequest(ZUSHI, "福祉部", "保健センター", "public_health_nurse", 1, "soon", 3, "onsite", "statutory",
                "乳幼児健診、新生児訪問、母子健康手帳の交付時面接。",
                "母子保健法に基づく乳幼児健診と訪問指導の実施体制を保つため（保健師の産休・育休の代替）。",
                ("public_health_nurse_licence",), ("maternal_child_health",)),
    DemoRequest(KAMAKURA, "健康福祉部", "市民健康課", "public_health_nurse", 2, "fiscal", 4, "onsite", "statutory",
                "乳幼児健診・家庭訪問と、高齢者の介護予防事業の保健指導。",
                "母子保健法・介護保険法に基づく事業の保健師が2人欠員で、県の派遣制度でも充足できなかった。",
                ("public_health_nurse_licence",), ("maternal_child_health", "elderly_health")),
    DemoRequest(YOKOSUKA, "健康部", "保健所健康づくり課", "public_health_nurse", 2, "soon", 5, "onsite", "statutory",
                "感染症発生時の積極的疫学調査、健康観察、精神保健福祉相談。",
                "感染症法に基づく保健所業務（疫学調査・健康観察）の体制確保のため。",
                ("public_health_nurse_licence",), ("infection_control", "mental_health")),
    # Ordinary requests of the larger cities
    DemoRequest(YOKOSUKA, "土木部", "道路補修課", "civil", 1, "fiscal", 3, "onsite", "ordinary",
                "橋梁の定期点検結果に基づく補修設計の照査と、工事監理の助言。",
                licences=("civil_works_manager_1",), fields=("bridges",)),
    DemoRequest(KAMAKURA, "都市景観部", "道路課", "civil", 1, "fiscal", 2, "onsite", "ordinary",
                "歴史的街並みの中の道路改良（無電柱化を含む）の設計協議と工事監理。", fields=("roads", "urban_planning")),
    DemoRequest(YOKOHAMA, "デジタル統括本部", "システム刷新課", "information", 2, "soon", 3, "remote", "ordinary",
                "基幹業務システムの標準化・移行に伴う要件確認とベンダー調整の支援。",
                licences=("applied_information_engineer",), fields=("information_systems",)),
    DemoRequest(YOKOHAMA, "こども青少年局", "児童相談所", "social_welfare", 1, "fiscal", 5, "onsite", "statutory",
                "児童虐待の通告対応、家庭訪問、関係機関との連絡調整。",
                "児童福祉法に基づく児童福祉司の配置基準を満たすため。", ("certified_social_worker",), ("child_welfare",)),
    DemoRequest(YOKOHAMA, "建築局", "建築指導課", "architecture", 1, "fiscal", 3, "onsite", "ordinary",
                "既存建築物の定期報告の審査と違反建築の是正指導。", licences=("architect_1",),
                fields=("building_control",)),
    DemoRequest(YOKOHAMA, "環境創造局", "下水道施設管理課", "sewerage", 1, "fiscal", 3, "onsite", "ordinary",
                "ポンプ場の長寿命化計画の見直し。", fields=("sewerage_facilities",), status="draft"),
    DemoRequest(KAWASAKI, "建設緑政局", "道路施設課", "civil", 3, "fiscal", 4, "onsite", "ordinary",
                "橋梁・トンネルの定期点検の発注と点検結果の評価。", licences=("gijutsushi_construction",),
                fields=("bridges",)),
    DemoRequest(KAWASAKI, "まちづくり局", "施設整備部", "architecture", 1, "soon", 3, "onsite", "ordinary",
                "学校施設の長寿命化改修の設計監理。", licences=("architect_1",), fields=("public_buildings",)),
    DemoRequest(FUJISAWA, "道路河川部", "河川課", "civil", 1, "fiscal", 3, "onsite", "ordinary",
                "準用河川の護岸改修の設計と、出水期前の点検。", fields=("rivers",)),
    DemoRequest(FUJISAWA, "都市整備部", "公園課", "parks", 1, "soon", 2, "onsite", "ordinary",
                "海岸沿いの公園の再整備計画の作成支援。", fields=("parks_green",)),
    DemoRequest(FUJISAWA, "総務部", "ICT推進課", "information", 1, "soon", 2, "remote", "ordinary",
                "庁内ネットワーク更改の仕様書作成支援。", fields=("information_systems",), status="withdrawn"),
    DemoRequest(YAMATO, "健康福祉部", "高齢福祉課", "social_welfare", 1, "fiscal", 3, "onsite", "ordinary",
                "地域包括支援センターの後方支援と、困難事例のケース会議への助言。", licences=("care_manager",),
                fields=("elderly_welfare",)),
    DemoRequest(YAMATO, "街づくり施策部", "道路施設課", "civil", 1, "now", 3, "onsite", "ordinary",
                "舗装の修繕計画の作成と、工事の積算の確認。", fields=("roads",)),
    DemoRequest(MACHIDA, "道路部", "道路補修課", "civil", 2, "fiscal", 3, "onsite", "ordinary",
                "多摩丘陵の斜面沿いの市道の擁壁点検と補修設計。", fields=("roads", "slopes")),
    DemoRequest(MACHIDA, "保健所", "保健予防課", "public_health_nurse", 1, "soon", 3, "either", "ordinary",
                "高齢者の健康相談と、地域の通いの場での保健指導。", licences=("public_health_nurse_licence",),
                fields=("elderly_health",)),
]


@dataclass(frozen=True)
class DemoOfficer:
    city: str
    name: tuple[str, str, str]  # kanji, kana, romanised (for the demo address)
    profession: str
    licences: tuple[str, ...]
    experience: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class DemoOffer:
    officer: DemoOfficer
    wants: str | None  # None: one-way secondment
    wants_licences: tuple[str, ...]
    notes: str


def _officer(city: str, kanji: str, kana: str, romanised: str, profession: str, licences: tuple[str, ...],
             experience: tuple[tuple[str, int], ...]) -> DemoOfficer:
    return DemoOfficer(city, (kanji, kana, romanised), profession, licences, experience)


OFFERS = [
    # Urban development ⇄ welfare, as Zushi proposed: Zushi and Yamato want what the other gives.
    DemoOffer(_officer(ZUSHI, "石井 拓也", "いしい たくや", "ishii.takuya", "civil", ("civil_works_manager_2",),
                       (("urban_planning", 12), ("roads", 6))),
              "social_welfare", ("certified_social_worker",),
              "都市計画の経験12年。福祉部門の地域包括ケアの仕組みづくりに都市計画の視点を生かしたいと本人も希望。"),
    DemoOffer(_officer(YAMATO, "森田 由紀", "もりた ゆき", "morita.yuki", "social_welfare",
                       ("certified_social_worker",), (("elderly_welfare", 9), ("child_welfare", 3))),
              "civil", (), "高齢福祉の経験9年。まちづくり部門での経験を通じて、福祉と都市整備をつなぐ人材に育てたい。"),
    # A three-city ring: Yokosuka's architect → Machida, Machida's IT officer → Kamakura,
    # Kamakura's public health nurse → Yokosuka. Nobody is net short.
    DemoOffer(_officer(YOKOSUKA, "大塚 直樹", "おおつか なおき", "otsuka.naoki", "architecture", ("architect_1",),
                       (("public_buildings", 10), ("building_control", 4))),
              "public_health_nurse", ("public_health_nurse_licence",), "公共建築の営繕の経験10年。"),
    DemoOffer(_officer(MACHIDA, "村上 沙織", "むらかみ さおり", "murakami.saori", "information",
                       ("applied_information_engineer",), (("information_systems", 8),)),
              "architecture", ("architect_1",), "基幹システムの標準化を担当。"),
    DemoOffer(_officer(KAMAKURA, "野口 彩", "のぐち あや", "noguchi.aya", "public_health_nurse",
                       ("public_health_nurse_licence", "nurse_licence"), (("infection_control", 7),)),
              "information", (), "感染症対策の経験7年。"),
    # A one-way secondment: Yokohama sends a sewerage engineer for Zushi's plant rebuild, nothing back.
    DemoOffer(_officer(YOKOHAMA, "高田 健", "たかだ けん", "takada.ken", "sewerage",
                       ("gijutsushi_water", "sewerage_engineer_2"), (("sewerage_facilities", 15),)),
              None, (), "処理場の改築経験15年。小規模市の処理場改築を支援するための片道の派遣。"),
]


def next_fiscal_year(today: date) -> tuple[date, date]:
    """The next Japanese fiscal year (April to March) that has not begun."""
    year = today.year if today.month < 4 else today.year + 1
    return date(year, 4, 1), date(year + 1, 3, 31)


def _period(kind: str, today: date) -> tuple[date, date]:
    if kind == "fiscal":
        return next_fiscal_year(today)
    first_of_next_month = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    if kind == "soon":
        return first_of_next_month, first_of_next_month + timedelta(days=182)
    return today + timedelta(days=7), today + timedelta(days=7 + 120)


def _hr_officers(cities: dict[str, City]) -> dict[str, User]:
    found: dict[str, User] = {}
    for code, city in cities.items():
        user = db.session.scalar(select(User).where(User.role == Role.CITY_HR.value, User.city_id == city.id,
                                                    User.is_enabled.is_(True)).order_by(User.id))
        if user is not None:
            found[code] = user
    return found


def seed_requests(cities: dict[str, City]) -> int:
    """Post the demo requests that are missing, each by its city's HR officer; returns how many were added."""
    seed_vocabulary()
    today = today_tokyo()
    hr = _hr_officers(cities)
    professions = {p.code: p.id for p in db.session.scalars(select(Profession))}
    licences = {t.code: t.id for t in db.session.scalars(select(Licence))}
    fields = {t.code: t.id for t in db.session.scalars(select(ExperienceField))}
    added = 0
    for item in REQUESTS:
        city, actor = cities.get(item.city), hr.get(item.city)
        if city is None or actor is None:
            continue
        exists = db.session.scalar(select(StaffingRequest.id).where(
            StaffingRequest.city_id == city.id, StaffingRequest.department == item.department,
            StaffingRequest.section == item.section, StaffingRequest.profession_id == professions[item.profession],
            StaffingRequest.description == item.description))
        if exists is not None:
            continue
        start, end = _period(item.period, today)
        req = requests.create_request(actor, requests.RequestValues(
            department=item.department, section=item.section, profession_id=professions[item.profession],
            required_licence_ids=tuple(licences[c] for c in item.licences),
            desired_field_ids=tuple(fields[c] for c in item.fields), people=item.people, start_date=start,
            end_date=end, days_per_week=item.days_per_week, work_mode=item.work_mode, urgency=item.urgency,
            urgency_reason=item.reason, description=item.description, internal_notes=item.notes))
        if item.status in ("open", "withdrawn"):
            requests.open_request(actor, req.id, run_hooks=False)
        if item.status == "withdrawn":
            requests.withdraw_request(actor, req.id, "次年度の予算要求に回すことにしたため")
        added += 1
    return added


def _demo_officer(spec: DemoOfficer, city: City, start: date, end: date) -> Specialist:
    """The officer's registry record (a serving officer of ``city``), created once."""
    email = f"demo.exchange.{spec.name[2]}@demo.talentbank.example"
    officer = db.session.scalar(select(Specialist).where(Specialist.email == email))
    if officer is not None:
        return officer
    now = utcnow()
    officer = Specialist(
        kind="serving", employer_city_id=city.id, home_city_id=city.id, name_kanji=spec.name[0],
        name_kana=spec.name[1], email=email, days_per_week=5, can_work_onsite=True, can_work_remote=False,
        max_travel_minutes=90, status="active", consent_version=CONSENT_VERSION, consented_at=now,
        availability_confirmed_at=now, registration_source="demo")
    officer.professions = list(db.session.scalars(select(Profession).where(Profession.code == spec.profession)))
    officer.licences = list(db.session.scalars(select(Licence).where(Licence.code.in_(spec.licences))))
    field_ids = {t.code: t.id for t in db.session.scalars(select(ExperienceField))}
    officer.experiences = [SpecialistExperience(field_id=field_ids[code], years=years)
                           for code, years in spec.experience]
    officer.availability_windows = [AvailabilityWindow(start_date=start, end_date=end)]
    db.session.add(officer)
    db.session.flush()
    vouch(None, officer, CheckedBy.DEMO)  # their own city vouches for its officer
    return officer


def seed_offers(cities: dict[str, City]) -> int:
    """Offer the demo officers for exchange (and one one-way), each by their city's HR officer."""
    seed_vocabulary()
    start, end = next_fiscal_year(today_tokyo())
    hr = _hr_officers(cities)
    professions = {p.code: p.id for p in db.session.scalars(select(Profession))}
    licences = {t.code: t.id for t in db.session.scalars(select(Licence))}
    added = 0
    for item in OFFERS:
        city, actor = cities.get(item.officer.city), hr.get(item.officer.city)
        if city is None or actor is None:
            continue
        officer = _demo_officer(item.officer, city, start, end)
        if db.session.scalar(select(ExchangeOffer.id).where(ExchangeOffer.officer_id == officer.id)) is not None:
            continue
        offer = offers.create_offer(actor, offers.OfferValues(
            officer_id=officer.id, start_date=start, end_date=end, is_one_way=item.wants is None,
            wants_profession_id=professions[item.wants] if item.wants else None,
            wants_licence_ids=tuple(licences[c] for c in item.wants_licences), notes=item.notes))
        offers.open_offer(actor, offer.id)
        added += 1
    return added


def seed_demand(cities: dict[str, City]) -> None:
    """``flask seed-demo`` step: the cities' staffing requests and exchange offers."""
    added_requests = seed_requests(cities)
    added_offers = seed_offers(cities)
    if added_requests or added_offers:
        click.echo(f"Demand: {added_requests} staffing requests, {added_offers} exchange offers")
    else:
        click.echo("Demand: demo requests and offers already present")
