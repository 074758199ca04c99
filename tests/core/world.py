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
        "year": 2026,  # a fiscal year (reports)
        "legal_form": "retiree_appointment",  # the defaults of one legal form (agreements)
        "version": 1,  # a version of a dispatch's terms (agreements)
        "city_code": "142085",  # a city's settlement workbook and 特別交付税 list (agreements)
    }
    samples.update(_demand_samples(zushi, users["city_hr"]))
    samples.update(_registry_samples(zushi, users))
    samples.update(_notification_samples(users))
    samples.update(_dispatch_samples(cities, users))
    samples.update(_matching_samples(samples))
    samples.update(_library_samples(users))
    samples.update(_consultation_samples(users))
    samples.update(_training_samples(users))
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


def _registry_samples(zushi, users) -> dict[str, Any]:
    """A consented serving officer of Zushi (its card is visible to every HR officer), a profile for
    the walking specialist, and a vocabulary term."""
    from talentbank.core import clock
    from talentbank.specialists.models import Specialist
    from talentbank.vocabulary.models import Licence, Profession
    from talentbank.vocabulary.services import seed_vocabulary

    seed_vocabulary()
    civil = db.session.scalar(db.select(Profession).where(Profession.code == "civil"))
    licence = db.session.scalar(db.select(Licence).where(Licence.code == "gijutsushi_construction"))
    now = clock.utcnow()
    common = dict(home_city_id=zushi.id, status="active", consent_version="test", consented_at=now,
                  availability_confirmed_at=now, days_per_week=3)
    officer = Specialist(kind="serving", employer_city_id=zushi.id, name_kanji="逗子 登録", name_kana="ずし とうろく",
                         email="walk.registry.officer@test.example", registration_source="hr", **common)
    own = Specialist(kind="retired", user=users["specialist"], name_kanji="専門 太郎", name_kana="せんもん たろう",
                     email=users["specialist"].email, phone="046-873-1111", registration_source="self", **common)
    officer.professions = [civil]
    officer.licences = [licence]
    own.professions = [civil]
    db.session.add_all([officer, own])
    db.session.commit()
    from talentbank.specialists import evidence
    from talentbank.specialists.models import specialist_licences
    key, name, mime, size = evidence.store(evidence.CheckedUpload(b"%PDF-1.4 copy", "copy.pdf", "application/pdf", ".pdf"))
    db.session.execute(specialist_licences.update().where(specialist_licences.c.specialist_id == officer.id).values(
        document_key=key, document_name=name, document_type=mime, document_size=size))
    db.session.commit()
    return {"specialist_id": officer.id, "kind": "professions", "term_id": civil.id, "licence_id": licence.id}


def _notification_samples(users) -> dict[str, Any]:
    """A notice in the HR officer's inbox (with its e-mail in the outbox) and a job name."""
    from talentbank.notifications.models import OutboxMessage
    from talentbank.notifications.services import notify

    notification = notify(users["city_hr"], "mail.test", {})
    db.session.commit()
    message = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.notification_id == notification.id))
    return {"notification_id": notification.id, "message_id": message.id, "job_name": "notifications.send_outbox"}


def _dispatch_samples(cities, users) -> dict[str, Any]:
    """For the walking specialist (days per week 3): a pending offer and a scheduled dispatch, both with
    Zushi, one day a week each; and an approved exchange ring between Zushi and Yokosuka."""
    from talentbank.specialists.models import Specialist

    from ..factories import Factory

    make = Factory("unused")
    zushi, yokosuka = cities["142085"], cities["142018"]
    own = db.session.scalar(db.select(Specialist).where(Specialist.user_id == users["specialist"].id))
    offer = make.dispatch_offer(own, make.staffing_request(zushi, days_per_week=1, created_by=users["city_hr"]))
    dispatch = make.dispatch(own, make.staffing_request(zushi, days_per_week=1, section="下水道課"))
    ring = make.exchange_ring([make.exchange_offer(zushi, wants="social_welfare"),
                               make.exchange_offer(yokosuka, make.serving_officer(yokosuka, professions=("social_welfare",)),
                                                   wants="civil")])
    samples = {"dispatch_offer_id": offer.id, "dispatch_id": dispatch.id, "exchange_cycle_id": ring.id}
    samples.update(_document_samples(dispatch, users))
    return samples


