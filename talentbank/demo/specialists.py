"""A realistic demo pool for the registry: about 300 retired specialists over the eight cities.

Weighted toward civil engineers and public health nurses (the two job types the prefecture's
own scheme covers, and the ones the cities ask for most), with licences, experience and
availability that fit each profession. A seeded random generator makes the pool the same on
every run; dates are relative to today so the demo never goes stale. Also a few serving
officers per city, and one specialist with a log-in for trying the self-service pages.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

import click
from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.services import create_user
from ..cities.models import City
from ..core.clock import today_tokyo, utcnow
from ..core.permissions import Role
from ..extensions import db
from ..specialists.consent import CONSENT_VERSION
from ..specialists.models import (
    CheckedBy,
    AvailabilityWindow,
    Specialist,
    SpecialistExperience,
    specialist_excluded_cities,
    specialist_licences,
    specialist_professions,
)
from ..specialists.verification import vouch
from ..vocabulary.models import ExperienceField, Licence, Profession
from ..vocabulary.services import seed_vocabulary
from .accounts import DEMO_PASSWORD
from .demand import next_fiscal_year

POOL_SIZE = 300
SEED = 20210531  # the day of the mayors' meeting that proposed the bank
DEMO_SPECIALIST_EMAIL = "specialist@demo.talentbank.example"
EMAIL_PATTERN = "demo.specialist{n:03d}@demo.talentbank.example"

# Where retired specialists live: the eight cities (by code) and two neighbours outside the alliance.
HOME_WEIGHTS = {"141003": 70, "141305": 30, "142018": 42, "142042": 24, "142051": 34, "142085": 22,
                "142131": 22, "132098": 28}
NON_MEMBERS = [("142107", "三浦市", "Miura", "神奈川県", 8), ("143014", "葉山町", "Hayama", "神奈川県", 7)]

# profession code → (weight, share of women, licences with probability, fields)
PROFESSIONS = {
    "civil": (38, 0.12, [("civil_works_manager_1", 0.6), ("gijutsushi_construction", 0.25), ("surveyor", 0.2),
                         ("civil_works_manager_2", 0.15)],
              ["roads", "bridges", "slopes", "rivers", "disaster_recovery", "urban_planning"]),
    "public_health_nurse": (27, 0.9, [("public_health_nurse_licence", 1.0), ("nurse_licence", 1.0)],
                            ["maternal_child_health", "infection_control", "mental_health", "elderly_health"]),
    "architecture": (8, 0.2, [("architect_1", 0.6), ("architect_2", 0.3), ("building_works_manager_1", 0.3)],
                     ["building_control", "public_buildings"]),
    "sewerage": (7, 0.1, [("sewerage_engineer_2", 0.5), ("gijutsushi_water", 0.2), ("civil_works_manager_1", 0.3)],
                 ["sewerage_facilities", "disaster_recovery"]),
    "parks": (5, 0.3, [("landscape_works_manager_1", 0.5)], ["parks_green", "urban_planning"]),
    "electrical_mechanical": (5, 0.1, [("electrical_chief_engineer_3", 0.5)], ["facility_equipment"]),
    "social_welfare": (6, 0.6, [("certified_social_worker", 0.6), ("psychiatric_social_worker", 0.3),
                                ("care_manager", 0.4)], ["child_welfare", "elderly_welfare"]),
    "information": (4, 0.3, [("applied_information_engineer", 0.6)], ["information_systems"]),
}
DEPARTMENTS = {
    "civil": ["都市整備部 道路課", "土木部 河川課", "建設局 道路部", "都市整備部 道路・法面整備課"],
    "public_health_nurse": ["健康福祉部 保健予防課", "こども家庭部 母子保健課", "保健所 健康づくり課"],
    "architecture": ["都市整備部 建築指導課", "総務部 営繕課"],
    "sewerage": ["上下水道局 下水道施設課", "環境部 下水道課"],
    "parks": ["環境部 公園緑地課", "みどり環境局 公園課"],
    "electrical_mechanical": ["上下水道局 設備課", "総務部 営繕課"],
    "social_welfare": ["福祉部 障害福祉課", "こども家庭部 児童相談所"],
    "information": ["総務部 情報政策課", "デジタル推進部"],
}
SURNAMES = [("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"), ("伊藤", "いとう"),
            ("渡辺", "わたなべ"), ("山本", "やまもと"), ("中村", "なかむら"), ("小林", "こばやし"), ("加藤", "かとう"),
            ("吉田", "よしだ"), ("山田", "やまだ"), ("佐々木", "ささき"), ("山口", "やまぐち"), ("松本", "まつもと"),
            ("井上", "いのうえ"), ("木村", "きむら"), ("林", "はやし"), ("斎藤", "さいとう"), ("清水", "しみず"),
            ("山崎", "やまざき"), ("森", "もり"), ("池田", "いけだ"), ("橋本", "はしもと"), ("阿部", "あべ"),
            ("石川", "いしかわ"), ("小川", "おがわ"), ("岡田", "おかだ"), ("後藤", "ごとう"), ("長谷川", "はせがわ")]
MEN = [("博", "ひろし"), ("隆", "たかし"), ("誠", "まこと"), ("茂", "しげる"), ("明", "あきら"), ("勝", "まさる"),
       ("浩二", "こうじ"), ("和夫", "かずお"), ("正人", "まさと"), ("健一", "けんいち"), ("修", "おさむ"), ("清", "きよし")]
WOMEN = [("恵子", "けいこ"), ("洋子", "ようこ"), ("幸子", "さちこ"), ("和子", "かずこ"), ("裕子", "ゆうこ"),
         ("直美", "なおみ"), ("久美子", "くみこ"), ("由美子", "ゆみこ"), ("真由美", "まゆみ"), ("美香", "みか"),
         ("京子", "きょうこ"), ("典子", "のりこ")]


def _non_member_cities() -> dict[str, City]:
    found = {c.code: c for c in db.session.scalars(select(City).where(City.code.in_([n[0] for n in NON_MEMBERS])))}
    for code, ja, en, prefecture, _weight in NON_MEMBERS:
        if code not in found:
            found[code] = City(code=code, name_ja=ja, name_en=en, prefecture=prefecture, is_member=False,
                               population=1, general_staff=0, allowance_rate=0, fiscal_index=0,
                               indicators_year=today_tokyo().year, is_sample_indicators=True)
            db.session.add(found[code])
    db.session.flush()
    return found


def seed_specialists(cities: dict[str, City]) -> int:
    """Add the demo pool unless it is already there; returns how many profiles were created."""
    seed_vocabulary()
    if db.session.scalar(select(func.count(Specialist.id)).where(Specialist.registration_source == "demo")):
        return 0
    rng = random.Random(SEED)
    professions = {p.code: p for p in db.session.scalars(select(Profession))}
    licences = {t.code: t for t in db.session.scalars(select(Licence))}
    fields = {t.code: t for t in db.session.scalars(select(ExperienceField))}
    members = {code: city for code, city in cities.items() if code in HOME_WEIGHTS}
    homes = {**members, **_non_member_cities()}
    weights = {**HOME_WEIGHTS, **{n[0]: n[4] for n in NON_MEMBERS}}
    home_codes = sorted(weights)
    profession_codes = list(PROFESSIONS)
    today, now = today_tokyo(), utcnow()
    created: list[Specialist] = []
    for n in range(1, POOL_SIZE + 1):
        code = rng.choices(profession_codes, weights=[PROFESSIONS[c][0] for c in profession_codes])[0]
        created.append(_specialist(rng, n, code, professions, licences, fields, homes,
                                   rng.choices(home_codes, weights=[weights[c] for c in home_codes])[0],
                                   members, today, now))
    for code, city in sorted(members.items()):
        for k in range(2):
            profession = ("civil", "public_health_nurse", "social_welfare", "architecture")[(int(code) + k) % 4]
            officer = _specialist(rng, 900 + len(created), profession, professions, licences, fields, homes, code,
                                  members, today, now)
            officer.kind, officer.employer_city_id, officer.registration_source = "serving", city.id, "demo"
            officer.former_employer, officer.retirement_year = None, None
            officer.days_per_week = 5
            created.append(officer)
    _fit_for_a_first_offer(created[0], professions, licences, fields, homes, today)
    db.session.add_all(created)
    db.session.flush()
    for specialist in created:
        _particulars(rng, specialist)
        vouch(None, specialist, CheckedBy.DEMO)
    _demo_login(created[0])
    waiting = _waiting_sign_ups(rng, professions, licences, fields, homes, members, today, now)
    return len(created) + waiting


# Who issues each licence: what a coordinator checks the number against.
ISSUERS = {
    "gijutsushi_construction": "文部科学大臣", "gijutsushi_water": "文部科学大臣",
    "civil_works_manager_1": "国土交通大臣", "civil_works_manager_2": "国土交通大臣", "surveyor": "国土地理院長",
    "architect_1": "国土交通大臣", "architect_2": "神奈川県知事", "building_works_manager_1": "国土交通大臣",
    "public_health_nurse_licence": "厚生労働大臣", "nurse_licence": "厚生労働大臣",
    "sewerage_engineer_2": "日本下水道事業団", "landscape_works_manager_1": "国土交通大臣",
    "electrical_chief_engineer_3": "経済産業大臣", "certified_social_worker": "厚生労働大臣",
    "psychiatric_social_worker": "厚生労働大臣", "care_manager": "神奈川県知事",
    "applied_information_engineer": "経済産業大臣",
}


def _particulars(rng: random.Random, specialist: Specialist) -> None:
    """Number, issuer and date on each demo licence, as a person enters them before the check."""
    for licence in specialist.licences:
        db.session.execute(specialist_licences.update().where(
            specialist_licences.c.specialist_id == specialist.id, specialist_licences.c.licence_id == licence.id)
            .values(number=f"第{rng.randint(10000, 399999)}号", issuer=ISSUERS.get(licence.code, "厚生労働大臣"),
                    issued_on=date(rng.randint(1980, 2012), rng.randint(1, 12), rng.randint(1, 28)),
                    details_updated_at=specialist.created_at))


# A few fresh self sign-ups for the coordinating city's verification queue: (profession, confirmed,
# particulars entered, days ago).
WAITING = [("public_health_nurse", True, True, 9), ("civil", True, True, 6), ("architecture", True, False, 3),
           ("civil", False, False, 1)]


def _waiting_sign_ups(rng, professions, licences, fields, homes, members, today, now) -> int:
    for k, (code, confirmed, particulars, days_ago) in enumerate(WAITING, start=1):
        person = _specialist(rng, 800 + k, code, professions, licences, fields, homes, rng.choice(sorted(members)),
                             members, today, now)
        person.email = f"demo.signup{k}@demo.talentbank.example"
        person.registration_source, person.status = "self", "active"
        person.created_at = person.consented_at = person.availability_confirmed_at = now - timedelta(days=days_ago)
        person.email_confirmed_at = person.created_at + timedelta(hours=1) if confirmed else None
        if not person.licences:
            person.licences = [t for t in licences.values() if t.profession_id == professions[code].id][:1]
        db.session.add(person)
        db.session.flush()
        if particulars:
            _particulars(rng, person)
    return len(WAITING)


def _specialist(rng: random.Random, n: int, profession_code: str, professions, licences, fields, homes,
                home_code: str, members, today, now) -> Specialist:
    weight, women, licence_odds, field_codes = PROFESSIONS[profession_code]
    surname, surname_kana = rng.choice(SURNAMES)
    given, given_kana = rng.choice(WOMEN if rng.random() < women else MEN)
    home = homes[home_code]
    retired = rng.randint(2014, today.year - 1)
    career = rng.randint(25, 40)
    former_city = home if home.is_member and rng.random() < 0.7 else rng.choice(list(members.values()))
    former = (f"{former_city.name_ja} {rng.choice(DEPARTMENTS[profession_code])}" if rng.random() < 0.85
              else rng.choice(["神奈川県 県土整備局", "神奈川県 保健福祉局", "民間の建設コンサルタント"]))
    specialist = Specialist(
        kind="retired", home_city_id=home.id, name_kanji=f"{surname} {given}",
        name_kana=f"{surname_kana} {given_kana}", email=EMAIL_PATTERN.format(n=n),
        phone=f"0{rng.choice(['45', '44', '46', '466', '467', '42'])}-{rng.randint(200, 999)}-{rng.randint(1000, 9999)}",
        former_employer=former, retirement_year=retired,
        days_per_week=rng.choices([1, 2, 3, 4, 5], weights=[10, 25, 35, 15, 15])[0],
        can_work_onsite=rng.random() < 0.92, max_travel_minutes=rng.choice([30, 45, 60, 60, 90, 90, 120, None]),
        status="paused" if rng.random() < 0.05 else "active", consent_version=CONSENT_VERSION,
        registration_source="demo",
    )
    specialist.can_work_remote = (not specialist.can_work_onsite) or rng.random() < (
        0.45 if profession_code in ("information", "social_welfare") else 0.15)
    registered_days_ago = rng.randint(5, 700)
    specialist.created_at = now - timedelta(days=registered_days_ago)
    specialist.consented_at = specialist.created_at
    # One in ten has not confirmed for over 90 days, so the reminders have someone to remind.
    confirmed_days_ago = rng.randint(95, 240) if rng.random() < 0.1 else rng.randint(0, 85)
    specialist.availability_confirmed_at = now - timedelta(days=min(confirmed_days_ago, registered_days_ago))
    if specialist.status == "paused":
        specialist.paused_at = now - timedelta(days=rng.randint(1, 60))
    extra = [p for p in ("civil", "sewerage", "parks") if p != profession_code] if profession_code == "civil" else []
    specialist.professions = [professions[profession_code]] + (
        [professions[rng.choice(extra)]] if extra and rng.random() < 0.15 else [])
    held = [licences[code] for code, odds in licence_odds if rng.random() < odds]
    if profession_code == "civil" and any(t.code == "civil_works_manager_1" for t in held):
        held = [t for t in held if t.code != "civil_works_manager_2"]
    specialist.licences = held
    chosen = rng.sample(field_codes, k=min(len(field_codes), rng.choice([1, 2, 2, 3])))
    specialist.experiences = [SpecialistExperience(field=fields[code], years=rng.randint(3, max(4, career // 2)))
                              for code in chosen]
    start = today + timedelta(days=rng.randint(-60, 150))
    windows = [(start, start + timedelta(days=rng.randint(90, 540)))]
    if rng.random() < 0.3:
        second = windows[0][1] + timedelta(days=rng.randint(30, 120))
        windows.append((second, second + timedelta(days=rng.randint(60, 365))))
    specialist.availability_windows = [AvailabilityWindow(start_date=s, end_date=e) for s, e in windows]
    others = [c for c in members.values() if c.id != home.id]
    if rng.random() < 0.12:
        specialist.excluded_cities = [rng.choice(others)]
    if rng.random() < 0.4:
        preferred = [home] if home.is_member else []
        preferred += [c for c in rng.sample(others, k=rng.randint(0, 2)) if c not in specialist.excluded_cities]
        specialist.preferred_cities = preferred
    return specialist


def _fit_for_a_first_offer(person: Specialist, professions, licences, fields, homes, today: date) -> None:
    """The README's demo retiree: a sewerage engineer of Zushi with the licence and years Zushi's request for
    its treatment plant's rebuild asks for (demo/demand.py), free for the whole next fiscal year. Drawn at
    random, the account was a civil engineer with no licence among a hundred others and no round ever
    proposed it, so a newcomer could not walk the offer flow with the README's accounts."""
    start, end = next_fiscal_year(today)
    zushi = homes["142085"]
    person.professions = [professions["sewerage"]]
    person.licences = [licences["gijutsushi_water"], licences["sewerage_engineer_2"]]
    person.experiences = [SpecialistExperience(field=fields["sewerage_facilities"], years=22),
                          SpecialistExperience(field=fields["disaster_recovery"], years=6)]
    person.availability_windows = [AvailabilityWindow(start_date=min(today + timedelta(days=14), start),
                                                      end_date=end + timedelta(days=183))]
    person.home_city_id, person.former_employer = zushi.id, "逗子市 環境都市部 下水道課"
    person.days_per_week, person.can_work_onsite, person.can_work_remote = 4, True, False
    person.max_travel_minutes, person.status, person.paused_at = 60, "active", None
    person.excluded_cities, person.preferred_cities = [], [zushi]


