"""The reason a city gives when it refuses a ring, or the coordinating city when it releases one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from ...core.forms import BoundedForm
from .services import REASON_LIMIT


class RingReasonForm(BoundedForm):
    reason = TextAreaField(_l("理由"), validators=[
        DataRequired(_l("理由を入力してください。")),
        Length(max=REASON_LIMIT, message=_l("理由は2000文字以内で入力してください。"))])
