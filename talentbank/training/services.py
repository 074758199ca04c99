"""Training sessions: posting, changing and cancelling them, registering, the waiting list, attendance.

Every change checks the actor (``training.*`` permissions; an HR officer manages only their own city's
sessions and registers only their own city's staff), is audited and told to the people concerned in the
same transaction. Places are decided under a lock on the session row (``_lock_session``), so two people
taking the last place at once end up one confirmed and one waiting.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..audit import services as audit
from ..cities.models import City
from ..core import permissions
from ..core.bounds import ID_MAX
from ..core.clock import TOKYO, today_tokyo, utcnow
from ..core.errors import N_, UserError, UserErrors
from ..core.pagination import paginate
from ..core.permissions import PermissionDenied, Role
from ..core.transactions import begin_deciding
from ..extensions import db
from ..specialists.models import Specialist, SpecialistKind, SpecialistStatus
from ..vocabulary.models import Profession
from . import notices
from .models import (
    ACTIVE_REGISTRATION_STATUSES,
    ATTENDANCES,
    AUDIENCES,
    MAX_CAPACITY,
    Audience,
    RegistrationStatus,
    SessionStatus,
    TrainingRegistration,
    TrainingSession,
    training_session_professions,
)

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
PLACE_MAX = 200
URL_MAX = 500
REASON_MAX = 1000
PER_PAGE = 20
_URL = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
# Fields whose change the registrants are told about.
_TOLD_FIELDS = ("starts_at", "ends_at", "is_online", "place", "online_url")


class SessionNotFound(Exception):
    """No such session (or registration): the view answers 404."""


@dataclass
class SessionInput:
    """What the posting form gives, as plain values (None where nothing was entered)."""

    title: str = ""
    description: str = ""
    day: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    is_online: bool = False
    place: str = ""
    online_url: str = ""
    capacity: int | None = None
    audience: str = ""
    profession_ids: list[int] = field(default_factory=list)
    registration_deadline: date | None = None
    city_id: int | None = None  # the organising city, chosen by the coordinating city only


def to_utc(day: date, at: time) -> datetime:
    """A Japan date and time as stored naive UTC."""
    return datetime.combine(day, at, tzinfo=TOKYO).astimezone(UTC).replace(tzinfo=None)


def in_tokyo(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC).astimezone(TOKYO)


# ----------------------------------------------------------------------------- who may do what


def is_staff(actor: Any) -> bool:
    return getattr(actor, "role", None) in (Role.CITY_HR, Role.COORDINATOR, Role.ADMIN)


def may_manage(actor: Any, session: TrainingSession) -> bool:
    """The organising city's HR officers and the coordinating city manage a session."""
    return permissions.may(actor, "training.manage", session.city_id)


def _check_manage(actor: Any, session: TrainingSession) -> None:
    if not may_manage(actor, session):
        raise PermissionDenied("training.manage")


def _organising_city(actor: Any, values: SessionInput) -> int:
    if actor.role == Role.CITY_HR:
        if actor.city_id is None:
            raise PermissionDenied("training.post")
        return actor.city_id
    city = db.session.get(City, values.city_id) if values.city_id else None
    if city is None or not city.is_member:
        raise UserError(N_("主催する市を選んでください。"), field="city_id")
    return city.id


def _load(session_id: int) -> TrainingSession:
    session = db.session.get(TrainingSession, session_id) if isinstance(session_id, int) else None
    if session is None:
        raise SessionNotFound(session_id)
    return session


