"""After-action notes (派遣の振り返り): each side of an ended dispatch is asked once, reminded once, and writes
a short note that the whole alliance reads if marked shareable, else only the dispatch's parties and the
coordinating city.

The sides: the receiving city (its HR officers), the person, and for a serving officer (an exchange leg or a
secondment) the sending city, the officer's employer. One ``NoteRequest`` per dispatch and side (unique), so
the daily job asks each side once whatever how often it runs; the reminder is stamped in ``reminded_at``.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..core import clock, permissions
from ..core.errors import UserError
from ..core.permissions import PermissionDenied, Role
from ..dispatches import notices as dispatch_notices
from ..dispatches.models import Dispatch
from ..extensions import db
from . import notices as _kinds  # noqa: F401  (registers the library's notification kinds)
from .models import LibraryEntry, NoteRequest
from .services import BODY_MAX, publish_entry

WORKED_MAX = 4_000
SHARE_MAX = 4_000


class NoteRequestNotFound(Exception):
    """No such request, or not one of the actor's sides: the page answers 404."""


def reminder_days() -> int:
    return int(current_app.config.get("LIBRARY_NOTE_REMINDER_DAYS") or 14)


def lookback_days() -> int:
    return int(current_app.config.get("LIBRARY_NOTE_LOOKBACK_DAYS") or 60)


def sides_of(dispatch: Dispatch) -> list[tuple[str, int | None]]:
    """The sides asked for a note: (party, city id) for the receiving city, the sending city if any, the person."""
    sides: list[tuple[str, int | None]] = [("receiving", dispatch.city_id)]
    employer = dispatch.specialist.employer_city_id if dispatch.specialist is not None else None
    if employer is not None and employer != dispatch.city_id:
        sides.append(("sending", employer))
    sides.append(("specialist", None))
    return sides


def _params(dispatch: Dispatch) -> dict[str, Any]:
    return {"city": dispatch_notices.city_param(dispatch.city), "start_date": dispatch.start_date.isoformat(),
            "end_date": dispatch.end_date.isoformat()}


def _tell(note_request: NoteRequest, dispatch: Dispatch, kind: str) -> None:
    link = dispatch_notices.link_to("library.write_note", request_id=note_request.id)
    key = f"{kind}:{note_request.id}"
    if note_request.party == "specialist":
        if dispatch.specialist is not None:
            dispatch_notices.tell_specialist(dispatch.specialist, kind, _params(dispatch), link, key)
    elif note_request.city_id is not None:
        dispatch_notices.tell_users(dispatch_notices.hr_officers(note_request.city_id), kind, _params(dispatch),
                                    link, key)


def request_notes(today: date | None = None) -> int:
    """Daily: every side of each dispatch ended (within the look-back) and not yet asked is asked once."""
    today = today or clock.today_tokyo()
    now = clock.utcnow()
    since = today - timedelta(days=lookback_days())
    ended = db.session.scalars(select(Dispatch).where(
        Dispatch.status == "completed", Dispatch.end_date < today, Dispatch.end_date >= since).order_by(Dispatch.id))
    asked = 0
    for dispatch in ended:
        existing = set(db.session.scalars(select(NoteRequest.party).where(NoteRequest.dispatch_id == dispatch.id)))
        for party, city_id in sides_of(dispatch):
            if party in existing:
                continue
            note_request = NoteRequest(dispatch_id=dispatch.id, party=party, city_id=city_id, requested_at=now)
            db.session.add(note_request)
            db.session.flush()
            _tell(note_request, dispatch, "library.note_requested")
            asked += 1
    db.session.commit()
    return asked


def remind_notes(now: datetime | None = None) -> int:
    """Daily: a side that wrote nothing ``LIBRARY_NOTE_REMINDER_DAYS`` after being asked is reminded, once."""
    now = now or clock.utcnow()
    due = list(db.session.scalars(select(NoteRequest).where(
        NoteRequest.entry_id.is_(None), NoteRequest.reminded_at.is_(None),
        NoteRequest.requested_at <= now - timedelta(days=reminder_days())).order_by(NoteRequest.id)))
    for note_request in due:
        note_request.reminded_at = now
        dispatch = db.session.get(Dispatch, note_request.dispatch_id)
        if dispatch is not None:
            _tell(note_request, dispatch, "library.note_reminder")
    db.session.commit()
    return len(due)


