"""Part-time packing at scale (docs/part-time-packing.md): the bound-proven path of packing.py.

Every component is forced through it here (``DIRECT_CPSAT_MAX_PAIRS = 0``) and checked against
the brute-force referee: the fill per priority position is the lexicographic optimum, never
below the one-slot-per-person flow, and the quality is the optimum.
"""
from __future__ import annotations

import numpy as np
import pytest

from talentbank.solver import dispatch, load_problem, solve
from talentbank.solver.eligibility import EligibilityIndex
from talentbank.solver.rules import rank_cities_by_need
from tests.solver.solver_factories import random_problem, referee_priority
from tests.solver.test_dispatch_properties import _check_round


@pytest.fixture
def packing_path(monkeypatch):
    monkeypatch.setattr(dispatch, "DIRECT_CPSAT_MAX_PAIRS", 0)


def _unit_flow_fill(data: dict) -> dict[str, int]:
    """Fill per request of the one-slot-per-person flow (the matroid's greedy basis)."""
    p = load_problem(data)
    index = EligibilityIndex(p)
    pairs = index.all_pairs()
    positions = dispatch.priority_positions(p, rank_cities_by_need(p.cities, p.rule_set))
    slots = np.array([r.slots for r in p.requests], dtype=np.int64)
    chosen, _ = dispatch._flow_assign(index.n_specialists, pairs.spec, pairs.req,
                                      [pairs.quality, pairs.tie], slots, len(p.requests) - positions)
    fill = np.bincount(pairs.req[chosen], minlength=len(p.requests))
    return {r.id: int(fill[j]) for j, r in enumerate(p.requests)}


@pytest.mark.parametrize("block", range(4))
def test_packing_path_matches_brute_force(packing_path, block):
    used = lp_used = 0
    for seed, rich in [(s, r) for s in range(3000 + block, 3800, 4) for r in (False, True)]:
        data = random_problem(seed, max_specs=4, max_reqs=5)
        if rich:  # part-time people over the whole year: packing nearly everywhere
            rng = np.random.default_rng(seed)
            for s in data["specialists"]:
                s["days_per_week"] = int(rng.choice([2, 3, 5]))
                s["availability"] = [{"start": "2024-04-01", "end": "2025-03-31"}]
            for r in data["requests"]:
                r["days_per_week"] = int(rng.choice([1, 2, 3, 5]))
        result = solve(load_problem(data)).to_dict()
        assert result["status"] == "optimal"
        _check_round(data, result)  # hard rules, lexicographic fill, quality, explanations
        used += "fill_bound" in result["stats"]
        lp_used += "fill_deficits_examined" in result["stats"]
        # never below one slot per person, at any prefix of the priority order
        unit = _unit_flow_fill(data)
        got = {rid: 0 for rid in unit}
        for a in result["assignments"]:
            got[a["request"]] += 1
        order = referee_priority(data)
        assert sum(got.values()) >= sum(unit.values())
        for k in range(1, len(order) + 1):
            assert sum(got[r] for r in order[:k]) >= sum(unit[r] for r in order[:k])
    assert used > 40 and lp_used > 5  # deficits proven by LP bounds or reduced CP-SAT


def test_packing_path_packs_part_time_people(packing_path):
    """All-part-time instances where one person must hold two requests for the best answer."""
    packed = proven = 0
    for seed in range(4000, 4300):
        data = random_problem(seed, max_specs=3, max_reqs=4)
        for s in data["specialists"]:
            s["days_per_week"] = 5
            s["availability"] = [{"start": "2024-04-01", "end": "2025-03-31"}]
        for r in data["requests"]:
            r["days_per_week"] = int(r["days_per_week"]) if r["days_per_week"] < 5 else 2
        result = solve(load_problem(data)).to_dict()
        assert result["status"] == "optimal"
        _check_round(data, result)
        held = [a["specialist"] for a in result["assignments"]]
        packed += len(held) > len(set(held))
        proven += "quality_bound" in result["stats"]
    assert packed > 30
    assert proven > 30
