"""How the consultation domain's audit actions and fields read in the audit log (added to audit/labels.py)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..audit.labels import ACTION_LABELS, FIELD_LABELS

ACTION_LABELS.update({
    "consultation.posted": _l("相談の登録"),
    "consultation.offered": _l("相談の打診"),
    "consultation.no_fit": _l("相談に合う専門人材なし"),
    "consultation.taken": _l("相談の引き受け"),
    "consultation.declined": _l("相談の辞退"),
    "consultation.withdrawn": _l("相談の取り下げ"),
    "consultation.message": _l("相談のメッセージ"),
    "consultation.attachment_opened": _l("相談の添付ファイルの閲覧"),
    "consultation.time_recorded": _l("相談にかかった時間の記録"),
    "consultation.closed": _l("相談の完了"),
    "consultation.published": _l("相談の要約の公開"),
    "consultation.expired": _l("相談の期限切れ"),
    "consultation.reopened": _l("相談の再募集（専門人材の退会）"),
    "consultation.delegate_authorised": _l("相談を投稿する職員の認可"),
    "consultation.delegate_revoked": _l("相談を投稿する職員の認可の取り消し"),
    "specialist.advice_updated": _l("相談の受付の設定の変更"),
})
for _name, _label in {
    "hours_needed": _l("必要な時間"),
    "hours_spent": _l("かかった時間"),
    "offered_to": _l("打診先"),
    "batch": _l("打診の回"),
    "no_fit_counts": _l("条件に合わなかった人数"),
    "declined_by": _l("辞退した人"),
    "attachment": _l("添付ファイル"),
    "published": _l("公開"),
    "accepts_advice": _l("相談を受け付ける"),
    "advice_hours_per_month": _l("1か月の相談時間の上限"),
}.items():
    FIELD_LABELS.setdefault(_name, _label)
