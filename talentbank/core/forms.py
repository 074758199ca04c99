"""The base of every form (each field read as its type, within bounds) and how a screen shows what a
service or a form refused: under the field it names, or at the top."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, Form, IntegerField, PasswordField, SelectFieldBase, TextAreaField
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from .bounds import (
    DATE_MAX,
    DATE_MIN,
    DB_INT_MAX,
    DB_INT_MIN,
    date_in_range,
    has_control_characters,
    is_decimal_text,
    parse_int,
)
from .errors import N_, UserError
from .names import NAME_MAX, READING_MAX, name_problem, reading_problem

# Outer caps on what one field may hold; a field's own ``Length`` may be stricter.
LINE_MAX = 200
TEXT_MAX = 10_000
PASSWORD_MAX = 1_000
CHOICE_MAX = 100


def _refuse(field: Any, message: str, **params: object) -> None:
    """Replace the parser's (English) complaints by one message and stop the field's other validators."""
    field.errors[:] = []
    raise StopValidation(gettext(message, label=field.label.text, **params))


def _text_cap(field: Any) -> int:
    if isinstance(field, TextAreaField):
        return TEXT_MAX
    return PASSWORD_MAX if isinstance(field, PasswordField) else LINE_MAX


def check_input_type(form: Any, field: Any) -> None:
    """Every field's first validator: the submitted text is of the field's type and within bounds."""
    raw = [value for value in (field.raw_data or []) if isinstance(value, str)]
    if isinstance(field, SelectFieldBase):
        for value in raw:
            if len(value) > CHOICE_MAX or not (value.isascii() and value.isprintable()) or (
                    value.lstrip("-").isdigit() and parse_int(value) is None):
                _refuse(field, N_("%(label)sの選択肢が正しくありません。選び直してください。"))
        return
    multiline = isinstance(field, TextAreaField)
    for value in raw:
        if has_control_characters(value, multiline=multiline):
            if multiline:
                _refuse(field, N_("%(label)sに制御文字（NULなど）は使えません。"))
            _refuse(field, N_("%(label)sに改行や制御文字は使えません。1行で入力してください。"))
        if len(value) > _text_cap(field):
            _refuse(field, N_("%(label)sは%(max)s文字以内で入力してください。"), max=_text_cap(field))
    if isinstance(field, (IntegerField, DecimalField, DateField)) and field.process_errors:
        raise StopValidation()  # not a number or a date at all: the parser's translated message stands
    text = raw[0].strip() if raw else ""
    if isinstance(field, IntegerField) and text and parse_int(text) is None:
        _refuse(field, N_("%(label)sは半角数字の整数（%(min)s〜%(max)s）で入力してください。"), min=DB_INT_MIN, max=DB_INT_MAX)
    if isinstance(field, DecimalField) and text and not is_decimal_text(text):
        _refuse(field, N_("%(label)sは半角数字で入力してください（例: 1.25）。"))
    if isinstance(field, DateField) and field.data is not None and not date_in_range(field.data):
        _refuse(field, N_("%(label)sは%(min)s〜%(max)sの日付で入力してください。"), min=DATE_MIN.isoformat(),
                max=DATE_MAX.isoformat())


class MaxChars(Length):
    """At most ``max_chars`` characters, refused (never cut) with the label and how many were typed.

    As a ``Length`` it sets ``maxlength``, and the field macro shows the limit beside the input."""

    def __init__(self, max_chars: int) -> None:
        super().__init__(max=max_chars)

    def __call__(self, form: Any, field: Any) -> None:
        count = len(field.data or "") if isinstance(field.data, str) else 0
        if count > self.max:
            raise ValidationError(gettext("%(label)sは%(max)s文字以内で入力してください（いまは%(count)s文字）。",
                                          label=field.label.text, max=f"{self.max:,}", count=f"{count:,}"))


class PersonName(MaxChars):
    """A person's name (core/names.py): no markup, addresses, control characters or digits alone."""

    def __init__(self, max_chars: int = NAME_MAX) -> None:
        super().__init__(max_chars)

    def __call__(self, form: Any, field: Any) -> None:
        text = (field.data or "").strip() if isinstance(field.data, str) else ""
        problem = name_problem(text, self.max) if text else None
        if problem:
            raise ValidationError(gettext(problem[0], **problem[1]))


class KanaReading(MaxChars):
    """A reading of a name in hiragana or katakana."""

    def __init__(self, max_chars: int = READING_MAX) -> None:
        super().__init__(max_chars)

    def __call__(self, form: Any, field: Any) -> None:
        text = (field.data or "").strip() if isinstance(field.data, str) else ""
        problem = reading_problem(text, self.max) if text else None
        if problem:
            raise ValidationError(gettext(problem[0], **problem[1]))


class Needed:
    """Marks a field the service requires (it says what is missing, with every other problem at once):
    the macro shows 必須 and aria-required without the form stopping first."""

    field_flags = {"needed": True}

    def __call__(self, form: Any, field: Any) -> None:
        return None


def confirmation_field(label: Any = None) -> BooleanField:
    """The tick box of a commitment or a withdrawal: the page says beside it what will happen (who, where,
    for how long); without it the server refuses and saves nothing, with or without scripts."""
    return BooleanField(label or _l("上記の内容を確認しました"), validators=[
        DataRequired(_l("内容を確認し、確認のチェックを入れてから送信してください。"))])


class _CheckInputTypes:
    """Meta hook: put ``check_input_type`` before each field's own validators."""

    def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
        field = super().bind_field(form, unbound_field, options)  # type: ignore[misc]
        field.validators = [check_input_type, *field.validators]
        return field


class BoundedForm(FlaskForm):
    """The base of every page's form: NUL and control characters, over-long text, non-ASCII or
    out-of-range numbers, impossible choices and dates are refused with a message under the field."""

    class Meta(_CheckInputTypes, FlaskForm.Meta):
        pass


class BoundedSubForm(Form):
    """The same checks for a row nested in a page's form (``FormField``)."""

    class Meta(_CheckInputTypes, DefaultMeta):
        pass


def attach_errors(form: FlaskForm, exc: UserError) -> None:
    """Show each problem a service found under its field, or at the top when it names none."""
    for error in getattr(exc, "errors", [exc]):
        target = getattr(form, error.field, None) if error.field else None
        if target is None:
            flash(error.translated(), "error")
        else:
            target.errors = [*target.errors, error.translated()]


def flash_form_errors(form: FlaskForm) -> None:
    """A form without fields of its own on the page (a button): its errors at the top."""
    for errors in form.errors.values():
        for error in errors:
            flash(error, "error")


def act_with_reason(form: FlaskForm, action: Callable[[str], Any], done: str, back: str,
                    again: Callable[[FlaskForm], Any]) -> Any:
    """A decision that needs a reason: run it, say ``done`` and go ``back``; else show the page ``again``."""
    if form.validate_on_submit():
        try:
            action(form.reason.data)
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(done, "success")
            return redirect(back)
    return again(form)
