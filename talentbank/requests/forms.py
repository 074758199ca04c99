"""The staffing request form, and the small forms of the lifecycle buttons.

Fields only parse what was typed; what is allowed (period, head count, licences, reasons) is
decided by the service, which reports every problem at once in Japanese.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Optional

from ..core.forms import BoundedForm, MaxChars, Needed, confirmation_field
from .models import URGENCIES, URGENCY_LABELS, WORK_MODE_LABELS, WORK_MODES
from .services import TEXT_LIMITS

# A reason (correction, withdrawal, reopening) goes to the history and to the cities told of it.
REASON_MAX = 2000


def optional_int(value: object) -> int | None:
    """Coerce a choice to an id, with the empty choice meaning "none chosen"."""
    if value in (None, "", "None"):
        return None
    return int(value)  # type: ignore[arg-type]


class BlankIntegerField(IntegerField):
    """An optional whole number: a blank box means "none" (None), not an unreadable number."""

    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str) and not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as check boxes (licences, fields): easier than a list box on any screen."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RequestForm(BoundedForm):
    department = StringField(_l("部署"), validators=[Needed(), MaxChars(TEXT_LIMITS["department"])])
    section = StringField(_l("課・係"), validators=[Needed(), MaxChars(TEXT_LIMITS["section"])])
    profession_id = SelectField(_l("職種"), coerce=optional_int, validate_choice=False)
    required_licence_ids = CheckboxListField(_l("必要な資格（すべて必要）"), coerce=int, validate_choice=False)
    desired_field_ids = CheckboxListField(_l("望ましい経験分野"), coerce=int, validate_choice=False)
    people = IntegerField(_l("人数"), validators=[Optional()])
    start_date = DateField(_l("開始日"), validators=[Optional()])
    end_date = DateField(_l("終了日"), validators=[Optional()])
    days_per_week = IntegerField(_l("週あたりの勤務日数"), validators=[Optional()])
    work_mode = RadioField(_l("勤務形態"), choices=[(m, _l(WORK_MODE_LABELS[m])) for m in WORK_MODES],
                           default="onsite", validate_choice=False)
    urgency = RadioField(_l("緊急度"), choices=[(u, _l(URGENCY_LABELS[u])) for u in URGENCIES],
                         default="ordinary", validate_choice=False)
    urgency_reason = TextAreaField(_l("緊急度の理由"), validators=[MaxChars(TEXT_LIMITS["urgency_reason"])])
    description = TextAreaField(_l("業務内容"), validators=[Needed(), MaxChars(TEXT_LIMITS["description"])])
    internal_notes = TextAreaField(_l("内部メモ（自市と幹事市だけが見られます）"), validators=[
        MaxChars(TEXT_LIMITS["internal_notes"])])
    offered_rate_amount = BlankIntegerField(_l("提示する報酬額（円・任意）"), validators=[Optional()])
    offered_rate_unit = SelectField(_l("報酬の単位"), choices=[("", _l("指定なし")), ("day", _l("日額")),
                                                          ("hour", _l("時間額"))], validate_choice=False)
    reason = TextAreaField(_l("訂正の理由"), validators=[MaxChars(REASON_MAX)])
    lock_version = HiddenField()


class ReasonForm(BoundedForm):
    """Withdraw and reopen: an optional (city) or required (coordinating city) reason."""

    reason = TextAreaField(_l("理由"), validators=[MaxChars(REASON_MAX)])


class ActionForm(BoundedForm):
    """A button that changes state: only the CSRF token."""


class WithdrawForm(ReasonForm):
    """Withdrawal of a request or an exchange offer: the reason, and the tick box beside what it ends."""

    confirmed = confirmation_field()


class OpenOfferForm(ReasonForm):
    """Putting an officer forward for a year-long exchange: the tick box names the officer and the period."""

    confirmed = confirmation_field()
