"""What the histories need to know from the domains: the labels of their codes and where names are found.

The audit package turns recorded changes into words (``audit.history``) but sits below the domains that
own the status tables, the enumerations, the vocabularies and the cities; ``create_app`` calls
``describe_histories`` once so that every history on screen reads them from one place.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..audit import history
from ..cities.models import City
from ..dispatches.models import SERVED_MODE_LABELS
from ..lifecycle.transitions import LIFECYCLES
from ..matching.models import EXCHANGE_PRIORITY_LABELS, ROUND_KIND_LABELS, RULE_SET_METHOD_LABELS
from ..requests.models import URGENCY_LABELS, WORK_MODE_LABELS
from ..specialists.models import KIND_LABELS, LICENCE_STATUS_LABELS, REGISTRATION_SOURCE_LABELS, STATUS_LABELS
from ..vocabulary.models import ExperienceField, Licence, Profession


def describe_histories(role_labels: Mapping[str, str]) -> None:
    """Tell the audit package every code's label and every vocabulary it names (idempotent)."""
    # Every record with a lifecycle: its statuses as its own table names them.
    for lifecycle in LIFECYCLES.values():
        history.describe_values(lifecycle.entity, "status", lifecycle.labels)
    history.describe_values("staffing_request", "urgency", URGENCY_LABELS)
    history.describe_values("staffing_request", "work_mode", WORK_MODE_LABELS)
    history.describe_values("dispatch", "served_mode", SERVED_MODE_LABELS)
    history.describe_values("matching_round", "kind", ROUND_KIND_LABELS)
    history.describe_values("rule_set", "method", RULE_SET_METHOD_LABELS)
    history.describe_values("rule_set", "exchange_priority", EXCHANGE_PRIORITY_LABELS)
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
