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


    # ----------------------------------------------------------------- staffing requests and exchange offers

    def term(self, model: type, code: str) -> Any:
        """A vocabulary term by code (Profession, Licence, ExperienceField), seeding the standard list first."""
        from sqlalchemy import select

        from talentbank.vocabulary.services import seed_vocabulary

        term = db.session.scalar(select(model).where(model.code == code))
        if term is None:
            seed_vocabulary()
            db.session.commit()
            term = db.session.scalar(select(model).where(model.code == code))
        assert term is not None, f"no vocabulary term {code!r}"
        return term

    def staffing_request(self, city: City, *, profession: str = "civil", licences: tuple[str, ...] = (),
                         fields: tuple[str, ...] = (), status: str = "open", created_by: User | None = None,
                         **overrides: Any) -> Any:
        """A request of ``city`` (open by default), starting in a month, for a year."""
        from datetime import timedelta

        from talentbank.core import clock
        from talentbank.requests.models import StaffingRequest
        from talentbank.vocabulary.models import ExperienceField, Licence, Profession

        today = clock.today_tokyo()
        values: dict[str, Any] = dict(
            department="都市整備部", section="道路・法面整備課", people=2, start_date=today + timedelta(days=30),
            end_date=today + timedelta(days=395), days_per_week=3, work_mode="onsite", urgency="ordinary",
            urgency_reason=None, description="市道の法面点検と補修設計", internal_notes="予算は補正で確保済み",
            filled_count=0, carry_over_count=0,
            posted_at=clock.utcnow() if status != "draft" else None)
        values.update(overrides)
        if values["urgency"] != "ordinary" and not values.get("urgency_reason"):
            values["urgency_reason"] = "令和7年の豪雨による法面崩落の復旧"
        req = StaffingRequest(city_id=city.id, status=status, profession=self.term(Profession, profession),
                              created_by_id=created_by.id if created_by else None, **values)
        req.required_licences = [self.term(Licence, code) for code in licences]
        req.desired_fields = [self.term(ExperienceField, code) for code in fields]
        db.session.add(req)
        db.session.commit()
        return req

    def serving_officer(self, city: City, *, professions: tuple[str, ...] = ("civil",),
                        licences: tuple[str, ...] = (), name: str | None = None, verified: bool = True,
                        **overrides: Any) -> Any:
        """An active serving officer employed by ``city`` in the specialist registry, vouched for by that city."""
        from talentbank.specialists.models import Specialist
        from talentbank.vocabulary.models import Licence, Profession

        n = self._next()
        values: dict[str, Any] = dict(kind="serving", employer_city_id=city.id, home_city_id=city.id,
                                      name_kanji=name or f"職員 {n}号", name_kana=f"しょくいん {n}",
                                      email=f"officer{n}@test.example", status="active", days_per_week=5,
                                      registration_source="hr")
        values.update(overrides)
        officer = Specialist(**values)
        officer.professions = [self.term(Profession, code) for code in professions]
        officer.licences = [self.term(Licence, code) for code in licences]
        db.session.add(officer)
        db.session.flush()
        if verified:
            from talentbank.specialists.models import CheckedBy
            from talentbank.specialists.verification import vouch
            vouch(None, officer, CheckedBy.EMPLOYER)
        db.session.commit()
        return officer

    def exchange_offer(self, city: City, officer: Any = None, *, wants: str | None = "social_welfare",
                       wants_licences: tuple[str, ...] = (), status: str = "open", **overrides: Any) -> Any:
        """An offer of ``city`` (open by default) of one of its officers, wanting ``wants`` back (None: one-way)."""
        from datetime import timedelta

        from talentbank.core import clock
        from talentbank.exchange.models import ExchangeOffer
        from talentbank.vocabulary.models import Licence, Profession

        officer = officer or self.serving_officer(city)
        today = clock.today_tokyo()
        values: dict[str, Any] = dict(start_date=today + timedelta(days=60), end_date=today + timedelta(days=425),
                                      notes="本人の同意を得ています",
                                      posted_at=clock.utcnow() if status != "draft" else None)
        values.update(overrides)
        offer = ExchangeOffer(city_id=city.id, officer=officer, status=status, is_one_way=wants is None,
                              wants_profession=self.term(Profession, wants) if wants else None, **values)
        offer.wants_licences = [self.term(Licence, code) for code in wants_licences]
        db.session.add(offer)
        db.session.commit()
        return offer

    # ----------------------------------------------------------------- the talent registry

    def vocabulary(self) -> None:
        """The standard professions, licences and fields, as a fresh installation has them."""
        from talentbank.vocabulary.services import seed_vocabulary

        seed_vocabulary()
        db.session.commit()

    def specialist(self, home_city: City, *, professions: tuple[str, ...] = ("civil",),
                   licences: tuple[str, ...] = (), fields: dict[str, int] | None = None,
                   windows: tuple[tuple[Any, Any], ...] | None = None, user: User | None = None,
                   excluded: tuple[City, ...] = (), preferred: tuple[City, ...] = (), verified: bool = True,
                   **overrides: Any) -> Any:
        """An active, consented retired specialist; windows default to the next twelve months.

        ``verified`` (the default): address confirmed and professions, licences and experience checked
        by the coordinating city, so a round may propose them; ``False`` leaves a fresh self sign-up."""
        from datetime import timedelta

        from talentbank.core import clock
        from talentbank.specialists.models import AvailabilityWindow, Specialist, SpecialistExperience
        from talentbank.vocabulary.models import ExperienceField, Licence, Profession

        n = self._next()
        now, today = clock.utcnow(), clock.today_tokyo()
        values: dict[str, Any] = dict(
            kind="retired", home_city_id=home_city.id, name_kanji=f"退職 {n}郎", name_kana=f"たいしょく {n}ろう",
            email=f"specialist{n}@test.example", phone="046-873-1111", former_employer="横須賀市 土木部",
            retirement_year=2022, days_per_week=3, can_work_onsite=True, can_work_remote=False,
            max_travel_minutes=90, status="active", consent_version="2026-11-v1", consented_at=now,
            availability_confirmed_at=now, registration_source="self")
        values.update(overrides)
        specialist = Specialist(user=user, **values)
        specialist.professions = [self.term(Profession, code) for code in professions]
        specialist.licences = [self.term(Licence, code) for code in licences]
        specialist.experiences = [SpecialistExperience(field=self.term(ExperienceField, code), years=years)
                                  for code, years in (fields if fields is not None else {"roads": 10}).items()]
        if windows is None:
            windows = ((today, today + timedelta(days=365)),)
        specialist.availability_windows = [AvailabilityWindow(start_date=s, end_date=e) for s, e in windows]
        specialist.excluded_cities = list(excluded)
        specialist.preferred_cities = list(preferred)
        if verified and "email_confirmed_at" not in overrides:
            specialist.email_confirmed_at = now
        db.session.add(specialist)
        db.session.flush()
        if verified:
            from talentbank.specialists.models import CheckedBy
            from talentbank.specialists.verification import vouch
            vouch(None, specialist, CheckedBy.COORDINATOR)
        db.session.commit()
        return specialist

    # ----------------------------------------------------------------- offers and dispatches

    def dispatch_round(self) -> Any:
        """A finished manual matching round under the current rule set, to hang proposals on."""
        from talentbank.core import clock
        from talentbank.matching.models import MatchingRound
        from talentbank.matching.services import ensure_rule_set

        rule_set = ensure_rule_set()
        rnd = MatchingRound(kind="manual", status="succeeded", rule_set_version_id=rule_set.id,
                            started_at=clock.utcnow(), finished_at=clock.utcnow(), stats={})
        db.session.add(rnd)
        db.session.commit()
        return rnd

    def approved_proposal(self, specialist: Any, request: Any, *, status: str = "approved", rnd: Any = None,
                          served_mode: str = "onsite") -> Any:
        """A proposal of ``specialist`` for ``request`` in a finished round, already decided as ``status``."""
        from talentbank.core import clock
        from talentbank.matching.models import Proposal

        rnd = rnd or self.dispatch_round()
        proposal = Proposal(round_id=rnd.id, request_id=request.id, specialist_id=specialist.id,
                            city_id=request.city_id, status=status, score={"total": 30}, priority_position=0,
                            served_mode=served_mode, decided_at=clock.utcnow())
        db.session.add(proposal)
        db.session.commit()
        return proposal

    def dispatch_offer(self, specialist: Any, request: Any, *, status: str = "pending", days_left: int = 7,
                       **overrides: Any) -> Any:
        """An offer of ``request`` to ``specialist`` (its proposal offered), answerable for ``days_left`` days."""
        from datetime import timedelta

        from talentbank.core import clock
        from talentbank.dispatches.models import Offer

        proposal = self.approved_proposal(specialist, request, status="offered" if status == "pending" else
                                          {"accepted": "accepted", "declined": "declined",
                                           "lapsed": "lapsed"}.get(status, "superseded"))
        now = clock.utcnow()
        values: dict[str, Any] = dict(start_date=request.start_date, end_date=request.end_date,
                                      days_per_week=request.days_per_week, work_mode="onsite",
                                      deadline_at=now + timedelta(days=days_left),
                                      closed_at=None if status == "pending" else now)
        values.update(overrides)
        offer = Offer(proposal_id=proposal.id, specialist_id=specialist.id, request_id=request.id,
                      city_id=request.city_id, status=status, **values)
        db.session.add(offer)
        db.session.commit()
        return offer

    def dispatch(self, specialist: Any, request: Any, *, status: str = "scheduled", **overrides: Any) -> Any:
        """An agreed dispatch of ``specialist`` on ``request`` (its offer accepted), as acceptance leaves it."""
        from talentbank.core import clock
        from talentbank.dispatches.models import Dispatch

        offer = self.dispatch_offer(specialist, request, status="accepted")
        values: dict[str, Any] = dict(start_date=offer.start_date, end_date=offer.end_date,
                                      days_per_week=offer.days_per_week, work_mode="onsite",
                                      started_at=clock.utcnow() if status in ("active", "completed") else None,
                                      cancel_reason="テストのための中止" if status == "cancelled" else None)
        values.update(overrides)
        dispatch = Dispatch(specialist_id=specialist.id, city_id=request.city_id, request_id=request.id,
                            proposal_id=offer.proposal_id, offer_id=offer.id, status=status, **values)
        db.session.add(dispatch)
        db.session.commit()
        return dispatch

    def exchange_ring(self, offers: list[Any], *, status: str = "approved") -> Any:
        """An exchange ring over ``offers`` (officer of offer i goes to the city of offer i+1), as approved."""
        from talentbank.core import clock
        from talentbank.exchange.rings import services as rings

        rnd = self.dispatch_round()
        cycle = rings.propose_rings(rnd.id, [[o.id for o in offers]], now=clock.utcnow())[0]
        cycle.status = status
        cycle.decided_at = clock.utcnow()
        db.session.commit()
        return cycle
