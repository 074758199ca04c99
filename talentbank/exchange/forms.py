"""The exchange offer form. Fields only parse; the service decides what is allowed."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, SelectField, TextAreaField
from wtforms.validators import Optional

from ..core.forms import BoundedForm, MaxChars
from ..requests.forms import REASON_MAX, CheckboxListField, optional_int
from .services import NOTES_LIMIT


class OfferForm(BoundedForm):
    officer_id = SelectField(_l("提供する職員"), coerce=optional_int, validate_choice=False)
    start_date = DateField(_l("開始日"), validators=[Optional()])
    end_date = DateField(_l("終了日"), validators=[Optional()])
    is_one_way = BooleanField(_l("片道の派遣（見返りなし）"))
    wants_profession_id = SelectField(_l("見返りに求める職種"), coerce=optional_int, validate_choice=False)
    wants_licence_ids = CheckboxListField(_l("見返りに求める資格（すべて必要）"), coerce=int, validate_choice=False)
    notes = TextAreaField(_l("メモ（自市と幹事市だけが見られます）"), validators=[MaxChars(NOTES_LIMIT)])
    reason = TextAreaField(_l("訂正の理由"), validators=[MaxChars(REASON_MAX)])
    lock_version = HiddenField()
