"""Forms of the registry: the profile (sign-up, self-edit, HR registration), searches and imports.

Forms only parse; the rules a profile must meet live in ``validation.py`` so that forms and
imports give the same Japanese messages.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.bounds import parse_date, parse_int
from ..core.forms import BoundedForm, BoundedSubForm, KanaReading, MaxChars, Needed, PersonName, confirmation_field
from .validation import MAX_NOTES, ProfileValues

REQUIRED = _l("入力してください。")
OTHER_CITY = "other"
REASON_MAX = 1000


class IntegerText(StringField):
    """A whole number typed as text: a clear Japanese message instead of a parser's English one."""

    def pre_validate(self, form: Any) -> None:
        raw = (self.data or "").strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
        self.data = raw
        if raw and parse_int(raw, 0) is None:
            raise ValidationError(gettext("%(label)sは半角の整数で入力してください。", label=self.label.text))

    @property
    def value(self) -> int | None:
        return parse_int((self.data or "").strip(), 0)


class DateText(StringField):
    """A date from ``<input type=date>`` (YYYY-MM-DD), with a Japanese message when unreadable."""

    def pre_validate(self, form: Any) -> None:
        raw = (self.data or "").strip().replace("/", "-")
        self.data = raw
        if raw and parse_date(raw) is None:
            raise ValidationError(gettext("日付はYYYY-MM-DDの形で入力してください（例: 2027-04-01）。"))

    @property
    def value(self) -> date | None:
        return parse_date((self.data or "").strip())


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: Any) -> None:
        # Unknown ids are reported by the profile rules, with the vocabulary's message.
        pass


def _int_or_none(value: Any) -> int | None:
    return parse_int(str(value), 0) if value is not None else None


class ExperienceRow(BoundedSubForm):
    field_id = SelectField(_l("経験分野"), coerce=str, validate_choice=False)
    years = IntegerText(_l("経験年数"))


class WindowRow(BoundedSubForm):
    start_date = DateText(_l("開始日"))
    end_date = DateText(_l("終了日"))


class ProfileForm(BoundedForm):
    name_kanji = StringField(_l("氏名"), validators=[Needed(), PersonName()])
    name_kana = StringField(_l("ふりがな"), validators=[Needed(), KanaReading()])
    email = StringField(_l("メールアドレス"), validators=[Needed(), MaxChars(254)])
    phone = StringField(_l("電話番号"), validators=[MaxChars(20)])
    home_city_id = SelectField(_l("居住する市区町村"), coerce=str, validate_choice=False)
    home_city_code = StringField(_l("一覧にない市区町村（名前または団体コード）"), validators=[MaxChars(60)])
    home_city_name = StringField(_l("市区町村名（一覧にない場合）"), validators=[MaxChars(50)])
    former_employer = StringField(_l("元の勤務先"), validators=[MaxChars(100)])
    retirement_year = IntegerText(_l("退職年（西暦）"))
    profession_ids = MultiCheckboxField(_l("職種"), coerce=int)
    licence_ids = MultiCheckboxField(_l("資格・免許"), coerce=int)
    experiences = FieldList(FormField(ExperienceRow), label=_l("経験分野と年数"))
    windows = FieldList(FormField(WindowRow), label=_l("勤務可能期間"))
    days_per_week = IntegerText(_l("週あたりの勤務可能日数"), validators=[Needed()])
    can_work_onsite = BooleanField(_l("現地で勤務できる"))
    can_work_remote = BooleanField(_l("在宅（リモート）で勤務できる"))
    max_travel_minutes = IntegerText(_l("片道の移動時間の上限（分）"))
    excluded_city_ids = MultiCheckboxField(_l("派遣を希望しない市"), coerce=int)
    preferred_city_ids = MultiCheckboxField(_l("派遣を希望する市"), coerce=int)
    notes = TextAreaField(_l("備考"), validators=[MaxChars(MAX_NOTES)])

    def profile_values(self) -> ProfileValues:
        """The submitted profile as plain values; blank experience and period rows are dropped."""
        home = self.home_city_id.data
        experiences = []
        for row in self.experiences:
            field_id, years = _int_or_none(row.field_id.data), row.years.value
            if field_id is None and not (row.years.data or "").strip():
                continue
            experiences.append((field_id, years))
        windows = []
        for row in self.windows:
            if not (row.start_date.data or "").strip() and not (row.end_date.data or "").strip():
                continue
            windows.append((row.start_date.value, row.end_date.value))
        return ProfileValues(
            name_kanji=self.name_kanji.data or "", name_kana=self.name_kana.data or "",
            email=self.email.data or "", phone=self.phone.data or "",
            home_city_id=_int_or_none(home) if home != OTHER_CITY else None,
            home_city_code=(self.home_city_code.data or "") if home == OTHER_CITY else "",
            home_city_name=(self.home_city_name.data or "") if home == OTHER_CITY else "",
            former_employer=self.former_employer.data or "", retirement_year=self.retirement_year.value,
            profession_ids=list(self.profession_ids.data or []), licence_ids=list(self.licence_ids.data or []),
            experiences=experiences, windows=windows, days_per_week=self.days_per_week.value,
            can_work_onsite=bool(self.can_work_onsite.data), can_work_remote=bool(self.can_work_remote.data),
            max_travel_minutes=self.max_travel_minutes.value,
            excluded_city_ids=list(self.excluded_city_ids.data or []),
            preferred_city_ids=list(self.preferred_city_ids.data or []), notes=self.notes.data or "",
        )


