"""Writing and reading the audit log. Writers add to the caller's transaction, never commit."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, or_, select

from ..core import permissions
from ..core.clock import tokyo_day_start, utcnow
from ..core.pagination import paginate
from ..extensions import db
from .models import AuditEntry


def _plain(value: Any) -> Any:
    """A JSON-safe form of a column value, so that old and new values can be stored."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose values differ, as {field: [old, new]}."""
    changes = {}
    for key in sorted(set(before) | set(after)):
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


def actor_label(actor: Any) -> str:
    """How an actor is named in the log: account and role, or the system for jobs."""
    if actor is None:
        return "system"
    return f"{actor.display_name} <{actor.email}> ({actor.role})"


def record(
    actor: Any,
    action: str,
    entity_type: str,
    entity_id: Any = None,
    *,
    city_id: int | None = None,
    changes: dict[str, Any] | None = None,
    reason: str | None = None,
    summary: str = "",
) -> AuditEntry:
    """Add one audit entry to the current transaction; it commits with the change it records."""
    entry = AuditEntry(
        at=utcnow(),  # when it happened, not when the transaction is flushed
        actor_id=getattr(actor, "id", None),
        actor_label=actor_label(actor),
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        city_id=city_id,
        changes=changes or {},
        reason=(reason or None),
        summary=summary[:300],
    )
    db.session.add(entry)
    return entry


def entity_history(*entities: tuple[str, Any]) -> list[AuditEntry]:
    """The audit trail of one or more records, oldest first: ``("request", 12), ("offer", 3)``.

    Records whose id is ``None`` are skipped. The caller checks that the actor may see them.
    """
    wanted = [and_(AuditEntry.entity_type == kind, AuditEntry.entity_id == str(entity_id))
              for kind, entity_id in entities if entity_id is not None]
    if not wanted:
        return []
    return list(db.session.scalars(
        select(AuditEntry).where(or_(*wanted)).order_by(AuditEntry.at, AuditEntry.id)))


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    entity_type: str | None = None
    city_id: int | None = None
    actor_id: int | None = None
    since: date | None = None
    until: date | None = None


def _filtered(query: Select, flt: AuditFilter) -> Select:
    if flt.action:
        query = query.where(AuditEntry.action == flt.action)
    if flt.entity_type:
        query = query.where(AuditEntry.entity_type == flt.entity_type)
    if flt.city_id:
        query = query.where(AuditEntry.city_id == flt.city_id)
    if flt.actor_id:
        query = query.where(AuditEntry.actor_id == flt.actor_id)
    # Days are calendar days in Japan: "until" includes the whole of that day.
    if flt.since:
        query = query.where(AuditEntry.at >= tokyo_day_start(flt.since))
    if flt.until:
        query = query.where(AuditEntry.at < tokyo_day_start(flt.until + timedelta(days=1)))
    return query


def search_audit(actor: Any, flt: AuditFilter, page: int, per_page: int) -> Pagination:
    """One page of audit entries, newest first, for the coordinating city."""
    permissions.check(actor, "audit.view")
    query = _filtered(select(AuditEntry), flt).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return paginate(query, page, per_page)


def distinct_actions() -> list[str]:
    """The actions present in the log, for the filter's drop-down."""
    return list(db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