# ----------------------------------------------------------------------------- writing a note


def is_side(actor: Any, note_request: NoteRequest, dispatch: Dispatch) -> bool:
    """The receiving or sending city's HR officers for a city side; the person for their own side."""
    if note_request.party == "specialist":
        return actor.role == Role.SPECIALIST and dispatch.specialist is not None and \
            dispatch.specialist.user_id == actor.id
    return actor.role == Role.CITY_HR and actor.city_id == note_request.city_id


def my_requests(actor: Any) -> list[NoteRequest]:
    """The note requests of the actor's sides, unanswered first, newest first."""
    permissions.check(actor, "library.note")
    query = select(NoteRequest).join(Dispatch, Dispatch.id == NoteRequest.dispatch_id)
    if actor.role == Role.CITY_HR:
        query = query.where(NoteRequest.party != "specialist", NoteRequest.city_id == actor.city_id)
    else:
        from ..specialists.models import Specialist
        query = query.join(Specialist, Specialist.id == Dispatch.specialist_id).where(
            NoteRequest.party == "specialist", Specialist.user_id == actor.id)
    found = list(db.session.scalars(query.order_by(NoteRequest.requested_at.desc(), NoteRequest.id.desc())))
    return sorted(found, key=lambda r: r.is_answered)


def get_request(actor: Any, request_id: int) -> tuple[NoteRequest, Dispatch]:
    """The request and its dispatch when ``actor`` writes for that side, else ``NoteRequestNotFound``."""
    permissions.check(actor, "library.note")
    note_request = db.session.get(NoteRequest, request_id)
    dispatch = db.session.get(Dispatch, note_request.dispatch_id) if note_request is not None else None
    if note_request is None or dispatch is None or not is_side(actor, note_request, dispatch):
        raise NoteRequestNotFound(request_id)
    return note_request, dispatch


def note_parts(entry: LibraryEntry | None) -> tuple[str, str]:
    """What worked and what to share, as written (the body keeps them apart by a blank line and a rule)."""
    if entry is None:
        return "", ""
    worked, _, share = entry.body.partition("\n\n---\n\n")
    return worked, share


def write_note(actor: Any, request_id: int, *, title: str, worked: str, share: str,
               is_shared: bool) -> LibraryEntry:
    """Save (or correct) the side's note; shareable ones appear in the library at once. Audited by publish."""
    note_request, dispatch = get_request(actor, request_id)
    worked, share = (worked or "").strip(), (share or "").strip()
    if not worked and not share:
        raise UserError("うまくいったこと、共有したいことのどちらかを書いてください。", field="worked")
    if len(worked) > WORKED_MAX:
        raise UserError("%(limit)s文字以内で入力してください。", field="worked", limit=WORKED_MAX)
    if len(share) > SHARE_MAX:
        raise UserError("%(limit)s文字以内で入力してください。", field="share", limit=SHARE_MAX)
    body = worked + ("\n\n---\n\n" + share if share else "")
    if len(body) > BODY_MAX:
        raise UserError("本文は%(limit)s文字以内で入力してください。", field="share", limit=BODY_MAX)
    request_ = dispatch.request
    profession_id = request_.profession_id if request_ is not None else None
    if profession_id is None and dispatch.specialist is not None and dispatch.specialist.professions:
        profession_id = dispatch.specialist.professions[0].id
    field_id = request_.desired_fields[0].id if request_ is not None and request_.desired_fields else None
    try:
        entry = publish_entry(kind="after_action", title=title, body=body, profession_id=profession_id,
                              field_id=field_id, city_id=dispatch.city_id, source_key=f"note:{note_request.id}",
                              actor=actor, is_shared=bool(is_shared), dispatch_id=dispatch.id,
                              party=note_request.party)
    except PermissionDenied:
        db.session.rollback()
        raise
    note_request.entry_id = entry.id
    db.session.commit()
    return entry


def request_for_entry(entry: LibraryEntry) -> NoteRequest | None:
    """The note request an after-action entry answers (None for other kinds)."""
    if entry.kind != "after_action":
        return None
    return db.session.scalar(select(NoteRequest).where(NoteRequest.entry_id == entry.id))
