"""After-action notes (派遣の振り返り): each side of an ended dispatch is asked once, reminded once, and writes
a short note that the whole alliance reads if marked shareable, else only the dispatch's parties and the
coordinating city.

The sides: the receiving city (its HR officers), the person, and for a serving officer (an exchange leg or a
secondment) the sending city, the officer's employer. One ``NoteRequest`` per dispatch and side (unique), so
the daily job asks each side once whatever how often it runs; the reminder is stamped in ``reminded_at``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from ..core import clock, permissions
from ..core.errors import UserError
from ..core.permissions import PermissionDenied, Role
from ..dispatches import notices as dispatch_notices
from ..dispatches.models import Dispatch
from ..extensions import db
from ..specialists.models import Specialist
from . import notices as _kinds  # noqa: F401  (registers the library's notification kinds)
from .models import LibraryEntry, NoteRequest
from .services import BODY_MAX, publish_entry

WORKED_MAX = 4_000
SHARE_MAX = 4_000


class NoteRequestNotFound(Exception):
    """No such dispatch: the page answers 404."""


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
    link = dispatch_notices.link_to("library.write_note", dispatch_id=note_request.dispatch_id)
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


def side_of(actor: Any, dispatch: Dispatch) -> tuple[str, int | None] | None:
    """Which side of the dispatch ``actor`` writes for: (party, city id), or None when none."""
    for party, city_id in sides_of(dispatch):
        if party == "specialist":
            if actor.role == Role.SPECIALIST and dispatch.specialist is not None and \
                    dispatch.specialist.user_id == actor.id:
                return party, None
        elif actor.role == Role.CITY_HR and actor.city_id == city_id:
            return party, city_id
    return None


def my_requests(actor: Any) -> list[NoteRequest]:
    """The note requests of the actor's sides, unanswered first, newest first."""
    permissions.check(actor, "library.my_notes")
    query = select(NoteRequest).join(Dispatch, Dispatch.id == NoteRequest.dispatch_id)
    if actor.role == Role.CITY_HR:
        query = query.where(NoteRequest.party != "specialist", NoteRequest.city_id == actor.city_id)
    else:
        query = query.join(Specialist, Specialist.id == Dispatch.specialist_id).where(
            NoteRequest.party == "specialist", Specialist.user_id == actor.id)
    found = list(db.session.scalars(query.order_by(NoteRequest.requested_at.desc(), NoteRequest.id.desc())))
    return sorted(found, key=lambda r: r.is_answered)


@dataclass(frozen=True)
class NotePage:
    """A side's note on one dispatch: which side, whether the dispatch has ended, the request and note so far."""

    dispatch: Dispatch
    party: str
    city_id: int | None
    note_request: NoteRequest | None

    @property
    def is_open(self) -> bool:
        return self.dispatch.status == "completed"

    @property
    def entry(self) -> LibraryEntry | None:
        return self.note_request.entry if self.note_request is not None else None


def note_page(actor: Any, dispatch_id: int) -> NotePage:
    """The actor's side of a dispatch; ``NoteRequestNotFound`` for no such dispatch, ``PermissionDenied`` for
    someone who is not one of its sides."""
    permissions.check(actor, "library.note")
    dispatch = db.session.get(Dispatch, dispatch_id)
    if dispatch is None:
        raise NoteRequestNotFound(dispatch_id)
    side = side_of(actor, dispatch)
    if side is None:
        raise PermissionDenied("library.note")
    note_request = db.session.scalar(select(NoteRequest).where(NoteRequest.dispatch_id == dispatch.id,
                                                               NoteRequest.party == side[0]))
    return NotePage(dispatch, side[0], side[1], note_request)


def note_parts(entry: LibraryEntry | None) -> tuple[str, str]:
    """What worked and what to share, as written (the body keeps them apart by a blank line and a rule)."""
    if entry is None:
        return "", ""
    worked, _, share = entry.body.partition("\n\n---\n\n")
    return worked, share


def write_note(actor: Any, dispatch_id: int, *, title: str, worked: str, share: str,
               is_shared: bool) -> LibraryEntry:
    """Save (or correct) the side's note on an ended dispatch; shareable ones appear in the library at once.

    Whether asked yet or not (the daily job may not have run), the side's one ``NoteRequest`` holds the note.
    """
    page = note_page(actor, dispatch_id)
    dispatch = page.dispatch
    if not page.is_open:
        raise UserError("振り返りは派遣が終わってから書けます。")
    note_request = page.note_request
    if note_request is None:
        note_request = NoteRequest(dispatch_id=dispatch.id, party=page.party, city_id=page.city_id,
                                   requested_at=clock.utcnow())
        db.session.add(note_request)
        db.session.flush()
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


def forget_withdrawing_specialist(specialist: Specialist, actor: Any = None) -> None:
    """``specialist_withdrawing``: the person's own after-action notes are deleted (their words, their account).

    The city sides' notes on the same dispatches stay: staff wrote them about the posting, not the person.
    """
    own = select(LibraryEntry).join(Dispatch, Dispatch.id == LibraryEntry.dispatch_id).where(
        Dispatch.specialist_id == specialist.id, LibraryEntry.kind == "after_action",
        LibraryEntry.party == "specialist")
    for entry in list(db.session.scalars(own)):
        db.session.execute(update(NoteRequest).where(NoteRequest.entry_id == entry.id).values(entry_id=None)
                           .execution_options(synchronize_session="fetch"))
        db.session.delete(entry)
    db.session.flush()


def unanswered_count(actor: Any) -> int:
    """How many note requests of the actor's sides wait for a note (the menu's count); 0 for other roles."""
    if not permissions.may(actor, "library.my_notes"):
        return 0
    query = select(func.count(NoteRequest.id)).join(Dispatch, Dispatch.id == NoteRequest.dispatch_id).where(
        NoteRequest.entry_id.is_(None))
    if actor.role == Role.CITY_HR:
        query = query.where(NoteRequest.party != "specialist", NoteRequest.city_id == actor.city_id)
    else:
        query = query.join(Specialist, Specialist.id == Dispatch.specialist_id).where(
            NoteRequest.party == "specialist", Specialist.user_id == actor.id)
    return db.session.scalar(query) or 0
