"""Registering specialists and looking after their profiles: consent, privacy, pause, export, withdrawal.

Who sees what is decided here (``visibility``), never in templates: HR officers get a
``CandidateCard`` that has no name or contact fields at all, and every view of full personal
data by staff is written to the audit log in the same call that returns it.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..accounts.services import create_user, new_session_token, normalise_email, password_problem
from ..audit import services as audit
from ..audit.models import AuditEntry
from ..cities.models import City
from ..core import permissions
from ..core.clock import today_tokyo, utcnow
from ..core.errors import UserError
from ..core.permissions import Role
from ..extensions import db
from ..vocabulary.models import ExperienceField, Licence, Profession
from ..core.events import ask_any
from . import events
from .consent import CONSENT_VERSION
from .models import (
    AvailabilityWindow,
    Specialist,
    SpecialistExperience,
    SpecialistKind,
    SpecialistStatus,
)
from .validation import Held, ProfileInvalid, ProfileValues, validate_profile

# After this many days without confirmation the profile page asks the specialist to confirm.
AVAILABILITY_FRESH_DAYS = 90
CLAIM_LINK_VALID_DAYS = 14
PERSONAL_FIELDS = ("name_kanji", "name_kana", "email", "phone", "former_employer", "retirement_year", "notes")
REDACTED = "***"

__all__ = [
    "AVAILABILITY_FRESH_DAYS", "CandidateCard", "ProfileInvalid",
    "ProfileValues", "Visibility", "has_agreed_dispatch", "matchable_specialists", "withdraw_specialist",
]


# ---------------------------------------------------------------- loading and privacy

def _loaded() -> tuple:
    """Eager loads for showing a whole profile without one query per relationship row."""
    return (
        selectinload(Specialist.professions), selectinload(Specialist.licences),
        selectinload(Specialist.experiences).selectinload(SpecialistExperience.field),
        selectinload(Specialist.availability_windows), selectinload(Specialist.excluded_cities),
        selectinload(Specialist.preferred_cities), selectinload(Specialist.home_city),
        selectinload(Specialist.employer_city),
    )


def _get(specialist_id: int) -> Specialist:
    specialist = db.session.scalar(select(Specialist).where(Specialist.id == specialist_id).options(*_loaded()))
    if specialist is None:
        raise UserError("専門人材が見つかりません。")
    return specialist


class Visibility(StrEnum):
    NONE = "none"  # not shown at all (not found for this viewer)
    CARD = "card"  # pseudonymised candidate card: no name, no contact
    FULL = "full"  # everything, and the view is audited
    SELF = "self"  # the specialist looking at their own profile


def is_own_officer(actor: Any, specialist: Specialist) -> bool:
    """An HR officer's own city employs this serving officer (they registered them)."""
    return (specialist.kind == SpecialistKind.SERVING and specialist.employer_city_id is not None
            and permissions.may(actor, "officer.register", specialist.employer_city_id)
            and getattr(actor, "role", None) == Role.CITY_HR)


def is_candidate_for(specialist: Specialist, city_id: int | None) -> bool:
    """May HR officers of ``city_id`` see this specialist's card in searches?"""
    if specialist.status != SpecialistStatus.ACTIVE or specialist.consented_at is None:
        return False
    if city_id is not None and any(c.id == city_id for c in specialist.excluded_cities):
        return False
    return True


def has_agreed_dispatch(city_id: int | None, specialist_id: int) -> bool:
    """True when a dispatch of the specialist to the city is agreed (``events.agreed_dispatch``): the city may see the name."""
    if city_id is None:
        return False
    return ask_any(events.agreed_dispatch, specialist_id, city_id=city_id)


