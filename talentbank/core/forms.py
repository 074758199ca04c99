"""How a screen shows what a service or a form refused: under the field it names, or at the top."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect
from flask_wtf import FlaskForm

from .errors import UserError


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
