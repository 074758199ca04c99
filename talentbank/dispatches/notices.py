"""What the dispatch domain tells people, and to whom: the notification kinds and one place that sends them.

Names and contact details never go into a notice to a city: e-mail leaves the system. The notice
says what happened and links to the page where an entitled reader sees the details.
"""
from __future__ import annotations

from typing import Any

from ..accounts.models import User
from ..core.errors import N_
from ..core.permissions import Role
from ..notifications import services as notifications
from ..notifications.kinds import register_kind
from ..specialists.models import Specialist

_CITY = {"ja": "逗子市", "en": "Zushi"}
_PROFESSION = {"ja": "土木職", "en": "Civil engineer"}
_MODE = {"ja": "現地勤務", "en": "On site"}

register_kind(
    "dispatch.offer_made",
    N_("派遣の打診が届きました（%(city)s）"),
    N_("%(city)s %(department)s %(section)s から、%(profession)sとしての派遣の打診があります。"
       "期間：%(start_date)s〜%(end_date)s、週%(days)s日、%(mode)s。"
       "%(deadline)sまでに、承諾または辞退をご回答ください。"),
    {"city": _CITY, "department": "都市整備部", "section": "道路課", "profession": _PROFESSION,
     "start_date": "2027-04-01", "end_date": "2027-09-30", "days": 3, "mode": _MODE, "deadline": "2027-03-08 18:00"},
)
register_kind(
    "dispatch.offer_reminder",
    N_("【回答期限が近づいています】派遣の打診（%(city)s）"),
    N_("%(city)s からの派遣の打診（%(start_date)s〜%(end_date)s）の回答期限は%(deadline)sです。"
       "期限を過ぎると打診は失効します。承諾または辞退をご回答ください。"),
    {"city": _CITY, "start_date": "2027-04-01", "end_date": "2027-09-30", "deadline": "2027-03-08 18:00"},
)
register_kind(
    "dispatch.offer_cancelled",
    N_("派遣の打診が取り消されました（%(city)s）"),
    N_("%(city)s からの派遣の打診（%(start_date)s〜%(end_date)s）は取り消されました。理由：%(reason)s"),
    {"city": _CITY, "start_date": "2027-04-01", "end_date": "2027-09-30", "reason": "派遣要請の取り下げ"},
)
register_kind(
    "dispatch.offer_lapsed",
    N_("派遣の打診が回答期限切れになりました（%(reference)s）"),
    N_("専門人材 %(reference)s への派遣の打診（%(city)s %(department)s %(section)s、%(start_date)s〜%(end_date)s）は、"
       "回答期限までに回答がなかったため失効しました。枠は次回のマッチングの対象に戻ります。"),
    {"reference": "TB-000012", "city": _CITY, "department": "都市整備部", "section": "道路課",
     "start_date": "2027-04-01", "end_date": "2027-09-30"},
)
register_kind(
    "dispatch.offer_declined",
    N_("派遣の打診が辞退されました（%(reference)s）"),
    N_("専門人材 %(reference)s が派遣の打診（%(city)s %(department)s %(section)s、%(start_date)s〜%(end_date)s）を"
       "辞退しました。この組み合わせは今後提案されません。枠は次回のマッチングの対象に戻ります。"),
    {"reference": "TB-000012", "city": _CITY, "department": "都市整備部", "section": "道路課",
     "start_date": "2027-04-01", "end_date": "2027-09-30"},
)
register_kind(
    "dispatch.agreed",
    N_("派遣が決まりました（%(department)s %(section)s）"),
    N_("専門人材 %(reference)s が%(city)s %(department)s %(section)s への派遣（%(start_date)s〜%(end_date)s、週%(days)s日）"
       "を承諾しました。氏名と連絡先は派遣一覧の詳細画面で確認できます。"),
    {"reference": "TB-000012", "city": _CITY, "department": "都市整備部", "section": "道路課",
     "start_date": "2027-04-01", "end_date": "2027-09-30", "days": 3},
)
register_kind(
    "dispatch.cancelled",
    N_("派遣が中止になりました（%(city)s、%(start_date)s〜%(end_date)s）"),
    N_("%(city)s への派遣（専門人材 %(reference)s、%(start_date)s〜%(end_date)s）は中止になりました。理由：%(reason)s"),
    {"reference": "TB-000012", "city": _CITY, "start_date": "2027-04-01", "end_date": "2027-09-30",
     "reason": "本人の事情"},
)
register_kind(
    "dispatch.extended",
    N_("派遣の期間が延長されました（%(city)s）"),
    N_("%(city)s への派遣（専門人材 %(reference)s）の終了日が%(old_end)sから%(new_end)sに延長されました。理由：%(reason)s"),
    {"reference": "TB-000012", "city": _CITY, "old_end": "2027-09-30", "new_end": "2028-03-31",
     "reason": "復旧工事の長期化"},
)
register_kind(
    "dispatch.evaluation_requested",
    N_("派遣の評価のお願い（%(city)s、%(start_date)s〜%(end_date)s）"),
    N_("%(city)s への派遣（専門人材 %(reference)s、%(start_date)s〜%(end_date)s）が終了しました。"
       "今後のマッチングの参考にするため、5段階の評価と短いコメントの入力をお願いします。"),
    {"reference": "TB-000012", "city": _CITY, "start_date": "2027-04-01", "end_date": "2027-09-30"},
)
def both(ja: str, en: str) -> dict[str, str]:
    """A parameter whose words differ by language (the recipient's picks one)."""
    return {"ja": ja, "en": en}


def city_param(city: Any) -> dict[str, str]:
    return both(city.name_ja, city.name_en)


def hr_officers(city_id: int) -> list[User]:
    return notifications.users_with_role(Role.CITY_HR, city_id)


def coordinators() -> list[User]:
    return notifications.users_with_role(Role.COORDINATOR)


def tell_users(users: list[User], kind: str, params: dict[str, Any], link: str | None, dedupe_key: str) -> None:
    """Notify staff accounts (deduplicated per event), inside the caller's transaction."""
    notifications.notify_users(users, kind, params, link=link, dedupe_key=dedupe_key)


def tell_specialist(specialist: Specialist, kind: str, params: dict[str, Any], link: str | None,
                    dedupe_key: str) -> None:
    """Notify a specialist: in their inbox when they have an account, else by e-mail to their address."""
    user = specialist.user
    if user is not None and user.is_enabled:
        notifications.notify(user, kind, params, link=link, dedupe_key=dedupe_key)
    elif specialist.email:
        notifications.notify_address(specialist.email, specialist.name_kanji or specialist.reference, "ja", kind,
                                     params, link=link, dedupe_key=dedupe_key)


def link_to(endpoint: str, **values: Any) -> str:
    return notifications.link_to(endpoint, **values)
