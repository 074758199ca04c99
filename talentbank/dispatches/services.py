"""Offers to specialists and the dispatches they become: answer, cancel, extend, start, end, evaluate.

An approved proposal becomes an offer (``offer_for_approved_proposal``, called by matching's
``ON_PROPOSAL_APPROVED``). The specialist accepts or declines before the deadline; acceptance
creates the dispatch, and only then may the receiving city see the name and contact. Every
change is audited in the same transaction; the days-per-week rule is the database's (see
``capacity``), and its refusal reaches people as a clear Japanese message.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from ..audit import services as audit
from ..audit.models import AuditEntry
from ..core import clock, permissions
from ..core.errors import N_, UserError
from ..lifecycle.transitions import check_move, transition
from ..core.pagination import paginate
from ..core.transactions import begin_deciding
from ..core.permissions import PermissionDenied, Role
from ..exchange.rings import services as rings
from ..extensions import db
from ..i18n import show_time
from ..matching import services as matching
from ..matching.models import HOLDING_PROPOSAL_STATUSES, Proposal
from ..requests import services as requests_services
from ..requests.models import LIVE_STATUSES as LIVE_REQUEST_STATUSES
from ..requests.models import StaffingRequest
from ..specialists.models import Specialist, SpecialistStatus
from ..specialists.privacy import record_full_view
from . import capacity, notices
from . import events as dispatch_events
from .models import (
    AGREED_DISPATCH_STATUSES,
    BOOKED_DISPATCH_STATUSES,
    Dispatch,
    DispatchEvaluation,
    DispatchExtension,
    Offer,
)

log = logging.getLogger(__name__)

OFFER_ENTITY = "dispatch_offer"
DISPATCH_ENTITY = "dispatch"
REASON_LIMIT = 2000
COMMENT_LIMIT = 2000
MAX_DISPATCH_DAYS = 5 * 366
# An evaluation may be written from this many days before the last day of the dispatch.
EVALUATION_OPENS_DAYS_BEFORE_END = 14
# A specialist is always given at least this long to answer, even when the work starts sooner.
MINIMUM_ANSWER_TIME = timedelta(days=1)
# Reminders go out when this little time is left to answer.
REMINDER_BEFORE_DEADLINE = timedelta(days=2)
# Reasons the system gives when it calls something off (kept in Japanese, told in the reader's language).
REQUEST_WITHDRAWN = ("派遣要請が取り下げられました。", "The staffing request was withdrawn.")
SPECIALIST_WITHDREW = ("専門人材が登録を取り消しました（退会）。", "The specialist withdrew from the registry.")


# ----------------------------------------------------------------------------- small helpers


def offer_deadline(start_date: date, now: datetime | None = None, days: int | None = None) -> datetime:
    """When an offer lapses: ``OFFER_DAYS`` from now, but before the work starts (and never under a day)."""
    now = now or clock.utcnow()
    days = days if days is not None else int(current_app.config.get("OFFER_DAYS", 7))
    before_start = max(clock.tokyo_day_start(start_date), now + MINIMUM_ANSWER_TIME)
    return min(now + timedelta(days=days), before_start)


def clean_reason(reason: str | None, *, required: bool, field: str = "reason") -> str:
    """A reason as stored: trimmed, required where a decision must say why, within the length limit."""
    text = (reason or "").strip()
    if required and not text:
        raise UserError("理由を入力してください。", field=field)
    if len(text) > REASON_LIMIT:
        raise UserError("理由は%(limit)s文字以内で入力してください。", field=field, limit=REASON_LIMIT)
    return text


def _is_own_specialist(actor: Any, specialist: Specialist) -> bool:
    return getattr(actor, "role", None) == Role.SPECIALIST and specialist.user_id == actor.id


def _offer_params(offer: Offer) -> dict[str, Any]:
    req = offer.request
    return {
        "city": notices.city_param(offer.city), "department": req.department, "section": req.section,
        "profession": notices.both(req.profession.name_ja, req.profession.name_en),
        "start_date": offer.start_date.isoformat(), "end_date": offer.end_date.isoformat(),
        "days": offer.days_per_week, "reference": offer.specialist.reference,
        "mode": notices.both("現地勤務", "On site") if offer.work_mode == "onsite"
        else notices.both("リモート勤務", "Remote"),
        "deadline": show_time(offer.deadline_at),
    }


def _dispatch_params(dispatch: Dispatch) -> dict[str, Any]:
    return {"city": notices.city_param(dispatch.city), "reference": dispatch.specialist.reference,
            "start_date": dispatch.start_date.isoformat(), "end_date": dispatch.end_date.isoformat(),
            "days": dispatch.days_per_week}


def _dispatch_summary(dispatch: Dispatch) -> str:
    return (f"{dispatch.specialist.reference} → {dispatch.city.name_ja} "
            f"{dispatch.start_date.isoformat()}〜{dispatch.end_date.isoformat()} 週{dispatch.days_per_week}日")


def _offer_summary(offer: Offer) -> str:
    return (f"{offer.specialist.reference} → {offer.city.name_ja} {offer.request.department} {offer.request.section} "
            f"{offer.start_date.isoformat()}〜{offer.end_date.isoformat()} 週{offer.days_per_week}日")


def _proposal(proposal_id: int | None) -> Proposal | None:
    return db.session.get(Proposal, proposal_id) if proposal_id is not None else None


def _release_proposal(proposal_id: int | None, actor: Any, why: str) -> None:
    """The pairing behind a cancelled offer or dispatch stops holding its slot (matching's "superseded").

    Matching pins offered and accepted pairings in later rounds; once the offer or the dispatch is
    called off, the slot must be free again (and the pair stays allowed: nobody refused it).
    """
    proposal = _proposal(proposal_id)
    if proposal is None or proposal.status not in HOLDING_PROPOSAL_STATUSES:
        return
    transition(proposal, "superseded", actor=actor, action="proposal.superseded", reason=why,
               summary=f"round {proposal.round_id}: specialist {proposal.specialist_id} → request {proposal.request_id}")


def refresh_fill_state(request_id: int | None, actor: Any) -> None:
    """Tell the request how many of its slots agreed dispatches fill (open, partly filled, filled)."""
    if request_id is None:
        return
    req = db.session.get(StaffingRequest, request_id)
    if req is None or req.status not in (*LIVE_REQUEST_STATUSES, "filled"):
        return  # a withdrawn or expired request keeps its closing state
    agreed = db.session.scalar(select(func.count(Dispatch.id)).where(
        Dispatch.request_id == request_id, Dispatch.status.in_(AGREED_DISPATCH_STATUSES))) or 0
    requests_services.mark_fill_state(request_id, min(agreed, req.people), actor=actor, commit=False)


# ----------------------------------------------------------------------------- offers


def offer_for_approved_proposal(proposal: Proposal, actor: Any) -> Offer:
    """Put an approved proposal to the specialist as an offer; part of the approving transaction.

    Subscribed to matching's ``proposal_approved``. Raises ``UserError`` (and rolls back) when
    the specialist's days are already taken by another offer or dispatch in that period.
    """
    existing = db.session.scalar(select(Offer).where(Offer.proposal_id == proposal.id))
    if existing is not None:
        return existing
    req = db.session.get(StaffingRequest, proposal.request_id)
    specialist = db.session.get(Specialist, proposal.specialist_id)
    if specialist.status != SpecialistStatus.ACTIVE:
        raise UserError("専門人材 %(reference)s は一時停止中または退会済みのため、打診できません。",
                        reference=specialist.reference)
    if req.status not in LIVE_REQUEST_STATUSES:
        raise UserError("この派遣要請は募集中ではないため、打診できません。")
    today = clock.today_tokyo()
    if req.end_date < today:
        raise UserError("この派遣要請の期間はすでに終わっているため、打診できません。")
    start = max(req.start_date, today)
    capacity.check_room(specialist, start, req.end_date, req.days_per_week)
    offer = Offer(proposal_id=proposal.id, specialist_id=specialist.id, request_id=req.id, city_id=req.city_id,
                  start_date=start, end_date=req.end_date, days_per_week=req.days_per_week,
                  work_mode=getattr(proposal, "served_mode", None) or ("remote" if req.work_mode == "remote"
                                                                      else "onsite"),
                  status="pending", deadline_at=offer_deadline(start), created_at=clock.utcnow(),
                  created_by_id=getattr(actor, "id", None))
    matching.mark_offered(proposal.id, actor)  # before the offer is added: its query must not flush the offer
    db.session.add(offer)
    capacity.flush_or_refuse(specialist.id, start, req.end_date, req.days_per_week)
    audit.record(actor, "dispatch_offer.made", OFFER_ENTITY, offer.id, city_id=req.city_id,
                 changes={"status": [None, "pending"], "deadline_at": [None, offer.deadline_at.isoformat()]},
                 summary=_offer_summary(offer))
    notices.tell_specialist(specialist, "dispatch.offer_made", _offer_params(offer),
                            notices.link_to("dispatches.offer", dispatch_offer_id=offer.id), f"offer.made:{offer.id}")
    return offer


def _offer_query():
    return select(Offer).options(joinedload(Offer.city), joinedload(Offer.specialist),
                                 joinedload(Offer.request).joinedload(StaffingRequest.profession))


def my_offers(actor: Any) -> tuple[list[Offer], list[Offer]]:
    """The specialist's offers: those waiting for an answer (soonest deadline first), then the answered ones."""
    permissions.check(actor, "offer.answer")
    offers = list(db.session.scalars(
        _offer_query().join(Specialist, Specialist.id == Offer.specialist_id)
        .where(Specialist.user_id == actor.id).order_by(Offer.created_at.desc(), Offer.id.desc())).unique())
    pending = sorted((o for o in offers if o.is_pending), key=lambda o: o.deadline_at)
    return pending, [o for o in offers if not o.is_pending]


def get_own_offer(actor: Any, offer_id: int, *, for_update: bool = False) -> Offer:
    """One of the specialist's own offers; anyone else's is a permission error."""
    permissions.check(actor, "offer.answer")
    query = _offer_query().where(Offer.id == offer_id)
    if for_update:
        query = query.with_for_update(of=Offer)
    offer = db.session.scalar(query)
    if offer is None:
        raise UserError("打診が見つかりません。")
    if not _is_own_specialist(actor, offer.specialist):
        raise PermissionDenied("offer.answer")
    return offer


ANSWERED = N_("この打診にはすでに回答済みか、取り消されています。")


def _check_answerable(offer: Offer, now: datetime) -> None:
    if offer.status != "pending":
        raise UserError(ANSWERED)
    if offer.deadline_at < now:
        raise UserError("回答期限（%(deadline)s）を過ぎているため、この打診には回答できません。",
                        deadline=show_time(offer.deadline_at))


def accept_offer(actor: Any, offer_id: int) -> Dispatch:
    """The specialist agrees: the dispatch is created and the city may now see the name and contact."""
    begin_deciding()
    offer = get_own_offer(actor, offer_id, for_update=True)
    now = clock.utcnow()
    _check_answerable(offer, now)
    if offer.request.status not in LIVE_REQUEST_STATUSES:
        raise UserError("この派遣要請は募集を終了したため、承諾できません。")
    today = clock.today_tokyo()
    if offer.end_date < today:
        raise UserError("この派遣要請の期間はすでに終わっているため、承諾できません。")
    transition(offer, "accepted", actor=actor, action="dispatch_offer.accepted", summary=_offer_summary(offer),
               stamp={"answered_by_id": actor.id}, now=now)
    matching.record_acceptance(offer.proposal_id, actor)
    db.session.flush()  # the offer stops counting before the dispatch starts to
    # Accepted after the planned first day (the answer time is never under a day): the work starts today.
    start = max(offer.start_date, today)
    is_running = start <= today
    dispatch = Dispatch(specialist_id=offer.specialist_id, city_id=offer.city_id, request_id=offer.request_id,
                        proposal_id=offer.proposal_id, offer_id=offer.id, start_date=start,
                        end_date=offer.end_date, days_per_week=offer.days_per_week, work_mode=offer.work_mode,
                        status="active" if is_running else "scheduled", started_at=now if is_running else None,
                        created_at=now, created_by_id=actor.id)
    db.session.add(dispatch)
    capacity.flush_or_refuse(offer.specialist_id, start, offer.end_date, offer.days_per_week)
    refresh_fill_state(offer.request_id, actor)
    audit.record(actor, "dispatch.created", DISPATCH_ENTITY, dispatch.id, city_id=dispatch.city_id,
                 changes={"status": [None, dispatch.status]}, summary=_offer_summary(offer))
    params = _offer_params(offer)
    link = notices.link_to("dispatches.detail", dispatch_id=dispatch.id)
    notices.tell_users(notices.hr_officers(offer.city_id) + notices.coordinators(), "dispatch.agreed", params, link,
                       f"dispatch.agreed:{dispatch.id}")
    dispatch_events.dispatch_agreed.send(dispatch, actor=actor)
    db.session.commit()
    return dispatch


def decline_offer(actor: Any, offer_id: int, reason: str = "") -> Offer:
    """The specialist says no: the pair is never proposed again and the slot goes back to the pool."""
    begin_deciding()
    offer = get_own_offer(actor, offer_id, for_update=True)
    reason = clean_reason(reason, required=False, field="decline_reason")
    transition(offer, "declined", actor=actor, action="dispatch_offer.declined", reason=reason,
               summary=_offer_summary(offer), stamp={"answered_by_id": actor.id, "decline_reason": reason or None},
               refused=ANSWERED)
    matching.record_decline(offer.proposal_id, actor, reason)
    notices.tell_users(notices.hr_officers(offer.city_id) + notices.coordinators(), "dispatch.offer_declined",
                       _offer_params(offer), notices.link_to("dispatches.index"), f"offer.declined:{offer.id}")
    db.session.commit()
    return offer


def lapse_offer(offer_id: int) -> Offer | None:
    """The deadline passed without an answer: the slot goes back to the pool; the pair stays allowed.

    Used by the scheduler's expiry job; returns ``None`` when the offer was answered meanwhile.
    """
    begin_deciding()
    offer = db.session.scalar(_offer_query().where(Offer.id == offer_id).with_for_update(of=Offer))
    if offer is None or offer.status != "pending":
        return None
    now = clock.utcnow()
    if offer.deadline_at > now:
        raise UserError("回答期限前の打診は失効させられません。")
    transition(offer, "lapsed", actor=None, action="dispatch_offer.lapsed", summary=_offer_summary(offer), now=now)
    matching.record_lapse(offer.proposal_id, None)
    params = _offer_params(offer)
    notices.tell_users(notices.hr_officers(offer.city_id) + notices.coordinators(), "dispatch.offer_lapsed", params,
                       notices.link_to("dispatches.index"), f"offer.lapsed:{offer.id}")
    notices.tell_specialist(offer.specialist, "dispatch.offer_lapsed", params,
                            notices.link_to("dispatches.offers"), f"offer.lapsed:{offer.id}")
    db.session.commit()
    return offer


def lapse_due_offers() -> list[int]:
    """Lapse every pending offer whose deadline has passed; returns their ids."""
    ids = list(db.session.scalars(select(Offer.id).where(Offer.status == "pending",
                                                         Offer.deadline_at <= clock.utcnow()).order_by(Offer.id)))
    lapsed = []
    for offer_id in ids:
        try:
            if lapse_offer(offer_id) is not None:
                lapsed.append(offer_id)
        except UserError:  # one offer in an unexpected state must not hold up the others
            db.session.rollback()
            log.exception("offer %s could not lapse", offer_id)
    return lapsed


def remind_due_offers() -> int:
    """Remind specialists whose offers are close to their deadline (once per offer)."""
    now = clock.utcnow()
    offers = list(db.session.scalars(
        _offer_query().where(Offer.status == "pending", Offer.reminded_at.is_(None),
                             Offer.deadline_at > now, Offer.deadline_at <= now + REMINDER_BEFORE_DEADLINE)
        .order_by(Offer.id)))
    for offer in offers:
        notices.tell_specialist(offer.specialist, "dispatch.offer_reminder", _offer_params(offer),
                                notices.link_to("dispatches.offer", dispatch_offer_id=offer.id),
                                f"offer.reminder:{offer.id}")
        offer.reminded_at = now
    db.session.commit()
    return len(offers)


def cancel_offer(offer: Offer, actor: Any, reason: tuple[str, str], *, tell_specialist: bool = True) -> None:
    """Withdraw a pending offer (its request or its specialist went away); in the caller's transaction.

    ``reason`` is given in Japanese and English: the record keeps the Japanese, the notice speaks the
    reader's language.
    """
    if offer.status != "pending":
        return
    transition(offer, "cancelled", actor=actor, action="dispatch_offer.cancelled", reason=reason[0],
               summary=_offer_summary(offer), stamp={"cancel_reason": reason[0]})
    _release_proposal(offer.proposal_id, actor, reason[0])
    if tell_specialist:
        notices.tell_specialist(offer.specialist, "dispatch.offer_cancelled",
                                {**_offer_params(offer), "reason": notices.both(*reason)},
                                notices.link_to("dispatches.offers"), f"offer.cancelled:{offer.id}")


def pending_offers(actor: Any, page: int = 1, per_page: int = 50) -> Pagination:
    """A page of offers waiting for the specialist's answer: all for the coordinating city, the own city's for HR."""
    permissions.check(actor, "dispatch.view")
    if actor.role == Role.SPECIALIST:
        raise PermissionDenied("dispatch.view")
    condition = [Offer.status == "pending"]
    if actor.role == Role.CITY_HR:
        condition.append(Offer.city_id == actor.city_id)
    return paginate(_offer_query().where(*condition).order_by(Offer.deadline_at, Offer.id), page, per_page)


# ----------------------------------------------------------------------------- dispatches


def _dispatch_query():
    return select(Dispatch).options(
        joinedload(Dispatch.city), joinedload(Dispatch.specialist),
        joinedload(Dispatch.request).joinedload(StaffingRequest.profession),
        selectinload(Dispatch.extensions).joinedload(DispatchExtension.extended_by),
        selectinload(Dispatch.evaluations))


def _load_dispatch(dispatch_id: int, *, for_update: bool = False) -> Dispatch:
    query = _dispatch_query().where(Dispatch.id == dispatch_id)
    if for_update:
        query = query.with_for_update(of=Dispatch)
    dispatch = db.session.scalar(query)
    if dispatch is None:
        raise UserError("派遣が見つかりません。")
    return dispatch


def _is_sending_city(actor: Any, dispatch: Dispatch) -> bool:
    """HR of the city that employs the serving officer sent (a secondment or an exchange leg): a party too."""
    employer = dispatch.specialist.employer_city_id
    return (getattr(actor, "role", None) == Role.CITY_HR and employer is not None and employer == actor.city_id
            and permissions.may(actor, "dispatch.view", employer))


def may_see_dispatch(actor: Any, dispatch: Dispatch) -> bool:
    """Coordinating city: every dispatch; HR: their city's, and their own serving officers' sent to another city
    (the sending city signs the agreement and bears part of the cost); a specialist: their own."""
    if _is_sending_city(actor, dispatch):
        return True
    if not permissions.may(actor, "dispatch.view", dispatch.city_id):
        return False
    if actor.role == Role.SPECIALIST:
        return dispatch.specialist.user_id == actor.id
    return True


def may_see_person(actor: Any, dispatch: Dispatch) -> bool:
    """Name and contact: the coordinating city, the specialist, and the receiving city once agreed."""
    if actor.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    if actor.role == Role.SPECIALIST:
        return dispatch.specialist.user_id == actor.id
    if _is_sending_city(actor, dispatch):
        return True  # their own officer, whose personnel record they hold
    return actor.city_id == dispatch.city_id and dispatch.is_agreed


def evaluation_party(actor: Any, dispatch: Dispatch) -> str | None:
    """Which side ``actor`` evaluates for: the receiving city's HR, or the specialist themself."""
    if not permissions.may(actor, "dispatch.evaluate", dispatch.city_id):
        return None
    if actor.role == Role.CITY_HR:
        return "city"
    if actor.role == Role.SPECIALIST and dispatch.specialist.user_id == actor.id:
        return "specialist"
    return None


def evaluation_opens_on(dispatch: Dispatch) -> date:
    return dispatch.end_date - timedelta(days=EVALUATION_OPENS_DAYS_BEFORE_END)


def is_evaluation_open(dispatch: Dispatch, today: date | None = None) -> bool:
    """At the end: once completed, or in the last two weeks of an active dispatch."""
    today = today or clock.today_tokyo()
    return dispatch.status == "completed" or (dispatch.status == "active" and today >= evaluation_opens_on(dispatch))


@dataclass(frozen=True)
class DispatchPage:
    """A dispatch as one viewer may see and act on it."""

    dispatch: Dispatch
    shows_person: bool
    may_manage: bool
    evaluation_party: str | None
    is_evaluation_open: bool
    exchange_legs: list[Dispatch]
    history: list[AuditEntry]


def view_dispatch(actor: Any, dispatch_id: int) -> DispatchPage:
    """A dispatch's page; the receiving city's view of a person's contact is written to the audit log."""
    dispatch = get_dispatch(actor, dispatch_id)
    shows_person = may_see_person(actor, dispatch) and dispatch.specialist.status != SpecialistStatus.WITHDRAWN
    if shows_person and actor.role == Role.CITY_HR:
        record_full_view(actor, dispatch.specialist, f"dispatch {dispatch.id}")
        db.session.commit()
        dispatch = get_dispatch(actor, dispatch_id)
    legs: list[Dispatch] = []
    if dispatch.exchange_cycle_id is not None:
        legs = [d for d in db.session.scalars(_dispatch_query().where(
            Dispatch.exchange_cycle_id == dispatch.exchange_cycle_id, Dispatch.id != dispatch.id)
            .order_by(Dispatch.id))]
    # The whole story of the placement: the pairing's approval, the offer and its answer, then the dispatch.
    related = [(DISPATCH_ENTITY, dispatch.id), (OFFER_ENTITY, dispatch.offer_id), ("proposal", dispatch.proposal_id)]
    history = audit.entity_history(*related)
    return DispatchPage(dispatch, shows_person, permissions.may(actor, "dispatch.manage"),
                        evaluation_party(actor, dispatch), is_evaluation_open(dispatch), legs, history)


def get_dispatch(actor: Any, dispatch_id: int, *, for_update: bool = False) -> Dispatch:
    """A dispatch the actor may see; another city's (or another specialist's) is a permission error."""
    permissions.check(actor, "dispatch.view")
    dispatch = _load_dispatch(dispatch_id, for_update=for_update)
    if not may_see_dispatch(actor, dispatch):
        raise PermissionDenied("dispatch.view")
    return dispatch


def _cancel(dispatch: Dispatch, actor: Any, reason: str, *, reason_en: str | None = None,
            tell_specialist: bool = True) -> None:
    transition(dispatch, "cancelled", actor=actor, action="dispatch.cancelled", reason=reason,
               summary=_dispatch_summary(dispatch),
               stamp={"cancel_reason": reason, "cancelled_by_id": getattr(actor, "id", None)})
    # The pairing no longer holds its slot: the next round may fill it (with this person or another).
    _release_proposal(dispatch.proposal_id, actor, reason)
    if dispatch.exchange_cycle_id is not None:  # a leg of an agreed ring: the ring stops holding the officer
        rings.release_leg(dispatch.exchange_cycle_id, dispatch.specialist_id, actor=actor, reason=reason)
    params = {**_dispatch_params(dispatch), "reason": notices.both(reason, reason_en) if reason_en else reason}
    link = notices.link_to("dispatches.detail", dispatch_id=dispatch.id)
    notices.tell_users(notices.hr_officers(dispatch.city_id) + notices.coordinators(), "dispatch.cancelled", params,
                       link, f"dispatch.cancelled:{dispatch.id}")
    if tell_specialist and dispatch.specialist.status != SpecialistStatus.WITHDRAWN:
        notices.tell_specialist(dispatch.specialist, "dispatch.cancelled", params, link,
                                f"dispatch.cancelled:{dispatch.id}")


def cancel_dispatch(actor: Any, dispatch_id: int, reason: str) -> Dispatch:
    """The coordinating city calls off a scheduled or running dispatch, with a reason everyone is told."""
    permissions.check(actor, "dispatch.manage")
    begin_deciding()
    dispatch = _load_dispatch(dispatch_id, for_update=True)
    reason = clean_reason(reason, required=True)
    check_move(dispatch, "cancelled", actor, N_("派遣予定または派遣中の派遣だけを中止できます。"))
    _cancel(dispatch, actor, reason)
    refresh_fill_state(dispatch.request_id, actor)
    db.session.commit()
    return dispatch


def extend_dispatch(actor: Any, dispatch_id: int, new_end: date | None, reason: str) -> Dispatch:
    """Lengthen a dispatch; the specialist must be available and have the days free for the added weeks."""
    permissions.check(actor, "dispatch.manage")
    dispatch = _load_dispatch(dispatch_id, for_update=True)
    reason = clean_reason(reason, required=True)
    if dispatch.status not in BOOKED_DISPATCH_STATUSES:
        raise UserError("派遣予定または派遣中の派遣だけを延長できます。")
    if new_end is None:
        raise UserError("新しい終了日を入力してください。", field="new_end_date")
    if new_end <= dispatch.end_date:
        raise UserError("新しい終了日は、現在の終了日（%(end)s）より後の日付にしてください。", field="new_end_date",
                        end=dispatch.end_date.isoformat())
    if (new_end - dispatch.start_date).days > MAX_DISPATCH_DAYS:
        raise UserError("派遣期間は通算5年以内にしてください。", field="new_end_date")
    specialist = dispatch.specialist
    if not dispatch.is_exchange and not any(w.start_date <= dispatch.end_date + timedelta(days=1)
                                            and new_end <= w.end_date for w in specialist.availability_windows):
        raise UserError("専門人材 %(reference)s の活動可能期間に%(new_end)sまでが含まれていません。"
                        "本人に活動可能期間の更新を依頼してから延長してください。", field="new_end_date",
                        reference=specialist.reference, new_end=new_end.isoformat())
    capacity.check_room(specialist, dispatch.start_date, new_end, dispatch.days_per_week,
                        skip_dispatch_id=dispatch.id)
    old_end = dispatch.end_date
    dispatch.end_date = new_end
    db.session.add(DispatchExtension(dispatch_id=dispatch.id, previous_end_date=old_end, new_end_date=new_end,
                                     reason=reason, extended_by_id=actor.id, created_at=clock.utcnow()))
    capacity.flush_or_refuse(specialist.id, dispatch.start_date, new_end, dispatch.days_per_week)
    audit.record(actor, "dispatch.extended", DISPATCH_ENTITY, dispatch.id, city_id=dispatch.city_id,
                 changes={"end_date": [old_end.isoformat(), new_end.isoformat()]}, reason=reason,
                 summary=_dispatch_summary(dispatch))
    params = {**_dispatch_params(dispatch), "old_end": old_end.isoformat(), "new_end": new_end.isoformat(),
              "reason": reason}
    link = notices.link_to("dispatches.detail", dispatch_id=dispatch.id)
    key = f"dispatch.extended:{dispatch.id}:{new_end.isoformat()}"
    notices.tell_users(notices.hr_officers(dispatch.city_id), "dispatch.extended", params, link, key)
    notices.tell_specialist(specialist, "dispatch.extended", params, link, key)
    dispatch_events.dispatch_extended.send(dispatch, actor=actor, reason=reason)
    db.session.commit()
    return dispatch


def _request_evaluations(dispatch: Dispatch, now: datetime) -> None:
    if dispatch.evaluation_requested_at is not None:
        return
    dispatch.evaluation_requested_at = now
    params = _dispatch_params(dispatch)
    link = notices.link_to("dispatches.detail", dispatch_id=dispatch.id)
    key = f"dispatch.evaluation:{dispatch.id}"
    notices.tell_users(notices.hr_officers(dispatch.city_id), "dispatch.evaluation_requested", params, link, key)
    if dispatch.specialist.status != SpecialistStatus.WITHDRAWN:
        notices.tell_specialist(dispatch.specialist, "dispatch.evaluation_requested", params, link, key)


def advance_dispatches(today: date | None = None) -> tuple[int, int]:
    """Daily: scheduled dispatches whose first day has come become active; those past their last day end.

    Ending a dispatch asks both sides for their evaluation. Returns (started, completed).
    """
    today = today or clock.today_tokyo()
    now = clock.utcnow()
    started = completed = 0
    to_start = list(db.session.scalars(_dispatch_query().where(
        Dispatch.status == "scheduled", Dispatch.start_date <= today).order_by(Dispatch.id).with_for_update(
        of=Dispatch)))
    for dispatch in to_start:
        transition(dispatch, "active", actor=None, action="dispatch.started", summary=_dispatch_summary(dispatch),
                   now=now)
        started += 1
    db.session.flush()
    to_complete = list(db.session.scalars(_dispatch_query().where(
        Dispatch.status == "active", Dispatch.end_date < today).order_by(Dispatch.id).with_for_update(of=Dispatch)))
    for dispatch in to_complete:
        transition(dispatch, "completed", actor=None, action="dispatch.completed",
                   summary=_dispatch_summary(dispatch), now=now)
        _request_evaluations(dispatch, now)
        completed += 1
    db.session.commit()
    return started, completed


def check_may_evaluate(actor: Any, dispatch_id: int) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` evaluates this dispatch for one of its sides."""
    permissions.check(actor, "dispatch.evaluate")
    if evaluation_party(actor, _load_dispatch(dispatch_id)) is None:
        raise PermissionDenied("dispatch.evaluate")


def evaluate(actor: Any, dispatch_id: int, rating: int | None, comment: str = "") -> DispatchEvaluation:
    """The receiving city or the specialist rates the dispatch (1–5) at its end; a second save corrects it."""
    permissions.check(actor, "dispatch.evaluate")
    dispatch = _load_dispatch(dispatch_id, for_update=True)
    party = evaluation_party(actor, dispatch)
    if party is None:
        raise PermissionDenied("dispatch.evaluate")
    if not is_evaluation_open(dispatch):
        raise UserError("評価は派遣の終了日の%(days)s日前（%(opens)s）から入力できます。",
                        days=EVALUATION_OPENS_DAYS_BEFORE_END, opens=evaluation_opens_on(dispatch).isoformat())
    if rating is None or not 1 <= rating <= 5:
        raise UserError("評価は1〜5の中から選んでください。", field="rating")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_LIMIT:
        raise UserError("コメントは%(limit)s文字以内で入力してください。", field="comment", limit=COMMENT_LIMIT)
    evaluation = dispatch.evaluation_by(party)
    before = {"rating": evaluation.rating, "comment": evaluation.comment} if evaluation else {}
    if evaluation is None:
        evaluation = DispatchEvaluation(dispatch_id=dispatch.id, party=party, created_at=clock.utcnow())
        dispatch.evaluations.append(evaluation)
    evaluation.rating = rating
    evaluation.comment = comment
    evaluation.author_id = actor.id
    evaluation.updated_at = clock.utcnow()
    audit.record(actor, "dispatch.evaluated", DISPATCH_ENTITY, dispatch.id, city_id=dispatch.city_id,
                 changes=audit.diff(before, {"rating": rating, "comment": comment}),
                 summary=f"{party}: {rating}/5 {_dispatch_summary(dispatch)}")
    db.session.commit()
    return evaluation


def my_dispatches(actor: Any) -> list[Dispatch]:
    """The specialist's own dispatches, newest first."""
    permissions.check(actor, "offer.answer")
    return list(db.session.scalars(
        _dispatch_query().join(Specialist, Specialist.id == Dispatch.specialist_id)
        .where(Specialist.user_id == actor.id).order_by(Dispatch.start_date.desc(), Dispatch.id.desc())).unique())


# ----------------------------------------------------------------------------- reactions to other domains


def cancel_for_withdrawn_request(req: StaffingRequest) -> None:
    """A withdrawn request takes back its pending offers (agreed dispatches stand); in its transaction."""
    offers = list(db.session.scalars(_offer_query().where(Offer.request_id == req.id, Offer.status == "pending")))
    for offer in offers:
        cancel_offer(offer, None, REQUEST_WITHDRAWN)


def cancel_for_withdrawing_specialist(specialist: Specialist, actor: Any) -> None:
    """A specialist leaves: their pending offers and their scheduled or running dispatches are called off."""
    # The leaving specialist is not written to: their address is about to be erased, and a notice in
    # the outbox would keep it.
    for offer in db.session.scalars(_offer_query().where(Offer.specialist_id == specialist.id,
                                                         Offer.status == "pending")):
        cancel_offer(offer, actor, SPECIALIST_WITHDREW, tell_specialist=False)
    dispatches = list(db.session.scalars(_dispatch_query().where(
        Dispatch.specialist_id == specialist.id, Dispatch.status.in_(BOOKED_DISPATCH_STATUSES))))
    for dispatch in dispatches:
        _cancel(dispatch, actor, SPECIALIST_WITHDREW[0], reason_en=SPECIALIST_WITHDREW[1], tell_specialist=False)
    db.session.flush()
    for request_id in sorted({d.request_id for d in dispatches if d.request_id is not None}):
        refresh_fill_state(request_id, actor)


def forget_withdrawing_words(specialist: Specialist, actor: Any = None) -> None:
    """``specialist_withdrawing``: what the person wrote (why they declined, their evaluations) is erased."""
    db.session.execute(update(Offer).where(Offer.specialist_id == specialist.id, Offer.decline_reason.is_not(None))
                       .values(decline_reason=None).execution_options(synchronize_session=False))
    db.session.execute(update(DispatchEvaluation).where(
        DispatchEvaluation.party == "specialist",
        DispatchEvaluation.dispatch_id.in_(select(Dispatch.id).where(Dispatch.specialist_id == specialist.id)))
        .values(comment="").execution_options(synchronize_session=False))


def has_agreed_dispatch(city_id: int, specialist_id: int) -> bool:
    """Is a dispatch of the specialist to the city agreed (scheduled, active or completed)?"""
    return db.session.scalar(select(Dispatch.id).where(
        Dispatch.city_id == city_id, Dispatch.specialist_id == specialist_id,
        Dispatch.status.in_(AGREED_DISPATCH_STATUSES)).limit(1)) is not None


def previous_cities(specialist_ids: list[int] | None = None) -> dict[int, set[int]]:
    """City ids each specialist has served (dispatches running or completed): the solver's continuity."""
    query = select(Dispatch.specialist_id, Dispatch.city_id).where(Dispatch.status.in_(("active", "completed")))
    if specialist_ids is not None:
        query = query.where(Dispatch.specialist_id.in_(specialist_ids))
    found: dict[int, set[int]] = {}
    for specialist_id, city_id in db.session.execute(query.distinct()):
        found.setdefault(specialist_id, set()).add(city_id)
    return found
