"""A withdrawing person leaves no personal attributes in the rounds' stored snapshots.

A round keeps its solver input (``problem_json``) so it can be exported and replayed. On withdrawal
the person's specialist record in every stored problem is replaced by a placeholder
(``placeholder_record``): the registry id stays (other parts of the problem and the result refer to
it, and it names nobody once the profile is erased), everything else about them goes, irreversibly
(nothing of the old record is kept or hashed). The result (``result_json``) holds ids, the
round's priority positions and scores only, no attribute of a person, and is left as it is.

What replay of such a round can still promise (docs/data-protection.md):

* the problem still loads and solves (``python -m talentbank.solver``);
* the placeholder is eligible for nothing, so the erased person is never proposed again; a pairing of
  theirs that the round kept (``pinned``) is still kept, so the slot it held stays held;
* everyone else's proposals are the recorded ones **unless the erased person took part in the
  competition**: where they were proposed (not pinned), or where they outranked someone, the replay
  may give the slot to another person;
* the round's ``input_fingerprint`` stays as recorded: it is the fingerprint of what was solved then,
  and no longer matches the stored problem.
"""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from ..extensions import db
from ..solver.problem import MAX_DAYS_PER_WEEK
from ..specialists.models import Specialist
from .models import MatchingRound, Proposal


def placeholder_record(specialist_id: str, problem: dict[str, Any]) -> dict[str, Any]:
    """The erased person's stand-in: their id, no availability, nothing else of theirs.

    The most days a week and both modes, so a pairing the round kept (``pinned``) never overbooks it.

    The format wants a profession and a home city: the first profession and city of the problem
    stand in (they are the problem's, not the person's).
    """
    requests = problem.get("requests") or []
    professions = sorted({r["profession"] for r in requests if r.get("profession")}) or ["withdrawn"]
    cities = sorted(c["code"] for c in problem.get("cities") or [])
    return {
        "id": specialist_id, "professions": professions[:1], "licences": [], "experience": {},
        "home_city": cities[0] if cities else None, "employer_city": None, "availability": [],
        "days_per_week": MAX_DAYS_PER_WEEK, "modes": ["onsite", "remote"], "max_travel_minutes": 0,
        "excluded_cities": [], "preferred_cities": [], "previous_cities": [], "withdrawn": True,
    }


def pseudonymise_problem(problem: dict[str, Any], specialist_id: str) -> bool:
    """Replace the person's record in one problem dict in place; ``True`` when something changed."""
    changed = False
    records = problem.get("specialists") or []
    for i, record in enumerate(records):
        if str(record.get("id")) == specialist_id and not record.get("withdrawn"):
            records[i] = placeholder_record(specialist_id, problem)
            changed = True
    return changed


def _mentions(specialist_id: str) -> Any:
    """SQL test for a stored problem that may hold the person (false positives are checked in Python).

    The snapshot writes each record with ``json.dumps`` defaults, id first: ``{"id": "17", "professions"``.
    """
    needle = json.dumps({"id": specialist_id, "professions": None})[:-len(" null}")]
    return MatchingRound.problem_json.contains(needle, autoescape=True)


def _since(specialist: Specialist) -> list[Any]:
    """No round taken before the person registered can hold them."""
    if specialist.created_at is None:
        return []
    return [MatchingRound.created_at >= specialist.created_at - timedelta(days=1)]


def forget_in_rounds(specialist: Specialist, actor: Any = None) -> int:
    """``specialist_withdrawing``: pseudonymise the person in every stored problem; returns the rounds changed.

    Also erased: their reason for declining, copied onto their declined proposals.

    Only rounds taken since the person registered (``created_at`` is indexed; a day's margin for clocks)
    whose stored text mentions them are read (a ``LIKE`` in the database); each is rewritten with one
    ``UPDATE`` inside the withdrawal's transaction.
    """
    # The reason they gave for declining is theirs (a copy of it is kept on the proposal).
    db.session.execute(update(Proposal).where(Proposal.specialist_id == specialist.id, Proposal.status == "declined")
                       .values(decision_reason=None).execution_options(synchronize_session=False))
    specialist_id = str(specialist.id)
    changed = 0
    rows = db.session.execute(select(MatchingRound.id, MatchingRound.problem_json)
                              .where(MatchingRound.problem_json.is_not(None), _mentions(specialist_id),
                                     *_since(specialist)))
    for round_id, text in rows.all():
        problem = json.loads(text)
        if pseudonymise_problem(problem, specialist_id):
            db.session.execute(update(MatchingRound).where(MatchingRound.id == round_id)
                               .values(problem_json=json.dumps(problem, ensure_ascii=False))
                               .execution_options(synchronize_session=False))
            changed += 1
            loaded = db.session.identity_map.get(db.session.identity_key(MatchingRound, round_id))
            if loaded is not None:  # a round already loaded must not show (or write back) the old text
                db.session.expire(loaded, ["problem_json"])
    return changed
