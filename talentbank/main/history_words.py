"""What the histories need to know from the domains: the labels of their codes and where names are found.

The audit package turns recorded changes into words (``audit.history``) but sits below the domains that
own the status tables, the enumerations, the vocabularies and the cities; ``create_app`` calls
``describe_histories`` once so that every history on screen reads them from one place.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from ..audit import history
from ..cities.models import City
from ..consultations import models as consultations
from ..core.errors import N_
from ..dispatches.models import Dispatch, Offer
from ..exchange.models import ExchangeOffer
from ..exchange.rings.models import ExchangeCycle
from ..exchange.rings.services import ring_label
from ..extensions import db
from ..lifecycle.transitions import LIFECYCLES
from ..matching.models import (
    EXCHANGE_PRIORITY_LABELS,
    ROUND_KIND_LABELS,
    RULE_SET_METHOD_LABELS,
    MatchingRound,
    Proposal,
)
from ..matching.schedule import WEEK_OF_MONTH_LABELS, WEEKDAY_LABELS, current_setting, describe_schedule
from ..requests.models import URGENCY_LABELS, WORK_MODE_LABELS, StaffingRequest
from ..training import models as training
from ..specialists.models import (
    KIND_LABELS,
    LICENCE_STATUS_LABELS,
    REGISTRATION_SOURCE_LABELS,
    STATUS_LABELS,
    Specialist,
)
from ..vocabulary.models import ExperienceField, Licence, Profession


def describe_histories(role_labels: Mapping[str, str]) -> None:
    """Tell the audit package every code's label and every vocabulary it names (idempotent)."""
    # Every record with a lifecycle: its statuses as its own table names them.
    for lifecycle in LIFECYCLES.values():
        history.describe_values(lifecycle.entity, "status", lifecycle.labels)
        history.describe_kind(lifecycle.entity, lifecycle.kind)
    for entity_type, kind in OTHER_KINDS.items():
        history.describe_kind(entity_type, kind)
    history.describe_values("staffing_request", "urgency", URGENCY_LABELS)
    history.describe_values("staffing_request", "work_mode", WORK_MODE_LABELS)
    history.describe_values("consultation", "status", consultations.STATUS_LABELS)
    history.describe_values("consultation", "urgency", URGENCY_LABELS)
    history.describe_values("consultation", "work_mode", consultations.WORK_MODE_LABELS)
    history.describe_values("training_session", "status", training.SESSION_STATUS_LABELS)
    history.describe_values("training_session", "audience", training.AUDIENCE_LABELS)
    history.describe_values("training_registration", "status", training.REGISTRATION_STATUS_LABELS)
    history.describe_values("training_registration", "attendance", training.ATTENDANCE_LABELS)
    history.describe_values("matching_round", "kind", ROUND_KIND_LABELS)
    history.describe_values("rule_set", "method", RULE_SET_METHOD_LABELS)
    history.describe_values("rule_set", "exchange_priority", EXCHANGE_PRIORITY_LABELS)
    history.describe_values("schedule_setting", "weekday", dict(enumerate(WEEKDAY_LABELS)))
    history.describe_values("schedule_setting", "week_of_month",
                            {key: label for key, label in WEEK_OF_MONTH_LABELS.items() if key is not None})
    # A profile's status, and the status of a licence or experience check recorded on the profile.
    history.describe_values("specialist", "status", {**STATUS_LABELS, **LICENCE_STATUS_LABELS})
    history.describe_values("specialist", "kind", KIND_LABELS)
    history.describe_values("specialist", "registration_source", REGISTRATION_SOURCE_LABELS)
    for entity_type in ("user", "invitation"):
        history.describe_values(entity_type, "role", role_labels)
    # Requests keep Japanese names, profiles and rounds keep codes, profiles keep city ids or codes.
    history.name_values("profession", Profession, ("id", "code", "name_ja"))
    history.name_values("licence", Licence, ("code", "name_ja"))
    history.name_values("field", ExperienceField, ("code", "name_ja"))
    history.name_values("city", City, ("id", "code"))
    history.name_values("specialist", Specialist, ("id",), name=lambda row, _locale: row.reference)
    # What each entry is about, named from the record in the page's language (audit log's 対象 column).
    for entity_type, describe in SUBJECTS.items():
        history.describe_subjects(entity_type, describe)