def _document_samples(dispatch, users) -> dict[str, Any]:
    """Terms version 1 of the walking specialist's dispatch, confirmed by Zushi (a retiree: the receiving
    city alone), so its documents exist: the specialist's own cover letter (送付状), edition 1, as PDF."""
    from talentbank.agreements.defaults import current_defaults
    from talentbank.agreements.models import DispatchTerms, TermsConfirmation
    from talentbank.agreements.terms import current_terms

    defaults = current_defaults("retiree_appointment")
    terms = current_terms(dispatch.id) or DispatchTerms(
        dispatch_id=dispatch.id, version=1, legal_form="retiree_appointment", rate_amount=12000, rate_unit="day",
        days_per_week=dispatch.days_per_week, start_date=dispatch.start_date, end_date=dispatch.end_date,
        receiving_city_id=dispatch.city_id, sending_city_id=None,
        **{f"{item}_bearer": bearer for item, bearer in defaults.bearers().items()})
    db.session.add(terms)
    db.session.flush()
    if terms.confirmation_by("receiving") is None:
        db.session.add(TermsConfirmation(terms_id=terms.id, party="receiving", city_id=dispatch.city_id,
                                         confirmed_by_id=users["city_hr"].id))
    db.session.commit()
    return {"doc_kind": "cover", "edition": 1, "fmt": "pdf"}



def _library_samples(users) -> dict[str, Any]:
    """A text document Zushi's HR officer put in the library (read by every role, managed by Zushi)."""
    from talentbank.library.uploads import upload_document

    entry = upload_document(users["city_hr"], title="法面点検の手引き", summary="法面の崩落を防ぐ点検の手順。",
                            profession_id=None, field_id=None, filename="tebiki.txt",
                            content="法面の点検手順\n".encode())
    return {"entry_id": entry.id}


def _consultation_samples(users) -> dict[str, Any]:
    """A consultation of Zushi the walking specialist took, with a message carrying a text attachment."""
    from datetime import timedelta

    from talentbank.consultations import attachments
    from talentbank.consultations.models import Consultation, ConsultationMessage, ConsultationOffer
    from talentbank.core import clock
    from talentbank.specialists.models import Specialist
    from talentbank.vocabulary.models import Profession

    own = db.session.scalar(db.select(Specialist).where(Specialist.user_id == users["specialist"].id))
    own.accepts_advice, own.advice_hours_per_month = True, 10
    profession = db.session.scalar(db.select(Profession).where(Profession.code == "civil"))
    c = Consultation(city_id=users["city_hr"].city_id, posted_by_id=users["city_hr"].id, profession_id=profession.id,
                     urgency="ordinary", title="法面の相談", question="法面の崩落について", hours_needed=2,
                     work_mode="remote", wanted_by=clock.today_tokyo() + timedelta(days=10), status="taken",
                     specialist_id=own.id, taken_at=clock.utcnow(), offer_batches=1)
    db.session.add(c)
    db.session.flush()
    db.session.add(ConsultationOffer(consultation_id=c.id, specialist_id=own.id, status="accepted", score={}))
    key = attachments.store(attachments.CheckedFile("点検の記録\n".encode(), "kiroku.txt", "txt"))
    message = ConsultationMessage(consultation_id=c.id, author_id=users["city_hr"].id, side="city", body="資料です",
                                  file_key=key, file_name="kiroku.txt", file_type="text/plain", file_size=10)
    db.session.add(message)
    db.session.commit()
    return {"consultation_id": c.id, "file_id": message.id}


