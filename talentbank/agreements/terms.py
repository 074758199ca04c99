"""The terms of one dispatch: read (the API other code uses), made at agreement, amended, confirmed.

API for the documents and the screens:
- ``current_terms(dispatch_id)``: the newest version, or None before any;
- ``terms_history(dispatch_id)``: every version, oldest first (an amendment never removes one);
- ``is_confirmed(terms)``: every party of that version has confirmed it;
- ``TermsView(terms)``: the same version with its labels in the user's language.

Version 1 is made when the dispatch is agreed (``dispatch_agreed`` for an accepted offer,
``ring_agreed`` for each leg of an exchange ring), from the defaults of its legal form and the
request's offered rate. Each change is the next version with a reason, audited, and waits for the
confirmation of the receiving city and, for a serving officer, the sending city (their employer).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import get_locale, gettext
from sqlalchemy import func, select

from ..audit import services as audit
from ..core import clock, permissions
from ..core.permissions import Role
from ..core.errors import N_, UserError, UserErrors
from ..dispatches import notices
from ..dispatches.models import Dispatch
from ..extensions import db
from ..notifications.kinds import register_kind
from ..specialists.models import SpecialistKind
from .defaults import TermsValues, current_defaults, validate_values
from .models import (BEARER_LABELS, COST_ITEM_LABELS, COST_ITEMS, LEGAL_FORM_LABELS, LEGAL_FORMS, PARTY_LABELS,
                     RATE_UNIT_LABELS, TRAVEL_UNIT_LABELS, DispatchTerms, TermsConfirmation)

TERMS_ENTITY = "dispatch_terms"
# The legal forms whose 報酬 is the request's offered rate (the receiving city pays the person itself).
RATE_FORMS = ("retiree_appointment", "honorarium")


register_kind(
    "terms.awaiting_confirmation",
    N_("派遣の条件の確認をお願いします（派遣 No.%(dispatch)s、第%(version)s版）"),
    N_("%(city)sへの派遣（%(start_date)s〜%(end_date)s）の条件が第%(version)s版になりました（理由：%(reason)s）。"
       "内容を確かめて、貴市の確認をしてください。双方の確認がそろうと、協定書などの書類の新しい版が作られます。"),
    {"dispatch": 12, "version": 2, "city": {"ja": "逗子市", "en": "Zushi"}, "start_date": "2027-04-01",
     "end_date": "2027-09-30", "reason": "旅費の単価を見直したため"},
)


def _ask_parties_to_confirm(terms: DispatchTerms, dispatch: Dispatch, actor: Any) -> None:
    """Each party city's HR officers are told a new version waits for their confirmation (not the one who made
    it), in the inbox and by mail, inside the caller's transaction."""
    cities = [terms.receiving_city_id] + ([terms.sending_city_id] if terms.sending_city_id is not None else [])
    users = [u for city_id in cities for u in notices.hr_officers(city_id) if u.id != getattr(actor, "id", None)]
    city = dispatch.city
    params = {"dispatch": dispatch.id, "version": terms.version, "city": {"ja": city.name_ja, "en": city.name_en},
              "start_date": terms.start_date.isoformat(), "end_date": terms.end_date.isoformat(),
              "reason": terms.reason or "—"}
    notices.tell_users(users, "terms.awaiting_confirmation", params,
                       notices.link_to("dispatches.detail", dispatch_id=dispatch.id), f"terms.awaiting:{terms.id}")


# --- reading ------------------------------------------------------------------------------------

def current_terms(dispatch_id: int) -> DispatchTerms | None:
    """The terms in force for a dispatch: its newest version (None if it has none yet)."""
    return db.session.scalars(select(DispatchTerms).where(DispatchTerms.dispatch_id == dispatch_id)
                              .order_by(DispatchTerms.version.desc()).limit(1)).first()


def terms_history(dispatch_id: int) -> list[DispatchTerms]:
    """Every version of a dispatch's terms, oldest first."""
    return list(db.session.scalars(select(DispatchTerms).where(DispatchTerms.dispatch_id == dispatch_id)
                                   .order_by(DispatchTerms.version)))


def is_confirmed(terms: DispatchTerms) -> bool:
    """True when every city that must confirm this version has done so."""
    return all(terms.confirmation_by(party) is not None for party in terms.parties)


def latest_confirmed_terms(dispatch_id: int) -> DispatchTerms | None:
    """The newest version both cities confirmed (what the signed documents should say)."""
    return next((t for t in reversed(terms_history(dispatch_id)) if is_confirmed(t)), None)


def _locale_name(city: Any) -> str:
    try:
        locale = str(get_locale() or "ja")
    except RuntimeError:
        locale = "ja"
    return city.display_name(locale) if city is not None else ""