def visibility(actor: Any, specialist: Specialist) -> Visibility:
    """What ``actor`` may see of ``specialist``: the privacy table in one function."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Visibility.NONE
    if actor.role == Role.SPECIALIST:
        return Visibility.SELF if specialist.user_id == actor.id else Visibility.NONE
    if permissions.may(actor, "specialist.view_full"):
        return Visibility.FULL
    if actor.role == Role.CITY_HR:
        if specialist.status == SpecialistStatus.WITHDRAWN:
            return Visibility.NONE
        if is_own_officer(actor, specialist) or has_agreed_dispatch(actor.city_id, specialist.id):
            return Visibility.FULL
        if permissions.may(actor, "candidate.view") and is_candidate_for(specialist, actor.city_id):
            return Visibility.CARD
    return Visibility.NONE


def needs_reconfirmation(specialist: Specialist, now: datetime | None = None) -> bool:
    """True when the availability was last confirmed more than 90 days ago (or never)."""
    now = now or utcnow()
    confirmed = specialist.availability_confirmed_at
    return confirmed is None or now - confirmed > timedelta(days=AVAILABILITY_FRESH_DAYS)


@dataclass(frozen=True)
class CandidateCard:
    """A specialist as HR officers see them before a dispatch is agreed: no name, no contact."""

    specialist_id: int
    reference: str
    kind: str
    home_city: City
    employer_city: City | None
    professions: tuple[Profession, ...]
    licences: tuple[Licence, ...]
    experiences: tuple[tuple[ExperienceField, int], ...]
    windows: tuple[tuple[date, date], ...]
    days_per_week: int
    can_work_onsite: bool
    can_work_remote: bool
    max_travel_minutes: int | None
    prefers_viewer_city: bool
    availability_confirmed_at: datetime | None
    is_stale: bool


def candidate_card(specialist: Specialist, viewer_city_id: int | None = None) -> CandidateCard:
    """The pseudonymised card of a specialist; it cannot carry what it does not copy."""
    return CandidateCard(
        specialist_id=specialist.id,
        reference=specialist.reference,
        kind=specialist.kind,
        home_city=specialist.home_city,
        employer_city=specialist.employer_city,
        professions=tuple(specialist.professions),
        licences=tuple(specialist.licences),
        experiences=tuple((e.field, e.years) for e in specialist.experiences),
        windows=tuple((w.start_date, w.end_date) for w in specialist.availability_windows),
        days_per_week=specialist.days_per_week,
        can_work_onsite=specialist.can_work_onsite,
        can_work_remote=specialist.can_work_remote,
        max_travel_minutes=specialist.max_travel_minutes,
        prefers_viewer_city=viewer_city_id is not None and any(c.id == viewer_city_id
                                                               for c in specialist.preferred_cities),
        availability_confirmed_at=specialist.availability_confirmed_at,
        is_stale=needs_reconfirmation(specialist),
    )


@dataclass(frozen=True)
class ProfileView:
    """A profile as one viewer may see it: ``specialist`` is set only for full or own views."""

    visibility: Visibility
    card: CandidateCard
    specialist: Specialist | None


def record_full_view(actor: Any, specialist: Specialist, purpose: str) -> None:
    """Write that a staff member saw a person's full data; part of the caller's transaction."""
    audit.record(actor, "specialist.viewed", "specialist", specialist.id, city_id=getattr(actor, "city_id", None),
                 summary=f"{specialist.reference} ({purpose})")


def view_specialist(actor: Any, specialist_id: int) -> ProfileView:
    """A profile for a staff member: a card, or full data with an audit entry for the view."""
    permissions.check(actor, "candidate.view")
    specialist = _get(specialist_id)
    seen = visibility(actor, specialist)
    if seen == Visibility.NONE:
        raise UserError("専門人材が見つかりません。")
    card = candidate_card(specialist, getattr(actor, "city_id", None))
    if seen == Visibility.CARD:
        return ProfileView(seen, card, None)
    if seen == Visibility.FULL:
        record_full_view(actor, specialist, "profile")
        db.session.commit()
        specialist = _get(specialist_id)  # loaded again in one go: the commit expired it
    return ProfileView(seen, card, specialist)


def own_profile(actor: Any) -> Specialist | None:
    """The signed-in specialist's own profile, or ``None`` when they have none."""
    permissions.check(actor, "profile.own")
    specialist_id = db.session.scalar(select(Specialist.id).where(Specialist.user_id == actor.id))
    return _get(specialist_id) if specialist_id is not None else None


def get_for_edit(actor: Any, specialist_id: int) -> Specialist:
    """A profile its editor may change (self, coordinator, or HR for its own serving officer)."""
    specialist = _get(specialist_id)
    _check_may_edit(actor, specialist)
    return specialist


def open_for_edit(actor: Any, specialist_id: int) -> Specialist:
    """A profile shown in an edit form: for staff that is a view of personal data, so it is audited."""
    specialist = get_for_edit(actor, specialist_id)
    if actor.role == Role.SPECIALIST:
        return specialist
    record_full_view(actor, specialist, "edit")
    db.session.commit()
    return _get(specialist_id)