def _lock_session(session_id: int) -> TrainingSession:
    """The session row, locked: whoever decides places waits for the one before (SQLite: write lock)."""
    begin_deciding()
    query = select(TrainingSession).where(TrainingSession.id == session_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(of=TrainingSession)
    session = db.session.scalar(query.execution_options(populate_existing=True))
    if session is None:
        raise SessionNotFound(session_id)
    return session


# ----------------------------------------------------------------------------- posting and changing


def _checked(actor: Any, values: SessionInput, *, existing: TrainingSession | None = None
             ) -> tuple[dict[str, Any], list[Profession]]:
    """Every problem of the form at once, or the columns to store and the professions."""
    errors: list[UserError] = []
    title = (values.title or "").strip()
    description = (values.description or "").strip()
    place = (values.place or "").strip()
    url = (values.online_url or "").strip()
    if not title:
        errors.append(UserError(N_("研修名を入力してください。"), field="title"))
    elif len(title) > TITLE_MAX:
        errors.append(UserError(N_("研修名は%(max)s文字以内で入力してください。"), field="title", max=TITLE_MAX))
    if len(description) > DESCRIPTION_MAX:
        errors.append(UserError(N_("内容は%(max)s文字以内で入力してください。"), field="description",
                                max=DESCRIPTION_MAX))
    starts_at = ends_at = None
    if values.day is None:
        errors.append(UserError(N_("開催日を入力してください。"), field="day"))
    if values.start_time is None:
        errors.append(UserError(N_("開始時刻を入力してください。"), field="start_time"))
    if values.end_time is None:
        errors.append(UserError(N_("終了時刻を入力してください。"), field="end_time"))
    if values.day and values.start_time and values.end_time:
        starts_at, ends_at = to_utc(values.day, values.start_time), to_utc(values.day, values.end_time)
        if ends_at <= starts_at:
            errors.append(UserError(N_("終了時刻は開始時刻より後にしてください。"), field="end_time"))
        elif starts_at <= utcnow() and (existing is None or existing.starts_at != starts_at):
            errors.append(UserError(N_("開催日時はこれから先の日時にしてください。"), field="day"))
    if values.is_online:
        if not url:
            errors.append(UserError(N_("オンライン開催の場合は参加用のURLを入力してください。"), field="online_url"))
        elif len(url) > URL_MAX or not _URL.match(url):
            errors.append(UserError(N_("URLは http:// または https:// で始まる%(max)s文字以内のアドレスにしてください。"),
                                    field="online_url", max=URL_MAX))
    else:
        if not place:
            errors.append(UserError(N_("会場を入力してください（オンライン開催の場合はオンラインを選んでください）。"),
                                    field="place"))
        elif len(place) > PLACE_MAX:
            errors.append(UserError(N_("会場は%(max)s文字以内で入力してください。"), field="place", max=PLACE_MAX))
        if url and (len(url) > URL_MAX or not _URL.match(url)):
            errors.append(UserError(N_("URLは http:// または https:// で始まる%(max)s文字以内のアドレスにしてください。"),
                                    field="online_url", max=URL_MAX))
    confirmed = _count(existing.id, RegistrationStatus.CONFIRMED.value) if existing is not None else 0
    if values.capacity is None:
        errors.append(UserError(N_("定員を入力してください。"), field="capacity"))
    elif not 1 <= values.capacity <= MAX_CAPACITY:
        errors.append(UserError(N_("定員は1〜%(max)s名の整数で入力してください。"), field="capacity", max=MAX_CAPACITY))
    elif values.capacity < confirmed:
        errors.append(UserError(N_("定員は参加確定の人数（%(count)s名）より少なくできません。"
                                   "先に参加者を取り消してください。"), field="capacity", count=confirmed))
    if values.audience not in AUDIENCES:
        errors.append(UserError(N_("対象を選んでください。"), field="audience"))
    wanted = sorted({i for i in values.profession_ids if isinstance(i, int) and 0 < i <= ID_MAX})
    unreadable = len(wanted) != len(set(values.profession_ids))
    professions = list(db.session.scalars(select(Profession).where(Profession.id.in_(wanted)))) if wanted else []
    if unreadable:
        errors.append(UserError(N_("職種の選択肢が正しくありません。選び直してください。"), field="profession_ids"))
    elif not wanted:
        errors.append(UserError(N_("対象の職種を1つ以上選んでください。"), field="profession_ids"))
    elif len(professions) != len(wanted) or any(not p.is_active and (existing is None or p not in existing.professions)
                                                for p in professions):
        errors.append(UserError(N_("職種の選択肢が正しくありません。選び直してください。"), field="profession_ids"))
    deadline = values.registration_deadline
    if deadline is None:
        errors.append(UserError(N_("申込締切日を入力してください。"), field="registration_deadline"))
    elif values.day is not None and deadline > values.day:
        errors.append(UserError(N_("申込締切日は開催日以前の日にしてください。"), field="registration_deadline"))
    elif deadline < today_tokyo() and (existing is None or existing.registration_deadline != deadline):
        errors.append(UserError(N_("申込締切日は今日以降の日にしてください。"), field="registration_deadline"))
    if errors:
        raise UserErrors(errors)
    columns = dict(title=title, description=description, starts_at=starts_at, ends_at=ends_at,
                   is_online=bool(values.is_online), place=place or None, online_url=url or None,
                   capacity=values.capacity, audience=values.audience, registration_deadline=deadline)
    return columns, professions


def check_session_input(values: SessionInput, *, existing: TrainingSession | None = None) -> None:
    """Raise every problem of a session's values (the form shows them beside its own); saves nothing."""
    _checked(None, values, existing=existing)


def _snapshot(session: TrainingSession) -> dict[str, Any]:
    return dict(title=session.title, description=session.description, starts_at=session.starts_at,
                ends_at=session.ends_at, is_online=session.is_online, place=session.place,
                online_url=session.online_url, capacity=session.capacity, audience=session.audience,
                registration_deadline=session.registration_deadline,
                professions=",".join(p.code for p in session.professions))


def post_session(actor: Any, values: SessionInput) -> TrainingSession:
    """A member city (or the coordinating city for one) offers a session to the alliance."""
    permissions.check(actor, "training.post")
    city_id = _organising_city(actor, values)
    columns, professions = _checked(actor, values)
    session = TrainingSession(city_id=city_id, status=SessionStatus.SCHEDULED.value, created_by_id=actor.id,
                              **columns)
    session.professions = professions
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "training.post", "training_session", session.id, city_id=city_id,
                 changes=audit.diff({}, _snapshot(session)), summary=session.title)
    db.session.commit()
    return session


