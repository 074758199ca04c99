"""Every recorded change (field, old, new) as words in the page's language: the one place histories read from.

An audit entry keeps what changed as stored values: status codes, ISO times in UTC, vocabulary codes or
Japanese names, city ids. ``change_lines(entry)`` turns them into lines people read: fields in a fixed
order per kind of record (``FIELD_ORDER``; fields it does not list come after, alphabetically), codes
through their translated labels, times in Asia/Tokyo, yes/no, terms and cities by their name in the current
language, counts of days and people in words, and changes from nothing to nothing left out.

The audit package sits below the domains that own the labels and the vocabularies, so they describe
their values here at start-up (``describe_values``, ``name_values``, ``describe_subjects``), from one place:
``talentbank.main.history_words``, which ``create_app`` calls.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import has_app_context, has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import or_, select

from ..extensions import db
from ..i18n import parse_moment, show_time
from .labels import field_label

EMPTY = "—"

# The fields of each kind of record, in the order people read them: what moved first (the status), then
# what the record is about as its form asks it, then the figures and free text. Unknown fields follow.
FIELD_ORDER: dict[str, tuple[str, ...]] = {
    "staffing_request": (
        "status", "department", "section", "profession", "required_licences", "desired_fields", "people",
        "filled_count", "start_date", "end_date", "days_per_week", "work_mode", "urgency", "urgency_reason",
        "description", "internal_notes"),
    "exchange_offer": (
        "status", "officer", "start_date", "end_date", "is_one_way", "wants_profession", "wants_licences", "notes"),
    "exchange_cycle": ("status", "released_officer"),
    "dispatch_offer": ("status", "deadline_at"),
    "dispatch": ("status", "start_date", "end_date", "rating", "comment", "first_day_on", "meeting_time", "place",
                 "contact_name", "contact_phone", "contact_email", "what_to_bring"),
    "matching_round": ("status", "kind", "rule_set_version", "profession", "parent_round"),
    "proposal": ("status",),
    "rule_set": ("version", "published_version", "method", "criteria", "max_cycle_length", "exchange_priority"),
    "specialist": (
        "status", "kind", "registration_source", "consent_version", "verified_at_import", "licence", "document",
        "name_kanji", "name_kana", "email", "phone", "former_employer", "retirement_year", "home_city_id",
        "employer_city_id", "professions", "licences", "experiences", "availability", "days_per_week",
        "can_work_onsite", "can_work_remote", "max_travel_minutes", "preferred_cities", "excluded_cities", "notes"),
    "city": (
        "code", "name_ja", "name_en", "prefecture", "is_member", "population", "general_staff", "allowance_rate",
        "fiscal_index", "indicators_year", "is_sample_indicators"),
    "user": ("email", "role", "is_enabled"),
    "invitation": ("email", "role"),
    "professions": ("code", "name_ja", "name_en", "sort_order", "is_active"),
    "licences": ("code", "name_ja", "name_en", "profession_id", "sort_order", "is_active"),
    "experience_fields": ("code", "name_ja", "name_en", "profession_id", "sort_order", "is_active"),
    "import": ("created", "skipped", "verified_at_import"),
    "schedule_setting": ("is_regular_enabled", "week_of_month", "weekday", "hour", "minute", "is_fast_track_enabled",
                         "fast_track_delay_minutes"),
}

# How a field's values read, by field name (the same in every record that has it). Kinds:
# "days" (days a week), "people" (a head count), "minutes", a vocabulary or city kind that
# ``name_values`` describes ("profession", "licence", "field", "city", "specialist": by registry number), "experiences" (code:years, …)
# and "windows" (start/end, …).
FIELD_KINDS: dict[str, str] = {
    "days_per_week": "days", "people": "people", "filled_count": "people", "created": "people",
    "max_travel_minutes": "minutes", "fast_track_delay_minutes": "minutes",
    "profession": "profession", "wants_profession": "profession", "professions": "profession",
    "profession_id": "profession",
    "required_licences": "licence", "wants_licences": "licence", "licences": "licence", "licence": "licence",
    "desired_fields": "field",
    "home_city_id": "city", "employer_city_id": "city", "preferred_cities": "city", "excluded_cities": "city",
    "experiences": "experiences", "availability": "windows",
    "released_officer": "specialist", "shown": "specialist",
}

# A verification entry names its field "licence:<code>", "profession:<code>" or "experience:<code>:<years>".
_ITEM_FIELDS = {"licence": "licence", "profession": "profession", "experience": "field"}


@dataclass(frozen=True)
class ChangeLine:
    """One changed field as it reads: its label, the old value and the new one, in words."""

    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class _Namer:
    model: type
    keys: tuple[str, ...]
    name: Callable[[Any, str], str]


# Filled at start-up from the layer above the domains (main/history_words.py, called by create_app).
_VALUE_LABELS: dict[tuple[str, str], dict[str, str]] = {}
_NAMERS: dict[str, _Namer] = {}
_SUBJECTS: dict[str, Callable[[str, str], str | None]] = {}
_KINDS: dict[str, str] = {}


def describe_values(entity_type: str, field: str, labels: Mapping[str, str]) -> None:
    """Say how the codes of ``field`` in ``entity_type``'s entries read: {code: msgid}, translated when shown."""
    _VALUE_LABELS.setdefault((entity_type, field), {}).update({str(k): str(v) for k, v in labels.items()})


