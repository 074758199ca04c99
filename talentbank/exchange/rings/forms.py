"""The reason a city gives when it refuses a ring, or the coordinating city when it releases one."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired

from ...core.forms import BoundedForm, MaxChars, confirmation_field
from .services import REASON_LIMIT


class RingReasonForm(BoundedForm):
    reason = TextAreaField(_l("理由"), validators=[
        DataRequired(_l("理由を入力してください。")),
        MaxChars(REASON_LIMIT)])


class RingConfirmForm(BoundedForm):
    """A city's commitment to its legs of a ring: the page names each officer, city and period beside the box."""

    confirmed = confirmation_field()