def _check_may_edit(actor: Any, specialist: Specialist) -> None:
    if actor.role == Role.SPECIALIST:
        permissions.check(actor, "profile.own")
        if specialist.user_id != actor.id:
            raise permissions.PermissionDenied("profile.own")
    elif actor.role == Role.CITY_HR:
        if specialist.kind != SpecialistKind.SERVING:
            raise permissions.PermissionDenied("officer.register")
        permissions.check(actor, "officer.register", specialist.employer_city_id)
    else:
        permissions.check(actor, "specialist.manage")
    if specialist.status == SpecialistStatus.WITHDRAWN:
        raise UserError("この登録は退会済みのため変更できません。")


# ---------------------------------------------------------------- writing a profile

def _snapshot(specialist: Specialist) -> dict[str, Any]:
    """What an audit entry compares; personal values are masked so the log holds none."""
    values: dict[str, Any] = {f: getattr(specialist, f) for f in (
        "kind", "status", "home_city_id", "employer_city_id", "days_per_week", "can_work_onsite",
        "can_work_remote", "max_travel_minutes")}
    for f in PERSONAL_FIELDS:
        values[f] = getattr(specialist, f)
    values["professions"] = ",".join(p.code for p in specialist.professions)
    values["licences"] = ",".join(lic.code for lic in specialist.licences)
    values["experiences"] = ",".join(f"{e.field.code}:{e.years}" for e in specialist.experiences if e.field)
    values["availability"] = ",".join(f"{w.start_date}/{w.end_date}" for w in specialist.availability_windows)
    values["excluded_cities"] = ",".join(c.code for c in specialist.excluded_cities)
    values["preferred_cities"] = ",".join(c.code for c in specialist.preferred_cities)
    return values


def _masked_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    changes = audit.diff(before, after)
    for f in PERSONAL_FIELDS:
        if f in changes:
            changes[f] = [REDACTED, REDACTED]
    return changes


def resolve_home_city(actor: Any, values: ProfileValues) -> int:
    """The home city's id, adding a non-member municipality by its 団体コード when it is new."""
    if values.home_city_id is not None:
        return values.home_city_id
    existing = db.session.scalar(select(City).where(City.code == values.home_city_code))
    if existing is not None:
        return existing.id
    city = City(code=values.home_city_code, name_ja=values.home_city_name, name_en=values.home_city_name,
                prefecture=prefecture_of(values.home_city_code), is_member=False, is_coordinating=False,
                population=1, general_staff=0, allowance_rate=0, fiscal_index=0,
                indicators_year=today_tokyo().year, is_sample_indicators=True)
    db.session.add(city)
    db.session.flush()
    audit.record(actor, "city.created", "city", city.id, city_id=city.id,
                 changes={"code": [None, city.code], "name_ja": [None, city.name_ja], "is_member": [None, False]},
                 reason="専門人材の居住地として追加（連携外の市区町村）", summary=city.name_ja)
    return city.id


PREFECTURES = ("北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
               "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
               "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
               "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
               "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県")


def prefecture_of(code: str) -> str:
    """The prefecture a 団体コード belongs to: its first two digits are the JIS prefecture number."""
    number = int(code[:2]) if code[:2].isdigit() else 0
    return PREFECTURES[number - 1] if 1 <= number <= len(PREFECTURES) else ""


def _apply(specialist: Specialist, values: ProfileValues, home_city_id: int) -> None:
    """Copy validated values onto the profile, replacing its lists."""
    specialist.name_kanji = values.name_kanji
    specialist.name_kana = values.name_kana
    specialist.email = values.email
    specialist.phone = values.phone or None
    specialist.home_city_id = home_city_id
    specialist.former_employer = values.former_employer or None
    specialist.retirement_year = values.retirement_year
    specialist.days_per_week = values.days_per_week or 1
    specialist.can_work_onsite = values.can_work_onsite
    specialist.can_work_remote = values.can_work_remote
    specialist.max_travel_minutes = values.max_travel_minutes
    specialist.notes = values.notes or None
    specialist.professions = list(db.session.scalars(
        select(Profession).where(Profession.id.in_(values.profession_ids)))) if values.profession_ids else []
    specialist.licences = list(db.session.scalars(
        select(Licence).where(Licence.id.in_(values.licence_ids)))) if values.licence_ids else []
    years_by_field = {f: y for f, y in values.experiences if f is not None and y is not None}
    kept = []
    for experience in specialist.experiences:
        if experience.field_id in years_by_field:
            experience.years = years_by_field.pop(experience.field_id)
            kept.append(experience)
    fields = {f.id: f for f in db.session.scalars(select(ExperienceField).where(
        ExperienceField.id.in_(list(years_by_field))))} if years_by_field else {}
    kept.extend(SpecialistExperience(field=fields[f], years=y) for f, y in years_by_field.items())
    specialist.experiences = kept
    wanted = sorted((s, e) for s, e in values.windows if s is not None and e is not None)
    current = {(w.start_date, w.end_date): w for w in specialist.availability_windows}
    specialist.availability_windows = [current.get((s, e)) or AvailabilityWindow(start_date=s, end_date=e)
                                       for s, e in wanted]
    city_ids = set(values.excluded_city_ids) | set(values.preferred_city_ids)
    cities = {c.id: c for c in db.session.scalars(select(City).where(City.id.in_(city_ids)))} if city_ids else {}
    specialist.excluded_cities = [cities[i] for i in values.excluded_city_ids if i in cities]
    specialist.preferred_cities = [cities[i] for i in values.preferred_city_ids if i in cities]