@dataclass
class TermsView:
    """One version of the terms with every label in the user's language (needs an app context)."""

    terms: DispatchTerms

    @property
    def legal_form_label(self) -> str:
        return gettext(LEGAL_FORM_LABELS[self.terms.legal_form])

    @property
    def cost_rows(self) -> list[tuple[str, str, str]]:
        """(item, item label, bearer label) for each cost item, in the fixed order."""
        return [(item, gettext(COST_ITEM_LABELS[item]), gettext(BEARER_LABELS[self.terms.bearer(item)]))
                for item in COST_ITEMS]

    @property
    def rate_label(self) -> str:
        t = self.terms
        if t.rate_amount is None:
            return gettext("定めなし")
        return gettext("%(unit)s %(amount)s円", unit=gettext(RATE_UNIT_LABELS[t.rate_unit]),
                       amount=f"{t.rate_amount:,}")

    @property
    def travel_label(self) -> str:
        t = self.terms
        if t.travel_amount is None:
            return gettext("実費")
        return gettext("%(unit)s %(amount)s円", unit=gettext(TRAVEL_UNIT_LABELS[t.travel_unit]),
                       amount=f"{t.travel_amount:,}")

    @property
    def receiving_city_name(self) -> str:
        return _locale_name(self.terms.receiving_city)

    @property
    def sending_city_name(self) -> str:
        return _locale_name(self.terms.sending_city)

    @property
    def is_confirmed(self) -> bool:
        return is_confirmed(self.terms)

    @property
    def is_retiree(self) -> bool:
        return self.terms.sending_city_id is None

    @property
    def confirmation_rows(self) -> list[tuple[str, str, Any]]:
        """(party, label, confirmation or None) for each party this version needs."""
        return [(p, gettext(PARTY_LABELS[p]), self.terms.confirmation_by(p)) for p in self.terms.parties]


# --- who is who ---------------------------------------------------------------------------------

def sending_city_id(dispatch: Dispatch) -> int | None:
    """The sending city: the serving officer's employer; none for a retiree (appointed by the receiving city)."""
    specialist = dispatch.specialist
    if specialist.kind == SpecialistKind.SERVING.value:
        return specialist.employer_city_id
    return None


def legal_form_for(dispatch: Dispatch) -> str:
    """Ring leg → exchange; a serving officer alone → 252-17 secondment; a retiree → appointment."""
    if dispatch.is_exchange:
        return "exchange"
    if dispatch.specialist.kind == SpecialistKind.SERVING.value:
        return "secondment_252_17"
    return "retiree_appointment"


def party_of(actor: Any, terms: DispatchTerms) -> str | None:
    """Which side an HR officer confirms for (None for anyone else)."""
    if actor is None or getattr(actor, "role", None) != Role.CITY_HR:
        return None
    if actor.city_id == terms.receiving_city_id:
        return "receiving"
    if terms.sending_city_id is not None and actor.city_id == terms.sending_city_id:
        return "sending"
    return None


def may_view_terms(actor: Any, dispatch: Dispatch) -> bool:
    """The coordinating city, HR of the receiving or sending city, and the specialist themself."""
    if not permissions.may(actor, "dispatch.view"):
        return False
    if actor.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    if actor.role == Role.SPECIALIST:
        return dispatch.specialist.user_id == actor.id
    return actor.city_id in (dispatch.city_id, sending_city_id(dispatch))


def may_edit_terms(actor: Any, dispatch: Dispatch) -> bool:
    """HR of the two cities and the coordinating city; never a specialist."""
    if not permissions.may(actor, "terms.edit"):
        return False
    if actor.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    return actor.city_id in (dispatch.city_id, sending_city_id(dispatch))


# --- making versions ----------------------------------------------------------------------------

def _offered_rate(dispatch: Dispatch) -> tuple[int | None, str | None]:
    req = dispatch.request
    if req is None or req.offered_rate_amount is None:
        return None, None
    return req.offered_rate_amount, req.offered_rate_unit