def edit_session(actor: Any, session_id: int, values: SessionInput) -> TrainingSession:
    """The organiser corrects a session; raising the capacity lets the waiting list in, a new time or place
    is told to everyone registered."""
    session = _lock_session(session_id)
    _check_manage(actor, session)
    if session.is_cancelled:
        raise UserError(N_("中止した研修は変更できません。"))
    if session.starts_at <= utcnow():
        raise UserError(N_("開始した研修は変更できません（出欠の記録はできます）。"))
    before = _snapshot(session)
    columns, professions = _checked(actor, values, existing=session)
    for key, value in columns.items():
        setattr(session, key, value)
    session.professions = professions
    changes = audit.diff(before, _snapshot(session))
    if not changes:
        db.session.rollback()
        return session
    audit.record(actor, "training.edit", "training_session", session.id, city_id=session.city_id, changes=changes,
                 summary=session.title)
    if any(name in changes for name in _TOLD_FIELDS):
        notices.tell_changed(session, _active(session.id))
    _fill_places(actor, session)
    db.session.commit()
    return session


def cancel_session(actor: Any, session_id: int, reason: str) -> TrainingSession:
    """The organiser calls a session off; everyone registered or waiting is told, with the reason."""
    session = _lock_session(session_id)
    _check_manage(actor, session)
    reason = (reason or "").strip()
    if session.is_cancelled:
        raise UserError(N_("この研修はすでに中止されています。"))
    if session.starts_at <= utcnow():
        raise UserError(N_("開始した研修は中止できません。"))
    if not reason:
        raise UserError(N_("中止の理由を入力してください（申込者に伝えます）。"), field="reason")
    if len(reason) > REASON_MAX:
        raise UserError(N_("理由は%(max)s文字以内で入力してください。"), field="reason", max=REASON_MAX)
    session.status = SessionStatus.CANCELLED.value
    session.cancel_reason = reason
    session.cancelled_at = utcnow()
    audit.record(actor, "training.cancel", "training_session", session.id, city_id=session.city_id,
                 changes={"status": [SessionStatus.SCHEDULED.value, SessionStatus.CANCELLED.value]},
                 reason=reason, summary=session.title)
    notices.tell_cancelled(session, _active(session.id))
    db.session.commit()
    return session


