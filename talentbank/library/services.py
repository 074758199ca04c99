"""The library's rules: publishing an entry, who reads which entry, searching, withdrawing.

Who sees what: staff of member cities (HR officers, the coordinating city, administrators) and registered
specialists read every published, shareable entry. An after-action note not marked shareable is kept for
the dispatch's parties (the receiving city's HR, the sending city's HR for a serving officer, the person)
and the coordinating city. A shareable note appears at once (no approval step): the author ticks
"shareable" knowing the whole alliance reads it, and the author's city or the coordinating city can
withdraw it at any time (audited).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, or_, select

from ..audit import services as audit
from ..cities.models import City
from ..core import clock, permissions
from ..core.errors import UserError
from ..core.pagination import paginate
from ..core.permissions import PermissionDenied, Role
from ..dispatches.models import Dispatch
from ..extensions import db
from ..specialists.models import Specialist
from ..vocabulary.models import ExperienceField, Profession
from . import search
from .models import ENTRY_KINDS, LibraryEntry, NoteRequest

ENTRY_ENTITY = "library_entry"
TITLE_MAX = 200
BODY_MAX = 10_000
SOURCE_KEY_MAX = 120
PER_PAGE = 20


class EntryNotFound(Exception):
    """No such entry, or one the reader may not see: the page answers 404."""


# ----------------------------------------------------------------------------- publishing


def _check_vocabulary(profession_id: int | None, field_id: int | None, city_id: int | None) -> None:
    if profession_id is not None and db.session.get(Profession, profession_id) is None:
        raise UserError("職種を選び直してください。", field="profession_id")
    if field_id is not None:
        found = db.session.get(ExperienceField, field_id)
        if found is None:
            raise UserError("分野を選び直してください。", field="field_id")
    if city_id is not None and db.session.get(City, city_id) is None:
        raise UserError("市を選び直してください。", field="city_id")


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title = (title or "").strip()
    body = (body or "").strip()
    if not title:
        raise UserError("題名を入力してください。", field="title")
    if len(title) > TITLE_MAX:
        raise UserError("題名は%(limit)s文字以内で入力してください。", field="title", limit=TITLE_MAX)
    if len(body) > BODY_MAX:
        raise UserError("本文は%(limit)s文字以内で入力してください。", field="body", limit=BODY_MAX)
    if "\x00" in title or "\x00" in body:
        raise UserError("使えない文字が含まれています。", field="body")
    return title, body


def refresh_search_text(entry: LibraryEntry) -> None:
    """Recompute what the search reads (the SQLite triggers copy it into ``library_fts``)."""
    entry.search_text = search.search_text(entry.title, entry.body, entry.file_name)


def publish_entry(*, kind: str, title: str, body: str, profession_id: int | None, field_id: int | None,
                  city_id: int | None, source_key: str | None, actor: Any, is_shared: bool = True,
                  dispatch_id: int | None = None, party: str | None = None) -> LibraryEntry:
    """Add (or, for a ``source_key`` published before, update) a library entry and its search text; audited.

    The caller commits. ``actor`` is the person publishing (None: the system or the demo seed).
    Raises ``UserError`` for bad input and ``PermissionDenied`` for a reader who may not publish.
    """
    if actor is not None:
        permissions.check(actor, "library.view")
    if kind not in ENTRY_KINDS:
        raise UserError("種類を選び直してください。", field="kind")
    if kind != "after_action" and not is_shared:
        raise UserError("非公開にできるのは派遣後の振り返りだけです。", field="is_shared")
    title, body = _clean_text(title, body)
    if source_key is not None and (not source_key or len(source_key) > SOURCE_KEY_MAX):
        raise UserError("出典の識別子が正しくありません。", field="source_key")
    _check_vocabulary(profession_id, field_id, city_id)
    entry = None
    if source_key is not None:
        entry = db.session.scalar(select(LibraryEntry).where(LibraryEntry.source_key == source_key))
    before: dict[str, Any] = {}
    if entry is None:
        entry = LibraryEntry(kind=kind, source_key=source_key, created_by_id=getattr(actor, "id", None),
                             created_at=clock.utcnow(), status="published")
        db.session.add(entry)
    else:
        before = {"title": entry.title, "body": entry.body, "is_shared": entry.is_shared, "status": entry.status}
        entry.status = "published"
        entry.withdrawn_at = None
        entry.withdrawn_by_id = None
    entry.kind = kind
    entry.title, entry.body = title, body
    entry.profession_id, entry.field_id, entry.city_id = profession_id, field_id, city_id
    entry.is_shared = is_shared
    entry.dispatch_id, entry.party = dispatch_id, party
    entry.updated_at = clock.utcnow()
    refresh_search_text(entry)
    db.session.flush()
    audit.record(actor, "library.published" if not before else "library.updated", ENTRY_ENTITY, entry.id,
                 city_id=city_id,
                 changes=audit.diff(before, {"title": title, "body": body, "is_shared": is_shared,
                                             "status": "published"}),
                 summary=f"{kind}: {title[:80]}")
    return entry


# ----------------------------------------------------------------------------- who reads what


def dispatch_party_cities(dispatch: Dispatch) -> set[int]:
    """The cities whose HR are parties of a dispatch: the receiving city and, for a serving officer, the sender."""
    cities = {dispatch.city_id}
    specialist = dispatch.specialist
    if specialist is not None and specialist.employer_city_id is not None:
        cities.add(specialist.employer_city_id)
    return cities


def _is_dispatch_party(actor: Any, dispatch: Dispatch | None) -> bool:
    if dispatch is None:
        return False
    if actor.role == Role.CITY_HR:
        return actor.city_id in dispatch_party_cities(dispatch)
    if actor.role == Role.SPECIALIST:
        return dispatch.specialist is not None and dispatch.specialist.user_id == actor.id
    return False


def may_read(actor: Any, entry: LibraryEntry) -> bool:
    """Published shareable entries: everyone allowed in the library; a private note: its parties and coordination."""
    if not permissions.may(actor, "library.view"):
        return False
    if actor.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    if not entry.is_published:
        return _may_manage(actor, entry)
    if entry.is_shared:
        return True
    return _is_dispatch_party(actor, db.session.get(Dispatch, entry.dispatch_id) if entry.dispatch_id else None)


def _may_manage(actor: Any, entry: LibraryEntry) -> bool:
    """The coordinating city any entry; an HR officer their city's entries; the author their own."""
    if not permissions.may(actor, "library.view"):
        return False
    if actor.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    if entry.created_by_id is not None and entry.created_by_id == actor.id:
        return True
    if actor.role != Role.CITY_HR:
        return False
    if entry.kind == "after_action":
        # A city side's note belongs to that city (the sending city's note too, though filed under the receiver).
        side_city = db.session.scalar(select(NoteRequest.city_id).where(NoteRequest.entry_id == entry.id))
        return side_city is not None and side_city == actor.city_id
    return entry.city_id is not None and entry.city_id == actor.city_id


