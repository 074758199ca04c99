"""Forms of the offer, dispatch and exchange-ring screens (the services check everything again)."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Optional

from ..core.forms import BoundedForm, MaxChars, confirmation_field

REASON_MAX = 2000


class ActionForm(BoundedForm):
    """A button that changes something: only the CSRF token."""


class DeclineForm(BoundedForm):
    decline_reason = TextAreaField(_l("辞退の理由（任意）"), validators=[Optional(), MaxChars(REASON_MAX)])
    confirmed = confirmation_field(_l("この打診を辞退します"))


class ReasonForm(BoundedForm):
    reason = TextAreaField(_l("理由"), validators=[
        DataRequired(_l("理由を入力してください。")),
        MaxChars(REASON_MAX)])


class JapaneseDateField(DateField):
    """A date field whose complaint about an unreadable date is a message of ours (WTForms' is English)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("日付は YYYY-MM-DD の形式で入力してください。")) from None


class ExtendForm(BoundedForm):
    new_end_date = JapaneseDateField(_l("新しい終了日"), validators=[
        InputRequired(_l("新しい終了日を入力してください。"))])
    # Its own id: the dispatch page also has the cancel form's "reason", and a label finds its field by id.
    reason = TextAreaField(_l("延長の理由"), id="extend-reason", validators=[
        DataRequired(_l("理由を入力してください。")),
        MaxChars(REASON_MAX)])


RATING_CHOICES = [("5", _l("5（とても良い）")), ("4", _l("4（良い）")), ("3", _l("3（普通）")),
                  ("2", _l("2（あまり良くない）")), ("1", _l("1（良くない）"))]


class EvaluationForm(BoundedForm):
    rating = RadioField(_l("評価"), choices=RATING_CHOICES, validators=[
        InputRequired(_l("評価は1〜5の中から選んでください。"))])
    comment = TextAreaField(_l("コメント（任意）"), validators=[Optional(), MaxChars(REASON_MAX)])