def name_values(kind: str, model: type, keys: Iterable[str] = ("code", "name_ja"),
                name: Callable[[Any, str], str] | None = None) -> None:
    """Say where values of a kind ("profession", "city"…) are found: rows of ``model`` matched on ``keys``.

    A row reads as ``name(row, locale)``, by default its ``display_name(locale)``; a value matching none
    of the rows is shown as stored.
    """
    _NAMERS[kind] = _Namer(model, tuple(keys), name or (lambda row, locale: row.display_name(locale)))


def describe_subjects(entity_type: str, describe: Callable[[str, str], str | None]) -> None:
    """Say how a record of ``entity_type`` is named in the log: ``describe(entity_id, locale)``, None if gone."""
    _SUBJECTS[entity_type] = describe


def describe_kind(entity_type: str, msgid: str) -> None:
    """Say how a kind of record is called (派遣要請, 交流の輪…): a msgid, translated when shown."""
    _KINDS[entity_type] = str(msgid)


def kind_words(entity_type: str | None) -> str:
    """A kind of record as people call it in the page's language; its code when none was described."""
    msgid = _KINDS.get(entity_type or "")
    return _(msgid) if msgid is not None else (entity_type or "")


def actor_words(entry: Any) -> str:
    """Who acted, as the log wrote it ("name <email> (role)"), with the role and the system in words."""
    label = getattr(entry, "actor_label", None) or ""
    if label == "system":
        return _("システム")
    head, _sep, role = label.rpartition(" (")
    roles = _VALUE_LABELS.get(("user", "role"), {})
    if head and role.endswith(")") and role[:-1] in roles:
        return _("%(kind)s（%(name)s）", kind=head, name=_(roles[role[:-1]]))  # "name <email> (role)"
    return label


def subject_words(entry: Any) -> str:
    """What an entry is about, in the page's language; the summary written with it when the record is gone.

    Summaries are written once, in Japanese; the record itself names its terms and cities in either language.
    """
    describe = _SUBJECTS.get(getattr(entry, "entity_type", None) or "")
    if describe is not None and getattr(entry, "entity_id", None) and has_app_context():
        words = describe(str(entry.entity_id), str(get_locale() or "ja"))
        if words:
            return words
    return getattr(entry, "summary", None) or ""


def is_empty(value: Any) -> bool:
    """Nothing recorded: None, an empty text or an empty list."""
    return value is None or value == "" or value == [] or value == {}


def ordered_fields(entity_type: str | None, fields: Iterable[str]) -> list[str]:
    """The fields in the declared order of their kind of record, then the unknown ones alphabetically."""
    order = {name: position for position, name in enumerate(FIELD_ORDER.get(entity_type or "", ()))}
    return sorted(fields, key=lambda name: (0, order[name], "") if name in order else (1, 0, name))


def change_lines(entry: Any) -> list[ChangeLine]:
    """An audit entry's changes in words, in order; fields that went from nothing to nothing are left out."""
    changes = getattr(entry, "changes", None) or {}
    entity_type = getattr(entry, "entity_type", None)
    lines = []
    for name in ordered_fields(entity_type, changes):
        pair = changes[name]
        old, new = (pair[0], pair[1]) if isinstance(pair, list | tuple) and len(pair) == 2 else (None, pair)
        if is_empty(old) and is_empty(new):
            continue
        lines.append(ChangeLine(name, _field_words(name), value_words(entity_type, name, old),
                                value_words(entity_type, name, new)))
    return lines