# Records without a lifecycle table, as the audit log's 対象 column names them.
OTHER_KINDS = {
    "specialist": N_("専門人材"), "city": N_("市町村"), "user": N_("職員アカウント"), "invitation": N_("招待"),
    "rule_set": N_("優先順位の規則"), "travel_times": N_("移動時間"), "schedule_setting": N_("マッチングの日程"),
    "professions": N_("職種"), "licences": N_("資格・免許"), "experience_fields": N_("経験分野"),
    "consultation": N_("相談"), "training_session": N_("研修"), "training_registration": N_("研修の申込み"),
    "library_entry": N_("事例・ノウハウ"),
    "import": N_("一括登録"), "outbox_message": N_("送信するメール"), "job": N_("定期処理"),
}


def _row(model: type, entity_id: str) -> Any:
    return db.session.get(model, int(entity_id)) if entity_id.isdigit() else None


def _days(days: int) -> str:
    return ngettext("週%(num)s日", "週%(num)s日", days)


def _request_words(entity_id: str, locale: str) -> str | None:
    req = _row(StaffingRequest, entity_id)
    if req is None:
        return None
    profession = req.profession.display_name(locale) if req.profession else ""
    return f"{req.department} {req.section} {profession} {ngettext('%(num)s人', '%(num)s人', req.people)}"


def _exchange_offer_words(entity_id: str, locale: str) -> str | None:
    offer = _row(ExchangeOffer, entity_id)
    if offer is None:
        return None
    wants = _("片道の派遣（見返りなし）") if offer.is_one_way else (
        offer.wants_profession.display_name(locale) if offer.wants_profession else "")
    reference = offer.officer.reference if offer.officer else ""
    return f"{reference} ⇄ {wants} {history.period_words(offer.start_date, offer.end_date)}"


def _ring_words(entity_id: str, locale: str) -> str | None:
    cycle = _row(ExchangeCycle, entity_id)
    if cycle is None:
        return None
    cities = [db.session.get(City, city_id) for city_id in cycle.cities]
    return ring_label([c for c in cities if c is not None], locale)


def _placement_words(placement: Any, locale: str) -> str:
    where = placement.city.display_name(locale)
    if placement.request is not None:
        where = f"{where} {placement.request.department} {placement.request.section}"
    return (f"{placement.specialist.reference} → {where} "
            f"{history.period_words(placement.start_date, placement.end_date)} {_days(placement.days_per_week)}")


def _dispatch_offer_words(entity_id: str, locale: str) -> str | None:
    offer = _row(Offer, entity_id)
    return None if offer is None else _placement_words(offer, locale)


def _dispatch_words(entity_id: str, locale: str) -> str | None:
    dispatch = _row(Dispatch, entity_id)
    return None if dispatch is None else _placement_words(dispatch, locale)


def _proposal_words(entity_id: str, locale: str) -> str | None:
    proposal = _row(Proposal, entity_id)
    if proposal is None:
        return None
    specialist = db.session.get(Specialist, proposal.specialist_id)
    reference = specialist.reference if specialist else ""
    return f"{reference} → {_('派遣要請 No.%(id)s', id=proposal.request_id)}"


def _round_words(entity_id: str, locale: str) -> str | None:
    rnd = _row(MatchingRound, entity_id)
    return None if rnd is None else _(ROUND_KIND_LABELS.get(rnd.kind, rnd.kind))


def _schedule_words(entity_id: str, locale: str) -> str | None:
    setting = current_setting()  # one setting, described as it stands now
    return describe_schedule(setting.weekday, setting.week_of_month, setting.hour, setting.minute)


def _city_words(entity_id: str, locale: str) -> str | None:
    city = _row(City, entity_id)
    return None if city is None else city.display_name(locale)


SUBJECTS = {
    "staffing_request": _request_words,
    "exchange_offer": _exchange_offer_words,
    "exchange_cycle": _ring_words,
    "dispatch_offer": _dispatch_offer_words,
    "dispatch": _dispatch_words,
    "proposal": _proposal_words,
    "matching_round": _round_words,
    "city": _city_words,
    "schedule_setting": _schedule_words,
}
