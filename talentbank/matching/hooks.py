"""Extension points the dispatch domain plugs into, so matching never imports it.

Each list is appended to when the other domain's module is imported. Hooks that take part in a
decision run inside the deciding transaction, before its commit: they add rows and audit entries
but never commit; an exception in one aborts the decision.

- ``ON_PROPOSAL_APPROVED(proposal, actor)``: after the coordinating city approves a pairing
  (the dispatch domain creates the specialist's offer with its deadline and notifies them).
- ``PIN_PROVIDERS()``: each returns ``(specialist_id, request_id)`` pairs that hold a slot and the
  specialist's days outside of proposals, i.e. scheduled or active dispatches; the next round keeps
  them as they are.
- ``PREVIOUS_CITY_PROVIDERS(specialist_ids)``: each returns ``{specialist_id: {city_id, ...}}``,
  the cities a specialist worked for before (the solver's continuity bonus).
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Proposal

ON_PROPOSAL_APPROVED: list[Callable[["Proposal", Any], None]] = []
PIN_PROVIDERS: list[Callable[[], Iterable[tuple[int, int]]]] = []
PREVIOUS_CITY_PROVIDERS: list[Callable[[Collection[int]], Mapping[int, Iterable[int]]]] = []


def provided_pins() -> set[tuple[int, int]]:
    """Every (specialist_id, request_id) pair the other domains say is held by a dispatch."""
    pins: set[tuple[int, int]] = set()
    for provider in PIN_PROVIDERS:
        pins.update((int(s), int(r)) for s, r in provider())
    return pins


def previous_cities(specialist_ids: Collection[int]) -> dict[int, set[int]]:
    """City ids each specialist worked for before, merged over every provider."""
    merged: dict[int, set[int]] = {}
    if not specialist_ids:
        return merged
    for provider in PREVIOUS_CITY_PROVIDERS:
        for specialist_id, city_ids in provider(specialist_ids).items():
            merged.setdefault(int(specialist_id), set()).update(int(c) for c in city_ids)
    return merged
