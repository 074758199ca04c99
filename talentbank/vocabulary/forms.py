"""The form for one vocabulary term."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, NumberRange, Optional

from ..core.forms import BoundedForm, MaxChars

REQUIRED = _l("入力してください。")


class BlankableIntegerField(IntegerField):
    """A whole number that may be left empty (None): WTForms would call an empty box an invalid integer."""

    def process_formdata(self, valuelist: list) -> None:
        if valuelist and isinstance(valuelist[0], str) and not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata(valuelist)


class TermForm(BoundedForm):
    code = StringField(_l("コード（半角英小文字）"), validators=[DataRequired(REQUIRED), MaxChars(60)])
    name_ja = StringField(_l("名称（日本語）"), validators=[DataRequired(REQUIRED), MaxChars(100)])
    name_en = StringField(_l("名称（英語）"), validators=[DataRequired(REQUIRED), MaxChars(150)])
    sort_order = BlankableIntegerField(_l("表示順"), validators=[Optional(), NumberRange(
        min=0, max=100000, message=_l("表示順は0〜100000の整数で入力してください。"))])
    profession_id = SelectField(_l("主な職種"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                                validators=[Optional()], validate_choice=False)
    is_active = BooleanField(_l("使用中（登録・派遣要請で選べる）"))
    # professions only (the view removes it for licences and fields)
    disaster_training_months = BlankableIntegerField(
        _l("災害復旧の要請で求める研修の受講（か月以内）"),
        validators=[Optional(), NumberRange(min=1, max=60, message=_l(
            "研修の受講期限は1〜60か月の整数で入力してください（求めない場合は空欄）。"))])