def add_new(specialist: Specialist, values: ProfileValues, home_city_id: int) -> None:
    """Fill a new profile and add it; nothing is flushed half-filled (the lookups would autoflush)."""
    with db.session.no_autoflush:
        _apply(specialist, values, home_city_id)
    db.session.add(specialist)
    db.session.flush()


def _email_taken(email: str, specialist_id: int | None = None, user_id: int | None = None) -> bool:
    query = select(Specialist.id).where(Specialist.email == email)
    if specialist_id is not None:
        query = query.where(Specialist.id != specialist_id)
    if db.session.scalar(query) is not None:
        return True
    users = select(User.id).where(User.email == email)
    if user_id is not None:
        users = users.where(User.id != user_id)
    return db.session.scalar(users) is not None


def _validate_all(values: ProfileValues, extra: list[UserError], held: Held = Held(),
                  require_phone: bool = True) -> None:
    """Run the profile rules and add the caller's own problems; raise them all together."""
    errors = list(extra)
    try:
        validate_profile(values, today_tokyo(), held, require_phone=require_phone)
    except ProfileInvalid as exc:
        errors.extend(exc.errors)
    if errors:
        raise ProfileInvalid(errors)


def register_self(values: ProfileValues, password: str, has_consented: bool,
                  language: str = "ja") -> Specialist:
    """Sign-up of a retired specialist: an account, a profile and their recorded consent."""
    values.normalised()
    extra: list[UserError] = []
    if not has_consented:
        extra.append(UserError("登録には、上記の情報の取扱いへの同意が必要です。", field="consent"))
    problem = password_problem(password or "")
    if problem:
        extra.append(UserError(problem, field="password"))
    if values.email and _email_taken(values.email):
        extra.append(UserError("このメールアドレスは既に登録されています。ログインするか、幹事市にお問い合わせください。",
                               field="email"))
    _validate_all(values, extra)
    user = create_user(values.email, password, values.name_kanji, Role.SPECIALIST, language=language)
    now = utcnow()
    specialist = Specialist(kind=SpecialistKind.RETIRED.value, user=user, status=SpecialistStatus.ACTIVE.value,
                            consent_version=CONSENT_VERSION, consented_at=now, availability_confirmed_at=now,
                            registration_source="self")
    add_new(specialist, values, resolve_home_city(user, values))
    audit.record(user, "specialist.registered", "specialist", specialist.id, city_id=specialist.home_city_id,
                 changes={"consent_version": [None, CONSENT_VERSION], "registration_source": [None, "self"]},
                 summary=specialist.reference)
    db.session.commit()
    return specialist


