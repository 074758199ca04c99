"""The forms of the terms of a dispatch, the defaults per legal form, and the confirm button.

Fields only parse what was typed; the services (terms.py, defaults.py) decide what is allowed and
report every problem at once.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import Optional

from ..core.forms import BoundedForm, MaxChars, Needed, confirmation_field
from ..dispatches.forms import JapaneseDateField
from ..requests.forms import BlankIntegerField
from .defaults import MAX_NOTE, MAX_REASON, TermsValues
from .models import (BEARER_LABELS, BEARERS, COST_ITEM_LABELS, COST_ITEMS, LEGAL_FORM_LABELS, LEGAL_FORMS,
                     RATE_UNIT_LABELS, RATE_UNITS, TRAVEL_UNIT_LABELS, TRAVEL_UNITS)
from .terms import DispatchTermsValues

_BEARER_CHOICES = [(b, _l(BEARER_LABELS[b])) for b in BEARERS]
_RATE_UNIT_CHOICES = [("", _l("指定なし"))] + [(u, _l(RATE_UNIT_LABELS[u])) for u in RATE_UNITS]
_TRAVEL_UNIT_CHOICES = [("", _l("実費（金額を定めない）"))] + [(u, _l(TRAVEL_UNIT_LABELS[u])) for u in TRAVEL_UNITS]


def _bearer_field(item: str) -> SelectField:
    return SelectField(_l(COST_ITEM_LABELS[item]), choices=_BEARER_CHOICES, validate_choice=False)


class _CostForm(BoundedForm):
    salary_bearer = _bearer_field("salary")
    allowances_bearer = _bearer_field("allowances")
    overtime_bearer = _bearer_field("overtime")
    travel_bearer = _bearer_field("travel")
    retirement_allowance_bearer = _bearer_field("retirement_allowance")
    insurance_bearer = _bearer_field("insurance")
    rate_amount = BlankIntegerField(_l("報酬の額（円）"), validators=[Optional()])
    rate_unit = SelectField(_l("報酬の単位"), choices=_RATE_UNIT_CHOICES, validate_choice=False)
    travel_amount = BlankIntegerField(_l("旅費の額（円）"), validators=[Optional()])
    travel_unit = SelectField(_l("旅費の単位"), choices=_TRAVEL_UNIT_CHOICES, validate_choice=False)
    note = TextAreaField(_l("備考"), validators=[MaxChars(MAX_NOTE)])
    reason = TextAreaField(_l("変更の理由"), validators=[Needed(), MaxChars(MAX_REASON)])

    def bearer_fields(self) -> list:
        return [getattr(self, f"{item}_bearer") for item in COST_ITEMS]

    def _common(self) -> dict:
        return dict(bearers={item: getattr(self, f"{item}_bearer").data for item in COST_ITEMS},
                    rate_amount=self.rate_amount.data, rate_unit=self.rate_unit.data or None,
                    travel_amount=self.travel_amount.data, travel_unit=self.travel_unit.data or None,
                    note=self.note.data or "", reason=self.reason.data or "")


class DefaultsForm(_CostForm):
    """The defaults of one legal form (the coordinating city)."""

    def values(self) -> TermsValues:
        return TermsValues(**self._common())


class TermsForm(_CostForm):
    """Every field of the terms of one dispatch."""

    legal_form = SelectField(_l("法的形式"), choices=[(f, _l(LEGAL_FORM_LABELS[f])) for f in LEGAL_FORMS],
                             validate_choice=False)
    days_per_week = IntegerField(_l("週の勤務日数"), validators=[Optional()])
    start_date = JapaneseDateField(_l("開始日"), validators=[Needed(), Optional()])
    end_date = JapaneseDateField(_l("終了日"), validators=[Needed(), Optional()])
    special_grant = BooleanField(_l("特別交付税の対象（災害復旧など）"))

    def values(self) -> DispatchTermsValues:
        return DispatchTermsValues(**self._common(), legal_form=self.legal_form.data,
                                   days_per_week=self.days_per_week.data, start_date=self.start_date.data,
                                   end_date=self.end_date.data, special_grant=bool(self.special_grant.data))


class ConfirmForm(BoundedForm):
    """One city confirms one version: the tick box says what it commits to."""

    confirmed = confirmation_field(_l("この版の条件を、自市として確認しました"))