# ----------------------------------------------------------------------------- places and the waiting list


def _count(session_id: int, status: str) -> int:
    return db.session.scalar(select(func.count(TrainingRegistration.id)).where(
        TrainingRegistration.session_id == session_id, TrainingRegistration.status == status)) or 0


def _active(session_id: int) -> list[TrainingRegistration]:
    return list(db.session.scalars(select(TrainingRegistration).where(
        TrainingRegistration.session_id == session_id,
        TrainingRegistration.status.in_(ACTIVE_REGISTRATION_STATUSES))
        .order_by(TrainingRegistration.queued_at, TrainingRegistration.id)))


def waiting_list(session_id: int) -> list[TrainingRegistration]:
    """Who waits, first in line first."""
    return list(db.session.scalars(select(TrainingRegistration).where(
        TrainingRegistration.session_id == session_id,
        TrainingRegistration.status == RegistrationStatus.WAITING.value)
        .order_by(TrainingRegistration.queued_at, TrainingRegistration.id)))


def _fill_places(actor: Any, session: TrainingSession) -> list[TrainingRegistration]:
    """Free places go to the waiting list in order, each promoted person told (before the session starts)."""
    if session.is_cancelled or session.starts_at <= utcnow():
        return []
    free = session.capacity - _count(session.id, RegistrationStatus.CONFIRMED.value)
    promoted = []
    for registration in waiting_list(session.id)[:max(free, 0)]:
        registration.status = RegistrationStatus.CONFIRMED.value
        registration.promoted_at = registration.confirmed_at = utcnow()
        audit.record(actor, "training.promote", "training_registration", registration.id, city_id=session.city_id,
                     changes={"status": [RegistrationStatus.WAITING.value, RegistrationStatus.CONFIRMED.value]},
                     summary=session.title)
        notices.tell_registration(registration, "training.promoted")
        promoted.append(registration)
    db.session.flush()
    return promoted


def _next_in_line(session_id: int) -> datetime:
    """When this request for a place was made: now, but always after every earlier one of the session (read under
    the session lock), so the line keeps the order of asking even when the clock does not move."""
    latest = db.session.scalar(select(func.max(TrainingRegistration.queued_at)).where(
        TrainingRegistration.session_id == session_id))
    now = utcnow()
    return now if latest is None or latest < now else latest + timedelta(microseconds=1)


def _is_open_for_registration(session: TrainingSession) -> None:
    if session.is_cancelled:
        raise UserError(N_("この研修は中止されました。"))
    if session.starts_at <= utcnow():
        raise UserError(N_("この研修はすでに始まっています。"))
    if today_tokyo() > session.registration_deadline:
        raise UserError(N_("申込の締切（%(deadline)s）を過ぎています。"),
                        deadline=session.registration_deadline.isoformat())


def _audience_allows(session: TrainingSession, is_staff_person: bool) -> bool:
    if session.audience == Audience.BOTH.value:
        return True
    return session.audience == (Audience.STAFF.value if is_staff_person else Audience.SPECIALISTS.value)


def may_register_self(actor: Any, session: TrainingSession) -> bool:
    """Whether the page offers the actor a button to register themselves."""
    if not permissions.may(actor, "training.register"):
        return False
    if actor.role == Role.SPECIALIST:
        person = _own_specialist(actor)
        return person is not None and _audience_allows(session, person.kind == SpecialistKind.SERVING.value)
    return actor.role == Role.CITY_HR and _audience_allows(session, True)


def _own_specialist(actor: Any) -> Specialist | None:
    person = db.session.scalar(select(Specialist).where(Specialist.user_id == actor.id))
    if person is None or person.status == SpecialistStatus.WITHDRAWN.value:
        return None
    return person