def register_officer(actor: Any, employer_city_id: int, values: ProfileValues, has_consented: bool) -> Specialist:
    """An HR officer offers one of their city's serving officers for dispatch and exchange."""
    permissions.check(actor, "officer.register", employer_city_id)
    if actor.role == Role.CITY_HR and actor.city_id != employer_city_id:
        raise permissions.PermissionDenied("officer.register")
    values.normalised()
    extra: list[UserError] = []
    employer = db.session.get(City, employer_city_id)
    if employer is None or not employer.is_member:
        extra.append(UserError("所属市は連携市から選んでください。", field="employer_city_id"))
    if not has_consented:
        extra.append(UserError("本人から登録と情報共有への同意を得たことを確認してください。", field="consent"))
    if values.email and _email_taken(values.email):
        extra.append(UserError("このメールアドレスは既に登録されています。", field="email"))
    _validate_all(values, extra, require_phone=False)
    now = utcnow()
    specialist = Specialist(kind=SpecialistKind.SERVING.value, employer_city_id=employer_city_id,
                            status=SpecialistStatus.ACTIVE.value, consent_version=CONSENT_VERSION,
                            consented_at=now, availability_confirmed_at=now, registered_by_id=actor.id,
                            registration_source="hr")
    add_new(specialist, values, resolve_home_city(actor, values))
    audit.record(actor, "specialist.registered", "specialist", specialist.id, city_id=employer_city_id,
                 changes={"kind": [None, "serving"], "consent_version": [None, CONSENT_VERSION],
                          "registration_source": [None, "hr"]}, summary=specialist.reference)
    db.session.commit()
    return specialist


def values_of(specialist: Specialist) -> ProfileValues:
    """A profile's current values, to fill an edit form."""
    return ProfileValues(
        name_kanji=specialist.name_kanji or "", name_kana=specialist.name_kana or "", email=specialist.email or "",
        phone=specialist.phone or "", home_city_id=specialist.home_city_id,
        former_employer=specialist.former_employer or "", retirement_year=specialist.retirement_year,
        profession_ids=[p.id for p in specialist.professions], licence_ids=[lic.id for lic in specialist.licences],
        experiences=[(e.field_id, e.years) for e in specialist.experiences],
        windows=[(w.start_date, w.end_date) for w in specialist.availability_windows],
        days_per_week=specialist.days_per_week, can_work_onsite=specialist.can_work_onsite,
        can_work_remote=specialist.can_work_remote, max_travel_minutes=specialist.max_travel_minutes,
        excluded_city_ids=[c.id for c in specialist.excluded_cities],
        preferred_city_ids=[c.id for c in specialist.preferred_cities], notes=specialist.notes or "",
    )


def update_profile(actor: Any, specialist_id: int, values: ProfileValues, reason: str = "") -> Specialist:
    """Change a profile; saving it also confirms the availability as current."""
    specialist = get_for_edit(actor, specialist_id)
    values.normalised()
    extra: list[UserError] = []
    if values.email and _email_taken(values.email, specialist.id, specialist.user_id):
        extra.append(UserError("このメールアドレスは既に登録されています。", field="email"))
    held = Held(frozenset(p.id for p in specialist.professions), frozenset(lic.id for lic in specialist.licences),
                frozenset(e.field_id for e in specialist.experiences))
    _validate_all(values, extra, held, require_phone=specialist.kind == SpecialistKind.RETIRED)
    before = _snapshot(specialist)
    home_city_id = resolve_home_city(actor, values)
    with db.session.no_autoflush:
        _apply(specialist, values, home_city_id)
    specialist.availability_confirmed_at = utcnow()
    if specialist.user is not None:
        if specialist.user.email != values.email:
            specialist.user.email = values.email  # the log-in follows the contact address
        specialist.user.display_name = values.name_kanji
    db.session.flush()
    changes = _masked_diff(before, _snapshot(specialist))
    if changes:
        audit.record(actor, "specialist.updated", "specialist", specialist.id, city_id=specialist.home_city_id,
                     changes=changes, reason=reason or None, summary=specialist.reference)
    db.session.commit()
    return specialist


# ---------------------------------------------------------------- lifecycle

def confirm_availability(actor: Any, specialist_id: int) -> Specialist:
    """The specialist says their availability is still right; the 90-day clock restarts."""
    specialist = get_for_edit(actor, specialist_id)
    specialist.availability_confirmed_at = utcnow()
    audit.record(actor, "specialist.availability_confirmed", "specialist", specialist.id,
                 city_id=specialist.home_city_id, summary=specialist.reference)
    db.session.commit()
    return specialist


def pause_specialist(actor: Any, specialist_id: int, reason: str = "") -> Specialist:
    """Stop matching a specialist for now without losing the profile."""
    specialist = get_for_edit(actor, specialist_id)
    if specialist.status == SpecialistStatus.PAUSED:
        raise UserError("登録はすでに一時停止中です。")
    specialist.status = SpecialistStatus.PAUSED.value
    specialist.paused_at = utcnow()
    audit.record(actor, "specialist.paused", "specialist", specialist.id, city_id=specialist.home_city_id,
                 changes={"status": ["active", "paused"]}, reason=reason or None, summary=specialist.reference)
    db.session.commit()
    return specialist


