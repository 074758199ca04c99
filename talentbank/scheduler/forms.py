"""The round schedule form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from .rounds import WEEK_OF_MONTH_LABELS, WEEKDAY_LABELS

REQUIRED = _l("入力してください。")


def _week_of_month(value: str | None) -> int | None:
    return int(value) if value not in (None, "", "every", "None") else None


class ScheduleForm(FlaskForm):
    is_regular_enabled = BooleanField(_l("定期マッチングを自動で実行する"))
    week_of_month = SelectField(
        _l("実行する週"), coerce=_week_of_month,
        choices=[("every" if key is None else str(key), _l(label)) for key, label in WEEK_OF_MONTH_LABELS.items()])
    weekday = SelectField(_l("曜日"), coerce=int, choices=[(i, _l(label)) for i, label in enumerate(WEEKDAY_LABELS)])
    hour = IntegerField(_l("時"), validators=[InputRequired(REQUIRED), NumberRange(
        min=0, max=23, message=_l("時は0〜23の整数で入力してください。"))])
    minute = IntegerField(_l("分"), validators=[InputRequired(REQUIRED), NumberRange(
        min=0, max=59, message=_l("分は0〜59の整数で入力してください。"))])
    is_fast_track_enabled = BooleanField(_l("災害復旧の派遣要請が公開されたら緊急マッチングを自動で実行する"))
    fast_track_delay_minutes = IntegerField(_l("緊急マッチングまでの待ち時間（分）"), validators=[
        InputRequired(REQUIRED), NumberRange(min=1, max=120, message=_l("緊急マッチングまでの待ち時間は1〜120分で入力してください。"))])
    reason = TextAreaField(_l("変更理由"), validators=[DataRequired(_l("変更理由を入力してください。")), Length(max=1000)])
