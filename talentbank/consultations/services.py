"""Consultations: posting, offering, the first accept, the thread, closing and publishing; who sees what.

Every change checks the actor's role and city (``core/permissions.py``) and writes its audit entry in the
same transaction. Who sees a consultation: the posting city's HR officers, the coordinating city (and the
administrator) all, a specialist those offered to them and the ones they took. The thread (messages and
attachments) is for the posting city, the specialist who took it, and the coordinating city to read.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import current_app
from sqlalchemy import or_, select, update

from ..agreements.terms import RATE_FORMS, latest_confirmed_terms
from ..audit import services as audit
from ..core import clock, permissions
from ..core.errors import N_, UserError, UserErrors
from ..core.permissions import Role
from ..dispatches.models import Dispatch
from ..extensions import db
from ..library.services import publish_entry
from ..notifications import services as notifications
from ..specialists.models import Specialist
from ..vocabulary.models import ExperienceField, Licence, Profession
from . import attachments, delegates, matching, notices
from .models import (
    MAX_HOURS,
    MAX_SPENT_HOURS,
    MIN_HOURS,
    STATUS_LABELS,
    URGENCIES,
    WORK_MODES,
    Consultation,
    ConsultationMessage,
    ConsultationOffer,
)

ENTITY = "consultation"
TITLE_MAX = 200
QUESTION_MAX = 5000
MESSAGE_MAX = 5000
SUMMARY_MAX = 2000
REASON_MAX = 1000
MAX_WANTED_DAYS = 365
HOURS_PER_DAY = Decimal("7.75")  # a daily rate counts 7.75 working hours (as the ledger's hourly rate does)
DEFAULT_WAIT_HOURS = 24

REASON_LABELS = {
    "advice_off": N_("相談を受け付けていない"),
    "profession": N_("職種が合わない"),
    "licences": N_("必要な資格がない"),
    "availability": N_("希望日までに活動できない"),
    "mode": N_("勤務形態が合わない"),
    "travel": N_("移動時間の上限を超える"),
    "excluded_city": N_("この市を希望していない"),
    "own_employer": N_("自分の所属する市"),
    "declined": N_("この相談を辞退した"),
    "hour_cap": N_("今月の時間の上限を超える"),
    "held": N_("優先順位の高い相談の打診中"),
}


# ----------------------------------------------------------------------------- reading


def specialist_of(actor: Any) -> Specialist | None:
    if actor is None or getattr(actor, "role", None) != Role.SPECIALIST:
        return None
    return db.session.scalar(select(Specialist).where(Specialist.user_id == actor.id))


def _is_coordination(actor: Any) -> bool:
    return actor.role in (Role.COORDINATOR, Role.ADMIN)


def is_poster(actor: Any, c: Consultation) -> bool:
    """A delegate (a specialist account) who posted this consultation for their city follows it up as the city."""
    return getattr(actor, "role", None) == Role.SPECIALIST and c.posted_by_id is not None \
        and c.posted_by_id == actor.id


def acts_for_city(actor: Any, c: Consultation) -> bool:
    """The posting city's side: its HR officers, or the delegate who posted it."""
    return (actor.role == Role.CITY_HR and actor.city_id == c.city_id) or is_poster(actor, c)


def may_see(actor: Any, c: Consultation) -> bool:
    if not permissions.may(actor, "consultation.view"):
        return False
    if _is_coordination(actor):
        return True
    if actor.role == Role.CITY_HR:
        return actor.city_id == c.city_id
    if is_poster(actor, c):
        return True
    me = specialist_of(actor)
    return me is not None and (c.specialist_id == me.id or any(o.specialist_id == me.id for o in c.offers))


def may_see_thread(actor: Any, c: Consultation) -> bool:
    """The thread: the posting city, the specialist who took it, the coordinating city."""
    if not may_see(actor, c):
        return False
    if actor.role == Role.SPECIALIST:
        if is_poster(actor, c):
            return True
        me = specialist_of(actor)
        return me is not None and c.specialist_id == me.id
    return True