def resume_specialist(actor: Any, specialist_id: int, reason: str = "") -> Specialist:
    """Make a paused specialist matchable again."""
    specialist = get_for_edit(actor, specialist_id)
    if specialist.status != SpecialistStatus.PAUSED:
        raise UserError("登録は一時停止されていません。")
    specialist.status = SpecialistStatus.ACTIVE.value
    specialist.paused_at = None
    audit.record(actor, "specialist.resumed", "specialist", specialist.id, city_id=specialist.home_city_id,
                 changes={"status": ["paused", "active"]}, reason=reason or None, summary=specialist.reference)
    db.session.commit()
    return specialist


def withdraw_specialist(actor: Any, specialist_id: int, reason: str = "") -> Specialist:
    """Withdraw: cancel what is pending, erase personal data, keep the anonymous facts for statistics."""
    specialist = get_for_edit(actor, specialist_id)
    if actor.role != Role.SPECIALIST and not (reason or "").strip():
        raise UserError("退会の理由（本人からの申出の日付など）を入力してください。", field="reason")
    events.specialist_withdrawing.send(specialist, actor=actor)
    before_status = specialist.status
    for f in PERSONAL_FIELDS:
        setattr(specialist, f, None)
    specialist.experiences = []
    specialist.availability_windows = []
    specialist.excluded_cities = []
    specialist.preferred_cities = []
    specialist.max_travel_minutes = None
    specialist.claim_token_hash = None
    specialist.claim_expires_at = None
    specialist.status = SpecialistStatus.WITHDRAWN.value
    specialist.withdrawn_at = utcnow()
    specialist.paused_at = None
    if specialist.user is not None:
        _erase_account(specialist.user, specialist)
    audit.record(actor, "specialist.withdrawn", "specialist", specialist.id, city_id=specialist.home_city_id,
                 changes={"status": [before_status, "withdrawn"]}, reason=reason or None,
                 summary=specialist.reference)
    db.session.commit()
    return specialist


def _erase_account(user: User, specialist: Specialist) -> None:
    """The account stays as an empty shell (others' records point at it) with nothing personal in it."""
    label = f"{specialist.reference} (withdrawn specialist)"
    user.email = f"withdrawn-{user.id}@withdrawn.invalid"
    user.display_name = specialist.reference
    user.password_hash = None
    user.is_enabled = False
    user.session_token = new_session_token()
    # The log keeps what was done; only the name and address it was done under are replaced.
    db.session.execute(update(AuditEntry).where(AuditEntry.actor_id == user.id).values(actor_label=label))


def verify_password(user: User, password: str) -> bool:
    """Ask for the password again before something that cannot be undone (withdrawal)."""
    from werkzeug.security import check_password_hash

    return bool(user.password_hash) and check_password_hash(user.password_hash, password or "")


# ---------------------------------------------------------------- serving officers

def get_officer(actor: Any, specialist_id: int) -> Specialist:
    """A serving officer the actor manages: HR officers only their own city's."""
    specialist = _get(specialist_id)
    if specialist.kind != SpecialistKind.SERVING or specialist.status == SpecialistStatus.WITHDRAWN:
        raise UserError("職員の登録が見つかりません。")
    permissions.check(actor, "officer.register", specialist.employer_city_id)
    return specialist


def list_officers(actor: Any) -> list[Specialist]:
    """Serving officers offered by the actor's city (all cities for the coordinator); the view is audited."""
    permissions.check(actor, "officer.list")
    query = (select(Specialist)
             .where(Specialist.kind == SpecialistKind.SERVING.value,
                    Specialist.status != SpecialistStatus.WITHDRAWN.value)
             .order_by(Specialist.employer_city_id, Specialist.name_kana, Specialist.id))
    if actor.role == Role.CITY_HR:
        query = query.where(Specialist.employer_city_id == actor.city_id)
    elif not permissions.may(actor, "specialist.view_full"):
        return []
    ids = list(db.session.scalars(query.with_only_columns(Specialist.id)))
    if not ids:
        return []
    audit.record(actor, "specialist.listed", "specialist", None, city_id=getattr(actor, "city_id", None),
                 changes={"shown": [None, ids]}, summary=f"{len(ids)} serving officers")
    db.session.commit()  # before loading, so that the commit does not expire what the page shows
    return list(db.session.scalars(query.options(*_loaded())))


