"""The form the receiving city fills in with a dispatch's contact person and first-day details."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField, TimeField
from wtforms.validators import Optional

from ..core.forms import BoundedForm, MaxChars, Needed, PersonName
from .arrival import BRING_LIMIT, EMAIL_LIMIT, NAME_LIMIT, PLACE_LIMIT, ArrivalValues
from .forms import JapaneseDateField


class JapaneseTimeField(TimeField):
    """A time field whose complaint about an unreadable time is a message of ours (WTForms' is English)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("時刻は HH:MM の形式で入力してください（例: 08:30）。")) from None


class ArrivalForm(BoundedForm):
    contact_name = StringField(_l("担当者の氏名"), validators=[Needed(), PersonName(NAME_LIMIT)])
    contact_phone = StringField(_l("担当者の電話番号"), validators=[Needed(), MaxChars(30)])
    contact_email = StringField(_l("担当者のメールアドレス（任意）"), validators=[MaxChars(EMAIL_LIMIT)])
    place = StringField(_l("初日に行く場所"), validators=[Needed(), MaxChars(PLACE_LIMIT)])
    first_day_on = JapaneseDateField(_l("初日"), validators=[Needed(), Optional()])
    meeting_time = JapaneseTimeField(_l("集合時刻（任意）"), validators=[Optional()])
    what_to_bring = TextAreaField(_l("持ち物・服装など（任意）"), validators=[MaxChars(BRING_LIMIT)])

    def values(self) -> ArrivalValues:
        return ArrivalValues(self.contact_name.data or "", self.contact_phone.data or "", self.contact_email.data or "",
                             self.place.data or "", self.first_day_on.data, self.meeting_time.data,
                             self.what_to_bring.data or "")