def _training_samples(users) -> dict[str, Any]:
    """A coming training session of Zushi, open to everyone, with the walking specialist registered."""
    from datetime import timedelta

    from talentbank.core import clock
    from talentbank.specialists.models import Specialist
    from talentbank.training.models import TrainingRegistration, TrainingSession
    from talentbank.vocabulary.models import Profession

    own = db.session.scalar(db.select(Specialist).where(Specialist.user_id == users["specialist"].id))
    starts_at = clock.utcnow().replace(microsecond=0) + timedelta(days=20)
    session = TrainingSession(city_id=users["city_hr"].city_id, title="法面点検の基礎", description="点検の手順",
                              starts_at=starts_at, ends_at=starts_at + timedelta(hours=2), place="逗子市役所",
                              capacity=10, audience="both", registration_deadline=(starts_at - timedelta(days=2)).date(),
                              status="scheduled", created_by_id=users["city_hr"].id)
    session.professions = list(db.session.scalars(db.select(Profession).where(Profession.code == "civil")))
    db.session.add(session)
    db.session.flush()
    registration = TrainingRegistration(session_id=session.id, specialist_id=own.id, status="confirmed")
    db.session.add(registration)
    db.session.commit()
    return {"session_id": session.id, "registration_id": registration.id}


def _matching_samples(samples: dict[str, Any]) -> dict[str, Any]:
    """A finished round of the current rule set proposing the registry officer for a Zushi request, with
    an exchange ring; a what-if of it under a second, unpublished rule-set version."""
    from talentbank.core import clock
    from talentbank.exchange.rings.services import propose_rings
    from talentbank.matching.models import MatchingRound, Proposal, RuleSetVersion
    from talentbank.matching.services import ensure_rule_set
    from talentbank.requests.models import StaffingRequest

    current = ensure_rule_set()
    draft = RuleSetVersion(version=current.version + 1, method="weighted", max_cycle_length=2, note="試算用",
                           criteria=[{"indicator": "fiscal_index", "weight": 2.0},
                                     {"indicator": "staff_per_10k", "weight": 1.0}])
    now = clock.utcnow()
    rnd = MatchingRound(kind="manual", status="succeeded", rule_set_version=current, started_at=now,
                        finished_at=now, stats={})
    db.session.add_all([draft, rnd])
    db.session.flush()
    # A request of its own: a proposal freezes its request, and the demand samples' request must stay editable.
    base = db.session.get(StaffingRequest, samples["request_id"])
    request = StaffingRequest(city_id=base.city_id, department=base.department, section="公園緑地課",
                              profession_id=base.profession_id, people=1, start_date=base.start_date,
                              end_date=base.end_date, days_per_week=2, work_mode="onsite", urgency="ordinary",
                              description="公園の法面点検", status="open", posted_at=now)
    db.session.add(request)
    db.session.flush()
    proposal = Proposal(round_id=rnd.id, request_id=request.id, specialist_id=samples["specialist_id"],
                        city_id=request.city_id, status="proposed", priority_position=0,
                        score={"experience": 10, "extra_licences": 0, "travel": 20, "preferred_city": 0,
                               "continuity": 0, "total": 30})
    # Offers of their own: a ring freezes its offers, and the demand samples' offer must stay editable.
    from ..factories import Factory

    make = Factory("unused")
    make._counter = 100  # apart from the dispatch samples' factory
    zushi, kamakura = base.city, db.session.scalar(db.select(type(base.city)).where(type(base.city).code == "142042"))
    ring_offers = [make.exchange_offer(zushi, wants="social_welfare"),
                   make.exchange_offer(kamakura, make.serving_officer(kamakura, professions=("social_welfare",)),
                                       wants="civil")]
    cycle = propose_rings(rnd.id, [[o.id for o in ring_offers]], now=now)[0]
    what_if = MatchingRound(kind="what_if", status="succeeded", rule_set_version_id=draft.id,
                            parent_round_id=rnd.id, started_at=now, finished_at=now, stats={})
    db.session.add_all([proposal, what_if])
    db.session.commit()
    return {"round_id": rnd.id, "what_if_id": what_if.id, "version_id": draft.id, "proposal_id": proposal.id,
            "cycle_id": cycle.id}