def form_data(values: ProfileValues) -> dict[str, Any]:
    """Values shaped as a form's ``data=`` so an edit page starts from the saved profile."""
    return {
        "name_kanji": values.name_kanji, "name_kana": values.name_kana, "email": values.email,
        "phone": values.phone, "home_city_id": str(values.home_city_id or ""),
        "former_employer": values.former_employer,
        "retirement_year": str(values.retirement_year) if values.retirement_year else "",
        "profession_ids": values.profession_ids, "licence_ids": values.licence_ids,
        "experiences": [{"field_id": str(f), "years": str(y)} for f, y in values.experiences],
        "windows": [{"start_date": s.isoformat(), "end_date": e.isoformat()} for s, e in values.windows if s and e],
        "days_per_week": str(values.days_per_week or ""), "can_work_onsite": values.can_work_onsite,
        "can_work_remote": values.can_work_remote,
        "max_travel_minutes": "" if values.max_travel_minutes is None else str(values.max_travel_minutes),
        "excluded_city_ids": values.excluded_city_ids, "preferred_city_ids": values.preferred_city_ids,
        "notes": values.notes,
    }


class SignupForm(ProfileForm):
    password = PasswordField(_l("パスワード"), validators=[DataRequired(REQUIRED), Length(
        min=10, max=200, message=_l("パスワードは10文字以上にしてください。"))])
    confirm = PasswordField(_l("パスワード（確認）"), validators=[DataRequired(REQUIRED), EqualTo(
        "password", message=_l("確認用のパスワードが一致しません。"))])
    consent = BooleanField(_l("上記の情報の取扱いに同意して登録します"))


class OfficerForm(ProfileForm):
    consent = BooleanField(_l("本人から、登録と連携市への情報共有について同意を得ています"))


class ClaimForm(BoundedForm):
    password = PasswordField(_l("パスワード"), validators=[DataRequired(REQUIRED), Length(
        min=10, max=200, message=_l("パスワードは10文字以上にしてください。"))])
    confirm = PasswordField(_l("パスワード（確認）"), validators=[DataRequired(REQUIRED), EqualTo(
        "password", message=_l("確認用のパスワードが一致しません。"))])
    consent = BooleanField(_l("上記の情報の取扱いに同意します"))


class ReasonForm(BoundedForm):
    """Only CSRF and an optional reason: pause, resume and confirmation buttons post it."""

    reason = TextAreaField(_l("理由"), validators=[MaxChars(REASON_MAX)])


class WithdrawForm(BoundedForm):
    password = PasswordField(_l("パスワード（確認のため）"))
    reason = TextAreaField(_l("理由"), validators=[MaxChars(REASON_MAX)])
    confirm = BooleanField(_l("個人情報が消去され、元に戻せないことを理解しました"))


class StaffWithdrawForm(BoundedForm):
    """Staff erasing a registration (an HR officer their city's officer, the coordinating city anyone's on request):
    the reason, and the tick box under the page that names the person and what is erased."""

    reason = TextAreaField(_l("理由"), validators=[MaxChars(REASON_MAX)])
    confirmed = confirmation_field(_l("この人の個人情報が消去され、元に戻せないことを確認しました"))


class ImportForm(BoundedForm):
    file = FileField(_l("CSVまたはExcel（.xlsx）ファイル"))


class AdviceForm(BoundedForm):
    """Short consultations (相談): whether the person takes them, and their own cap of hours per month."""

    accepts_advice = BooleanField(_l("短時間の相談（助言）を受け付ける"))
    advice_hours_per_month = StringField(_l("1か月の相談時間の上限（時間）"), validators=[MaxChars(4)])
