"""What the consultation domain tells people: its notification kinds, in Japanese message ids.

A notice names the city, the profession and the title the city wrote; it never carries a person's name or
contact (mail leaves the system): the page behind the link shows what the reader may see.
"""
from __future__ import annotations

from typing import Any

from ..core.errors import N_
from ..dispatches import notices as dispatch_notices
from ..notifications.kinds import register_kind

_CITY = {"ja": "逗子市", "en": "Zushi"}
_PROFESSION = {"ja": "土木職", "en": "Civil engineer"}
_TITLE = "法面の崩落後の応急対策について"

register_kind(
    "consultation.offered",
    N_("あなたに合う相談が届きました（%(city)s）"),
    N_("%(city)sから%(profession)sの相談「%(title)s」が届きました。必要な時間の目安は%(hours)s時間、"
       "%(wanted_by)sまでの回答を希望しています。最初に引き受けた方が担当します。"),
    {"city": _CITY, "profession": _PROFESSION, "title": _TITLE, "hours": "2", "wanted_by": "2026-12-20"},
)
register_kind(
    "consultation.accepted",
    N_("相談を引き受けました（%(city)s）"),
    N_("%(city)sの相談「%(title)s」の担当になりました。相談の画面でやり取りを始めてください。"),
    {"city": _CITY, "title": _TITLE},
)
register_kind(
    "consultation.taken_by_other",
    N_("相談は他の方が引き受けました（%(city)s）"),
    N_("%(city)sの相談「%(title)s」は、他の専門人材が引き受けました。ご確認ありがとうございました。"),
    {"city": _CITY, "title": _TITLE},
)
register_kind(
    "consultation.taken",
    N_("相談を専門人材が引き受けました（%(reference)s）"),
    N_("相談「%(title)s」を専門人材 %(reference)s が引き受けました。相談の画面でやり取りができます。"),
    {"reference": "TB-000012", "title": _TITLE},
)
register_kind(
    "consultation.no_fit",
    N_("相談に合う専門人材が見つかりません（%(title)s）"),
    N_("相談「%(title)s」を打診できる専門人材がいません。理由：%(reasons)s。"
       "必要な時間、勤務形態、回答の希望日を見直すか、幹事市にご相談ください。"),
    {"title": _TITLE, "reasons": {"ja": "職種が合わない 12人、時間の上限を超える 2人",
                                   "en": "12 lack the profession, 2 are over their hour cap"}},
)
register_kind(
    "consultation.message",
    N_("相談に新しいメッセージがあります（%(title)s）"),
    N_("相談「%(title)s」に%(side)sから新しいメッセージが届きました。相談の画面で確認してください。"),
    {"title": _TITLE, "side": {"ja": "相談した市", "en": "the city that asked"}},
)
register_kind(
    "consultation.closed",
    N_("相談が完了しました（%(title)s）"),
    N_("相談「%(title)s」が完了しました。記録された時間：%(hours)s時間。要約：%(summary)s"),
    {"title": _TITLE, "hours": "1.5", "summary": "排水の確保と仮設防護柵の設置を優先する。"},
)
register_kind(
    "consultation.expired",
    N_("相談が回答の希望日を過ぎました（%(title)s）"),
    N_("相談「%(title)s」は、回答の希望日（%(wanted_by)s）までに引き受ける専門人材がいなかったため、期限切れになりました。"),
    {"title": _TITLE, "wanted_by": "2026-12-20"},
)

both = dispatch_notices.both
city_param = dispatch_notices.city_param
hr_officers = dispatch_notices.hr_officers
tell_users = dispatch_notices.tell_users
tell_specialist = dispatch_notices.tell_specialist
link_to = dispatch_notices.link_to


def profession_param(term: Any) -> dict[str, str]:
    return both(term.name_ja, term.name_en)