def side_of(actor: Any, c: Consultation) -> str | None:
    """``city`` or ``specialist`` when the actor takes part in the thread, else None (readers only)."""
    if acts_for_city(actor, c):
        return "city"
    if actor.role == Role.SPECIALIST:
        me = specialist_of(actor)
        if me is not None and c.specialist_id == me.id:
            return "specialist"
    return None


def city_side(c: Consultation) -> list[Any]:
    """Who hears the notices meant for the posting city: its HR officers, and the delegate who posted it while
    that person is still an active delegate of the city (each account once)."""
    users = list(notices.hr_officers(c.city_id))
    poster = c.posted_by
    if poster is not None and poster.is_enabled:  # an HR officer who posted is among ``users`` already
        delegation = delegates.active_delegation(poster)  # a specialist account only
        if delegation is not None and delegation.city_id == c.city_id:
            users.append(poster)
    return users


def read_notices(actor: Any, c: Consultation) -> int:
    """The reader opened the consultation: their unread notices pointing to it are read (the home page counts
    threads with an unread message by them: ``todos.unread_threads``)."""
    return notifications.mark_link_read(actor, notices.link_to("consultations.detail", consultation_id=c.id))


def get(actor: Any, consultation_id: int) -> Consultation:
    """One consultation the actor may see; a clear error (never another city's data) otherwise."""
    permissions.check(actor, "consultation.view")
    c = db.session.get(Consultation, consultation_id)
    if c is None:
        raise UserError("相談が見つかりません。")
    if not may_see(actor, c):
        raise permissions.PermissionDenied("consultation.view")
    return c


@dataclass
class Listing:
    waiting: list[tuple[Consultation, ConsultationOffer]] = field(default_factory=list)  # offers to answer
    mine: list[Consultation] = field(default_factory=list)  # taken by the specialist, or the city's own
    others: list[Consultation] = field(default_factory=list)  # offered before, answered
    posted: list[Consultation] = field(default_factory=list)  # a delegate's own postings for their city


def list_for(actor: Any, status: str | None = None) -> Listing:
    """What the actor's list shows: a specialist their offers and the ones they took; a city its own; the
    coordinating city all."""
    permissions.check(actor, "consultation.list")
    listing = Listing()
    if actor.role == Role.SPECIALIST:
        me = specialist_of(actor)
        if me is None:
            return listing
        offers = db.session.scalars(select(ConsultationOffer).where(ConsultationOffer.specialist_id == me.id)
                                    .order_by(ConsultationOffer.created_at.desc()))
        for offer in offers:
            if offer.status == "pending" and offer.consultation.status == "open":
                listing.waiting.append((offer.consultation, offer))
            elif offer.consultation.specialist_id != me.id:
                listing.others.append(offer.consultation)
        listing.mine = list(db.session.scalars(select(Consultation).where(Consultation.specialist_id == me.id)
                                               .order_by(Consultation.created_at.desc())))
        listing.posted = list(db.session.scalars(select(Consultation).where(Consultation.posted_by_id == actor.id)
                                                 .order_by(Consultation.created_at.desc()).limit(500)))
        return listing
    query = select(Consultation).order_by(Consultation.created_at.desc())
    if actor.role == Role.CITY_HR:
        query = query.where(Consultation.city_id == actor.city_id)
    if status in STATUS_LABELS:
        query = query.where(Consultation.status == status)
    listing.mine = list(db.session.scalars(query.limit(500)))
    return listing


def reason_lines(counts: dict[str, int] | None) -> list[tuple[str, int]]:
    """The no-fit counts in the fixed order of the rules, as (message id, count)."""
    counts = counts or {}
    return [(REASON_LABELS[name], counts[name]) for name in matching.REASON_NAMES if counts.get(name)]


# ----------------------------------------------------------------------------- honorarium


@dataclass(frozen=True)
class Honorarium:
    hourly_yen: Decimal | None
    rate_amount: int | None = None
    rate_unit: str | None = None
    dispatch_id: int | None = None

    def amount(self, hours: Decimal | None) -> int | None:
        if self.hourly_yen is None or hours is None:
            return None
        return int((self.hourly_yen * Decimal(str(hours))).quantize(Decimal(1)))


