"""The library's forms: an after-action note, an uploaded document, an entry's correction, withdrawal.

Fields only parse what was typed; the services decide what is allowed. Choices of profession and field
are filled by the view (``fill_choices``); a form built without them still works (empty lists).
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField

from ..core.forms import BoundedForm, MaxChars, Needed
from ..core.bounds import parse_id
from .notes import SHARE_MAX, WORKED_MAX
from .services import BODY_MAX, TITLE_MAX


def optional_id(value: Any) -> int | None:
    return parse_id(value) if isinstance(value, str) and value else None


class _Classified(BoundedForm):
    profession_id = SelectField(_l("職種"), choices=[("", "")], validate_choice=False)
    field_id = SelectField(_l("分野"), choices=[("", "")], validate_choice=False)

    def fill_choices(self, professions: list[Any], fields: list[Any], locale: str) -> None:
        none = ("", _l("指定なし"))
        self.profession_id.choices = [none] + [(str(p.id), p.display_name(locale)) for p in professions]
        self.field_id.choices = [none] + [(str(f.id), f.display_name(locale)) for f in fields]

    def ids(self) -> tuple[int | None, int | None]:
        return optional_id(self.profession_id.data), optional_id(self.field_id.data)


class NoteForm(BoundedForm):
    title = StringField(_l("題名"), validators=[Needed(), MaxChars(TITLE_MAX)])
    worked = TextAreaField(_l("うまくいったこと"), validators=[MaxChars(WORKED_MAX)])
    share = TextAreaField(_l("他の市と共有したいこと（注意点・工夫・資料など）"), validators=[MaxChars(SHARE_MAX)])
    is_shared = BooleanField(_l("連携市の事例・ノウハウとして共有する"))


class DocumentForm(_Classified):
    title = StringField(_l("題名"), validators=[Needed(), MaxChars(TITLE_MAX)])
    summary = TextAreaField(_l("概要"), validators=[MaxChars(BODY_MAX)])
    file = FileField(_l("ファイル（PDF、Word、Excel、PowerPoint、テキスト）"))


class EditForm(_Classified):
    title = StringField(_l("題名"), validators=[Needed(), MaxChars(TITLE_MAX)])
    body = TextAreaField(_l("本文"), validators=[MaxChars(BODY_MAX)])


class WithdrawForm(BoundedForm):
    reason = TextAreaField(_l("取り下げの理由"), validators=[MaxChars(500)])
