"""Forms of the consultation screens: fields parse what was typed; the services decide what is allowed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ..core.forms import BoundedForm, MaxChars, Needed, confirmation_field
from ..requests.forms import CheckboxListField, optional_int
from ..requests.models import URGENCY_LABELS
from .models import URGENCIES, WORK_MODE_LABELS, WORK_MODES
from .services import MESSAGE_MAX, QUESTION_MAX, REASON_MAX, SUMMARY_MAX, TITLE_MAX


class ConsultationForm(BoundedForm):
    title = StringField(_l("件名"), validators=[Needed(), MaxChars(TITLE_MAX)])
    profession_id = SelectField(_l("職種"), coerce=optional_int, validate_choice=False)
    field_id = SelectField(_l("経験分野"), coerce=optional_int, validate_choice=False)
    licence_ids = CheckboxListField(_l("必要な資格（すべて必要・任意）"), coerce=int, validate_choice=False)
    urgency = RadioField(_l("緊急度"), choices=[(u, _l(URGENCY_LABELS[u])) for u in URGENCIES],
                         default="ordinary", validate_choice=False)
    question = TextAreaField(_l("相談の内容"), validators=[Needed(), MaxChars(QUESTION_MAX)])
    hours_needed = StringField(_l("必要な時間の目安（時間）"), validators=[Needed(), MaxChars(6)])
    work_mode = RadioField(_l("相談の方法"), choices=[(m, _l(WORK_MODE_LABELS[m])) for m in WORK_MODES],
                           default="remote", validate_choice=False)
    wanted_by = DateField(_l("回答の希望日"), validators=[Optional()])


class ActionForm(BoundedForm):
    """A button that changes something: only the CSRF token."""


class MessageForm(BoundedForm):
    body = TextAreaField(_l("メッセージ"), validators=[MaxChars(MESSAGE_MAX)])
    attachment = FileField(_l("添付ファイル（任意）"))


class TimeForm(BoundedForm):
    hours_spent = StringField(_l("かかった時間（時間）"), validators=[Needed(), MaxChars(6)])


class CloseForm(BoundedForm):
    summary = TextAreaField(_l("要約"), validators=[Needed(), MaxChars(SUMMARY_MAX)])
    close_hours = StringField(_l("かかった時間（時間）"), validators=[MaxChars(6)])
    publish = BooleanField(_l("要約を事例・ノウハウのライブラリに公開する"))


class WithdrawForm(BoundedForm):
    reason = TextAreaField(_l("取り下げの理由（任意）"), validators=[Optional(), MaxChars(REASON_MAX)])
    confirmed = confirmation_field(_l("この相談を取り下げます"))


class DelegateForm(BoundedForm):
    """Authorise a serving officer of the city to post consultations (the service checks the person)."""
    city_id = SelectField(_l("市"), validate_choice=False)
    specialist_id = SelectField(_l("職員"), validate_choice=False, validators=[Needed(), MaxChars(12)])


class RevokeDelegateForm(BoundedForm):
    delegate_id = StringField(validators=[Needed(), MaxChars(12)])
