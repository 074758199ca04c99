"""Why each slot stayed empty: nobody passes the hard rules, or everyone who does is taken.

Reason shapes (JSON):
- ``{"kind": "no_eligible", "total": N, "ruled_out": {rule: count, ...}}`` where every
  specialist is counted once, under the first hard rule they fail (rules.HARD_RULES
  order), so the counts sum to ``total``; plus ``"training_months": N`` when the request
  requires a recent training (rule ``training``);
- ``{"kind": "outranked", "eligible": n, "taken_by": [{"request", "city",
  "priority_position", "why", "this_value", "their_value", "specialists"}, ...]}``
  where ``why`` is ``same_request`` (this request's other slots), ``urgency``,
  ``city_need``, ``carry_over``, ``earlier_posting``, ``request_id`` (full tie) or
  ``pinned`` (an approved pairing kept from before); and, for a specialist who went to an
  exchange ring whose period overlaps the request, one entry per ring:
  ``{"exchange_cycle": index into result.exchange_cycles, "cities", "offers",
  "why": "exchange_priority", "specialists"}``.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from talentbank.solver import rules
from talentbank.solver.eligibility import EligibilityIndex, EligiblePairs
from talentbank.solver.problem import Assignment, Problem, Request, Unfilled


def _criterion_value(r: Request, criterion: str, need_rank: Mapping[str, int]) -> Any:
    """The value a request has on one priority criterion, as shown to people."""
    if criterion == "urgency":
        return r.urgency
    if criterion == "city_need":
        return need_rank[r.city]
    if criterion == "carry_over":
        return r.carry_over
    if criterion == "earlier_posting":
        return r.posted_at.isoformat()
    return r.id


def explain_unfilled(problem: Problem, index: EligibilityIndex, pairs: EligiblePairs,
                     positions: np.ndarray, need_rank: Mapping[str, int],
                     assignments: list[Assignment],
                     cycles: Sequence[Mapping[str, Any]] = ()) -> list[Unfilled]:
    """One entry per request with empty slots, in priority order, with its reason."""
    rings_of: dict[str, list[tuple[int, Mapping[str, Any]]]] = {}
    for k, cycle in enumerate(cycles):
        for sid in cycle.get("officers", ()):
            rings_of.setdefault(sid, []).append((k, cycle))
    req_index = {r.id: j for j, r in enumerate(problem.requests)}
    filled = np.zeros(len(problem.requests), dtype=np.int64)
    held_by_spec: dict[str, list[Assignment]] = {}
    for a in assignments:
        filled[req_index[a.request]] += 1
        held_by_spec.setdefault(a.specialist, []).append(a)

    by_req = np.argsort(pairs.req, kind="stable")
    starts = np.searchsorted(pairs.req[by_req], np.arange(len(problem.requests) + 1))
    unfilled = []
    for j in np.argsort(positions).tolist():
        r = problem.requests[j]
        if filled[j] >= r.slots:
            continue
        eligible = pairs.spec[by_req[starts[j]:starts[j + 1]]]
        if eligible.shape[0] == 0:
            counts = index.ruled_out_counts(j)
            reason: dict[str, Any] = {"kind": "no_eligible", "total": index.n_specialists,
                                      "ruled_out": counts}
            if rules.training_cutoff(r, problem) is not None:  # the words name the months required
                reason["training_months"] = problem.disaster_training_months[r.profession]
        else:
            reason = _outranked(problem, r, eligible, held_by_spec, req_index, positions, need_rank,
                                rings_of)
        unfilled.append(Unfilled(request=r.id, slots=int(r.slots - filled[j]),
                                 priority_position=int(positions[j]), reason=reason))
    return unfilled


def _outranked(problem: Problem, r: Request, eligible: np.ndarray,
               held_by_spec: dict[str, list[Assignment]], req_index: dict[str, int],
               positions: np.ndarray, need_rank: Mapping[str, int],
               rings_of: Mapping[str, list] | None = None) -> dict[str, Any]:
    """Name the requests (or rings) that took this request's eligible specialists, and why."""
    takers: dict[str, dict[str, Any]] = {}
    ring_takers: dict[int, dict[str, Any]] = {}
    idle = []
    start, end = r.start.isoformat(), r.end.isoformat()
    for i in eligible.tolist():
        s = problem.specialists[i]
        rings = [(k, c) for k, c in (rings_of or {}).get(s.id, [])
                 if c["start"] <= end and start <= c["end"]]
        if rings:  # away in an exchange ring for (part of) this request's period
            for k, cycle in rings:
                ring_takers.setdefault(k, {
                    "exchange_cycle": k, "cities": list(cycle["cities"]),
                    "offers": list(cycle["offers"]), "why": "exchange_priority",
                    "specialists": []})["specialists"].append(s.id)
            continue
        held = held_by_spec.get(s.id, [])
        if any(a.request == r.id for a in held):
            blockers = [a for a in held if a.request == r.id]
        else:
            this_key = rules.priority_key(r, need_rank)
            overlapping = [a for a in held if problem.requests[req_index[a.request]].overlaps(r)]
            # only pinned or higher-priority work blocks: lower-priority work would have yielded
            blockers = [a for a in overlapping if a.is_pinned or rules.priority_key(
                problem.requests[req_index[a.request]], need_rank) < this_key] or overlapping or held
        if not blockers:
            idle.append(s.id)
        for a in blockers:
            other = problem.requests[req_index[a.request]]
            if other.id == r.id:
                why = "same_request"
            elif a.is_pinned:
                why = "pinned"
            elif rules.priority_key(other, need_rank) < rules.priority_key(r, need_rank):
                why = rules.why_ranks_higher(other, r, need_rank)
            else:
                why = "lower_priority"  # never in a priority-respecting answer
            entry = takers.setdefault(other.id, {
                "request": other.id, "city": other.city,
                "priority_position": int(positions[req_index[other.id]]),
                "why": why, "specialists": []})
            if why not in ("same_request", "pinned", "lower_priority"):
                entry["this_value"] = _criterion_value(r, why, need_rank)
                entry["their_value"] = _criterion_value(other, why, need_rank)
            entry["specialists"].append(s.id)
    reason: dict[str, Any] = {
        "kind": "outranked",
        "eligible": int(eligible.shape[0]),
        "taken_by": sorted(takers.values(), key=lambda t: t["priority_position"])
        + [ring_takers[k] for k in sorted(ring_takers)],
    }
    if idle:
        reason["idle_specialists"] = sorted(idle)  # never in a priority-respecting answer
    return reason