# ---------------------------------------------------------------- export

def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_personal_data(actor: Any, specialist_id: int) -> dict[str, Any]:
    """Everything held about a person, for them to download (JSON-safe)."""
    specialist = _get(specialist_id)
    if actor.role == Role.SPECIALIST:
        permissions.check(actor, "profile.own")
        if specialist.user_id != actor.id:
            raise permissions.PermissionDenied("profile.own")
    else:
        permissions.check(actor, "specialist.view_full")
        record_full_view(actor, specialist, "export")
    history = audit.entity_history(("specialist", specialist.id))
    staff = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({e.actor_id for e in history if e.actor_id}))).all()} if history else {}

    def who(entry: AuditEntry) -> dict[str, Any]:
        user = staff.get(entry.actor_id) if entry.actor_id else None
        if user is None:
            return {"role": "system"}
        if user.id == specialist.user_id:
            return {"role": "self"}
        return {"role": user.role, "city": user.city.name_ja if user.city else None}

    user = specialist.user
    data = {
        "format": "talentbank-personal-data/1",
        "exported_at": _iso(utcnow()),
        "reference": specialist.reference,
        "profile": {
            "kind": specialist.kind,
            "status": specialist.status,
            "name_kanji": specialist.name_kanji,
            "name_kana": specialist.name_kana,
            "email": specialist.email,
            "phone": specialist.phone,
            "home_city": {"code": specialist.home_city.code, "name": specialist.home_city.name_ja},
            "employer_city": ({"code": specialist.employer_city.code, "name": specialist.employer_city.name_ja}
                              if specialist.employer_city else None),
            "former_employer": specialist.former_employer,
            "retirement_year": specialist.retirement_year,
            "professions": [{"code": p.code, "name": p.name_ja} for p in specialist.professions],
            "licences": [{"code": lic.code, "name": lic.name_ja} for lic in specialist.licences],
            "experiences": [{"code": e.field.code, "name": e.field.name_ja, "years": e.years}
                            for e in specialist.experiences],
            "availability_windows": [{"start": _iso(w.start_date), "end": _iso(w.end_date)}
                                     for w in specialist.availability_windows],
            "days_per_week": specialist.days_per_week,
            "can_work_onsite": specialist.can_work_onsite,
            "can_work_remote": specialist.can_work_remote,
            "max_travel_minutes": specialist.max_travel_minutes,
            "excluded_cities": [{"code": c.code, "name": c.name_ja} for c in specialist.excluded_cities],
            "preferred_cities": [{"code": c.code, "name": c.name_ja} for c in specialist.preferred_cities],
            "notes": specialist.notes,
        },
        "consent": {"version": specialist.consent_version, "given_at": _iso(specialist.consented_at)},
        "availability_confirmed_at": _iso(specialist.availability_confirmed_at),
        "registered_at": _iso(specialist.created_at),
        "registration_source": specialist.registration_source,
        "paused_at": _iso(specialist.paused_at),
        "account": ({"email": user.email, "language": user.language, "created_at": _iso(user.created_at),
                     "last_login_at": _iso(user.last_login_at)} if user else None),
        # Who did what with this profile, staff named by role and city only.
        "history": [{"at": _iso(e.at), "action": e.action, "by": who(e), "fields": sorted(e.changes or {})}
                    for e in history],
    }
    if actor.role == Role.SPECIALIST:
        audit.record(actor, "specialist.exported", "specialist", specialist.id, city_id=specialist.home_city_id,
                     summary=specialist.reference)
    db.session.commit()
    return data


# ---------------------------------------------------------------- accounts for profiles registered by others

def _claim_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_claim_link(actor: Any, specialist_id: int) -> str:
    """A one-time token letting an imported retiree set a password and manage their own profile."""
    permissions.check(actor, "specialist.manage")
    specialist = _get(specialist_id)
    if specialist.status == SpecialistStatus.WITHDRAWN:
        raise UserError("この登録は退会済みのため変更できません。")
    if specialist.user_id is not None:
        raise UserError("この専門人材は既にアカウントを持っています。")
    if specialist.kind != SpecialistKind.RETIRED:
        raise UserError("現職職員の登録は所属市の人事担当者が管理します。")
    token = secrets.token_urlsafe(32)
    specialist.claim_token_hash = _claim_hash(token)
    specialist.claim_expires_at = utcnow() + timedelta(days=CLAIM_LINK_VALID_DAYS)
    audit.record(actor, "specialist.claim_link_created", "specialist", specialist.id,
                 city_id=specialist.home_city_id, summary=specialist.reference)
    db.session.commit()
    return token


