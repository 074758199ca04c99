"""Forms of the accounts screens; labels and messages go through the translation layer."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from ..core.forms import BoundedForm, MaxChars, PersonName

REQUIRED = _l("入力してください。")


class LoginForm(BoundedForm):
    email = EmailField(_l("メールアドレス"), validators=[DataRequired(REQUIRED), MaxChars(254)])
    password = PasswordField(_l("パスワード"), validators=[DataRequired(REQUIRED)])
    remember = BooleanField(_l("ログイン状態を保持する"))


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class ForgotPasswordForm(BoundedForm):
    email = EmailField(_l("メールアドレス"), filters=[_stripped], validators=[DataRequired(REQUIRED), Email(_l("メールアドレスの形式が正しくありません。")), MaxChars(254)])


class UnlockForm(BoundedForm):
    password = PasswordField(_l("パスワード"), validators=[DataRequired(REQUIRED), Length(max=200)])


class ChangePasswordForm(BoundedForm):
    current_password = PasswordField(_l("現在のパスワード"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(_l("新しいパスワード"), validators=[DataRequired(REQUIRED), Length(min=10, max=200, message=_l("パスワードは10文字以上にしてください。"))])
    confirm = PasswordField(_l("新しいパスワード（確認）"), validators=[DataRequired(REQUIRED), EqualTo("new_password", message=_l("確認用のパスワードが一致しません。"))])


class SetPasswordForm(BoundedForm):
    password = PasswordField(_l("パスワード"), validators=[DataRequired(REQUIRED), Length(min=10, max=200, message=_l("パスワードは10文字以上にしてください。"))])
    confirm = PasswordField(_l("パスワード（確認）"), validators=[DataRequired(REQUIRED), EqualTo("password", message=_l("確認用のパスワードが一致しません。"))])


class InviteForm(BoundedForm):
    email = EmailField(_l("メールアドレス"), validators=[DataRequired(REQUIRED), Email(_l("メールアドレスの形式が正しくありません。")), MaxChars(254)])
    display_name = StringField(_l("氏名"), validators=[DataRequired(REQUIRED), PersonName()])
    role = SelectField(_l("役割"), choices=[("city_hr", _l("人事担当者")), ("coordinator", _l("幹事市職員")), ("admin", _l("管理者"))])
    city_id = SelectField(_l("所属市"), coerce=lambda v: int(v) if v not in (None, "", "None") else None, validators=[Optional()])


class UserStatusForm(BoundedForm):
    reason = TextAreaField(_l("理由"), validators=[DataRequired(REQUIRED), MaxChars(1000)])
