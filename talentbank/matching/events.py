"""What the matching domain tells others and asks them: approvals, and who already holds a slot."""
from __future__ import annotations

from collections.abc import Collection

from ..core.events import collect, signals

proposal_approved = signals.signal("proposal-approved", doc="""
Sent with the proposal (``actor=``) inside the approving transaction: the dispatch domain makes the
specialist's offer with its deadline. A ``UserError`` refuses the approval.""")

pins_wanted = signals.signal("pins-wanted", doc="""
Sent with no sender; each subscriber answers with (specialist_id, request_id) pairs held outside
proposals (scheduled or active dispatches): the next round keeps them as they are.""")

previous_cities_wanted = signals.signal("previous-cities-wanted", doc="""
Sent with a collection of specialist ids; each subscriber answers {specialist_id: {city_id, ...}},
the cities each person served before (the solver's continuity bonus).""")


def provided_pins() -> set[tuple[int, int]]:
    """Every (specialist_id, request_id) pair another domain says is held by a dispatch."""
    return {(int(s), int(r)) for answer in collect(pins_wanted, None) for s, r in answer}


def previous_cities(specialist_ids: Collection[int]) -> dict[int, set[int]]:
    """City ids each specialist worked for before, merged over every subscriber."""
    merged: dict[int, set[int]] = {}
    if not specialist_ids:
        return merged
    for answer in collect(previous_cities_wanted, specialist_ids):
        for specialist_id, city_ids in answer.items():
            merged.setdefault(int(specialist_id), set()).update(int(c) for c in city_ids)
    return merged
