"""A specialist's profile: who may open it for editing, registering, changing, pausing; serving officers.

Sign-up by a retiree, registration of a serving officer by their city's HR officer, and every
later change go through the same rules (validation.py); each change is audited with personal
values masked.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..accounts.models import User
from ..accounts.services import create_user, hash_password, password_problem
from ..audit import services as audit
from ..cities.models import City
from ..cities.services import home_municipality_city_id
from ..core import permissions
from ..core.clock import today_tokyo, utcnow
from ..core.errors import UserError
from ..core.permissions import Role
from ..extensions import db
from ..vocabulary.models import ExperienceField, Licence, Profession
from . import verification
from .consent import CONSENT_VERSION
from .models import AvailabilityWindow, Specialist, SpecialistExperience, SpecialistKind, SpecialistStatus
from .privacy import PERSONAL_FIELDS, REDACTED, full_profile_options, get_specialist, record_full_view
from .validation import Held, ProfileInvalid, ProfileValues, validate_profile


# ---------------------------------------------------------------- opening a profile

def own_profile(actor: Any) -> Specialist | None:
    """The signed-in specialist's own profile, or ``None`` when they have none."""
    permissions.check(actor, "profile.own")
    specialist_id = db.session.scalar(select(Specialist.id).where(Specialist.user_id == actor.id))
    return get_specialist(specialist_id) if specialist_id is not None else None


def get_for_edit(actor: Any, specialist_id: int) -> Specialist:
    """A profile its editor may change (self, coordinator, or HR for its own serving officer)."""
    specialist = get_specialist(specialist_id)
    _check_may_edit(actor, specialist)
    return specialist


def open_for_edit(actor: Any, specialist_id: int) -> Specialist:
    """A profile shown in an edit form: for staff that is a view of personal data, so it is audited."""
    specialist = get_for_edit(actor, specialist_id)
    if actor.role == Role.SPECIALIST:
        return specialist
    record_full_view(actor, specialist, "edit")
    db.session.commit()
    return get_specialist(specialist_id)


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
    """The home city's id: a member picked from the list, or a municipality of the official list
    (added once as a non-member; cities/services.py)."""
    if values.home_city_id is not None:
        return values.home_city_id
    return home_municipality_city_id(actor, values.home_city_code)


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
            years = years_by_field.pop(experience.field_id)
            if experience.years != years:  # what was checked has changed: it waits for a new check
                experience.years = years
                experience.verified_at = experience.verified_by_id = experience.checked_by = None
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


def signup_problems(values: ProfileValues, password: str, has_consented: bool) -> list[UserError]:
    """Every problem a sign-up has, without saving anything (the form shows them all at once)."""
    values.normalised()
    extra: list[UserError] = []
    if not has_consented:
        extra.append(UserError("登録には、上記の情報の取扱いへの同意が必要です。", field="consent"))
    problem = password_problem(password or "") if password else None
    if problem:
        extra.append(UserError(problem, field="password"))
    try:
        _validate_all(values, extra)
    except ProfileInvalid as exc:
        return list(exc.errors)
    return []


def register_self(values: ProfileValues, password: str, has_consented: bool,
                  language: str = "ja") -> Specialist | None:
    """Sign-up of a retired specialist: an account, a profile and their recorded consent, pending until
    the address is confirmed through the link e-mailed here (verification.py).

    An address already registered is not said on screen (whether someone is registered is personal
    data): the same answer comes back, ``None`` instead of the profile, and that address is told by
    e-mail instead. Nothing is saved then.
    """
    values.normalised()
    extra: list[UserError] = []
    if not has_consented:
        extra.append(UserError("登録には、上記の情報の取扱いへの同意が必要です。", field="consent"))
    problem = password_problem(password or "")
    if problem:
        extra.append(UserError(problem, field="password"))
    _validate_all(values, extra)
    if _email_taken(values.email):
        hash_password(password)  # the same work as a new account, so the answer takes as long
        verification.tell_known_address(values.email, language)
        return None
    user = create_user(values.email, password, values.name_kanji, Role.SPECIALIST, language=language)
    now = utcnow()
    specialist = Specialist(kind=SpecialistKind.RETIRED.value, user=user, status=SpecialistStatus.ACTIVE.value,
                            consent_version=CONSENT_VERSION, consented_at=now, availability_confirmed_at=now,
                            registration_source="self")
    add_new(specialist, values, resolve_home_city(user, values))
    audit.record(user, "specialist.registered", "specialist", specialist.id, city_id=specialist.home_city_id,
                 changes={"consent_version": [None, CONSENT_VERSION], "registration_source": [None, "self"]},
                 summary=specialist.reference)
    verification.send_address_confirmation(specialist)
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
    verification.vouch_as_employer(actor, specialist)
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
    new_address = (specialist.email or "") != values.email
    with db.session.no_autoflush:
        _apply(specialist, values, home_city_id)
    specialist.availability_confirmed_at = utcnow()
    if specialist.user is not None:
        if specialist.user.email != values.email:
            specialist.user.email = values.email  # the log-in follows the contact address
        specialist.user.display_name = values.name_kanji
    db.session.flush()
    verification.vouch_as_employer(actor, specialist)
    if new_address and actor.role == Role.SPECIALIST:
        specialist.email_confirmed_at = None  # a new address is confirmed like the first one
        verification.send_address_confirmation(specialist)
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


# ---------------------------------------------------------------- serving officers

def get_officer(actor: Any, specialist_id: int) -> Specialist:
    """A serving officer the actor manages: HR officers only their own city's."""
    specialist = get_specialist(specialist_id)
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
    return list(db.session.scalars(query.options(*full_profile_options())))


# ---------------------------------------------------------------- advice work (consultations, 相談)

ADVICE_CAP_MAX = 160


def update_advice(actor: Any, specialist_id: int, accepts: bool, cap_text: str) -> Specialist:
    """Whether the person takes short consultations, and their own cap of hours per month (1–160, needed
    when they accept). Who may change it is who may edit the profile; audited."""
    specialist = get_for_edit(actor, specialist_id)
    text = (cap_text or "").strip()
    cap = int(text) if text.isascii() and text.isdigit() and len(text) <= 4 else None
    if text and (cap is None or not 1 <= cap <= ADVICE_CAP_MAX):
        raise UserError("1か月の時間の上限は1〜%(max)sの整数（半角）で入力してください。", field="advice_hours_per_month",
                        max=ADVICE_CAP_MAX)
    if accepts and cap is None:
        raise UserError("相談を受け付ける場合は、1か月の時間の上限を入力してください。", field="advice_hours_per_month")
    before = {"accepts_advice": specialist.accepts_advice, "advice_hours_per_month": specialist.advice_hours_per_month}
    specialist.accepts_advice = bool(accepts)
    specialist.advice_hours_per_month = cap
    changes = audit.diff(before, {"accepts_advice": specialist.accepts_advice,
                                  "advice_hours_per_month": specialist.advice_hours_per_month})
    if changes:
        audit.record(actor, "specialist.advice_updated", "specialist", specialist.id, changes=changes,
                     summary=specialist.reference)
    db.session.commit()
    return specialist