def create_initial_terms(dispatch: Dispatch, actor: Any = None) -> DispatchTerms:
    """Version 1 from the defaults of the dispatch's legal form and the request's offered rate (no commit)."""
    existing = current_terms(dispatch.id)
    if existing is not None:
        return existing
    form = legal_form_for(dispatch)
    defaults = current_defaults(form)
    # The offered rate is the 報酬 of a person the receiving city appoints; a serving officer keeps their salary.
    rate_amount, rate_unit = _offered_rate(dispatch) if form in RATE_FORMS else (None, None)
    if rate_amount is None:
        rate_amount = defaults.rate_amount
        rate_unit = defaults.rate_unit if defaults.rate_amount is not None else None
    terms = DispatchTerms(dispatch_id=dispatch.id, version=1, legal_form=form,
                          rate_amount=rate_amount, rate_unit=rate_unit,
                          travel_amount=defaults.travel_amount,
                          travel_unit=defaults.travel_unit if defaults.travel_amount is not None else None,
                          days_per_week=dispatch.days_per_week, start_date=dispatch.start_date,
                          end_date=dispatch.end_date, special_grant=False, note=defaults.note or "",
                          reason="", receiving_city_id=dispatch.city_id, sending_city_id=sending_city_id(dispatch),
                          defaults_id=defaults.id, created_by_id=getattr(actor, "id", None),
                          **{f"{item}_bearer": defaults.bearer(item) for item in COST_ITEMS})
    db.session.add(terms)
    db.session.flush()
    audit.record(actor, "terms.created", TERMS_ENTITY, terms.id, city_id=dispatch.city_id,
                 changes={"legal_form": [None, form]}, summary=f"dispatch {dispatch.id} v1")
    return terms


def terms_for_agreed_dispatch(dispatch: Dispatch, actor: Any = None) -> DispatchTerms:
    """``dispatch_agreed``: an accepted offer became a dispatch; its terms version 1 is written."""
    return create_initial_terms(dispatch, actor)


def terms_for_agreed_ring(cycle: Any, actor: Any = None) -> list[DispatchTerms]:
    """``ring_agreed`` (after the dispatches are made): terms version 1 for each leg of the ring."""
    db.session.flush()
    legs = db.session.scalars(select(Dispatch).where(Dispatch.exchange_cycle_id == cycle.id)
                              .order_by(Dispatch.id))
    return [create_initial_terms(d, actor) for d in legs]


def terms_for_extended_dispatch(dispatch: Dispatch, actor: Any = None, reason: str = "") -> DispatchTerms | None:
    """``dispatch_extended``: the period changed after agreement, so the terms get the next version with the new
    end date and the extension's reason — an amendment both cities confirm, and new editions of the documents
    once they have (no commit: the extension commits)."""
    previous = current_terms(dispatch.id)
    if previous is None:
        return None
    copied = {name: getattr(previous, name) for name in FIELDS}
    copied["end_date"] = dispatch.end_date
    terms = DispatchTerms(dispatch_id=dispatch.id, version=previous.version + 1, reason=reason,
                          receiving_city_id=previous.receiving_city_id, sending_city_id=previous.sending_city_id,
                          defaults_id=previous.defaults_id, created_by_id=getattr(actor, "id", None), **copied)
    db.session.add(terms)
    db.session.flush()
    audit.record(actor, "terms.amended", TERMS_ENTITY, terms.id, city_id=dispatch.city_id,
                 changes={"end_date": [previous.end_date.isoformat(), dispatch.end_date.isoformat()]},
                 reason=reason, summary=f"dispatch {dispatch.id} v{terms.version}")
    _ask_parties_to_confirm(terms, dispatch, actor)
    return terms


@dataclass
class DispatchTermsValues(TermsValues):
    """A terms form: the cost split and rates plus the dispatch-specific fields."""

    legal_form: str | None = None
    days_per_week: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    special_grant: bool = False


def validate_dispatch_terms(values: DispatchTermsValues, dispatch: Dispatch) -> list[UserError]:
    """Everything wrong with a terms form at once; the period must lie within the dispatch's."""
    errors = validate_values(values)
    if values.legal_form not in LEGAL_FORMS:
        errors.append(UserError("法的形式を一覧から選んでください。", field="legal_form"))
    if values.days_per_week is None or not 1 <= values.days_per_week <= 5:
        errors.append(UserError("週の勤務日数は1〜5日で入力してください。", field="days_per_week"))
    if values.start_date is None or values.end_date is None:
        errors.append(UserError("期間の開始日と終了日を入力してください。", field="start_date"))
    elif values.start_date > values.end_date:
        errors.append(UserError("終了日は開始日以降にしてください。", field="end_date"))
    elif values.start_date < dispatch.start_date or values.end_date > dispatch.end_date:
        errors.append(UserError("期間は派遣の期間（%(start)s〜%(end)s）の中にしてください。", field="start_date",
                                start=dispatch.start_date.isoformat(), end=dispatch.end_date.isoformat()))
    return errors


def _load(dispatch_id: int, *, for_update: bool = False) -> Dispatch:
    q = select(Dispatch).where(Dispatch.id == dispatch_id)
    if for_update:
        q = q.with_for_update()
    dispatch = db.session.scalars(q).first()
    if dispatch is None:
        raise UserError("派遣が見つかりません。")
    return dispatch