def _register(actor: Any, session_id: int, *, specialist: Specialist | None = None, user: User | None = None
              ) -> TrainingRegistration:
    session = _lock_session(session_id)
    _is_open_for_registration(session)
    is_staff_person = user is not None or (specialist is not None and specialist.kind == SpecialistKind.SERVING.value)
    if not _audience_allows(session, is_staff_person):
        if is_staff_person:
            raise UserError(N_("この研修は登録専門人材が対象です。構成市の職員は申し込めません。"))
        raise UserError(N_("この研修は構成市の職員が対象です。登録専門人材は申し込めません。"))
    who = (TrainingRegistration.specialist_id == specialist.id if specialist is not None
           else TrainingRegistration.user_id == user.id)
    registration = db.session.scalar(select(TrainingRegistration).where(
        TrainingRegistration.session_id == session.id, who))
    if registration is not None and registration.status in ACTIVE_REGISTRATION_STATUSES:
        raise UserError(N_("すでに申し込まれています（%(status)s）。"), status=_status_words(registration.status))
    if registration is not None and registration.status == RegistrationStatus.REMOVED.value and \
            not may_manage(actor, session):
        raise UserError(N_("主催者が申込を取り消しています。主催市にお問い合わせください。"))
    full = _count(session.id, RegistrationStatus.CONFIRMED.value) >= session.capacity \
        or _count(session.id, RegistrationStatus.WAITING.value) > 0
    status = RegistrationStatus.WAITING.value if full else RegistrationStatus.CONFIRMED.value
    before = registration.status if registration is not None else None
    if registration is None:
        registration = TrainingRegistration(session_id=session.id, specialist_id=getattr(specialist, "id", None),
                                            user_id=getattr(user, "id", None))
        db.session.add(registration)
    registration.status = status
    registration.queued_at = _next_in_line(session.id)
    registration.confirmed_at = utcnow() if status == RegistrationStatus.CONFIRMED.value else None
    registration.promoted_at = registration.cancelled_at = None
    registration.attendance = None
    registration.registered_by_id = actor.id
    try:
        db.session.flush()
    except IntegrityError:  # the same person registered by someone else a moment ago
        db.session.rollback()
        raise UserError(N_("すでに申し込まれています。")) from None
    audit.record(actor, "training.register", "training_registration", registration.id, city_id=session.city_id,
                 changes={"status": [before, status], "session_id": [None, session.id]}, summary=session.title)
    notices.tell_registration(registration, "training.confirmed" if status == RegistrationStatus.CONFIRMED.value
                              else "training.waiting")
    db.session.commit()
    return registration


def _status_words(status: str) -> str:
    from flask_babel import gettext

    from .models import REGISTRATION_STATUS_LABELS
    return gettext(REGISTRATION_STATUS_LABELS[RegistrationStatus(status)])


def register_self(actor: Any, session_id: int) -> TrainingRegistration:
    """A specialist registers themself (an HR officer may too, as staff of their city)."""
    permissions.check(actor, "training.register")
    if actor.role == Role.SPECIALIST:
        person = _own_specialist(actor)
        if person is None:
            raise UserError(N_("申し込むには、先に専門人材としての登録を済ませてください。"))
        return _register(actor, session_id, specialist=person)
    if actor.role != Role.CITY_HR:
        raise PermissionDenied("training.register")
    return _register(actor, session_id, user=actor)


def register_staff(actor: Any, session_id: int, *, specialist_id: int | None = None,
                   user_id: int | None = None) -> TrainingRegistration:
    """An HR officer registers staff of their own city: a serving officer of the registry or an HR account."""
    permissions.check(actor, "training.register_staff")
    if actor.role != Role.CITY_HR or actor.city_id is None:
        raise PermissionDenied("training.register_staff")
    if (specialist_id is None) == (user_id is None):
        raise UserError(N_("申し込む職員を選んでください。"), field="person")
    if specialist_id is not None:
        officer = db.session.get(Specialist, specialist_id)
        if officer is None or officer.kind != SpecialistKind.SERVING.value or \
                officer.employer_city_id != actor.city_id or officer.status == SpecialistStatus.WITHDRAWN.value:
            raise UserError(N_("自分の市の職員だけを申し込めます。"), field="person")
        return _register(actor, session_id, specialist=officer)
    staff = db.session.get(User, user_id)
    if staff is None or staff.role != Role.CITY_HR or staff.city_id != actor.city_id or not staff.is_enabled:
        raise UserError(N_("自分の市の職員だけを申し込めます。"), field="person")
    return _register(actor, session_id, user=staff)


