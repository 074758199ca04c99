"""The navigation menu: one list, filtered by the permissions of the user looking at it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from ..core.permissions import may


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: Any
    description: Any
    permission: str


# Order is the order on screen. Each domain adds its entries here.
NAV_ITEMS: list[NavItem] = [
    NavItem("cities.index", _l("市の指標"), _l("連携市の人口・職員数・地域手当支給率・財政力指数"), "city.view"),
    NavItem("cities.travel", _l("移動時間"), _l("市と市の間の移動時間（分）"), "travel.view"),
    NavItem("accounts.users", _l("職員アカウント"), _l("人事担当者・幹事市職員の招待と管理"), "user.view"),
    NavItem("audit.index", _l("監査ログ"), _l("誰が・いつ・何を・なぜ変更したか"), "audit.view"),
]


def nav_items(user: Any) -> list[dict[str, Any]]:
    """The menu entries ``user`` may open, with their URLs."""
    return [
        {"url": url_for(item.endpoint), "label": item.label, "description": item.description}
        for item in NAV_ITEMS
        if may(user, item.permission)
    ]