def _demo_login(specialist: Specialist) -> None:
    """One profile with an account, to try sign-in, confirmation, pause, export and withdrawal."""
    if db.session.scalar(select(User.id).where(User.email == DEMO_SPECIALIST_EMAIL)) is not None:
        return
    user = create_user(DEMO_SPECIALIST_EMAIL, DEMO_PASSWORD, specialist.name_kanji or "", Role.SPECIALIST)
    specialist.user = user
    specialist.email = DEMO_SPECIALIST_EMAIL
    specialist.status = "active"
    specialist.availability_confirmed_at = utcnow() - timedelta(days=120)  # shows the re-confirmation request


def seed_registry(cities: dict[str, City]) -> None:
    """``flask seed-demo`` step: the vocabularies and the demo pool, with a line saying what happened."""
    created = seed_specialists(cities)
    if created:
        click.echo(f"Specialists: {created} demo profiles (log-in {DEMO_SPECIALIST_EMAIL}, same password)")
    else:
        click.echo("Specialists: demo pool already present")


def bulk_pool(count: int, seed: int = SEED, batch: int = 5000, home_weights: dict[str, int] | None = None) -> int:
    """Insert ``count`` plausible specialists fast (Core inserts, no audit): for benchmarks and scale tests.

    Uses the same weights as the demo pool; needs the cities and the vocabularies in place. Everyone is
    consented, registered by staff (``demo``) and checked (professions, licences, years), so matchable
    unless paused (one in twenty). ``home_weights`` (city code -> weight) spreads homes over other
    cities than the demo's eight.
    """
    seed_vocabulary()
    db.session.flush()
    rng = random.Random(seed)
    professions = {p.code: p.id for p in db.session.scalars(select(Profession))}
    licences = {t.code: t.id for t in db.session.scalars(select(Licence))}
    fields = {t.code: t.id for t in db.session.scalars(select(ExperienceField))}
    weights = home_weights or HOME_WEIGHTS
    cities = {c.code: c.id for c in db.session.scalars(select(City).where(City.code.in_(list(weights))))}
    home_codes = sorted(cities)
    profession_codes = list(PROFESSIONS)
    start_id = (db.session.scalar(select(func.max(Specialist.id))) or 0) + 1
    today, now = today_tokyo(), utcnow()
    checked = {"verified_at": now, "checked_by": "demo"}  # the bench pool counts as checked
    table = Specialist.__table__
    done = 0
    while done < count:
        rows, links_p, links_l, experiences, windows, excluded = [], [], [], [], [], []
        for i in range(start_id + done, start_id + min(count, done + batch)):
            code = rng.choices(profession_codes, weights=[PROFESSIONS[c][0] for c in profession_codes])[0]
            home = rng.choices(home_codes, weights=[weights[c] for c in home_codes])[0]
            surname, surname_kana = rng.choice(SURNAMES)
            given, given_kana = rng.choice(WOMEN if rng.random() < PROFESSIONS[code][1] else MEN)
            confirmed = now - timedelta(days=rng.randint(0, 200))
            rows.append(dict(
                id=i, kind="retired", home_city_id=cities[home], name_kanji=f"{surname} {given}",
                name_kana=f"{surname_kana} {given_kana}", email=f"bulk{i}@bench.talentbank.example",
                phone="045-000-0000", days_per_week=rng.randint(1, 5), can_work_onsite=True,
                can_work_remote=rng.random() < 0.2, max_travel_minutes=rng.choice([30, 60, 90, None]),
                status="paused" if rng.random() < 0.05 else "active", consent_version=CONSENT_VERSION,
                consented_at=confirmed, availability_confirmed_at=confirmed, registration_source="demo",
                created_at=confirmed, updated_at=confirmed))
            links_p.append(dict(specialist_id=i, profession_id=professions[code], **checked))
            for licence, odds in PROFESSIONS[code][2]:
                if rng.random() < odds:
                    links_l.append(dict(specialist_id=i, licence_id=licences[licence], status="verified",
                                        checked_by="demo", reviewed_at=now, number=f"第{i}号",
                                        issuer=ISSUERS.get(licence, "厚生労働大臣"), issued_on=date(2000, 4, 1)))
            for field_code in rng.sample(PROFESSIONS[code][3], k=min(2, len(PROFESSIONS[code][3]))):
                experiences.append(dict(specialist_id=i, field_id=fields[field_code], years=rng.randint(3, 30),
                                        **checked))
            start = today + timedelta(days=rng.randint(-60, 365))
            windows.append(dict(specialist_id=i, start_date=start, end_date=start + timedelta(days=rng.randint(60, 540))))
            if rng.random() < 0.1:
                excluded.append(dict(specialist_id=i, city_id=cities[rng.choice(home_codes)]))
        db.session.execute(table.insert(), rows)
        db.session.execute(specialist_professions.insert(), links_p)
        if links_l:
            db.session.execute(specialist_licences.insert(), links_l)
        db.session.execute(SpecialistExperience.__table__.insert(), experiences)
        db.session.execute(AvailabilityWindow.__table__.insert(), windows)
        if excluded:
            db.session.execute(specialist_excluded_cities.insert(), excluded)
        done += len(rows)
    if db.engine.dialect.name == "postgresql":
        # Explicit ids were inserted: move the sequence past them, and refresh the planner's statistics.
        db.session.execute(db.text("SELECT setval(pg_get_serial_sequence('specialists', 'id'), "
                                   "(SELECT max(id) FROM specialists))"))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(db.text("ANALYZE"))
    else:
        db.session.commit()
    return done
