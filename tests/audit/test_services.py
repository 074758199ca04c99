"""Writing and reading audit records: record, diff and entity_history."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from talentbank.audit import services as audit
from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db


def all_entries() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_diff_keeps_only_what_changed_in_a_storable_form():
    before = {"fiscal_index": Decimal("0.860"), "population": 57425, "start_date": date(2027, 4, 1),
              "notes": None, "is_member": True}
    after = {"fiscal_index": Decimal("0.79"), "population": 57425, "start_date": date(2027, 5, 1),
             "is_member": True, "deadline_at": datetime(2026, 12, 10, 14, 20)}
    assert audit.diff(before, after) == {
        "fiscal_index": ["0.86", "0.79"],
        "start_date": ["2027-04-01", "2027-05-01"],
        "deadline_at": [None, "2026-12-10T14:20:00"],
    }
    # a missing field and None are the same, and 0.860 is 0.86: nothing to record
    assert audit.diff({"notes": None, "rate": Decimal("0.860")}, {"rate": Decimal("0.86")}) == {}


def test_record_names_the_actor_and_commits_only_with_the_change_it_records(make):
    coordinator = make.user(Role.COORDINATOR, name="幹事 花子")
    zushi = make.city()
    clock.freeze(datetime(2026, 12, 10, 14, 20))
    audit.record(coordinator, "city.updated", "city", zushi.id, city_id=zushi.id,
                 changes={"population": [1, 2]}, reason="", summary="x" * 400)
    db.session.commit()
    [entry] = all_entries()
    assert (entry.at, entry.actor_id, entry.entity_id, entry.city_id) == (
        datetime(2026, 12, 10, 14, 20), coordinator.id, str(zushi.id), zushi.id)
    assert entry.actor_label == f"幹事 花子 <{coordinator.email}> (coordinator)"
    assert entry.changes == {"population": [1, 2]}
    assert entry.reason is None  # an empty reason is no reason
    assert len(entry.summary) == 300

    # the writer never commits: a change that is rolled back leaves no record either
    audit.record(None, "request.expired", "request", 5)
    db.session.rollback()
    assert [e.action for e in all_entries()] == ["city.updated"]


def test_jobs_are_recorded_as_the_system(app_ctx):
    entry = audit.record(None, "request.expired", "request", None)
    db.session.commit()
    assert (entry.actor_id, entry.actor_label, entry.entity_id, entry.changes) == (None, "system", None, {})


def test_entity_history_is_the_trail_of_the_records_asked_for_oldest_first(app_ctx):
    for day, (kind, entity_id, action) in enumerate([("request", 12, "request.opened"), ("offer", 3, "offer.created"),
                                                     ("request", 13, "request.opened"), ("offer", 12, "offer.opened"),
                                                     ("request", 12, "request.withdrawn")], start=1):
        clock.freeze(datetime(2026, 12, 20 - day))  # written newest first
        audit.record(None, action, kind, entity_id)
    db.session.commit()

    trail = audit.entity_history(("request", 12), ("offer", 3), ("dispatch", None))
    assert [(e.entity_type, e.entity_id, e.action) for e in trail] == [
        ("request", "12", "request.withdrawn"), ("offer", "3", "offer.created"), ("request", "12", "request.opened")]
    assert audit.entity_history(("request", None)) == []
    assert audit.entity_history() == []
