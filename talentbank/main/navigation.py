"""The navigation menu: one list, filtered by the permissions of the user looking at it."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..consultations.todos import pending_offers_of
from ..core.permissions import may
from ..library.views import pending_note_count
from ..specialists.verification import queue_count


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    description: Any
    permission: str
    counter: Callable[[], int] | None = None  # a count shown beside the entry (work waiting)


def pending_consultation_offers() -> int:
    """The menu's count beside 「相談」: the specialist's consultation offers waiting for an answer."""
    return pending_offers_of(current_user)


# Order is the order on screen. Each domain adds its entries here.
NAV_ITEMS: list[NavItem] = [
    NavItem("specialists.me", _l("マイプロフィール"), _l("登録内容・勤務可能期間の確認と更新、一時停止、退会"), "profile.own"),
    NavItem("specialists.verification_queue", _l("登録内容の確認"), _l("資格・職種・経験の確認を待っている人（古い順）"),
            "specialist.verify", counter=queue_count),
    NavItem("specialists.registry", _l("専門人材の登録簿"), _l("すべての専門人材の検索・編集・一括登録"), "specialist.view_full"),
    NavItem("specialists.candidates", _l("候補者の検索"), _l("資格・経験・勤務可能期間で専門人材を探す（氏名は伏せて表示）"), "candidate.view"),
    NavItem("specialists.officers", _l("現職職員の登録"), _l("派遣・交流に出せる自市の職員の登録"), "officer.list"),
    NavItem("vocabulary.index", _l("語彙の管理"), _l("職種・資格・経験分野の一覧"), "vocabulary.edit"),
    NavItem("cities.index", _l("市の指標"), _l("連携市の人口・職員数・地域手当支給率・財政力指数"), "city.view"),
    NavItem("cities.travel", _l("移動時間"), _l("市と市の間の移動時間（分）"), "travel.view"),
    NavItem("requests.index", _l("派遣要請"), _l("自市の派遣要請の作成・公開・取り下げ"), "request.list"),
    NavItem("board.show", _l("需要ボード"), _l("各市の募集中の派遣要請と交流職員の提供"), "request.view_board"),
    NavItem("exchange.index", _l("交流職員の提供"), _l("自市の在職職員を交流に出す申し出"), "offer.list"),
    NavItem("matching.index", _l("マッチング"), _l("マッチングの実行、提案の審査（承認・却下）、再計算と試算"), "round.review"),
    NavItem("matching.results", _l("マッチング結果"), _l("自市の派遣要請への提案と、充足できなかった理由"), "round.results"),
    NavItem("matching.rule_sets", _l("優先順位の規則"), _l("要請が競合したときの市の優先順位（県方式）とその版"), "ruleset.view"),
    NavItem("consultations.index", _l("相談"), _l("短時間の専門的な相談：登録・打診・やり取り・要約の公開"),
            "consultation.list", counter=pending_consultation_offers),
    NavItem("training.index", _l("研修"), _l("連携市の研修の案内・申込・キャンセル待ち・出欠と受講歴"), "training.view"),
    NavItem("dispatches.offers", _l("派遣の打診"), _l("届いた打診への回答と、決まった派遣"), "offer.answer"),
    NavItem("dispatches.index", _l("派遣一覧"), _l("決まった派遣の予定・実施状況・延長・評価"), "dispatch.export"),
    NavItem("rings.index", _l("職員交流の確認"), _l("承認された職員交流（交流の輪）の各市による確認"), "cycle.list"),
    NavItem("library.index", _l("事例・ノウハウ"), _l("派遣後の振り返り・相談の要約・各市の資料を職種・分野・市・言葉で探す"),
            "library.view", counter=pending_note_count),
    NavItem("reports.index", _l("報告"), _l("連携の状況、マッチングごと・年度ごとの報告（印刷・Excel）"), "report.view"),
    NavItem("agreements.ledger_now", _l("費用台帳"), _l("年度・市の組ごとの派遣の費用と負担、精算書と特別交付税の一覧"), "ledger.view"),
    NavItem("accounts.users", _l("職員アカウント"), _l("人事担当者・幹事市職員の招待と管理"), "user.view"),
    NavItem("audit.index", _l("監査ログ"), _l("誰が・いつ・何を・なぜ変更したか"), "audit.view"),
    NavItem("schedule.show", _l("マッチングの日程"), _l("定期マッチングの日時と災害時の緊急マッチング"), "schedule.view"),
    NavItem("scheduler.jobs", _l("定期ジョブ"), _l("自動で動く処理の予定・結果・手動実行"), "job.view"),
    NavItem("notifications.outbox", _l("送信メール"), _l("送信待ち・失敗したメールの確認と再送"), "outbox.view"),
]


def _counts() -> dict[str, int]:
    """The counts made in this request: kept on the request object, not on ``g``, which tests share between
    requests."""
    if not has_request_context():
        return {}
    return vars(request._get_current_object()).setdefault("_talentbank_nav_counts", {})


def menu_count(endpoint: str) -> int:
    """The count beside the menu entry of ``endpoint``, counted once per request (the menu and the home
    page's to-dos show the same number)."""
    counts = _counts()
    if endpoint not in counts:
        counter = next(item.counter for item in NAV_ITEMS if item.endpoint == endpoint and item.counter)
        counts[endpoint] = counter()
    return counts[endpoint]


def nav_items(user: Any, path: str = "") -> list[dict[str, Any]]:
    """The menu entries ``user`` may open, with their URLs; the one ``path`` is under is current."""

    def count(item: NavItem) -> int | None:
        return menu_count(item.endpoint) if item.counter is not None else None

    items = [
        {"url": url_for(item.endpoint), "label": item.label, "description": item.description, "is_current": False,
         "count": count(item)}
        for item in NAV_ITEMS
        if may(user, item.permission)
    ]
    # The longest matching URL wins, so /requests/board marks the board and not /requests/.
    matches = [item for item in items if item["url"] != "/" and path.startswith(item["url"])]
    if matches:
        max(matches, key=lambda item: len(item["url"]))["is_current"] = True
    return items
