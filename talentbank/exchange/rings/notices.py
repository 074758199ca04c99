"""What a ring's life tells people: the notification kinds and the few helpers that send them.

Officers' names never go into a notice: it says what happened and links to the ring's page.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ...accounts.models import User
from ...cities.models import City
from ...core.errors import N_
from ...core.permissions import Role
from ...extensions import db
from ...notifications import services as notifications
from ...notifications.kinds import register_kind

_CITY = {"ja": "逗子市", "en": "Zushi"}

register_kind(
    "cycle.confirmation_requested",
    N_("職員交流の確認のお願い（%(ring)s）"),
    N_("幹事市が職員交流（%(ring)s）を承認しました。貴市の職員の派遣と受け入れについて、"
       "交流の確認画面で内容を確認し、確認または辞退をしてください。すべての市が確認すると派遣が決まります。"),
    {"ring": "逗子市 → 鎌倉市 → 逗子市"},
)
register_kind(
    "cycle.confirmed",
    N_("職員交流が成立しました（%(ring)s）"),
    N_("職員交流（%(ring)s）は、すべての市が確認したため成立しました。派遣一覧に%(count)s件の派遣が登録されました。"),
    {"ring": "逗子市 → 鎌倉市 → 逗子市", "count": 2},
)
register_kind(
    "cycle.refused",
    N_("職員交流が辞退されました（%(ring)s）"),
    N_("%(city)sが職員交流（%(ring)s）を辞退したため、この交流は取り消されました。理由：%(reason)s"),
    {"ring": "逗子市 → 鎌倉市 → 逗子市", "city": _CITY, "reason": "対象職員の異動"},
)


register_kind(
    "cycle.released",
    N_("職員交流が解除されました（%(ring)s）"),
    N_("幹事市が承認済みの職員交流（%(ring)s）を解除しました。各市の確認は不要になりました。理由：%(reason)s"),
    {"ring": "逗子市 → 鎌倉市 → 逗子市", "reason": "提供内容の変更の申し出"},
)


def _label(cities: list[City], locale: str) -> str:
    names = [c.display_name(locale) for c in cities]
    return " → ".join([*names, names[0]]) if names else ""


def ring_params(cycle: Any) -> dict[str, Any]:
    """The ring as words in both languages: 逗子市 → 鎌倉市 → 逗子市."""
    by_id = {c.id: c for c in db.session.scalars(select(City).where(City.id.in_(cycle.cities)))}
    ring = [by_id[c] for c in cycle.cities]
    return {"ring": {"ja": _label(ring, "ja"), "en": _label(ring, "en")}}


def city_param(city: City) -> dict[str, str]:
    return {"ja": city.name_ja, "en": city.name_en}


def hr_officers_of(city_ids: list[int]) -> list[User]:
    return [u for city_id in city_ids for u in notifications.users_with_role(Role.CITY_HR, city_id)]


def everyone_in(cycle: Any) -> list[User]:
    """The HR officers of every city in the ring and the coordinating city."""
    return hr_officers_of(cycle.cities) + notifications.users_with_role(Role.COORDINATOR)


def link_to_ring(cycle: Any) -> str:
    return notifications.link_to("rings.show", exchange_cycle_id=cycle.id)


def tell_users(users: list[User], kind: str, params: dict[str, Any], link: str | None, dedupe_key: str) -> None:
    """Notify staff accounts (deduplicated per event), inside the caller's transaction."""
    notifications.notify_users(users, kind, params, link=link, dedupe_key=dedupe_key)