def city_staff(actor: Any) -> tuple[list[Specialist], list[User]]:
    """Whom an HR officer may register: their city's serving officers and HR accounts."""
    if actor.role != Role.CITY_HR or actor.city_id is None:
        return [], []
    officers = list(db.session.scalars(select(Specialist).where(
        Specialist.kind == SpecialistKind.SERVING.value, Specialist.employer_city_id == actor.city_id,
        Specialist.status != SpecialistStatus.WITHDRAWN.value).order_by(Specialist.name_kana, Specialist.id)))
    accounts = list(db.session.scalars(select(User).where(
        User.role == Role.CITY_HR.value, User.city_id == actor.city_id, User.is_enabled.is_(True))
        .order_by(User.display_name, User.id)))
    return officers, accounts


def find_registration(registration_id: int) -> TrainingRegistration:
    """One registration (any status), or ``SessionNotFound``; whether the actor may act on it is the
    caller's check."""
    registration = db.session.get(TrainingRegistration, registration_id) if isinstance(registration_id, int) else None
    if registration is None:
        raise SessionNotFound(registration_id)
    return registration


def may_cancel_registration(actor: Any, registration: TrainingRegistration) -> bool:
    """The person themself, or an HR officer of the city whose staff member it is."""
    if registration.user_id is not None:
        staff = registration.user
        return actor.id == registration.user_id or (
            actor.role == Role.CITY_HR and staff is not None and staff.city_id == actor.city_id)
    person = registration.specialist
    if person is None:
        return False
    if person.user_id is not None and person.user_id == actor.id:
        return True
    return actor.role == Role.CITY_HR and person.kind == SpecialistKind.SERVING.value and \
        person.employer_city_id == actor.city_id


def cancel_registration(actor: Any, registration_id: int) -> TrainingRegistration:
    """The person (or their city's HR officer) gives up a place or leaves the waiting list; the first waiting
    person takes a freed place."""
    permissions.check(actor, "training.register")
    registration = find_registration(registration_id)
    session = _lock_session(registration.session_id)
    db.session.refresh(registration)
    if not may_cancel_registration(actor, registration):
        raise PermissionDenied("training.register")
    return _end(actor, session, registration, RegistrationStatus.CANCELLED.value, "training.unregister")


def remove_registration(actor: Any, registration_id: int, reason: str = "") -> TrainingRegistration:
    """The organiser takes someone off the list (told, audited with the reason); the waiting list moves up."""
    registration = find_registration(registration_id)
    session = _lock_session(registration.session_id)
    db.session.refresh(registration)
    _check_manage(actor, session)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise UserError(N_("理由は%(max)s文字以内で入力してください。"), field="reason", max=REASON_MAX)
    return _end(actor, session, registration, RegistrationStatus.REMOVED.value, "training.remove", reason)


def _end(actor: Any, session: TrainingSession, registration: TrainingRegistration, status: str, action: str,
         reason: str = "") -> TrainingRegistration:
    if registration.status not in ACTIVE_REGISTRATION_STATUSES:
        raise UserError(N_("この申込はすでに取り消されています。"))
    if session.is_cancelled or session.starts_at <= utcnow():
        raise UserError(N_("開始した（または中止された）研修の申込は取り消せません。"))
    before = registration.status
    registration.status = status
    registration.cancelled_at = utcnow()
    audit.record(actor, action, "training_registration", registration.id, city_id=session.city_id,
                 changes={"status": [before, status]}, reason=reason or None, summary=session.title)
    if status == RegistrationStatus.REMOVED.value:
        notices.tell_registration(registration, "training.removed", reason=reason)
    _fill_places(actor, session)
    db.session.commit()
    return registration


