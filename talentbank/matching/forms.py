"""Forms of the matching screens: start a round, a what-if, reject with a reason, the rule-set editor."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DecimalField, HiddenField, IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional

from ..core.forms import BoundedForm, MaxChars
from .models import (
    DEFAULT_EXCHANGE_PRIORITY,
    EXCHANGE_PRIORITIES,
    EXCHANGE_PRIORITY_LABELS,
    INDICATOR_LABELS,
    INDICATORS,
    RULE_SET_METHOD_LABELS,
    RULE_SET_METHODS,
)
from .decisions import MAX_REASON_LENGTH
from .reasons import OTHER_REASON, PROPOSAL_REJECTION_REASONS, rejection_reason
from .schedule import WEEK_OF_MONTH_LABELS, WEEKDAY_LABELS

REQUIRED = _l("入力してください。")
ORDER_CHOICES = [("", _l("使わない")), ("1", _l("第1指標")), ("2", _l("第2指標")), ("3", _l("第3指標"))]


class StartRoundForm(BoundedForm):
    """Start a round on today's data; a profession limits it (the disaster fast track)."""

    profession_code = SelectField(_l("対象の職種"), choices=[], validate_choice=True)


class WhatIfForm(BoundedForm):
    rule_set_version_id = SelectField(_l("比較する規則の版"), coerce=int, choices=[], validate_choice=True)


class ReasonForm(BoundedForm):
    """A decision that needs a written reason (rejection, publishing a rule set)."""

    reason = TextAreaField(_l("理由"), validators=[DataRequired(_l("理由を入力してください。")), MaxChars(1000)])


class RejectForm(BoundedForm):
    """Reject a proposal or a ring: a reason picked from a fixed list, free text, or both; one of them is required
    ("other" needs the text). Nothing is saved while the reason is missing."""

    reason_code = RadioField(_l("却下の理由"), choices=[], validate_choice=False, validators=[Optional()])
    reason = TextAreaField(_l("理由の説明"), validators=[MaxChars(MAX_REASON_LENGTH)])
    next = HiddenField()

    def __init__(self, vocabulary: dict[str, str] | None = None, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.vocabulary = PROPOSAL_REJECTION_REASONS if vocabulary is None else vocabulary
        self.reason_code.choices = [(code, _l(sentence)) for code, sentence in self.vocabulary.items()]

    def validate(self, extra_validators: object = None) -> bool:
        ok = super().validate(extra_validators)
        code = self.reason_code.data or ""
        if code and code not in self.vocabulary:
            self.reason_code.errors.append(_l("却下の理由の選択肢が正しくありません。選び直してください。"))
            return False
        if not ok:
            return False
        if code == OTHER_REASON and not (self.reason.data or "").strip():
            self.reason.errors.append(_l("「その他」を選んだときは、理由を入力してください。"))
            return False
        if not self.stored_reason():
            self.reason_code.errors.append(_l("却下の理由を選ぶか、入力してください。"))
            return False
        return True

    def stored_reason(self) -> str:
        """The reason as the decision stores it (the picked sentence, then the free text)."""
        return rejection_reason(self.vocabulary, self.reason_code.data, self.reason.data)


class ConfirmForm(BoundedForm):
    """A button that changes data: only the CSRF token."""


class RuleSetForm(BoundedForm):
    """The priority rule: how indicators combine, their order and weights, the longest exchange ring."""

    method = RadioField(_l("比較方法"), choices=[(m, _l(RULE_SET_METHOD_LABELS[m])) for m in RULE_SET_METHODS],
                        validators=[InputRequired(_l("比較方法を選んでください。"))])
    staff_per_10k_order = SelectField(_l(INDICATOR_LABELS["staff_per_10k"]), choices=ORDER_CHOICES)
    staff_per_10k_weight = DecimalField(_l("重み"), places=2, default=1, validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("重みは0〜100の数値で入力してください。"))])
    allowance_rate_order = SelectField(_l(INDICATOR_LABELS["allowance_rate"]), choices=ORDER_CHOICES)
    allowance_rate_weight = DecimalField(_l("重み"), places=2, default=1, validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("重みは0〜100の数値で入力してください。"))])
    fiscal_index_order = SelectField(_l(INDICATOR_LABELS["fiscal_index"]), choices=ORDER_CHOICES)
    fiscal_index_weight = DecimalField(_l("重み"), places=2, default=1, validators=[
        Optional(), NumberRange(min=0, max=100, message=_l("重みは0〜100の数値で入力してください。"))])
    max_cycle_length = IntegerField(_l("交流の輪の最大の長さ（市の数）"), default=3, validators=[
        InputRequired(REQUIRED), NumberRange(min=2, max=6, message=_l("交流の輪の最大の長さは2〜6の整数で入力してください。"))])
    exchange_priority = RadioField(
        _l("職員交流（交流の輪）を優先する順位"), default=DEFAULT_EXCHANGE_PRIORITY,
        choices=[(p, _l(EXCHANGE_PRIORITY_LABELS[p])) for p in EXCHANGE_PRIORITIES],
        validators=[InputRequired(_l("職員交流を優先する順位を選んでください。"))])
    note = TextAreaField(_l("変更の理由"), validators=[DataRequired(_l("変更の理由を入力してください。")), MaxChars(1000)])
    is_published = BooleanField(_l("保存してすぐに公開する（次のマッチングから使う）"))

    def indicator_fields(self) -> list[tuple[str, object, object]]:
        """(indicator, order field, weight field) in the fixed display order."""
        return [(i, getattr(self, f"{i}_order"), getattr(self, f"{i}_weight")) for i in INDICATORS]


def _week_of_month(value: str | None) -> int | None:
    return int(value) if value not in (None, "", "every", "None") else None


class ScheduleForm(BoundedForm):
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
    reason = TextAreaField(_l("変更理由"), validators=[DataRequired(_l("変更理由を入力してください。")), MaxChars(1000)])
