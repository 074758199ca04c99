"""The default terms per legal form, kept by the coordinating city and versioned like the rule sets.

Each save adds the next version of one legal form's defaults with a reason, audited; the newest
version is the one in force. A dispatch's terms version 1 is copied from the defaults of its form.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ..audit import services as audit
from ..core import permissions
from ..core.errors import UserError, UserErrors
from ..extensions import db
from .models import (BEARERS, COST_ITEMS, LEGAL_FORMS, MAX_RATE_YEN, MAX_TRAVEL_YEN, RATE_UNITS, TRAVEL_UNITS,
                     TermsDefaults)

DEFAULTS_ENTITY = "terms_defaults"
MAX_REASON = 500
MAX_NOTE = 2000

# The standard split of each scheme (issue 17), the same values migration 0016 seeds as version 1:
# 252-17: the receiving body bears salary, allowances and travel, the sending body the retirement
# allowance; exchange: each sending town keeps paying its officer's salary, the receiving town pays
# overtime and travel; retiree: the receiving city pays the 報酬 and travel; honorarium: the receiving
# city pays the honorarium and travel.
STANDARD_DEFAULTS: dict[str, dict[str, Any]] = {
    "secondment_252_17": {"bearers": dict(zip(COST_ITEMS, ("receiving", "receiving", "receiving", "receiving",
                                                           "sending", "receiving"))),
                          "rate_unit": None, "travel_unit": "day"},
    "exchange": {"bearers": dict(zip(COST_ITEMS, ("sending", "sending", "receiving", "receiving",
                                                  "sending", "sending"))),
                 "rate_unit": None, "travel_unit": "day"},
    "retiree_appointment": {"bearers": dict(zip(COST_ITEMS, ("receiving", "none", "receiving", "receiving",
                                                             "none", "receiving"))),
                            "rate_unit": "day", "travel_unit": "day"},
    "honorarium": {"bearers": dict(zip(COST_ITEMS, ("receiving", "none", "none", "receiving", "none", "none"))),
                   "rate_unit": "day", "travel_unit": "trip"},
}


@dataclass
class TermsValues:
    """What a defaults form or a terms form says, before it is checked."""

    bearers: dict[str, str | None] = field(default_factory=dict)
    rate_amount: int | None = None
    rate_unit: str | None = None
    travel_amount: int | None = None
    travel_unit: str | None = None
    note: str = ""
    reason: str = ""


def validate_values(values: TermsValues, *, reason_required: bool = True) -> list[UserError]:
    """Every problem of the cost split, rates and reason at once (the form shows them together)."""
    errors: list[UserError] = []
    for item in COST_ITEMS:
        if values.bearers.get(item) not in BEARERS:
            errors.append(UserError("負担者を選んでください。", field=f"{item}_bearer"))
    for name, amount, limit in (("rate_amount", values.rate_amount, MAX_RATE_YEN),
                                ("travel_amount", values.travel_amount, MAX_TRAVEL_YEN)):
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool)
                                   or amount < 0 or amount > limit):
            errors.append(UserError("金額は0円以上%(limit)s円以下の整数で入力してください。", field=name,
                                    limit=f"{limit:,}"))
    if values.rate_unit is not None and values.rate_unit not in RATE_UNITS:
        errors.append(UserError("報酬の単位を一覧から選んでください。", field="rate_unit"))
    if values.travel_unit is not None and values.travel_unit not in TRAVEL_UNITS:
        errors.append(UserError("旅費の単位を一覧から選んでください。", field="travel_unit"))
    if values.rate_amount is not None and values.rate_unit is None:
        errors.append(UserError("報酬の金額には単位（日額・時間額）を選んでください。", field="rate_unit"))
    if values.travel_amount is not None and values.travel_unit is None:
        errors.append(UserError("旅費の金額には単位を選んでください。", field="travel_unit"))
    if len(values.note or "") > MAX_NOTE:
        errors.append(UserError("備考は%(max)d文字以内で入力してください。", field="note", max=MAX_NOTE))
    reason = (values.reason or "").strip()
    if reason_required and not reason:
        errors.append(UserError("変更の理由を入力してください。", field="reason"))
    if len(reason) > MAX_REASON:
        errors.append(UserError("理由は%(max)d文字以内で入力してください。", field="reason", max=MAX_REASON))
    return errors


def _standard(form: str) -> TermsDefaults:
    std = STANDARD_DEFAULTS[form]
    return TermsDefaults(legal_form=form, version=0, rate_amount=None, rate_unit=std["rate_unit"],
                         travel_amount=None, travel_unit=std["travel_unit"], note="", reason="",
                         **{f"{item}_bearer": b for item, b in std["bearers"].items()})


def current_defaults(form: str) -> TermsDefaults:
    """The defaults in force for ``form``: the newest saved version (the standard split if none is saved)."""
    if form not in LEGAL_FORMS:
        raise UserError("法的形式を一覧から選んでください。", field="legal_form")
    row = db.session.scalars(select(TermsDefaults).where(TermsDefaults.legal_form == form)
                             .order_by(TermsDefaults.version.desc()).limit(1)).first()
    return row if row is not None else _standard(form)


def all_current_defaults() -> dict[str, TermsDefaults]:
    return {form: current_defaults(form) for form in LEGAL_FORMS}


def defaults_history(actor: Any, form: str) -> list[TermsDefaults]:
    """Every saved version of one form's defaults, newest first."""
    permissions.check(actor, "terms.defaults_view")
    return list(db.session.scalars(select(TermsDefaults).where(TermsDefaults.legal_form == form)
                                   .order_by(TermsDefaults.version.desc())))


def save_defaults(actor: Any, form: str, values: TermsValues) -> TermsDefaults:
    """The coordinating city saves new defaults for one legal form: the next version, audited."""
    permissions.check(actor, "terms.defaults_edit")
    if form not in LEGAL_FORMS:
        raise UserError("法的形式を一覧から選んでください。", field="legal_form")
    errors = validate_values(values)
    if errors:
        raise UserErrors(errors)
    previous = current_defaults(form)
    number = (db.session.scalar(select(func.max(TermsDefaults.version))
                                .where(TermsDefaults.legal_form == form)) or 0) + 1
    row = TermsDefaults(legal_form=form, version=number, rate_amount=values.rate_amount,
                        rate_unit=values.rate_unit, travel_amount=values.travel_amount,
                        travel_unit=values.travel_unit, note=(values.note or "").strip(),
                        reason=values.reason.strip(), created_by_id=actor.id,
                        **{f"{item}_bearer": values.bearers[item] for item in COST_ITEMS})
    db.session.add(row)
    db.session.flush()
    changes = {f"{item}_bearer": [previous.bearer(item), row.bearer(item)] for item in COST_ITEMS
               if previous.bearer(item) != row.bearer(item)}
    for name in ("rate_amount", "rate_unit", "travel_amount", "travel_unit"):
        if getattr(previous, name) != getattr(row, name):
            changes[name] = [getattr(previous, name), getattr(row, name)]
    audit.record(actor, "terms_defaults.saved", DEFAULTS_ENTITY, row.id, changes=changes, reason=row.reason,
                 summary=f"{form} v{number}")
    db.session.commit()
    return row
