"""What each kind of notification says, in Japanese message ids translated for the recipient.

Every kind names a title and a body, both Japanese message ids with ``%(name)s`` placeholders,
extracted into the catalogue like every other message (so ``tests/test_i18n.py`` fails when
one lacks its English). Domains register their kinds here with ``register_kind`` at import time.

Parameters are plain JSON values. A value that differs by language is given as
``{"ja": "逗子市", "en": "Zushi"}`` and the recipient's language picks one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.errors import N_


@dataclass(frozen=True)
class NotificationKind:
    code: str
    title: str
    body: str
    # Example parameters: the catalogue test renders every kind with them in both languages.
    sample: dict[str, Any] = field(default_factory=dict)


KINDS: dict[str, NotificationKind] = {}


def register_kind(code: str, title: str, body: str, sample: dict[str, Any]) -> NotificationKind:
    """Declare a kind of notification; the same code registered twice must say the same thing."""
    kind = NotificationKind(code, title, body, dict(sample))
    existing = KINDS.get(code)
    if existing is not None and existing != kind:
        raise ValueError(f"notification kind {code!r} registered twice with different texts")
    KINDS[code] = kind
    return kind


def localise(params: dict[str, Any], language: str) -> dict[str, Any]:
    """Pick the recipient's language from values given in both."""
    picked = {}
    for key, value in params.items():
        if isinstance(value, dict) and "ja" in value:
            value = value.get(language) or value["ja"]
        picked[key] = value
    return picked


# Kinds of the scheduler and notification domains; other domains register theirs beside their code.
register_kind(
    "availability.reminder",
    N_("活動可能な期間・条件の確認のお願い"),
    N_("登録内容（活動可能な期間・日数・勤務地の条件）を%(days)s日間ご確認いただいていません。"
       "お手数ですが、内容が今も正しいかご確認のうえ、確認ボタンを押してください。"),
    {"days": 90},
)
register_kind(
    "availability.final_reminder",
    N_("【再通知】活動条件の確認がない場合、%(pause_on)sに登録を一時停止します"),
    N_("活動可能な期間・条件のご確認がまだありません。%(pause_on)sまでにご確認いただけない場合、"
       "登録を一時停止し、マッチングの対象外となります（ご確認いただければいつでも再開できます）。"),
    {"pause_on": "2026-12-21"},
)
register_kind(
    "availability.paused",
    N_("登録を一時停止しました"),
    N_("活動可能な期間・条件のご確認がなかったため、登録を一時停止しました。マッチングの対象外です。"
       "内容をご確認いただければ、再開できます。"),
    {},
)
register_kind(
    "availability.managed_reminder",
    N_("専門人材 %(reference)s の活動条件の確認のお願い"),
    N_("登録番号 %(reference)s の専門人材の活動可能な期間・条件が%(days)s日以上確認されていません。"
       "本人に確認のうえ、登録内容を更新してください（保存すると確認済みになります）。"
       "%(pause_on)sまでに確認がない場合、登録を一時停止します。"),
    {"reference": "TB-000012", "days": 90, "pause_on": "2026-12-21"},
)
register_kind(
    "availability.managed_paused",
    N_("専門人材 %(reference)s の登録を一時停止しました"),
    N_("登録番号 %(reference)s の専門人材は、活動可能な期間・条件の確認がなかったため、登録を一時停止しました。"
       "マッチングの対象外です。本人に確認のうえ登録内容を更新し、再開してください。"),
    {"reference": "TB-000012"},
)
register_kind(
    "request.expired",
    N_("派遣要請が期限切れになりました（%(department)s %(section)s）"),
    N_("派遣要請「%(profession)s %(people)s名（%(start_date)s〜%(end_date)s）」は、"
       "期間が始まるまでに充足しなかったため期限切れになりました。必要な場合は新しい派遣要請を登録してください。"),
    {"department": "都市整備部", "section": "道路課", "profession": {"ja": "土木職", "en": "Civil engineer"},
     "people": 2, "start_date": "2026-12-01", "end_date": "2027-03-31"},
)
register_kind(
    "request.draft_expired",
    N_("下書きの派遣要請が期限切れになりました（%(department)s %(section)s）"),
    N_("下書きのまま公開されなかった派遣要請「%(profession)s %(people)s名（%(start_date)s〜%(end_date)s）」は、"
       "期間が始まったため期限切れになりました。必要な場合は新しい派遣要請を登録してください。"),
    {"department": "都市整備部", "section": "道路課", "profession": {"ja": "土木職", "en": "Civil engineer"},
     "people": 2, "start_date": "2026-12-01", "end_date": "2027-03-31"},
)
register_kind(
    "round.fast_track_scheduled",
    N_("災害復旧の派遣要請：%(run_at)sに緊急マッチングを実行します"),
    N_("%(city)sから災害復旧の派遣要請（%(profession)s %(people)s名）が登録されました。"
       "%(run_at)sに%(profession)sの緊急マッチングを自動で実行します。結果は提案として確認待ちになります。"),
    {"city": {"ja": "逗子市", "en": "Zushi"}, "profession": {"ja": "土木職", "en": "Civil engineer"},
     "people": 2, "run_at": "2026-12-07 09:10"},
)
register_kind(
    "round.not_run",
    N_("マッチングを実行できませんでした（%(reason)s）"),
    N_("予定されていたマッチング（%(what)s）を実行できませんでした：%(reason)s。"
       "管理者画面の「定期ジョブ」で詳細を確認してください。"),
    {"what": {"ja": "定期マッチング", "en": "regular matching round"},
     "reason": {"ja": "エラーが発生しました", "en": "an error occurred"}},
)
register_kind(
    "job.failed",
    N_("定期ジョブ「%(job)s」が失敗しました"),
    N_("定期ジョブ「%(job)s」の実行中にエラーが発生しました：%(error)s"),
    {"job": {"ja": "メール送信", "en": "Send e-mail"}, "error": "OperationalError: connection refused"},
)
register_kind(
    "outbox.failed",
    N_("メールを送信できませんでした（%(to)s）"),
    N_("「%(subject)s」を %(to)s へ送信できませんでした（%(attempts)s回試行）：%(error)s。"
       "管理者画面の「送信メール」から再送できます。"),
    {"to": "someone@example.jp", "subject": "派遣要請が期限切れになりました", "attempts": 12,
     "error": "550 mailbox unavailable"},
)
register_kind(
    "mail.test",
    N_("テストメール"),
    N_("専門人材バンクからのテストメールです。このメールが届いていれば、メール送信の設定は正しく動作しています。"),
    {},
)
