"""The consent a specialist gives when registering: its text and version.

When the wording changes, the version changes too; each profile stores the version it
agreed to and when, so the coordinating city can show exactly what a person accepted.
"""
from __future__ import annotations

from ..core.errors import N_

CONSENT_VERSION = "2026-11-v1"

# Shown on the sign-up page in this order; every item is part of the consent.
CONSENT_TEXT: tuple[str, ...] = (
    N_("登録した情報（職種・資格・経験分野・居住地・勤務可能期間・勤務条件）は、8市連携の各市の人事担当者および幹事市が、派遣要請との照合（マッチング）のために利用します。"),
    N_("各市の人事担当者には、派遣の合意が成立するまで、氏名・連絡先を伏せた候補者情報だけが表示されます。派遣が合意された市の人事担当者には、氏名と連絡先が表示されます。"),
    N_("幹事市の担当者はすべての登録情報を閲覧できます。職員が氏名・連絡先を閲覧した記録はすべて監査ログに残ります。"),
    N_("登録はいつでも一時停止・変更でき、保存されている自分の情報をすべてダウンロードできます。"),
    N_("退会すると、氏名・連絡先などの個人情報は消去され、進行中の打診や提案は取り消されます。職種・資格・居住市の件数などの匿名の統計だけが残ります。"),
)
