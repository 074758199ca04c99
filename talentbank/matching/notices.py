"""What people hear about rounds: the coordinators when one finishes or fails on its own, each city's
HR officers when results for their requests are out. Added to the round's own transaction."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from ..cities.models import City
from ..core.errors import N_
from ..core.permissions import Role
from ..extensions import db
from ..notifications import services as notifications
from ..notifications.kinds import register_kind
from .models import MatchingRound

# Rounds nobody watched start: the coordinators are told when they end.
UNATTENDED_KINDS = ("scheduled", "fast_track")
_KIND = {"ja": "定期マッチング", "en": "Scheduled matching round"}

register_kind(
    "round.finished",
    N_("マッチング No.%(id)s（%(kind)s）が完了しました"),
    N_("提案 %(proposals)s件、空いた枠 %(empty)s人、交流の輪 %(cycles)s件です。提案を審査してください。"),
    {"id": 12, "kind": _KIND, "proposals": 40, "empty": 3, "cycles": 1},
)
register_kind(
    "round.failed",
    N_("マッチング No.%(id)s（%(kind)s）を完了できませんでした"),
    N_("マッチングの計算が失敗しました（%(error)s）。提案は保存されていません。原因を確認してから、もう一度実行してください。"),
    {"id": 12, "kind": _KIND, "error": "timeout"},
)
register_kind(
    "round.city_results",
    N_("マッチングの結果（%(city)s）"),
    N_("マッチング No.%(id)s で、%(city)sの派遣要請に %(proposals)s人が提案されました（空いた枠 %(empty)s人）。"
       "提案は幹事市が審査します。充足できなかった枠の理由も確認できます。"),
    {"id": 12, "city": {"ja": "逗子市", "en": "Zushi"}, "proposals": 2, "empty": 1},
)

KIND_NAMES = {"manual": ("手動実行のマッチング", "Matching round"), "scheduled": ("定期マッチング", "Scheduled matching round"),
              "fast_track": ("災害時の緊急マッチング", "Disaster fast-track round"),
              "resolve": ("再計算", "Re-solve"), "what_if": ("試算", "What-if")}


def _kind(rnd: MatchingRound) -> dict[str, str]:
    ja, en = KIND_NAMES[rnd.kind]
    return {"ja": ja, "en": en}


def round_succeeded(rnd: MatchingRound, counts: dict[str, int], result: dict[str, Any],
                    request_city: dict[int, int]) -> None:
    """Tell coordinators about an unattended round, and each city with results about theirs."""
    if rnd.kind == "what_if":
        return
    if rnd.kind in UNATTENDED_KINDS:
        notifications.notify_users(
            notifications.users_with_role(Role.COORDINATOR), "round.finished",
            {"id": rnd.id, "kind": _kind(rnd), "proposals": counts["proposals"], "empty": counts["unfilled_slots"],
             "cycles": counts["cycles"]},
            link=notifications.link_to("matching.show", round_id=rnd.id), dedupe_key=f"round.finished:{rnd.id}")
    proposed: dict[int, int] = defaultdict(int)
    empty: dict[int, int] = defaultdict(int)
    for a in result["assignments"]:
        if not a.get("pinned"):
            proposed[request_city[int(a["request"])]] += 1
    for u in result["unfilled"]:
        empty[request_city[int(u["request"])]] += int(u["slots"])
    city_ids = sorted(set(proposed) | set(empty))
    cities = {c.id: c for c in db.session.scalars(select(City).where(City.id.in_(city_ids)))} if city_ids else {}
    for city_id in city_ids:
        city = cities[city_id]
        notifications.notify_users(
            notifications.users_with_role(Role.CITY_HR, city_id), "round.city_results",
            {"id": rnd.id, "city": {"ja": city.name_ja, "en": city.name_en}, "proposals": proposed[city_id],
             "empty": empty[city_id]},
            link=notifications.link_to("matching.results", round_id=rnd.id),
            dedupe_key=f"round.city_results:{rnd.id}:{city_id}")


def round_failed(rnd: MatchingRound, error_kind: str) -> None:
    """Tell the coordinators a round they may not be watching has failed."""
    if rnd.kind == "what_if":
        return
    notifications.notify_users(
        notifications.users_with_role(Role.COORDINATOR), "round.failed",
        {"id": rnd.id, "kind": _kind(rnd), "error": error_kind},
        link=notifications.link_to("matching.show", round_id=rnd.id), dedupe_key=f"round.failed:{rnd.id}")