def cancel_for_withdrawing_specialist(sender: Any, **_: Any) -> None:
    """A person leaving the bank gives up their places in sessions still to come (the caller commits)."""
    specialist_id = getattr(sender, "id", None)
    if specialist_id is None:
        return
    rows = db.session.execute(select(TrainingRegistration.id, TrainingRegistration.session_id).join(
        TrainingSession, TrainingSession.id == TrainingRegistration.session_id).where(
        TrainingRegistration.specialist_id == specialist_id,
        TrainingRegistration.status.in_(ACTIVE_REGISTRATION_STATUSES),
        TrainingSession.status == SessionStatus.SCHEDULED.value, TrainingSession.starts_at > utcnow())).all()
    for registration_id, session_id in rows:
        registration = db.session.get(TrainingRegistration, registration_id)
        registration.status = RegistrationStatus.CANCELLED.value
        registration.cancelled_at = utcnow()
        audit.record(None, "training.unregister", "training_registration", registration_id,
                     changes={"status": [RegistrationStatus.CONFIRMED.value, RegistrationStatus.CANCELLED.value]},
                     summary="withdrawal")
        db.session.flush()
        _fill_places(None, db.session.get(TrainingSession, session_id))


# ----------------------------------------------------------------------------- attendance


def record_attendance(actor: Any, session_id: int, marks: dict[int, str]) -> int:
    """The organiser marks each confirmed person attended or absent once the session has begun; returns how many
    marks changed. An empty mark clears one recorded by mistake."""
    session = _lock_session(session_id)
    _check_manage(actor, session)
    if session.is_cancelled:
        raise UserError(N_("中止した研修の出欠は記録できません。"))
    if session.starts_at > utcnow():
        raise UserError(N_("出欠は研修の開始後に記録できます。"))
    confirmed = {r.id: r for r in db.session.scalars(select(TrainingRegistration).where(
        TrainingRegistration.session_id == session.id,
        TrainingRegistration.status == RegistrationStatus.CONFIRMED.value))}
    changes: dict[str, list[Any]] = {}
    for registration_id, mark in marks.items():
        registration = confirmed.get(registration_id)
        if registration is None:
            raise UserError(N_("参加確定者以外の出欠は記録できません。"))
        mark = mark or None
        if mark is not None and mark not in ATTENDANCES:
            raise UserError(N_("出欠は「出席」か「欠席」で記録してください。"))
        if registration.attendance != mark:
            changes[str(registration_id)] = [registration.attendance, mark]
            registration.attendance = mark
            registration.attendance_recorded_at = utcnow()
            registration.attendance_recorded_by_id = actor.id
    if changes:
        audit.record(actor, "training.attendance", "training_session", session.id, city_id=session.city_id,
                     changes=changes, summary=session.title)
    db.session.commit()
    return len(changes)


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class SessionFilters:
    profession_id: int | None = None
    city_id: int | None = None
    when: str = "upcoming"  # "upcoming" or "past"


def _visible(actor: Any):
    """Specialists see the sessions open to them (and any they registered for); staff see all."""
    if is_staff(actor):
        return None
    person = _own_specialist(actor)
    is_staff_person = person is not None and person.kind == SpecialistKind.SERVING.value
    mine = select(TrainingRegistration.session_id).where(
        TrainingRegistration.specialist_id == (person.id if person is not None else -1))
    audience = Audience.STAFF.value if is_staff_person else Audience.SPECIALISTS.value
    return or_(TrainingSession.audience.in_((Audience.BOTH.value, audience)), TrainingSession.id.in_(mine))


def list_sessions(actor: Any, flt: SessionFilters, page: int) -> Pagination:
    """The alliance's sessions, soonest first (past ones latest first), filtered."""
    permissions.check(actor, "training.view")
    query = select(TrainingSession)
    now = utcnow()
    if flt.when == "past":
        query = query.where(TrainingSession.starts_at <= now).order_by(TrainingSession.starts_at.desc(),
                                                                       TrainingSession.id.desc())
    else:
        query = query.where(TrainingSession.starts_at > now).order_by(TrainingSession.starts_at, TrainingSession.id)
    if flt.city_id is not None:
        query = query.where(TrainingSession.city_id == flt.city_id)
    if flt.profession_id is not None:
        query = query.where(TrainingSession.id.in_(select(training_session_professions.c.session_id).where(
            training_session_professions.c.profession_id == flt.profession_id)))
    visible = _visible(actor)
    if visible is not None:
        query = query.where(visible)
    return paginate(query, page, PER_PAGE)