def honorarium_for(specialist_id: int | None) -> Honorarium:
    """The hourly rate of the person's agreed dispatch terms (the newest confirmed version with a rate: an
    hourly rate as it is, a daily rate ÷ 7.75 hours), or none when no terms with a rate were agreed."""
    if specialist_id is None:
        return Honorarium(None)
    dispatch_ids = db.session.scalars(select(Dispatch.id).where(
        Dispatch.specialist_id == specialist_id, Dispatch.status != "cancelled").order_by(Dispatch.id.desc()))
    for dispatch_id in dispatch_ids:
        terms = latest_confirmed_terms(dispatch_id)
        if terms is None or terms.legal_form not in RATE_FORMS or not terms.rate_amount or not terms.rate_unit:
            continue
        hourly = Decimal(terms.rate_amount) if terms.rate_unit == "hour" else Decimal(terms.rate_amount) / HOURS_PER_DAY
        return Honorarium(hourly.quantize(Decimal(1)), terms.rate_amount, terms.rate_unit, dispatch_id)
    return Honorarium(None)


# ----------------------------------------------------------------------------- posting and offering


@dataclass
class ConsultationValues:
    profession_id: int | None
    field_id: int | None
    licence_ids: list[int]
    urgency: str
    title: str
    question: str
    hours_needed: str
    work_mode: str
    wanted_by: date | None


def parse_hours(text: Any, low: Decimal, high: Decimal, field_name: str) -> tuple[Decimal | None, UserError | None]:
    """Hours typed as a number in half-width digits, in quarter hours, within ``low``–``high``."""
    raw = str(text if text is not None else "").strip()
    if not raw:
        return None, UserError("時間を入力してください。", field=field_name)
    try:
        hours = Decimal(raw)
    except (InvalidOperation, ValueError):
        hours = None
    if hours is None or not hours.is_finite() or not (low <= hours <= high) or (hours * 4) % 1 != 0:
        return None, UserError("時間は%(low)s〜%(high)s時間の範囲で、0.25時間単位の半角数字で入力してください。",
                               field=field_name, low=f"{low:g}", high=f"{high:g}")
    return hours, None


def _validate(values: ConsultationValues) -> tuple[list[UserError], dict[str, Any]]:
    errors: list[UserError] = []
    clean: dict[str, Any] = {}
    profession = db.session.get(Profession, values.profession_id) if values.profession_id else None
    if profession is None or not profession.is_active:
        errors.append(UserError("職種を選んでください。", field="profession_id"))
    clean["profession"] = profession
    field_term = db.session.get(ExperienceField, values.field_id) if values.field_id else None
    if values.field_id and (field_term is None or not field_term.is_active):
        errors.append(UserError("経験分野を選び直してください。", field="field_id"))
    clean["field"] = field_term
    licences = list(db.session.scalars(select(Licence).where(Licence.id.in_(values.licence_ids)))) \
        if values.licence_ids else []
    if len(licences) != len(set(values.licence_ids)):
        errors.append(UserError("資格を選び直してください。", field="licence_ids"))
    clean["licences"] = licences
    if values.urgency not in URGENCIES:
        errors.append(UserError("緊急度を選んでください。", field="urgency"))
    if values.work_mode not in WORK_MODES:
        errors.append(UserError("相談の方法を選んでください。", field="work_mode"))
    title, question = (values.title or "").strip(), (values.question or "").strip()
    if not title:
        errors.append(UserError("件名を入力してください。", field="title"))
    elif len(title) > TITLE_MAX:
        errors.append(UserError("件名は%(max)s文字以内で入力してください。", field="title", max=TITLE_MAX))
    if not question:
        errors.append(UserError("相談の内容を入力してください。", field="question"))
    elif len(question) > QUESTION_MAX:
        errors.append(UserError("相談の内容は%(max)s文字以内で入力してください。", field="question", max=QUESTION_MAX))
    clean["title"], clean["question"] = title, question
    hours, error = parse_hours(values.hours_needed, MIN_HOURS, MAX_HOURS, "hours_needed")
    if error:
        errors.append(error)
    clean["hours"] = hours
    today = clock.today_tokyo()
    if values.wanted_by is None:
        errors.append(UserError("回答の希望日を入力してください。", field="wanted_by"))
    elif not today <= values.wanted_by <= today + timedelta(days=MAX_WANTED_DAYS):
        errors.append(UserError("回答の希望日は今日から%(days)s日以内の日付にしてください。", field="wanted_by",
                                days=MAX_WANTED_DAYS))
    return errors, clean