def find_claimable(token: str) -> Specialist:
    """The profile behind a claim link, or a clear error when the link is unknown or expired."""
    specialist = db.session.scalar(select(Specialist).where(Specialist.claim_token_hash == _claim_hash(token)))
    if specialist is None or specialist.user_id is not None:
        raise UserError("このリンクは無効です。幹事市に新しいリンクを依頼してください。")
    if specialist.claim_expires_at is None or specialist.claim_expires_at <= utcnow():
        raise UserError("このリンクは有効期限が切れています。幹事市に新しいリンクを依頼してください。")
    return specialist


def claim_profile(token: str, password: str, has_consented: bool) -> User:
    """Create the account of an imported specialist, who confirms their consent in their own name."""
    specialist = find_claimable(token)
    if not has_consented:
        raise UserError("登録には、上記の情報の取扱いへの同意が必要です。", field="consent")
    problem = password_problem(password or "")
    if problem:
        raise UserError(problem, field="password")
    if db.session.scalar(select(User.id).where(User.email == normalise_email(specialist.email or ""))):
        raise UserError("このメールアドレスは既に別のアカウントで使われています。幹事市にお問い合わせください。")
    user = create_user(specialist.email or "", password, specialist.name_kanji or specialist.reference,
                       Role.SPECIALIST)
    specialist.user = user
    specialist.claim_token_hash = None
    specialist.claim_expires_at = None
    specialist.consent_version = CONSENT_VERSION
    specialist.consented_at = utcnow()
    audit.record(user, "specialist.claimed", "specialist", specialist.id, city_id=specialist.home_city_id,
                 changes={"consent_version": [None, CONSENT_VERSION]}, summary=specialist.reference)
    db.session.commit()
    return user


# ---------------------------------------------------------------- for matching and reports

def matchable_specialists() -> list[Specialist]:
    """Everyone the matching may propose: active, consented, with everything the rules read loaded."""
    return list(db.session.scalars(
        select(Specialist)
        .where(Specialist.status == SpecialistStatus.ACTIVE.value, Specialist.consented_at.is_not(None))
        .options(*_loaded())
        .order_by(Specialist.id)
    ))


@dataclass(frozen=True)
class RegistryStatistics:
    by_status: dict[str, int]
    by_kind: dict[str, int]
    by_profession: list[tuple[Profession, int, int]]  # term, registered ever, active now
    by_home_city: list[tuple[City, int, int]]
    stale: int


def registry_statistics(actor: Any) -> RegistryStatistics:
    """Counts for the coordinator: kept after withdrawal because they hold nothing personal."""
    permissions.check(actor, "specialist.view_full")
    active = Specialist.status == SpecialistStatus.ACTIVE.value
    by_status = dict(db.session.execute(select(Specialist.status, func.count()).group_by(Specialist.status)).all())
    by_kind = dict(db.session.execute(select(Specialist.kind, func.count()).group_by(Specialist.kind)).all())
    from .models import specialist_professions as sp

    rows = db.session.execute(
        select(sp.c.profession_id, func.count(), func.count().filter(active))
        .join(Specialist, Specialist.id == sp.c.specialist_id).group_by(sp.c.profession_id)).all()
    professions = {p.id: p for p in db.session.scalars(select(Profession))}
    by_profession = sorted(((professions[r[0]], r[1], r[2]) for r in rows), key=lambda t: t[0].sort_order)
    city_rows = db.session.execute(
        select(Specialist.home_city_id, func.count(), func.count().filter(active)).group_by(Specialist.home_city_id)
    ).all()
    cities = {c.id: c for c in db.session.scalars(select(City).where(City.id.in_([r[0] for r in city_rows])))}
    by_city = sorted(((cities[r[0]], r[1], r[2]) for r in city_rows), key=lambda t: (not t[0].is_member, t[0].code))
    stale = db.session.scalar(select(func.count()).select_from(Specialist).where(
        active, (Specialist.availability_confirmed_at.is_(None))
        | (Specialist.availability_confirmed_at < utcnow() - timedelta(days=AVAILABILITY_FRESH_DAYS)))) or 0
    return RegistryStatistics(by_status, by_kind, by_profession, by_city, stale)
