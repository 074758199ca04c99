"""Withdrawal leaves nothing personal behind: every table, column and file where it can live is listed and checked.

``WHERE_PERSONAL_DATA_LIVES`` classifies every text column of every table that refers to a person
(a specialist or an account) and of the tables that keep people inside JSON. A new table or column
of that kind fails ``test_every_place_personal_data_can_live_is_classified`` until it is listed here
with what withdrawal does to it, and the erasure test checks it.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import JSON, String, Text, select

from talentbank.audit import services as audit
from talentbank.audit.models import AuditEntry
from talentbank.core.permissions import Role
from talentbank.dispatches import services as dispatches
from talentbank.dispatches.models import Offer
from talentbank.extensions import db
from talentbank.matching.erasure import placeholder_record
from talentbank.matching.models import MatchingRound, Proposal
from talentbank.notifications.models import Notification, OutboxMessage
from talentbank.specialists.models import Specialist
from talentbank.specialists.personal_data import withdraw_specialist
from talentbank.specialists.privacy import PERSONAL_FIELDS

from ..matching.builders import matching_app, scenario, specialist

ROOT = Path(__file__).resolve().parents[2]

# What withdrawal does to each place:
ERASED = "erased at withdrawal (checked below)"
PSEUDONYMISED = "the person's record replaced by a placeholder under the same id (checked below)"
CODE = "codes, statuses, ids or numbers: nothing about the person"
SECRET = "a hash or token, cleared or useless once the account is closed"
STAFF = "written by staff about a posting, a decision or a city, not the person's own data"
NOT_A_SPECIALIST = "staff accounts and invitations: not a specialist's data"

WHERE_PERSONAL_DATA_LIVES: dict[str, dict[str, str]] = {
    "users": {"email": ERASED, "password_hash": ERASED, "display_name": ERASED, "role": CODE, "language": CODE,
              "session_token": SECRET},
    "specialists": {**{f: ERASED for f in PERSONAL_FIELDS if f != "retirement_year"}, "claim_token_hash": ERASED, "kind": CODE,
                    "status": CODE, "consent_version": CODE, "registration_source": CODE},
    "audit_entries": {"actor_label": ERASED, "changes": ERASED, "reason": ERASED, "action": CODE,
                      "entity_type": CODE, "entity_id": CODE, "summary": CODE},
    "invitations": {"token_hash": SECRET, "email": NOT_A_SPECIALIST, "display_name": NOT_A_SPECIALIST,
                    "role": CODE},
    "job_runs": {"job_name": CODE, "source": CODE, "status": CODE, "summary": CODE, "summary_params": CODE,
                 "error": CODE, "runner": CODE},
    "notifications": {"kind": ERASED, "params": ERASED, "link": ERASED, "dedupe_key": ERASED},
    "outbox_messages": {"kind": ERASED, "to_address": ERASED, "subject": ERASED, "body": ERASED,
                        "language": ERASED, "status": ERASED, "last_error": ERASED, "dedupe_key": ERASED},
    "rule_set_versions": {"method": CODE, "criteria": CODE, "exchange_priority": CODE, "note": STAFF},
    "staffing_requests": {"department": STAFF, "section": STAFF, "work_mode": CODE, "urgency": CODE,
                          "urgency_reason": STAFF, "description": STAFF, "internal_notes": STAFF, "status": CODE,
                          "offered_rate_unit": CODE},
    "exchange_offers": {"notes": STAFF, "status": CODE},
    "matching_rounds": {"kind": CODE, "status": CODE, "phase": CODE, "profession_code": CODE,
                        "problem_json": PSEUDONYMISED, "result_json": CODE, "input_fingerprint": CODE,
                        "solver_status": CODE, "stats": CODE, "error": CODE,
                        "review_json": CODE, "runner": CODE},
    "unfilled_slots": {"reason": CODE},
    "exchange_cycles": {"status": CODE, "decision_reason": STAFF},
    "proposals": {"status": CODE, "score": CODE, "served_mode": CODE, "decision_reason": ERASED},
    "dispatch_offers": {"work_mode": CODE, "status": CODE, "decline_reason": ERASED, "cancel_reason": STAFF},
    "forbidden_pairs": {"reason_kind": CODE},
    "dispatches": {"work_mode": CODE, "status": CODE, "cancel_reason": STAFF},
    "dispatch_evaluations": {"party": CODE, "comment": ERASED},
    "dispatch_extensions": {"reason": STAFF},
    "specialist_licences": {"number": ERASED, "issuer": ERASED, "review_reason": ERASED, "document_key": ERASED,
                            "document_name": ERASED, "document_type": ERASED, "status": CODE, "checked_by": CODE},
    "specialist_professions": {"checked_by": CODE},
    "specialist_experiences": {"checked_by": CODE},
    "account_tokens": {"email": ERASED, "purpose": ERASED, "token_hash": ERASED},
    "user_sessions": {"key_hash": SECRET},
    # The receiving city's own contact person and first-day place: city staff, not the dispatched person.
    # A replacement document template the coordinating city uploaded (refers to the uploading account).
    "document_templates": {"kind": CODE, "file_key": CODE, "sha256": CODE, "original_name": STAFF},
    "dispatch_arrivals": {"contact_name": NOT_A_SPECIALIST, "contact_phone": NOT_A_SPECIALIST,
                          "contact_email": NOT_A_SPECIALIST, "place": STAFF, "what_to_bring": STAFF},
    # The terms of a dispatch and the defaults: written by the cities' staff about the agreement (agreements/).
    "dispatch_terms": {"legal_form": CODE, "rate_unit": CODE, "travel_unit": CODE, "note": STAFF, "reason": STAFF,
                       "salary_bearer": CODE, "allowances_bearer": CODE, "overtime_bearer": CODE, "travel_bearer": CODE,
                       "retirement_allowance_bearer": CODE, "insurance_bearer": CODE},
    "dispatch_terms_confirmations": {"party": CODE},
    "terms_defaults": {"legal_form": CODE, "rate_unit": CODE, "travel_unit": CODE, "note": STAFF, "reason": STAFF,
                       "salary_bearer": CODE, "allowances_bearer": CODE, "overtime_bearer": CODE, "travel_bearer": CODE,
                       "retirement_allowance_bearer": CODE, "insurance_bearer": CODE},
    # Consultations (相談): the city's question, summary and reasons are staff's; the specialist's own messages and
    # attachments in a thread are erased at withdrawal (tests/consultations/test_threads.py checks it).
    "consultations": {"status": CODE, "urgency": CODE, "work_mode": CODE, "title": STAFF, "question": STAFF,
                      "summary": STAFF, "withdraw_reason": STAFF, "no_fit_counts": CODE},
    "consultation_offers": {"status": CODE, "score": CODE},
    "consultation_messages": {"side": CODE, "body": ERASED, "file_key": ERASED, "file_name": ERASED,
                              "file_type": ERASED},
    # The library: a specialist's own after-action note is deleted at withdrawal (tests/library/test_notes.py
    # checks it); the cities' notes, consultation summaries and uploaded documents are staff's.
    "library_entries": {"kind": CODE, "status": CODE, "party": CODE, "file_type": CODE, "source_key": CODE,
                        "title": ERASED, "body": ERASED, "search_text": ERASED, "file_key": STAFF,
                        "file_name": STAFF, "file_sha256": CODE},
    # Training (研修): the session is the organising city's posting; a registration holds ids, codes and times only.
    "training_sessions": {"title": STAFF, "description": STAFF, "place": STAFF, "online_url": STAFF,
                          "audience": CODE, "status": CODE, "cancel_reason": STAFF},
    "training_registrations": {"status": CODE, "attendance": CODE},
}
# Tables that hold people inside JSON without a foreign key to them.
JSON_HOLDERS = {"matching_rounds", "unfilled_slots"}
# Files: import previews (instance/imports/) are removed on confirm, cancel or after a day by the
# import itself (talentbank.specialists.imports, tested with it); `flask rounds export` writes the
# stored (pseudonymised) problem, checked below.


def _places() -> dict[str, set[str]]:
    """Every text column of every table that refers to a specialist or an account, or keeps people in JSON."""
    found: dict[str, set[str]] = {}
    for table in db.metadata.sorted_tables:
        refers = {fk.column.table.name for column in table.columns for fk in column.foreign_keys}
        if table.name not in JSON_HOLDERS | {"users", "specialists"} and not refers & {"specialists", "users"}:
            continue
        texts = {c.name for c in table.columns if isinstance(c.type, (String, Text, JSON))}
        if texts:
            found[table.name] = texts
    return found


def test_every_place_personal_data_can_live_is_classified(app_ctx):
    places = _places()
    missing = {table: sorted(columns - set(WHERE_PERSONAL_DATA_LIVES.get(table, {})))
               for table, columns in places.items()}
    assert not {t: c for t, c in missing.items() if c}, "classify these in WHERE_PERSONAL_DATA_LIVES"
    stale = {t: sorted(set(cols) - places.get(t, set())) for t, cols in WHERE_PERSONAL_DATA_LIVES.items()}
    assert not {t: c for t, c in stale.items() if c}, "these are gone from the models"


def test_withdrawal_leaves_nothing_of_the_person_anywhere(app, make, tmp_path):
    matching_app(app)
    world = scenario(make)
    zushi, kamakura = world.cities["142085"], world.cities["142042"]
    account = make.user(Role.SPECIALIST, name="退会 太郎", email="taro@test.example")
    person = specialist(make, kamakura, user=account, licences=("gijutsushi_construction",),
                        fields={"roads": 17}, preferred=(zushi,), max_travel_minutes=47, phone="090-1111-2222")
    # A profile edit in the log (the registry writes these), then an offer declined in their own words.
    audit.record(account, "specialist.updated", "specialist", person.id, changes={
        "licences": ["", "gijutsushi_construction"], "max_travel_minutes": [60, 47], "status": ["active", "active"]})
    db.session.commit()
    declined = make.dispatch_offer(person, make.staffing_request(zushi, section="下水道課"))
    dispatches.decline_offer(account, declined.id, "母の介護のため")
    cli = app.test_cli_runner()
    round_ids = [int(cli.invoke(args=["rounds", "run"]).output.splitlines()[0]) for _ in range(2)]
    before = {r: db.session.get(MatchingRound, r) for r in round_ids}
    fingerprints = {r: rnd.input_fingerprint for r, rnd in before.items()}
    others_before = {r: [s for s in json.loads(rnd.problem_json)["specialists"] if s["id"] != str(person.id)]
                     for r, rnd in before.items()}
    assert all(str(person.id) in {s["id"] for s in json.loads(rnd.problem_json)["specialists"]}
               for rnd in before.values())
    person_id, user_id, reference = person.id, account.id, person.reference

    withdraw_specialist(world.coordinator, person_id, reason="本人からの申出（電話）")
    db.session.expire_all()

    # specialists, users
    gone = db.session.get(Specialist, person_id)
    assert all(getattr(gone, f) is None for f in PERSONAL_FIELDS) and gone.claim_token_hash is None
    assert not gone.experiences and not gone.availability_windows and not gone.preferred_cities
    assert gone.max_travel_minutes is None
    user = gone.user
    assert user.email.endswith("@withdrawn.invalid") and user.display_name == reference
    assert user.password_hash is None
    # audit_entries: no name under their actions, no reason of theirs, no profile values
    entries = list(db.session.scalars(select(AuditEntry)))
    assert not any("退会 太郎" in (e.actor_label or "") + (e.summary or "") for e in entries)
    assert not any("母の介護" in (e.reason or "") for e in entries)
    assert not any("taro@test.example" in json.dumps(e.changes, ensure_ascii=False) for e in entries)
    edits = [e for e in entries if (e.action, e.entity_id) == ("specialist.updated", str(person_id))]
    assert [e.changes for e in edits] == [{"licences": ["***", "***"], "max_travel_minutes": ["***", "***"],
                                          "status": ["active", "active"]}]
    for e in entries:
        if (e.entity_type, e.entity_id) == ("specialist", str(person_id)):
            assert all(k in ("status", "kind", "consent_version", "registration_source") or v == ["***", "***"]
                       for k, v in (e.changes or {}).items()), e.changes
    # notifications, outbox_messages
    assert not db.session.scalars(select(Notification).where(Notification.user_id == user_id)).all()
    assert not db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user_id)).all()
    # dispatch_offers, proposals: their reason for declining
    assert db.session.get(Offer, declined.id).decline_reason is None
    assert all(p.decision_reason is None for p in db.session.scalars(
        select(Proposal).where(Proposal.specialist_id == person_id)))
    # matching_rounds.problem_json: a placeholder under the same id, the others untouched, fingerprint as recorded
    for round_id in round_ids:
        rnd = db.session.get(MatchingRound, round_id)
        problem = json.loads(rnd.problem_json)
        record = next(s for s in problem["specialists"] if s["id"] == str(person_id))
        assert record == placeholder_record(str(person_id), problem)
        assert [s for s in problem["specialists"] if s["id"] != str(person_id)] == others_before[round_id]
        assert rnd.input_fingerprint == fingerprints[round_id]
    # files: `flask rounds export` writes the pseudonymised problem, and it still replays
    out = tmp_path / "export"
    assert cli.invoke(args=["rounds", "export", str(round_ids[-1]), str(out)]).exit_code == 0
    exported = (out / "problem.json").read_text(encoding="utf-8")
    record = next(s for s in json.loads(exported)["specialists"] if s["id"] == str(person_id))
    assert record["availability"] == [] and record["licences"] == [] and record["experience"] == {}
    replay = subprocess.run([sys.executable, "-m", "talentbank.solver", str(out / "problem.json")], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    assert str(person_id) not in {a["specialist"] for a in json.loads(replay.stdout)["assignments"]}


def test_withdrawal_touches_only_the_rounds_that_mention_the_person(app, make, query_counter):
    matching_app(app)
    world = scenario(make)
    cli = app.test_cli_runner()
    cli.invoke(args=["rounds", "run"])
    newcomer = specialist(make, world.cities["142085"], fields={"roads": 2})
    cli.invoke(args=["rounds", "run"])
    first, second = db.session.scalars(select(MatchingRound).order_by(MatchingRound.id)).all()
    untouched = first.problem_json
    with query_counter() as count:
        withdraw_specialist(world.coordinator, newcomer.id, reason="本人からの申出")
    db.session.expire_all()
    assert db.session.get(MatchingRound, first.id).problem_json == untouched
    assert json.loads(db.session.get(MatchingRound, second.id).problem_json) != json.loads(untouched)
    round_updates = [s for s in count.statements if s.lstrip().upper().startswith("UPDATE MATCHING_ROUNDS")]
    assert len(round_updates) == 1
