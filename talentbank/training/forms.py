"""The training forms: a session (posting and changing), cancelling it, registering staff, attendance.

Fields only parse what was typed; the services decide what is allowed and say every problem at once.
"""
from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import Optional

from ..core.bounds import parse_id
from ..core.forms import BoundedForm, MaxChars, Needed, confirmation_field
from ..requests.forms import CheckboxListField
from .models import AUDIENCE_LABELS, AUDIENCES, Audience
from .services import DESCRIPTION_MAX, PLACE_MAX, REASON_MAX, TITLE_MAX, URL_MAX, SessionInput


class _DayField(DateField):
    """A date whose unreadable input is refused in our words (WTForms' are English)."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("日付は YYYY-MM-DD の形式で入力してください（例: 2026-12-20）。")) from None


class _TimeField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("時刻は HH:MM の形式で入力してください（例: 13:30）。")) from None


class _Count(IntegerField):
    def process_formdata(self, valuelist):
        if valuelist and isinstance(valuelist[0], str) and not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_l("半角数字の整数で入力してください。")) from None


class _Professions(CheckboxListField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError(_l("職種の選択肢が正しくありません。選び直してください。")) from None


MODES = (("onsite", _l("会場で開催")), ("online", _l("オンラインで開催")))


class SessionForm(BoundedForm):
    city_id = SelectField(_l("主催する市"), choices=[("", "")], validate_choice=False)
    title = StringField(_l("研修名"), validators=[Needed(), MaxChars(TITLE_MAX)])
    description = TextAreaField(_l("内容"), validators=[MaxChars(DESCRIPTION_MAX)])
    day = _DayField(_l("開催日"), validators=[Needed(), Optional()])
    start_time = _TimeField(_l("開始時刻"), validators=[Needed(), Optional()])
    end_time = _TimeField(_l("終了時刻"), validators=[Needed(), Optional()])
    mode = RadioField(_l("開催方法"), choices=MODES, default="onsite", validate_choice=False)
    place = StringField(_l("会場"), validators=[MaxChars(PLACE_MAX)])
    online_url = StringField(_l("参加用URL"), validators=[MaxChars(URL_MAX)])
    capacity = _Count(_l("定員（名）"), validators=[Needed(), Optional()])
    audience = RadioField(_l("対象"), choices=[(a, _l(AUDIENCE_LABELS[Audience(a)])) for a in AUDIENCES],
                          default="both", validate_choice=False)
    profession_ids = _Professions(_l("対象の職種"), coerce=int, validate_choice=False)
    registration_deadline = _DayField(_l("申込締切日"), validators=[Needed(), Optional()])

    def fill_choices(self, professions: list[Any], cities: list[Any], locale: str) -> None:
        self.profession_ids.choices = [(p.id, p.display_name(locale)) for p in professions]
        self.city_id.choices = [("", _l("選んでください"))] + [(str(c.id), c.display_name(locale)) for c in cities]

    def values(self) -> SessionInput:
        ids = [i for i in (self.profession_ids.data or []) if isinstance(i, int)]
        city = self.city_id.data
        return SessionInput(
            title=self.title.data or "", description=self.description.data or "", day=self.day.data,
            start_time=self.start_time.data, end_time=self.end_time.data, is_online=self.mode.data == "online",
            place=self.place.data or "", online_url=self.online_url.data or "", capacity=self.capacity.data,
            audience=self.audience.data or "", profession_ids=ids, registration_deadline=self.registration_deadline.data,
            city_id=parse_id(city) if isinstance(city, str) and city else None)


class CancelSessionForm(BoundedForm):
    reason = TextAreaField(_l("中止の理由（申込者に伝えます）"), validators=[Needed(), MaxChars(REASON_MAX)])
    confirm = confirmation_field(_l("中止すると、申込者とキャンセル待ちの全員に通知され、元に戻せません"))


class RemoveForm(BoundedForm):
    reason = TextAreaField(_l("取り消しの理由（本人に伝えます）"), validators=[MaxChars(REASON_MAX)])


class ButtonForm(BoundedForm):
    """A button that only needs the CSRF token (register, cancel a registration)."""


class StaffForm(BoundedForm):
    person = SelectField(_l("申し込む職員"), choices=[("", "")], validate_choice=False)

    def fill_choices(self, officers: list[Any], accounts: list[Any]) -> None:
        self.person.choices = [("", _l("選んでください"))] + \
            [(f"s{o.id}", gettext("%(name)s（現職職員の登録）", name=o.name_kanji or o.reference)) for o in officers] + \
            [(f"u{u.id}", gettext("%(name)s（人事担当者）", name=u.display_name)) for u in accounts]

    def chosen(self) -> tuple[int | None, int | None]:
        value = self.person.data or ""
        if not isinstance(value, str) or len(value) < 2 or value[0] not in "su":
            return None, None
        number = parse_id(value[1:])
        if number is None:
            return None, None
        return (number, None) if value[0] == "s" else (None, number)