def post(actor: Any, values: ConsultationValues) -> Consultation:
    """Post a question for the actor's city and offer it at once to the best-fitting advisers. The actor is an
    HR officer of the city, or a serving officer of the city the HR officer authorised (``delegates.py``)."""
    permissions.check(actor, "consultation.post")
    city_id = delegates.posting_city(actor)
    if city_id is None:
        raise permissions.PermissionDenied("consultation.post")
    errors, clean = _validate(values)
    if errors:
        raise UserErrors(errors)
    now = clock.utcnow()
    c = Consultation(city_id=city_id, posted_by_id=actor.id, profession_id=clean["profession"].id,
                     field_id=clean["field"].id if clean["field"] else None, urgency=values.urgency,
                     title=clean["title"], question=clean["question"], hours_needed=clean["hours"],
                     work_mode=values.work_mode, wanted_by=values.wanted_by, status="open", created_at=now,
                     updated_at=now)
    c.required_licences = clean["licences"]
    db.session.add(c)
    db.session.flush()
    audit.record(actor, "consultation.posted", ENTITY, c.id, city_id=c.city_id,
                 changes={"status": [None, "open"], "hours_needed": [None, str(clean["hours"])],
                          "urgency": [None, values.urgency], "work_mode": [None, values.work_mode]},
                 summary=c.title)
    _offer({c.id}, actor)
    db.session.commit()
    return c


def _offer(target_ids: set[int], actor: Any = None) -> dict[int, matching.Fit]:
    """Send the next batch of offers of each target consultation (in the rounds' priority order); tell the
    city when nobody fits and no offer is still out, with the counts per rule."""
    db.session.flush()
    fits = matching.allocate(target_ids)
    now = clock.utcnow()
    for consultation_id, fit in fits.items():
        c = db.session.get(Consultation, consultation_id)
        c.offer_batches += 1
        c.last_offered_at = now
        for rank, candidate in enumerate(fit.chosen, start=1):
            offer = ConsultationOffer(consultation_id=c.id, specialist_id=candidate.specialist_id, status="pending",
                                      batch=c.offer_batches, rank=rank, score=dict(candidate.score), created_at=now)
            db.session.add(offer)
            c.offers.append(offer)
            specialist = db.session.get(Specialist, candidate.specialist_id)
            notices.tell_specialist(specialist, "consultation.offered", {
                "city": notices.city_param(c.city), "profession": notices.profession_param(c.profession),
                "title": c.title, "hours": f"{Decimal(str(c.hours_needed)):g}", "wanted_by": c.wanted_by.isoformat()},
                notices.link_to("consultations.detail", consultation_id=c.id), f"consultation.offered:{offer.consultation_id}")
        if fit.chosen:
            c.no_fit_counts, c.no_fit_at = None, None
            audit.record(actor, "consultation.offered", ENTITY, c.id, city_id=c.city_id,
                         changes={"offered_to": [None, [f"TB-{x.specialist_id:06d}" for x in fit.chosen]],
                                  "batch": [None, c.offer_batches]},
                         summary=f"{len(fit.chosen)} offers")
        elif not c.pending_offers:
            c.no_fit_counts, c.no_fit_at = dict(fit.counts), now
            audit.record(actor, "consultation.no_fit", ENTITY, c.id, city_id=c.city_id,
                         changes={"no_fit_counts": [None, dict(fit.counts)]}, summary="nobody fits")
            _tell_no_fit(c)
    return fits


