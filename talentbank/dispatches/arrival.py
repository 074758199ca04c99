"""The receiving city's arrival details for a dispatch: whom to contact, where and when to go, what to bring.

The receiving city's HR officer (or the coordinating city) enters them once the dispatch is agreed.
The specialist, the receiving city and the coordinating city read them on the dispatch page; the
specialist also sees them on their home page, and is told (inbox and e-mail, in their language)
when they are first entered. Every save is audited on the dispatch, like its other changes.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import services as audit
from ..core import clock, permissions
from ..core.errors import N_, UserError, UserErrors
from ..core.names import name_problem
from ..core.permissions import PermissionDenied, Role
from ..extensions import db
from ..notifications.kinds import register_kind
from ..specialists.validation import EMAIL, PHONE
from . import notices
from .models import BOOKED_DISPATCH_STATUSES, Dispatch

DISPATCH_ENTITY = "dispatch"
NAME_LIMIT = 100
PLACE_LIMIT = 300
BRING_LIMIT = 1000
EMAIL_LIMIT = 254

register_kind(
    "dispatch.arrival_details",
    N_("初日の案内が届きました（%(city)s）"),
    N_("%(city)s への派遣（%(start_date)s〜%(end_date)s）の初日の案内が登録されました。"
       "初日：%(first_day)s、場所：%(place)s、連絡先：%(contact)s。持ち物などの詳細は派遣の画面で確認できます。"),
    {"city": {"ja": "逗子市", "en": "Zushi"}, "start_date": "2027-04-01", "end_date": "2027-09-30",
     "first_day": "2027-04-01 08:30", "place": "逗子市役所 3階 道路課", "contact": "逗子 太郎（046-873-1111）"},
)


class DispatchArrival(db.Model):
    """One dispatch's contact person and first-day details, as the receiving city last entered them."""

    __tablename__ = "dispatch_arrivals"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatches.id", ondelete="CASCADE"), unique=True)
    contact_name: Mapped[str] = mapped_column(String(NAME_LIMIT))
    contact_phone: Mapped[str] = mapped_column(String(30))
    contact_email: Mapped[str] = mapped_column(String(EMAIL_LIMIT), default="")
    place: Mapped[str] = mapped_column(String(PLACE_LIMIT))
    first_day_on: Mapped[date]
    meeting_time: Mapped[time | None]
    what_to_bring: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=clock.utcnow)

    @property
    def first_day_label(self) -> str:
        """The first day and, when given, the meeting time (Japan time, as entered)."""
        return self.first_day_on.isoformat() + (f" {self.meeting_time:%H:%M}" if self.meeting_time else "")


@dataclass
class ArrivalValues:
    """What the form sends, as plain values."""

    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    place: str = ""
    first_day_on: date | None = None
    meeting_time: time | None = None
    what_to_bring: str = ""

    def cleaned(self) -> ArrivalValues:
        return ArrivalValues(
            (self.contact_name or "").strip(),
            (self.contact_phone or "").strip().replace("－", "-").replace("ー", "-"),
            (self.contact_email or "").strip(), (self.place or "").strip(), self.first_day_on, self.meeting_time,
            (self.what_to_bring or "").strip().replace("\r\n", "\n"))


def _has_control(text: str) -> bool:
    return any(ord(ch) < 32 and ch not in "\n\t" for ch in text)


def validate_arrival(values: ArrivalValues, dispatch: Dispatch) -> list[UserError]:
    """Every problem of the details at once (so the form shows them together)."""
    problems: list[UserError] = []
    if not values.contact_name:
        problems.append(UserError("担当者の氏名を入力してください。", field="contact_name"))
    elif problem := name_problem(values.contact_name, NAME_LIMIT):  # a name, as every name field (core/names.py)
        problems.append(UserError(problem[0], field="contact_name", **problem[1]))
    digits = sum(ch.isdigit() for ch in values.contact_phone)
    if not values.contact_phone:
        problems.append(UserError("担当者の電話番号を入力してください。", field="contact_phone"))
    elif not PHONE.match(values.contact_phone) or not 10 <= digits <= 15:
        problems.append(UserError("電話番号は半角数字とハイフンで入力してください（例: 046-873-1111）。",
                                  field="contact_phone"))
    if values.contact_email and (len(values.contact_email) > EMAIL_LIMIT or not EMAIL.match(values.contact_email)):
        problems.append(UserError("メールアドレスの形式が正しくありません。", field="contact_email"))
    if not values.place:
        problems.append(UserError("初日に行く場所を入力してください。", field="place"))
    elif len(values.place) > PLACE_LIMIT or _has_control(values.place):
        problems.append(UserError("場所は300文字以内で入力してください。", field="place"))
    if values.first_day_on is None:
        problems.append(UserError("初日の日付を入力してください。", field="first_day_on"))
    elif not dispatch.start_date <= values.first_day_on <= dispatch.end_date:
        problems.append(UserError("初日は派遣期間（%(start)s〜%(end)s）の中の日付にしてください。", field="first_day_on",
                                  start=dispatch.start_date.isoformat(), end=dispatch.end_date.isoformat()))
    if len(values.what_to_bring) > BRING_LIMIT or _has_control(values.what_to_bring):
        problems.append(UserError("持ち物は1000文字以内で入力してください。", field="what_to_bring"))
    return problems


