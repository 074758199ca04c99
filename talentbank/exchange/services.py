"""Offering serving officers for exchange: validation, lifecycle, hooks for the matching engine.

An HR officer offers an officer of their own city (a serving-officer record of the specialist
registry whose employer is that city), for a period, and says what the city wants back, or
marks the offer one-way. The same officer is never held by two offers for overlapping periods.
As with requests, the coordinating city may correct anything, with a reason, and every change
is audited.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..audit import services as audit
from ..audit.models import AuditEntry
from ..core import clock, permissions
from ..lifecycle import postings
from ..core.errors import N_, UserError, UserErrors
from ..lifecycle.transitions import OFFER, RING, transition
from ..extensions import db
from ..requests.services import known_terms, period_problems
from ..specialists.models import Specialist, SpecialistKind, SpecialistStatus
from ..vocabulary.models import Licence, Profession
from .models import HOLDING_STATUSES, LIVE_STATUSES, ExchangeOffer
from .rings.models import HOLDING_CYCLE_STATUSES, ExchangeCycle, ExchangeCycleMember
from .rings.queries import live_ring_of_offer

log = logging.getLogger(__name__)

ENTITY = "exchange_offer"
NOTES_LIMIT = 4000
EDITABLE_STATUSES = ("draft", "open")
EXPIRABLE_STATUSES = OFFER.sources("expired")

STALE_MESSAGE = N_("この交流職員の提供は他の人が先に更新しました。最新の内容を確認してから、もう一度変更してください。")


@dataclass(frozen=True)
class OfferValues:
    """What an HR officer fills in; ``None`` where the form was left empty."""

    officer_id: int | None
    start_date: date | None
    end_date: date | None
    is_one_way: bool
    wants_profession_id: int | None = None
    wants_licence_ids: tuple[int, ...] = ()
    notes: str = ""


def officer_problem(officer: Specialist | None, city_id: int) -> UserError | None:
    """Why ``officer`` cannot be offered by ``city_id``: only active serving officers of that city can."""
    if officer is None:
        return UserError("提供する職員が見つかりません。", field="officer_id")
    if officer.kind != SpecialistKind.SERVING or officer.employer_city_id != city_id:
        return UserError("提供できるのは、自市に在職する職員として登録された人だけです。", field="officer_id")
    if officer.status != SpecialistStatus.ACTIVE:
        return UserError("この職員の登録は休止中または取り消し済みのため、提供できません。", field="officer_id")
    return None


def validate_offer_values(values: OfferValues, city_id: int, today: date, before: ExchangeOffer | None = None
                          ) -> tuple[Specialist, Profession | None, list[Licence]]:
    """Check a whole offer; raise ``UserErrors`` with every problem, else return its officer and wants."""
    problems: list[UserError] = []
    officer = None
    if values.officer_id is None:
        problems.append(UserError("提供する職員を選んでください。", field="officer_id"))
    else:
        officer = db.session.get(Specialist, values.officer_id)
        problem = officer_problem(officer, city_id)
        if problem:
            problems.append(problem)
            officer = None
    problems += period_problems(values.start_date, values.end_date, today,
                                kept_start=before.start_date if before else None,
                                kept_end=before.end_date if before else None)
    profession = None
    licences: list[Licence] = []
    if values.is_one_way:
        if values.wants_profession_id is not None or values.wants_licence_ids:
            problems.append(UserError("片道の派遣では、求める職種・資格は指定できません。", field="wants_profession_id"))
    else:
        if values.wants_profession_id is None:
            problems.append(UserError("交換で求める職種を選ぶか、「片道の派遣（見返りなし）」にしてください。",
                                      field="wants_profession_id"))
        else:
            profession = db.session.get(Profession, values.wants_profession_id)
            kept = before is not None and before.wants_profession_id == values.wants_profession_id
            if profession is None or not (profession.is_active or kept):
                problems.append(UserError("選ばれた職種は登録されていません。", field="wants_profession_id"))
                profession = None
        kept_licences = {t.id for t in before.wants_licences} if before else set()
        licences, bad = known_terms(Licence, values.wants_licence_ids, kept_licences, "wants_licence_ids",
                                    "登録されていない資格が含まれています。")
        problems += bad
    if len(values.notes or "") > NOTES_LIMIT:
        problems.append(UserError("%(limit)s文字以内で入力してください。", field="notes", limit=NOTES_LIMIT))
    if officer is not None and values.start_date and values.end_date and values.start_date <= values.end_date:
        clash = _overlapping_offer(officer.id, values.start_date, values.end_date, before.id if before else None)
        if clash is not None:
            problems.append(UserError("この職員は同じ時期の交流職員の提供（No.%(id)s）に既に含まれています。",
                                      field="officer_id", id=clash))
    if problems:
        raise UserErrors(problems)
    assert officer is not None
    return officer, profession, licences


def _overlapping_offer(officer_id: int, start: date, end: date, exclude_id: int | None) -> int | None:
    query = select(ExchangeOffer.id).where(
        ExchangeOffer.officer_id == officer_id, ExchangeOffer.status.in_(HOLDING_STATUSES),
        ExchangeOffer.start_date <= end, ExchangeOffer.end_date >= start)
    if exclude_id is not None:
        query = query.where(ExchangeOffer.id != exclude_id)
    return db.session.scalar(query.limit(1))


# ----------------------------------------------------------------------------- helpers


def _snapshot(offer: ExchangeOffer) -> dict[str, Any]:
    """The audited view of an offer: the officer by registry number, terms by name."""
    return {
        "officer": offer.officer.reference if offer.officer else None,
        "start_date": offer.start_date,
        "end_date": offer.end_date,
        "is_one_way": offer.is_one_way,
        "wants_profession": offer.wants_profession.name_ja if offer.wants_profession else None,
        "wants_licences": "、".join(t.name_ja for t in offer.wants_licences),
        "notes": offer.notes,
        "status": offer.status,
    }


def _summary(offer: ExchangeOffer) -> str:
    wants = "片道" if offer.is_one_way else (offer.wants_profession.name_ja if offer.wants_profession else "")
    reference = offer.officer.reference if offer.officer else ""
    return f"{reference} ⇄ {wants} {offer.start_date}〜{offer.end_date}"


def _load(offer_id: int, *, for_update: bool = False) -> ExchangeOffer:
    return POSTING.load(offer_id, for_update=for_update)


def _apply(offer: ExchangeOffer, values: OfferValues, officer: Specialist, profession: Profession | None,
           licences: list[Licence]) -> None:
    offer.officer = officer
    offer.start_date = values.start_date  # type: ignore[assignment]
    offer.end_date = values.end_date  # type: ignore[assignment]
    offer.is_one_way = values.is_one_way
    offer.wants_profession = None if values.is_one_way else profession
    offer.wants_licences = [] if values.is_one_way else licences
    offer.notes = (values.notes or "").strip()
    offer.updated_at = clock.utcnow()


def _commit() -> None:
    postings.commit(POSTING)


def ring_holding_offer(offer_id: int) -> ExchangeCycle | None:
    """The proposed, approved or agreed ring the offer is in: while there is one, its city may not change it."""
    return live_ring_of_offer(offer_id)


FROZEN_EDIT = N_("この交流職員の提供は交流の輪 No.%(ring)s（%(status)s）に含まれているため変更できません。"
               "変更が必要な場合は、幹事市に交流の輪 No.%(ring)s の解除を依頼してください。")
FROZEN_WITHDRAW = N_("この交流職員の提供は交流の輪 No.%(ring)s（%(status)s）に含まれているため取り下げできません。"
                   "取り下げが必要な場合は、幹事市に交流の輪 No.%(ring)s の解除を依頼してください。")


def _frozen(offer: ExchangeOffer, action: str) -> UserError | None:
    """A live ring holding the offer freezes it for its city (the coordinating city may release the ring)."""
    ring = ring_holding_offer(offer.id)
    if ring is None:
        return None
    message = FROZEN_WITHDRAW if action == "withdraw" else FROZEN_EDIT
    return UserError(message, ring=ring.id, status=RING.label(ring.status))


def _open_problems(offer: ExchangeOffer) -> list[UserError]:
    problem = officer_problem(offer.officer, offer.city_id)
    return [problem] if problem else []


def _reopen_problem(offer: ExchangeOffer) -> UserError | None:
    problem = officer_problem(offer.officer, offer.city_id)
    if problem:
        return problem
    clash = _overlapping_offer(offer.officer_id, offer.start_date, offer.end_date, offer.id)
    if clash is not None:
        return UserError("この職員は同じ時期の交流職員の提供（No.%(id)s）に既に含まれています。", id=clash)
    return None


POSTING = postings.Posting(
    model=ExchangeOffer, lifecycle=OFFER, permission="offer", action="offer",
    messages=postings.PostingMessages(
        not_found=N_("交流職員の提供が見つかりません。"), stale=STALE_MESSAGE,
        edit_only=N_("下書きまたは募集中の交流職員の提供だけを変更できます。"),
        open_only_drafts=N_("下書きの交流職員の提供だけを公開できます。"),
        withdraw_ended=N_("この交流職員の提供は既に終了しているため取り下げできません。"),
        withdraw_by_city=N_("下書きまたは募集中の交流職員の提供だけを取り下げできます。交流が成立したものは幹事市に連絡してください。"),
        reopen_only=N_("取り下げ・期限切れ・交流成立の交流職員の提供だけを再公開できます。"),
        expire_only=N_("募集中または下書きの交流職員の提供だけが期限切れになります。"),
        expire_not_begun=N_("期間が始まる前の交流職員の提供は期限切れにできません。"),
        reopen_period=N_("期間が過ぎています。先に期間を訂正してから再公開してください。")),
    # The coordinating city may also undo an agreed exchange (the ring it belonged to fell through).
    editable=EDITABLE_STATUSES, reopens_from=("withdrawn", "expired", "matched"),
    summary=_summary, frozen=_frozen, open_problems=_open_problems, reopen_problem=_reopen_problem,
    reopened_status=lambda offer: "open", period_problems=period_problems,
    load_options=(selectinload(ExchangeOffer.wants_licences),))


def allowed_offer_actions(actor: Any, offer: ExchangeOffer) -> set[str]:
    """The lifecycle buttons ``actor`` may press on ``offer`` now: edit, open, withdraw, reopen."""
    return postings.allowed_actions(POSTING, actor, offer)


# ----------------------------------------------------------------------------- lifecycle


def create_offer(actor: Any, values: OfferValues) -> ExchangeOffer:
    """Save a new offer of one of the actor's city's officers as a draft."""
    city_id = postings.city_creating(POSTING, actor)
    officer, profession, licences = validate_offer_values(values, city_id, clock.today_tokyo())
    offer = ExchangeOffer(city_id=city_id, status="draft", created_by_id=actor.id)
    _apply(offer, values, officer, profession, licences)
    return postings.save_draft(POSTING, actor, offer, _snapshot)


def update_offer(actor: Any, offer_id: int, values: OfferValues, *, reason: str = "",
                 expected_version: int | None = None) -> ExchangeOffer:
    """Change an offer: its city while draft or open and in no ring, the coordinator any time with a reason."""
    offer, correcting = postings.load_for_edit(POSTING, actor, offer_id, reason, expected_version)
    before = _snapshot(offer)
    officer, profession, licences = validate_offer_values(values, offer.city_id, clock.today_tokyo(), before=offer)
    _apply(offer, values, officer, profession, licences)
    changes = audit.diff(before, _snapshot(offer))
    if changes:
        audit.record(actor, "offer.corrected" if correcting else "offer.updated", ENTITY, offer.id,
                     city_id=offer.city_id, changes=changes, reason=reason.strip() or None, summary=_summary(offer))
    _commit()
    return offer


def open_offer(actor: Any, offer_id: int) -> ExchangeOffer:
    """Publish a draft offer so the next matching round can build exchanges with it (demo data: no hooks)."""
    offer = postings.open_posting(POSTING, actor, offer_id)
    _commit()
    return offer


def withdraw_offer(actor: Any, offer_id: int, reason: str = "") -> ExchangeOffer:
    """Take an offer back: its city while it is in no ring, the coordinating city any time with a reason."""
    offer = postings.withdraw_posting(POSTING, actor, offer_id, reason)
    _commit()
    return offer


def reopen_offer(actor: Any, offer_id: int, reason: str) -> ExchangeOffer:
    """Coordinating city only: put a withdrawn, expired or undone offer back to open, with a reason."""
    offer = postings.reopen_posting(POSTING, actor, offer_id, reason)
    _commit()
    return offer


def mark_offer_matched(offer_id: int, *, actor: Any = None, commit: bool = True) -> ExchangeOffer:
    """Record that an approved exchange (or one-way dispatch) took the offer (matching calls this)."""
    offer = _load(offer_id, for_update=True)
    transition(offer, "matched", actor=actor, action="offer.matched", summary=_summary(offer),
               refused=N_("募集中の交流職員の提供だけを交流成立にできます。"))
    if commit:
        _commit()
    return offer


def release_offer(offer_id: int, *, actor: Any = None, commit: bool = True) -> ExchangeOffer:
    """Put a matched offer back to open when its exchange is undone before it starts (matching calls this)."""
    offer = _load(offer_id, for_update=True)
    if offer.status != "matched":
        raise UserError("交流成立の交流職員の提供だけを募集中に戻せます。")
    transition(offer, "open", actor=actor, action="offer.released", summary=_summary(offer))
    if commit:
        _commit()
    return offer


def expire_offer(offer_id: int, actor: Any = None, *, commit: bool = True) -> ExchangeOffer:
    """Close an offer whose period began with no exchange agreed (the scheduler calls this daily)."""
    offer = postings.expire_posting(POSTING, offer_id, actor)
    if commit:
        _commit()
    return offer


def due_offer_ids(today: date) -> list[int]:
    """Draft and open offers whose period began before today, except those an approved ring is agreeing on."""
    waiting = (select(ExchangeCycleMember.offer_id).join(ExchangeCycle, ExchangeCycle.id == ExchangeCycleMember.cycle_id)
               .where(ExchangeCycle.status == "approved"))
    return list(db.session.scalars(select(ExchangeOffer.id).where(
        ExchangeOffer.status.in_(EXPIRABLE_STATUSES), ExchangeOffer.start_date < today,
        ExchangeOffer.id.not_in(waiting)).order_by(ExchangeOffer.id)))


def expire_due_offers(actor: Any = None) -> list[int]:
    """Expire every due offer (see ``due_offer_ids``) in one transaction; returns their ids."""
    ids = due_offer_ids(clock.today_tokyo())
    for offer_id in ids:
        expire_offer(offer_id, actor, commit=False)
    db.session.commit()
    return ids


# ----------------------------------------------------------------------------- reading


def open_offers_for_matching(today: date | None = None) -> list[ExchangeOffer]:
    """Open offers whose period has not begun and whose officer is active, with everything the solver reads."""
    today = today or clock.today_tokyo()
    return list(db.session.scalars(
        select(ExchangeOffer)
        .join(Specialist, Specialist.id == ExchangeOffer.officer_id)
        .where(ExchangeOffer.status.in_(LIVE_STATUSES), ExchangeOffer.start_date >= today,
               Specialist.status == SpecialistStatus.ACTIVE.value)
        .options(joinedload(ExchangeOffer.city), joinedload(ExchangeOffer.wants_profession),
                 selectinload(ExchangeOffer.wants_licences),
                 joinedload(ExchangeOffer.officer).selectinload(Specialist.professions),
                 joinedload(ExchangeOffer.officer).selectinload(Specialist.licences),
                 joinedload(ExchangeOffer.officer).selectinload(Specialist.experiences),
                 joinedload(ExchangeOffer.officer).selectinload(Specialist.availability_windows))
        .order_by(ExchangeOffer.id)).unique())


def get_offer(actor: Any, offer_id: int) -> ExchangeOffer:
    """An offer in full (officer and notes), for its own city and the coordinating city."""
    return postings.get_posting(POSTING, actor, offer_id)


def offer_history(actor: Any, offer_id: int) -> list[AuditEntry]:
    """The audit trail of one offer, oldest first."""
    return postings.posting_history(POSTING, actor, offer_id)


OfferListFilter = postings.ListFilter


def list_offers(actor: Any, flt: OfferListFilter, page: int, per_page: int) -> tuple[Pagination, dict[str, int]]:
    """A page of offers (newest first) and the counts by status: HR see only their city."""
    return postings.list_postings(POSTING, actor, flt, page, per_page,
                                  (joinedload(ExchangeOffer.city), joinedload(ExchangeOffer.wants_profession),
                                   joinedload(ExchangeOffer.officer).selectinload(Specialist.professions)))


def serving_officers(actor: Any, city_id: int) -> list[Specialist]:
    """Active serving officers of ``city_id`` an HR officer may offer, by kana name."""
    permissions.check(actor, "offer.manage", city_id)
    return list(db.session.scalars(
        select(Specialist).where(Specialist.kind == SpecialistKind.SERVING.value,
                                 Specialist.employer_city_id == city_id,
                                 Specialist.status == SpecialistStatus.ACTIVE.value)
        .options(selectinload(Specialist.professions))
        .order_by(Specialist.name_kana, Specialist.id)))


@dataclass(frozen=True)
class OfferBoardRow:
    """An open offer as every city may see it: no name, no notes, only what could make an exchange."""

    id: int
    city_id: int
    city_name_ja: str
    city_name_en: str
    gives: list[Profession]
    is_one_way: bool
    wants: Profession | None
    wants_licences: list[Licence]
    start_date: date
    end_date: date

    def city_name(self, locale: str = "ja") -> str:
        return self.city_name_en if locale == "en" else self.city_name_ja


def offer_board(actor: Any, city_id: int | None = None, profession_id: int | None = None) -> list[OfferBoardRow]:
    """Live offers of every city for the demand board, anonymous: the city, what it gives and wants, when.

    Live: open, the period not begun, and not taken by an approved or agreed ring."""
    permissions.check(actor, "request.view_board")
    taken = (select(ExchangeCycleMember.offer_id).join(ExchangeCycle, ExchangeCycle.id == ExchangeCycleMember.cycle_id)
             .where(ExchangeCycle.status.in_(HOLDING_CYCLE_STATUSES)))
    query = (select(ExchangeOffer)
             .join(Specialist, Specialist.id == ExchangeOffer.officer_id)
             .where(ExchangeOffer.status.in_(LIVE_STATUSES), Specialist.status == SpecialistStatus.ACTIVE.value,
                    ExchangeOffer.start_date >= clock.today_tokyo(), ExchangeOffer.id.not_in(taken))
             .options(joinedload(ExchangeOffer.city), joinedload(ExchangeOffer.wants_profession),
                      selectinload(ExchangeOffer.wants_licences),
                      joinedload(ExchangeOffer.officer).selectinload(Specialist.professions))
             .order_by(ExchangeOffer.start_date, ExchangeOffer.id))
    if city_id:
        query = query.where(ExchangeOffer.city_id == city_id)
    rows = []
    for offer in db.session.scalars(query).unique():
        gives = list(offer.officer.professions)
        if profession_id and profession_id not in {p.id for p in gives} and offer.wants_profession_id != profession_id:
            continue
        rows.append(OfferBoardRow(offer.id, offer.city_id, offer.city.name_ja, offer.city.name_en, gives,
                                  offer.is_one_way, offer.wants_profession, list(offer.wants_licences),
                                  offer.start_date, offer.end_date))
    return rows