def _reasons_text(counts: dict[str, int], language: str) -> str:
    from flask_babel import force_locale, gettext
    with force_locale(language):
        lines = [gettext("%(reason)s %(num)s人", reason=gettext(label), num=n) for label, n in reason_lines(counts)]
        return gettext("、").join(lines) if lines else gettext("相談を受け付けている専門人材がいない")


def _tell_no_fit(c: Consultation) -> None:
    counts = c.no_fit_counts or {}
    params = {"title": c.title, "reasons": notices.both(_reasons_text(counts, "ja"), _reasons_text(counts, "en"))}
    notices.tell_users(city_side(c), "consultation.no_fit", params,
                       notices.link_to("consultations.detail", consultation_id=c.id),
                       f"consultation.no_fit:{c.id}:{c.offer_batches}")


def offer_again(actor: Any, consultation_id: int) -> Consultation:
    """The posting city asks for the next batch now (after changing nothing but waiting, or after declines)."""
    c = get(actor, consultation_id)
    permissions.check(actor, "consultation.post")
    if not acts_for_city(actor, c):
        raise permissions.PermissionDenied("consultation.post")
    if c.status != "open":
        raise UserError("この相談はもう回答者を募集していません。")
    _offer({c.id}, actor)
    db.session.commit()
    return c


def _offer_wait() -> timedelta:
    return timedelta(hours=int(current_app.config.get("CONSULTATION_OFFER_WAIT_HOURS") or DEFAULT_WAIT_HOURS))


def offer_overdue(now: Any = None) -> dict[str, int]:
    """The job: open consultations nobody accepted within the wait get their next batch (all due ones
    together, in priority order); those past their wanted-by date expire."""
    now = now or clock.utcnow()
    today = clock.today_tokyo()
    expired = 0
    for c in db.session.scalars(select(Consultation).where(Consultation.status == "open",
                                                           Consultation.wanted_by < today)):
        c.status = "expired"
        for offer in c.pending_offers:
            offer.status, offer.answered_at = "withdrawn", now
        audit.record(None, "consultation.expired", ENTITY, c.id, city_id=c.city_id,
                     changes={"status": ["open", "expired"]}, summary=c.title)
        notices.tell_users(city_side(c), "consultation.expired",
                           {"title": c.title, "wanted_by": c.wanted_by.isoformat()},
                           notices.link_to("consultations.detail", consultation_id=c.id), f"consultation.expired:{c.id}")
        expired += 1
    due = set(db.session.scalars(select(Consultation.id).where(
        Consultation.status == "open",
        or_(Consultation.last_offered_at.is_(None), Consultation.last_offered_at <= now - _offer_wait()))))
    fits = _offer(due) if due else {}
    db.session.commit()
    return {"expired": expired, "offered_again": len(due), "offers": sum(len(f.chosen) for f in fits.values())}


# ----------------------------------------------------------------------------- answering an offer


def _own_offer(actor: Any, consultation_id: int) -> tuple[Consultation, ConsultationOffer, Specialist]:
    permissions.check(actor, "consultation.answer")
    me = specialist_of(actor)
    c = db.session.get(Consultation, consultation_id)
    offer = None if c is None or me is None else next((o for o in c.offers if o.specialist_id == me.id), None)
    if offer is None:
        raise UserError("相談が見つかりません。")
    return c, offer, me