def may_edit_arrival(actor: Any, dispatch: Dispatch) -> bool:
    """The receiving city's HR officers and the coordinating city, while the dispatch is coming or under way."""
    return (permissions.may(actor, "dispatch.arrival", dispatch.city_id)
            and (actor.role != Role.CITY_HR or actor.city_id == dispatch.city_id))


def arrival_for(dispatch_id: int) -> DispatchArrival | None:
    """The details of one dispatch, if entered (callers have checked the reader may see the dispatch)."""
    return db.session.scalar(select(DispatchArrival).where(DispatchArrival.dispatch_id == dispatch_id))


def arrivals_for(dispatch_ids: list[int]) -> dict[int, DispatchArrival]:
    """The details of several dispatches, by dispatch id (the specialist's home page)."""
    if not dispatch_ids:
        return {}
    return {a.dispatch_id: a for a in db.session.scalars(
        select(DispatchArrival).where(DispatchArrival.dispatch_id.in_(dispatch_ids)))}


def _load_for_edit(actor: Any, dispatch_id: int) -> Dispatch:
    permissions.check(actor, "dispatch.arrival")
    dispatch = db.session.scalar(select(Dispatch).where(Dispatch.id == dispatch_id).with_for_update(of=Dispatch))
    if dispatch is None:
        raise UserError("派遣が見つかりません。")
    if not may_edit_arrival(actor, dispatch):
        raise PermissionDenied("dispatch.arrival")
    return dispatch


def check_may_edit(actor: Any, dispatch_id: int) -> Dispatch:
    """The dispatch whose details ``actor`` may enter; another city's is a permission error."""
    dispatch = db.session.get(Dispatch, dispatch_id)
    if dispatch is None:
        raise UserError("派遣が見つかりません。")
    permissions.check(actor, "dispatch.arrival")
    if not may_edit_arrival(actor, dispatch):
        raise PermissionDenied("dispatch.arrival")
    return dispatch


def _stored(arrival: DispatchArrival | None) -> dict[str, Any]:
    if arrival is None:
        return {}
    return {"contact_name": arrival.contact_name, "contact_phone": arrival.contact_phone,
            "contact_email": arrival.contact_email, "place": arrival.place,
            "first_day_on": arrival.first_day_on.isoformat(),
            "meeting_time": arrival.meeting_time.strftime("%H:%M") if arrival.meeting_time else None,
            "what_to_bring": arrival.what_to_bring}


def save_arrival(actor: Any, dispatch_id: int, values: ArrivalValues) -> DispatchArrival:
    """Enter or change a dispatch's arrival details; the specialist is told the first time."""
    dispatch = _load_for_edit(actor, dispatch_id)
    if dispatch.status not in BOOKED_DISPATCH_STATUSES:
        raise UserError("派遣予定または派遣中の派遣だけ、初日の案内を登録できます。")
    values = values.cleaned()
    problems = validate_arrival(values, dispatch)
    if problems:
        raise UserErrors(problems)
    arrival = arrival_for(dispatch.id)
    before = _stored(arrival)
    is_first = arrival is None
    now = clock.utcnow()
    if arrival is None:
        arrival = DispatchArrival(dispatch_id=dispatch.id, created_at=now)
        db.session.add(arrival)
    for name, value in asdict(values).items():
        setattr(arrival, name, value)
    arrival.updated_by_id = actor.id
    arrival.updated_at = now
    after = _stored(arrival)
    changes = {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
    if not changes:
        db.session.rollback()
        return arrival_for(dispatch_id)  # nothing changed: nothing to audit or tell
    db.session.flush()
    audit.record(actor, "dispatch.arrival_entered" if is_first else "dispatch.arrival_changed", DISPATCH_ENTITY,
                 dispatch.id, city_id=dispatch.city_id, changes=changes,
                 summary=f"{dispatch.specialist.reference} → {dispatch.city.name_ja} {arrival.first_day_label}")
    if is_first:
        contact = f"{values.contact_name}（{values.contact_phone}）"
        params = {"city": notices.city_param(dispatch.city), "start_date": dispatch.start_date.isoformat(),
                  "end_date": dispatch.end_date.isoformat(), "first_day": arrival.first_day_label,
                  "place": values.place, "contact": contact}
        notices.tell_specialist(dispatch.specialist, "dispatch.arrival_details", params,
                                notices.link_to("dispatches.detail", dispatch_id=dispatch.id),
                                f"dispatch.arrival:{dispatch.id}")
    db.session.commit()
    return arrival
