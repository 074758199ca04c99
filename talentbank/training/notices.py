"""What training tells people, in their inbox and by mail in their language: a place confirmed, a place on the
waiting list, promoted from it, removed by the organiser, a session changed or cancelled, and the day before.

Registered beside the code that sends them (notifications/kinds.py). Notices go inside the caller's transaction.
"""
from __future__ import annotations

from typing import Any

from ..core.clock import utcnow
from ..core.errors import N_
from ..notifications import services as notifications
from ..notifications.kinds import register_kind

_SAMPLE = {"title": "崖防災に関する技術・法務研修", "city": {"ja": "横浜市", "en": "Yokohama"},
           "when": "2026-12-20 13:30–16:00", "place": "藤沢市役所 本庁舎 5階 会議室"}
_WITHOUT_PLACE = {key: value for key, value in _SAMPLE.items() if key != "place"}

register_kind(
    "training.confirmed",
    N_("研修の参加が確定しました：%(title)s"),
    N_("%(city)s主催の研修「%(title)s」（%(when)s、%(place)s）への参加が確定しました。"
       "参加できなくなった場合は、研修のページから申込を取り消してください。キャンセル待ちの方に席が回ります。"),
    _SAMPLE,
)
register_kind(
    "training.waiting",
    N_("研修のキャンセル待ちに登録しました：%(title)s"),
    N_("%(city)s主催の研修「%(title)s」（%(when)s、%(place)s）は定員に達しているため、キャンセル待ち（%(position)s番目）に"
       "登録しました。席が空くと順に自動で参加確定になり、お知らせします。"),
    {**_SAMPLE, "position": 2},
)
register_kind(
    "training.promoted",
    N_("キャンセル待ちから参加確定になりました：%(title)s"),
    N_("席が空いたため、%(city)s主催の研修「%(title)s」（%(when)s、%(place)s）への参加が確定しました。"
       "参加できない場合は、研修のページから申込を取り消してください。"),
    _SAMPLE,
)
register_kind(
    "training.removed",
    N_("研修の申込が主催者により取り消されました：%(title)s"),
    N_("%(city)s主催の研修「%(title)s」（%(when)s）への申込は、主催者により取り消されました。%(reason)s"),
    {**_WITHOUT_PLACE, "reason": "対象職種の方に限らせていただきました。"},
)
register_kind(
    "training.changed",
    N_("研修の日時・会場が変更されました：%(title)s"),
    N_("%(city)s主催の研修「%(title)s」の日時または会場が変更されました。変更後：%(when)s、%(place)s。"
       "参加できなくなった場合は、研修のページから申込を取り消してください。"),
    _SAMPLE,
)
register_kind(
    "training.cancelled",
    N_("研修が中止になりました：%(title)s"),
    N_("%(city)s主催の研修「%(title)s」（%(when)s）は中止になりました。理由：%(reason)s"),
    {**_WITHOUT_PLACE, "reason": "講師の都合により"},
)
register_kind(
    "training.tomorrow",
    N_("明日は研修です：%(title)s"),
    N_("%(city)s主催の研修「%(title)s」は明日です（%(when)s、%(place)s）。参加できなくなった場合は、"
       "研修のページから申込を取り消してください。"),
    _SAMPLE,
)


def session_params(session: Any) -> dict[str, Any]:
    """The words every training notice uses: title, organising city, when (Japan time) and where."""
    from .services import in_tokyo

    start, end = in_tokyo(session.starts_at), in_tokyo(session.ends_at)
    place: Any = session.place or ""
    if session.is_online:
        place = {"ja": "オンライン", "en": "online"}
    return {"title": session.title, "city": {"ja": session.city.name_ja, "en": session.city.name_en},
            "when": f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}", "place": place}


def _link(session: Any) -> str:
    return notifications.link_to("training.show", session_id=session.id)


def _tell(registration: Any, kind: str, params: dict[str, Any], dedupe_key: str) -> None:
    """The person of a registration: a staff account, or a specialist (inbox, else mail to their address)."""
    link = _link(registration.session)
    if registration.user is not None:
        if registration.user.is_enabled:
            notifications.notify(registration.user, kind, params, link=link, dedupe_key=dedupe_key)
        return
    person = registration.specialist
    if person is None:
        return
    if person.user is not None and person.user.is_enabled:
        notifications.notify(person.user, kind, params, link=link, dedupe_key=dedupe_key)
    elif person.email:
        notifications.notify_address(person.email, person.name_kanji or person.reference, "ja", kind, params,
                                     link=link, dedupe_key=dedupe_key)


def tell_registration(registration: Any, kind: str, *, reason: str = "") -> None:
    """One registration's news (confirmed, waiting, promoted, removed, tomorrow)."""
    session = registration.session
    params = session_params(session)
    if kind == "training.waiting":
        from .services import waiting_list
        ids = [r.id for r in waiting_list(session.id)]
        params["position"] = ids.index(registration.id) + 1 if registration.id in ids else len(ids)
    if kind == "training.removed":
        params["reason"] = reason
    stamp = "once" if kind == "training.tomorrow" else utcnow().isoformat()
    _tell(registration, kind, params, f"{kind}:{registration.id}:{stamp}")


def tell_changed(session: Any, registrations: list[Any]) -> None:
    params = session_params(session)
    for registration in registrations:
        _tell(registration, "training.changed", params, f"training.changed:{registration.id}:{utcnow().isoformat()}")


def tell_cancelled(session: Any, registrations: list[Any]) -> None:
    params = {**session_params(session), "reason": session.cancel_reason or ""}
    for registration in registrations:
        _tell(registration, "training.cancelled", params, f"training.cancelled:{registration.id}")
