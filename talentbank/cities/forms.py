"""The city indicator form and the travel-time matrix form."""
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from ..core.forms import BoundedForm, MaxChars
from .codes import municipality_code_error

REQUIRED = _l("入力してください。")


def valid_municipality_code(form, field) -> None:
    """WTForms validator wrapping the 団体コード check, with the reason in the message."""
    problem = municipality_code_error(field.data or "")
    if problem:
        raise ValidationError(gettext(problem[0], **problem[1]))


class CityForm(BoundedForm):
    code = StringField(_l("団体コード"), validators=[DataRequired(REQUIRED), valid_municipality_code])
    name_ja = StringField(_l("市名（日本語）"), validators=[DataRequired(REQUIRED), MaxChars(50)])
    name_en = StringField(_l("市名（英語）"), validators=[DataRequired(REQUIRED), MaxChars(80)])
    prefecture = StringField(_l("都道府県"), validators=[DataRequired(REQUIRED), MaxChars(10)])
    population = IntegerField(_l("人口"), validators=[InputRequired(REQUIRED), NumberRange(min=1, message=_l("人口は1以上の整数で入力してください。"))])
    general_staff = IntegerField(_l("一般行政職員数"), validators=[InputRequired(REQUIRED), NumberRange(min=0, message=_l("一般行政職員数は0以上の整数で入力してください。"))])
    allowance_rate = DecimalField(_l("地域手当支給率（%）"), places=2, validators=[InputRequired(REQUIRED), NumberRange(min=0, max=30, message=_l("地域手当支給率は0〜30の範囲（単位: パーセント）で入力してください。"))])
    fiscal_index = DecimalField(_l("財政力指数"), places=3, validators=[InputRequired(REQUIRED), NumberRange(min=0, max=3, message=_l("財政力指数は0〜3の範囲で入力してください。"))])
    indicators_year = IntegerField(_l("指標の年度"), validators=[InputRequired(REQUIRED), NumberRange(min=1950, max=2100, message=_l("指標の年度が正しくありません。"))])
    is_sample_indicators = BooleanField(_l("指標はサンプル値"))
    is_member = BooleanField(_l("連携市（マッチングの対象）"))
    reason = TextAreaField(_l("変更理由"), validators=[DataRequired(_l("変更理由を入力してください。")), MaxChars(1000)])


class TravelForm(BoundedForm):
    """Only the reason and CSRF; the matrix cells are read from fields named ``t-<id>-<id>``."""

    reason = TextAreaField(_l("変更理由"), validators=[DataRequired(_l("変更理由を入力してください。")), MaxChars(1000)])