def may_manage(actor: Any, entry: LibraryEntry) -> bool:
    return _may_manage(actor, entry)


def _visibility(actor: Any) -> list[Any]:
    """Conditions limiting a query to the entries ``actor`` may read in the library list."""
    published = LibraryEntry.status == "published"
    if actor.role in (Role.COORDINATOR, Role.ADMIN):
        return [published]
    if actor.role == Role.CITY_HR:
        sides = select(Dispatch.id).outerjoin(Specialist, Specialist.id == Dispatch.specialist_id).where(
            or_(Dispatch.city_id == actor.city_id, Specialist.employer_city_id == actor.city_id))
    elif actor.role == Role.SPECIALIST:
        sides = select(Dispatch.id).join(Specialist, Specialist.id == Dispatch.specialist_id).where(
            Specialist.user_id == actor.id)
    else:
        return [published, LibraryEntry.is_shared.is_(True)]
    return [published, or_(LibraryEntry.is_shared.is_(True), LibraryEntry.dispatch_id.in_(sides))]


def get_entry(actor: Any, entry_id: int) -> LibraryEntry:
    """One entry the actor may read, else ``EntryNotFound`` (a private note is not even admitted to exist)."""
    permissions.check(actor, "library.view")
    entry = db.session.get(LibraryEntry, entry_id)
    if entry is None or not may_read(actor, entry):
        raise EntryNotFound(entry_id)
    return entry


# ----------------------------------------------------------------------------- searching


@dataclass(frozen=True)
class SearchFilters:
    query: str = ""
    kind: str | None = None
    profession_id: int | None = None
    field_id: int | None = None
    city_id: int | None = None


@dataclass(frozen=True)
class SearchResult:
    entry: LibraryEntry
    snippet: search.Snippet


@dataclass(frozen=True)
class SearchPage:
    terms: list[str]
    page: Pagination  # of SearchResult


def search_query(actor: Any, filters: SearchFilters) -> Select:
    """The ids of the entries matching the filters that ``actor`` may read, newest first."""
    conditions = _visibility(actor)
    conditions += search.conditions(search.terms(filters.query))
    if filters.kind in ENTRY_KINDS:
        conditions.append(LibraryEntry.kind == filters.kind)
    if filters.profession_id is not None:
        conditions.append(LibraryEntry.profession_id == filters.profession_id)
    if filters.field_id is not None:
        conditions.append(LibraryEntry.field_id == filters.field_id)
    if filters.city_id is not None:
        conditions.append(LibraryEntry.city_id == filters.city_id)
    return select(LibraryEntry.id).where(*conditions).order_by(LibraryEntry.created_at.desc(),
                                                               LibraryEntry.id.desc())


def search_entries(actor: Any, filters: SearchFilters, page: int = 1, per_page: int = PER_PAGE) -> SearchPage:
    """One page of the entries matching the query and filters, each with a snippet around its first hit."""
    permissions.check(actor, "library.view")
    query_terms = search.terms(filters.query)
    found = paginate(search_query(actor, filters), page, per_page)
    ids = list(found.items)
    entries = {e.id: e for e in db.session.scalars(select(LibraryEntry).where(LibraryEntry.id.in_(ids)))} if ids else {}
    results = []
    for entry_id in ids:
        entry = entries[entry_id]
        text_for_snippet = entry.body if entry.body else entry.title
        results.append(SearchResult(entry, search.snippet(text_for_snippet, query_terms)))
    found.items = results
    return SearchPage(query_terms, found)


# ----------------------------------------------------------------------------- withdrawing


def withdraw_entry(actor: Any, entry_id: int, reason: str = "") -> LibraryEntry:
    """The entry's city (or author) or the coordinating city takes it out of the library; audited."""
    permissions.check(actor, "library.view")
    entry = db.session.get(LibraryEntry, entry_id)
    if entry is None or not may_read(actor, entry):
        raise EntryNotFound(entry_id)
    if not _may_manage(actor, entry):
        raise PermissionDenied("library.manage")
    if not entry.is_published:
        raise UserError("この項目はすでに取り下げられています。")
    reason = (reason or "").strip()[:500]
    entry.status = "withdrawn"
    entry.withdrawn_at = clock.utcnow()
    entry.withdrawn_by_id = actor.id
    audit.record(actor, "library.withdrawn", ENTRY_ENTITY, entry.id, city_id=entry.city_id,
                 changes={"status": ["published", "withdrawn"]}, reason=reason or None,
                 summary=f"{entry.kind}: {entry.title[:80]}")
    db.session.commit()
    return entry