def _field_words(name: str) -> str:
    """A field's label; a verification item ("licence:<code>") reads as its kind and the term's name."""
    kind, _sep, rest = name.partition(":")
    if rest and kind in _ITEM_FIELDS:
        code, _sep, years = rest.partition(":")
        term = _named(_ITEM_FIELDS[kind], code)
        if kind == "experience":
            return _("経験分野（%(name)s %(years)s年）", name=term, years=years)
        return _("%(kind)s（%(name)s）", kind=field_label("licences" if kind == "licence" else kind), name=term)
    return field_label(name)


def value_words(entity_type: str | None, field: str, value: Any) -> str:
    """One stored value of ``field`` as people read it in the current language."""
    if is_empty(value):
        return EMPTY
    if value is True:
        return _("はい")
    if value is False:
        return _("いいえ")
    # A verification item ("licence:<code>") moves between the statuses of a check.
    labels = _VALUE_LABELS.get((entity_type or "", "status" if ":" in field else field))
    if labels is not None and isinstance(value, str | int) and str(value) in labels:
        return _(labels[str(value)])
    kind = FIELD_KINDS.get(field)
    if kind is not None:
        worded = _kind_words(kind, value)
        if worded is not None:
            return worded
    if isinstance(value, list):
        return _("、").join(value_words(entity_type, field, item) for item in value) or EMPTY
    moment = parse_moment(value)
    if moment is not None:
        return show_time(moment)
    return str(value)


def _kind_words(kind: str, value: Any) -> str | None:
    if kind in ("days", "people", "minutes"):
        number = _whole_number(value)
        if number is None:
            return None
        if kind == "days":
            return ngettext("週%(num)s日", "週%(num)s日", number)
        if kind == "people":
            return ngettext("%(num)s人", "%(num)s人", number)
        return ngettext("%(num)s分", "%(num)s分", number)
    if kind in _NAMERS and not isinstance(value, list):
        whole = _found_name(kind, value)  # one term, even if its name holds a separator
        if whole is not None:
            return whole
    pieces = _pieces(value)
    if kind == "experiences":
        return _("、").join(_experience_words(piece) for piece in pieces)
    if kind == "windows":
        return _("、").join(period_words(*piece.split("/", 1)) if "/" in piece else piece for piece in pieces)
    if kind in _NAMERS:
        return _("、").join(_named(kind, piece) for piece in pieces)
    return None


def period_words(start: Any, end: Any) -> str:
    """From one date to another, as every period on screen reads."""
    return _("%(start)s 〜 %(end)s", start=start, end=end)


def _experience_words(piece: str) -> str:
    code, _sep, years = piece.rpartition(":")
    if not code:
        return _named("field", piece)
    return _("%(name)s %(years)s年", name=_named("field", code), years=years)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _pieces(value: Any) -> list[str]:
    """A stored list of terms: a JSON list, or names joined by "、" (requests) or codes by "," (profiles)."""
    if isinstance(value, list):
        return [str(item) for item in value if not is_empty(item)]
    text = str(value)
    separator = "、" if "、" in text else ","
    return [piece.strip() for piece in text.split(separator) if piece.strip()]


def _named(kind: str, value: Any) -> str:
    """The name of a term or city in the current language, found by id, code or Japanese name."""
    found = _found_name(kind, value)
    return str(value) if found is None else found


def _found_name(kind: str, value: Any) -> str | None:
    namer = _NAMERS.get(kind)
    if namer is None or not has_app_context():
        return None
    # One look-up per value and page: the cache lives as long as the request (none outside one).
    cache = getattr(request, "_history_names", None) if has_request_context() else None
    if cache is None:
        cache = {}
        if has_request_context():
            request._history_names = cache  # type: ignore[attr-defined]
    key = (kind, str(value))
    if key not in cache:
        conditions = []
        for column in namer.keys:
            if column == "id":
                if str(value).isdigit():
                    conditions.append(namer.model.id == int(value))
            else:
                conditions.append(getattr(namer.model, column) == str(value))
        row = db.session.scalar(select(namer.model).where(or_(*conditions)).limit(1)) if conditions else None
        cache[key] = row
    row = cache[key]
    return None if row is None else namer.name(row, str(get_locale() or "ja"))