def accept(actor: Any, consultation_id: int) -> Consultation:
    """Take the consultation. The first accept wins: one guarded UPDATE moves it from open to taken, so a
    second accept (even at the same moment) finds it taken and is told so; the other offers close."""
    c, offer, me = _own_offer(actor, consultation_id)
    if offer.status != "pending":
        if c.status in ("taken", "closed") and c.specialist_id != me.id:
            raise UserError("この相談はすでに他の専門人材が引き受けました。")
        raise UserError("この打診にはもう回答できません。")
    if c.status != "open":
        if c.status in ("taken", "closed"):
            raise UserError("この相談はすでに他の専門人材が引き受けました。")
        raise UserError("この相談はもう回答者を募集していません。")
    if not me.is_active or not me.accepts_advice:
        raise UserError("相談の受付を停止しているため、引き受けられません。")
    if not matching.fits_cap(me, Decimal(str(c.hours_needed))):
        raise UserError("今月の相談の時間の上限（%(cap)s時間）を超えるため、引き受けられません。",
                        cap=me.advice_hours_per_month)
    now = clock.utcnow()
    won = db.session.execute(
        update(Consultation).where(Consultation.id == c.id, Consultation.status == "open")
        .values(status="taken", specialist_id=me.id, taken_at=now, updated_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if won != 1:
        db.session.rollback()
        raise UserError("この相談はすでに他の専門人材が引き受けました。")
    db.session.refresh(c)
    for other in c.offers:
        if other.id == offer.id:
            other.status, other.answered_at = "accepted", now
        elif other.status == "pending":
            other.status, other.answered_at = "taken_by_other", now
            notices.tell_specialist(other.specialist, "consultation.taken_by_other",
                                    {"city": notices.city_param(c.city), "title": c.title},
                                    notices.link_to("consultations.index"), f"consultation.taken_by_other:{c.id}")
    audit.record(actor, "consultation.taken", ENTITY, c.id, city_id=c.city_id,
                 changes={"status": ["open", "taken"], "specialist": [None, me.reference]}, summary=c.title)
    notices.tell_specialist(me, "consultation.accepted", {"city": notices.city_param(c.city), "title": c.title},
                            notices.link_to("consultations.detail", consultation_id=c.id),
                            f"consultation.accepted:{c.id}")
    notices.tell_users(city_side(c), "consultation.taken",
                       {"reference": me.reference, "title": c.title},
                       notices.link_to("consultations.detail", consultation_id=c.id), f"consultation.taken:{c.id}")
    db.session.commit()
    return c


def decline(actor: Any, consultation_id: int) -> Consultation:
    """Decline an offer: it is not offered to the person again; when no offer is left out, the next batch goes."""
    c, offer, me = _own_offer(actor, consultation_id)
    if offer.status != "pending" or c.status != "open":
        raise UserError("この打診にはもう回答できません。")
    offer.status, offer.answered_at = "declined", clock.utcnow()
    audit.record(actor, "consultation.declined", ENTITY, c.id, city_id=c.city_id,
                 changes={"declined_by": [None, me.reference]}, summary=c.title)
    if not c.pending_offers:
        _offer({c.id})
    db.session.commit()
    return c


# ----------------------------------------------------------------------------- the city's changes


def _own_city(actor: Any, consultation_id: int, action: str) -> Consultation:
    c = get(actor, consultation_id)
    permissions.check(actor, action)
    if not acts_for_city(actor, c):
        raise permissions.PermissionDenied(action)
    return c


def withdraw(actor: Any, consultation_id: int, reason: str) -> Consultation:
    c = _own_city(actor, consultation_id, "consultation.post")
    if c.status != "open":
        raise UserError("回答者を募集中の相談だけを取り下げられます。")
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise UserError("理由は%(max)s文字以内で入力してください。", field="reason", max=REASON_MAX)
    now = clock.utcnow()
    c.status, c.withdraw_reason = "withdrawn", reason or None
    for offer in c.pending_offers:
        offer.status, offer.answered_at = "withdrawn", now
    audit.record(actor, "consultation.withdrawn", ENTITY, c.id, city_id=c.city_id,
                 changes={"status": ["open", "withdrawn"]}, reason=reason, summary=c.title)
    db.session.commit()
    return c


# ----------------------------------------------------------------------------- the thread


def post_message(actor: Any, consultation_id: int, body: str, upload: Any = None) -> ConsultationMessage:
    """A question or answer in the thread, with at most one attachment (checked by its content)."""
    c = get(actor, consultation_id)
    permissions.check(actor, "consultation.message")
    side = side_of(actor, c)
    if side is None:
        raise permissions.PermissionDenied("consultation.message")
    if c.status != "taken":
        raise UserError("メッセージを送れるのは、専門人材が引き受けてから完了するまでです。")
    body = (body or "").strip()
    if len(body) > MESSAGE_MAX:
        raise UserError("メッセージは%(max)s文字以内で入力してください。", field="body", max=MESSAGE_MAX)
    checked = attachments.check_upload(upload) if upload is not None else None
    if not body and checked is None:
        raise UserError("メッセージを入力するか、ファイルを添付してください。", field="body")
    message = ConsultationMessage(consultation_id=c.id, author_id=actor.id, side=side, body=body,
                                  created_at=clock.utcnow())
    if checked is not None:
        message.file_key = attachments.store(checked)
        message.file_name, message.file_type, message.file_size = checked.name, checked.mime, len(checked.content)
    db.session.add(message)
    db.session.flush()
    audit.record(actor, "consultation.message", ENTITY, c.id, city_id=c.city_id,
                 changes={"message": [None, message.id],
                          **({"attachment": [None, f"{message.file_name} ({message.file_size} B)"]}
                             if message.file_key else {})},
                 summary=c.title)
    params = {"title": c.title, "side": notices.both("相談した市", "the city that asked") if side == "city"
              else notices.both("専門人材", "the specialist")}
    link = notices.link_to("consultations.detail", consultation_id=c.id)
    if side == "city" and c.specialist is not None:
        notices.tell_specialist(c.specialist, "consultation.message", params, link,
                                f"consultation.message:{message.id}")
    elif side == "specialist":
        notices.tell_users(city_side(c), "consultation.message", params, link,
                           f"consultation.message:{message.id}")
    db.session.commit()
    return message


def open_attachment(actor: Any, consultation_id: int, message_id: int) -> tuple[ConsultationMessage, Any]:
    """An attachment for a reader of the thread; each opening is audited."""
    c = get(actor, consultation_id)
    if not may_see_thread(actor, c):
        raise permissions.PermissionDenied("consultation.view")
    message = db.session.get(ConsultationMessage, message_id)
    if message is None or message.consultation_id != c.id or not message.file_key:
        raise UserError("ファイルが見つかりません。")
    path = attachments.path_of(message.file_key)
    if path is None:
        raise UserError("ファイルが見つかりません。")
    audit.record(actor, "consultation.attachment_opened", ENTITY, c.id, city_id=c.city_id,
                 changes={"attachment": [None, message.file_name]}, summary=c.title)
    db.session.commit()
    return message, path


# ----------------------------------------------------------------------------- time, closing, publishing


def record_time(actor: Any, consultation_id: int, hours_text: str) -> Consultation:
    """The specialist (or the city) records the hours spent; they count against the monthly cap."""
    c = get(actor, consultation_id)
    permissions.check(actor, "consultation.close")
    if side_of(actor, c) is None:
        raise permissions.PermissionDenied("consultation.close")
    if c.status != "taken":
        raise UserError("時間を記録できるのは、引き受けてから完了するまでです。")
    hours, error = parse_hours(hours_text, Decimal("0.25"), MAX_SPENT_HOURS, "hours_spent")
    if error:
        raise error
    before = None if c.hours_spent is None else str(c.hours_spent)
    c.hours_spent, c.hours_recorded_by_id = hours, actor.id
    audit.record(actor, "consultation.time_recorded", ENTITY, c.id, city_id=c.city_id,
                 changes={"hours_spent": [before, str(hours)]}, summary=c.title)
    db.session.commit()
    return c


def close(actor: Any, consultation_id: int, summary: str, hours_text: str, publish: bool) -> Consultation:
    """The city closes the consultation with a short summary and the hours spent; it may publish the summary."""
    c = _own_city(actor, consultation_id, "consultation.close")
    if c.status != "taken":
        raise UserError("引き受けられた相談だけを完了にできます。")
    errors: list[UserError] = []
    summary = (summary or "").strip()
    if not summary:
        errors.append(UserError("要約を入力してください。", field="summary"))
    elif len(summary) > SUMMARY_MAX:
        errors.append(UserError("要約は%(max)s文字以内で入力してください。", field="summary", max=SUMMARY_MAX))
    hours = c.hours_spent
    if (hours_text or "").strip() or hours is None:
        hours, error = parse_hours(hours_text, Decimal("0.25"), MAX_SPENT_HOURS, "close_hours")
        if error:
            errors.append(error)
    if errors:
        raise UserErrors(errors)
    now = clock.utcnow()
    before_hours = None if c.hours_spent is None else str(c.hours_spent)
    c.status, c.summary, c.hours_spent, c.closed_at, c.closed_by_id = "closed", summary, hours, now, actor.id
    if before_hours != str(hours):
        c.hours_recorded_by_id = actor.id
    audit.record(actor, "consultation.closed", ENTITY, c.id, city_id=c.city_id,
                 changes={"status": ["taken", "closed"], "hours_spent": [before_hours, str(hours)]}, summary=c.title)
    if c.specialist is not None:
        notices.tell_specialist(c.specialist, "consultation.closed",
                                {"title": c.title, "hours": f"{Decimal(str(hours)):g}", "summary": summary},
                                notices.link_to("consultations.detail", consultation_id=c.id),
                                f"consultation.closed:{c.id}")
    if publish:
        _publish(actor, c)
    db.session.commit()
    return c


def publish(actor: Any, consultation_id: int) -> Consultation:
    """Publish (or publish again) a closed consultation's summary to the lessons library."""
    c = _own_city(actor, consultation_id, "consultation.close")
    if c.status != "closed" or not c.summary:
        raise UserError("完了した相談の要約だけをライブラリに公開できます。")
    _publish(actor, c)
    db.session.commit()
    return c


def _publish(actor: Any, c: Consultation) -> None:
    publish_entry(kind="consultation", title=c.title, body=c.summary or "", profession_id=c.profession_id,
                  field_id=c.field_id, city_id=c.city_id, source_key=f"consultation:{c.id}", actor=actor)
    first = c.published_at is None
    c.published_at = clock.utcnow()
    audit.record(actor, "consultation.published", ENTITY, c.id, city_id=c.city_id,
                 changes={"published": [not first, True]}, summary=c.title)


# ----------------------------------------------------------------------------- the advice option


def update_advice(actor: Any, specialist_id: int, accepts: bool, cap_text: str) -> Specialist:
    """Accept advice work or not, with one's own cap of hours per month (1–160)."""
    from ..specialists.profiles import update_advice as update_profile_advice

    return update_profile_advice(actor, specialist_id, accepts, cap_text)


# ----------------------------------------------------------------------------- a person withdrawing


def forget_withdrawing_specialist(specialist: Any, actor: Any = None, **_: Any) -> None:
    """Subscriber of ``specialist_withdrawing``: pending offers end, a consultation they hold goes back to
    the city and is offered again, and their own messages and attachments in threads are erased."""
    now = clock.utcnow()
    for offer in db.session.scalars(select(ConsultationOffer).where(
            ConsultationOffer.specialist_id == specialist.id, ConsultationOffer.status == "pending")):
        offer.status, offer.answered_at = "withdrawn", now
    reopened = set()
    for c in db.session.scalars(select(Consultation).where(Consultation.specialist_id == specialist.id,
                                                           Consultation.status == "taken")):
        c.status, c.specialist_id, c.taken_at, c.hours_spent = "open", None, None, None
        audit.record(actor, "consultation.reopened", ENTITY, c.id, city_id=c.city_id,
                     changes={"status": ["taken", "open"]}, summary=c.title)
        reopened.add(c.id)
    if specialist.user_id is not None:
        for message in db.session.scalars(select(ConsultationMessage).where(
                ConsultationMessage.author_id == specialist.user_id)):
            attachments.erase(message.file_key)
            message.body, message.file_key, message.file_name, message.file_type = "", None, None, None
            message.file_size = None
    if reopened:
        _offer(reopened, actor)