def counts(session_ids: list[int]) -> dict[int, dict[str, int]]:
    """Confirmed and waiting per session, in one statement."""
    if not session_ids:
        return {}
    result: dict[int, dict[str, int]] = {i: {"confirmed": 0, "waiting": 0} for i in session_ids}
    for session_id, status, n in db.session.execute(
            select(TrainingRegistration.session_id, TrainingRegistration.status, func.count())
            .where(TrainingRegistration.session_id.in_(session_ids),
                   TrainingRegistration.status.in_(ACTIVE_REGISTRATION_STATUSES))
            .group_by(TrainingRegistration.session_id, TrainingRegistration.status)):
        result[session_id][status] = n
    return result


def get_session(actor: Any, session_id: int) -> TrainingSession:
    permissions.check(actor, "training.view")
    session = _load(session_id)
    visible = _visible(actor)
    if visible is not None and db.session.scalar(
            select(TrainingSession.id).where(TrainingSession.id == session.id, visible)) is None:
        raise SessionNotFound(session_id)
    return session


def registrations(session_id: int) -> list[TrainingRegistration]:
    """Everyone who ever registered, confirmed first, then waiting in order, then the cancelled."""
    order = {RegistrationStatus.CONFIRMED.value: 0, RegistrationStatus.WAITING.value: 1}
    rows = list(db.session.scalars(select(TrainingRegistration).where(TrainingRegistration.session_id == session_id)
                                   .order_by(TrainingRegistration.queued_at, TrainingRegistration.id)))
    return sorted(rows, key=lambda r: order.get(r.status, 2))


def my_registrations(actor: Any) -> list[TrainingRegistration]:
    """The actor's own registrations (as a specialist or as a staff account), newest session first."""
    person = _own_specialist(actor) if actor.role == Role.SPECIALIST else None
    who = TrainingRegistration.user_id == actor.id
    if person is not None:
        who = or_(who, TrainingRegistration.specialist_id == person.id)
    return list(db.session.scalars(select(TrainingRegistration).join(TrainingSession).where(who)
                                   .order_by(TrainingSession.starts_at.desc(), TrainingRegistration.id.desc())))


def own_registration(actor: Any, session: TrainingSession) -> TrainingRegistration | None:
    """The actor's own registration for this session, if any."""
    person = _own_specialist(actor) if actor.role == Role.SPECIALIST else None
    who = and_(TrainingRegistration.user_id == actor.id) if person is None else \
        TrainingRegistration.specialist_id == person.id
    return db.session.scalar(select(TrainingRegistration).where(TrainingRegistration.session_id == session.id, who))


# ----------------------------------------------------------------------------- the daily reminder


def remind_tomorrow() -> int:
    """Each scheduled session starting tomorrow (Japan) tells its confirmed people once; returns sessions told."""
    tomorrow = today_tokyo() + timedelta(days=1)
    start, end = to_utc(tomorrow, time.min), to_utc(tomorrow + timedelta(days=1), time.min)
    sessions = list(db.session.scalars(select(TrainingSession).where(
        TrainingSession.status == SessionStatus.SCHEDULED.value, TrainingSession.starts_at >= start,
        TrainingSession.starts_at < end, TrainingSession.reminder_sent_at.is_(None))))
    for session in sessions:
        confirmed = [r for r in _active(session.id) if r.status == RegistrationStatus.CONFIRMED.value]
        for registration in confirmed:
            notices.tell_registration(registration, "training.tomorrow")
        session.reminder_sent_at = utcnow()
        audit.record(None, "training.remind", "training_session", session.id, city_id=session.city_id,
                     summary=session.title)
    db.session.commit()
    return len(sessions)