def dispatch_for_terms(actor: Any, dispatch_id: int) -> Dispatch:
    """The dispatch, if ``actor`` may read its terms."""
    dispatch = _load(dispatch_id)
    if not may_view_terms(actor, dispatch):
        raise permissions.PermissionDenied("dispatch.view")
    return dispatch


FIELDS = ("legal_form", "rate_amount", "rate_unit", "travel_amount", "travel_unit", "days_per_week",
          "start_date", "end_date", "special_grant", "note") + tuple(f"{i}_bearer" for i in COST_ITEMS)


def amend_terms(actor: Any, dispatch_id: int, values: DispatchTermsValues) -> DispatchTerms:
    """HR of either city (or the coordinating city) changes the terms: the next version, audited."""
    dispatch = _load(dispatch_id, for_update=True)
    if not may_edit_terms(actor, dispatch):
        raise permissions.PermissionDenied("terms.edit")
    if dispatch.status == "cancelled":
        raise UserError("取り消された派遣の条件は変更できません。")
    errors = validate_dispatch_terms(values, dispatch)
    if errors:
        raise UserErrors(errors)
    previous = current_terms(dispatch.id)
    number = (db.session.scalar(select(func.max(DispatchTerms.version))
                                .where(DispatchTerms.dispatch_id == dispatch.id)) or 0) + 1
    terms = DispatchTerms(dispatch_id=dispatch.id, version=number, legal_form=values.legal_form,
                          rate_amount=values.rate_amount, rate_unit=values.rate_unit,
                          travel_amount=values.travel_amount, travel_unit=values.travel_unit,
                          days_per_week=values.days_per_week, start_date=values.start_date,
                          end_date=values.end_date, special_grant=bool(values.special_grant),
                          note=(values.note or "").strip(), reason=values.reason.strip(),
                          receiving_city_id=dispatch.city_id, sending_city_id=sending_city_id(dispatch),
                          defaults_id=previous.defaults_id if previous else None, created_by_id=actor.id,
                          **{f"{item}_bearer": values.bearers[item] for item in COST_ITEMS})
    db.session.add(terms)
    db.session.flush()
    changes = {}
    for name in FIELDS:
        old = getattr(previous, name) if previous else None
        new = getattr(terms, name)
        if old != new:
            changes[name] = [old.isoformat() if isinstance(old, date) else old,
                             new.isoformat() if isinstance(new, date) else new]
    audit.record(actor, "terms.amended", TERMS_ENTITY, terms.id, city_id=dispatch.city_id, changes=changes,
                 reason=terms.reason, summary=f"dispatch {dispatch.id} v{number}")
    _ask_parties_to_confirm(terms, dispatch, actor)
    db.session.commit()
    return terms


def check_may_confirm(actor: Any, dispatch_id: int, version: int) -> None:
    """Refuse (403) anyone but an HR officer of the receiving or sending city, before any form is read."""
    permissions.check(actor, "terms.confirm")
    terms = db.session.scalars(select(DispatchTerms).where(DispatchTerms.dispatch_id == dispatch_id,
                                                           DispatchTerms.version == version)).first()
    if terms is None:
        raise UserError("この版の条件は見つかりません。")
    if party_of(actor, terms) is None:
        raise permissions.PermissionDenied("terms.confirm")


def confirm_terms(actor: Any, dispatch_id: int, version: int) -> TermsConfirmation:
    """An HR officer of the receiving or sending city confirms one version for their city."""
    permissions.check(actor, "terms.confirm")
    dispatch = _load(dispatch_id, for_update=True)
    terms = db.session.scalars(select(DispatchTerms).where(DispatchTerms.dispatch_id == dispatch.id,
                                                           DispatchTerms.version == version)).first()
    if terms is None:
        raise UserError("この版の条件は見つかりません。")
    party = party_of(actor, terms)
    if party is None:
        raise permissions.PermissionDenied("terms.confirm")
    latest = current_terms(dispatch.id)
    if latest is not None and latest.version != terms.version:
        raise UserError("新しい版の条件があります。最新の版を確認してください。")
    if terms.confirmation_by(party) is not None:
        raise UserError("この版はすでに確認済みです。")
    confirmation = TermsConfirmation(terms_id=terms.id, party=party, city_id=actor.city_id,
                                     confirmed_by_id=actor.id, confirmed_at=clock.utcnow())
    db.session.add(confirmation)
    db.session.flush()
    audit.record(actor, "terms.confirmed", TERMS_ENTITY, terms.id, city_id=actor.city_id,
                 changes={"party": [None, party]}, summary=f"dispatch {dispatch.id} v{terms.version}")
    db.session.commit()
    return confirmation
