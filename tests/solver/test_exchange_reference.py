"""Exchange rings on mid-size markets against a plain model: one Boolean per ring, stage by stage.

The reference shares only the fit rule and the ring list with the solver (both checked by
brute force in test_exchange_bruteforce.py and below): no aggregation, no components, no
LP bounds or reduced-cost narrowing. Its three CP-SAT solves, each optimum held as an
equality, give the lexicographic optimum the solver must match.
"""

from __future__ import annotations

import random
import time
from datetime import date

import numpy as np
import pytest
from ortools.sat.python import cp_model

from talentbank.solver.exchange import (
    ExchangeNode,
    enumerate_cycles,
    fit_matrix,
    need_weights,
    short_cycles,
    solve_rings,
)
from talentbank.solver.exchange_engine import Clock, Row, solve_component

FY = (date(2026, 4, 1), date(2027, 3, 31))
HALVES = [FY, (date(2026, 4, 1), date(2026, 9, 30)), (date(2026, 10, 1), date(2027, 3, 31))]


def market(seed: int, offers_range=(20, 60), cities_range=(4, 10)
           ) -> tuple[list[ExchangeNode], dict[str, int]]:
    """A seeded market of 20-60 offers among 4-10 cities: dense enough for rings to compete."""
    rng = random.Random(seed)
    cities = [f"C{c}" for c in range(rng.randint(*cities_range))]
    professions = [f"p{k}" for k in range(rng.randint(3, 6))]
    offers = []
    for k in range(rng.randint(*offers_range)):
        gives = {rng.choice(professions)}
        if rng.random() < 0.2:
            gives.add(rng.choice(professions))
        wants = rng.choice([p for p in professions if p not in gives] or professions)
        twice = k > 0 and rng.random() < 0.05  # the same officer offered again
        officer = offers[-1].officer if twice else f"s{k}"
        city = offers[-1].city if twice else rng.choice(cities)
        start, end = rng.choice(HALVES) if rng.random() < 0.4 else FY
        offers.append(ExchangeNode(
            id=f"x{k:03d}", city=city, officer=officer, gives_professions=frozenset(gives),
            gives_licences=frozenset(l for l in ("L1", "L2") if rng.random() < 0.7),
            available_windows=(rng.choice(HALVES),) if rng.random() < 0.15 else (FY,),
            wants_profession=wants if rng.random() > 0.05 else None,
            wants_licences=frozenset(["L1"]) if rng.random() < 0.3 else frozenset(),
            start=start, end=end))
    need_rank = {c: r for r, c in enumerate(rng.sample(cities, len(cities)))}
    return offers, need_rank


def reference(offers: list[ExchangeNode], need_rank: dict[str, int], max_len: int) -> tuple:
    """(officers, need, rings) of the lexicographic optimum, one Boolean per ring."""
    two_way = sorted((o for o in offers if o.wants_profession is not None), key=lambda o: o.id)
    if not two_way:
        return 0, 0, 0
    adj = fit_matrix(two_way)
    rings = short_cycles(adj, [o.city for o in two_way], max_len)
    weight = need_weights({o.city for o in two_way}, need_rank)
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"r{k}") for k in range(len(rings))]
    for i, offer in enumerate(two_way):
        model.add_at_most_one(chosen[k] for k, ring in enumerate(rings) if i in ring)
        for j in range(i + 1, len(two_way)):
            other = two_way[j]
            if offer.officer == other.officer and offer.start <= other.end and other.start <= offer.end:
                model.add_at_most_one(chosen[k] for k, ring in enumerate(rings)
                                      if i in ring or j in ring)
    stages = [[len(r) for r in rings], [sum(weight[two_way[i].city] for i in r) for r in rings],
              [1] * len(rings)]
    values = []
    for coefs in stages:
        goal = cp_model.LinearExpr.weighted_sum(chosen, coefs)
        model.maximize(goal)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 60
        assert solver.solve(model) == cp_model.OPTIMAL
        values.append(round(solver.objective_value))
        model.add(goal == values[-1])
    return tuple(values)


def check_rings(result, offers, max_len):
    """Every chosen ring fits, visits distinct cities; offers and officers used once at a time."""
    by_id = {o.id: o for o in offers}
    used = []
    for cycle in result.cycles:
        ring = [by_id[x] for x in cycle["offers"]]
        assert 2 <= len(ring) <= max_len and len({o.city for o in ring}) == len(ring)
        for a, b in zip(ring, ring[1:] + ring[:1]):
            assert fit_matrix([a, b])[0, 1]
        used += ring
    assert len({o.id for o in used}) == len(used)
    for a in used:
        for b in used:
            if a.id < b.id and a.officer == b.officer:
                assert a.end < b.start or b.end < a.start


@pytest.mark.parametrize("engine", ["cp-sat", "scip"])
@pytest.mark.parametrize("seed", range(40))
def test_matches_the_plain_model(seed, engine):
    offers, need_rank = market(seed)
    max_len = 3 if seed % 5 else 2
    expected = reference(offers, need_rank, max_len)
    result = solve_rings(offers, need_rank, max_cycle_length=max_len, time_limit_s=60,
                         mip_solver=engine)
    assert result.status in ("optimal", "no_offers")
    check_rings(result, offers, max_len)
    objective = result.stats.get("objective", {"officers": 0, "need": 0, "rings": 0})
    assert (objective["officers"], objective["need"], objective["rings"]) == expected
    assert sum(c["length"] for c in result.cycles) == expected[0]
    assert len(result.cycles) == expected[2]


@pytest.mark.parametrize("seed", range(0, 40, 4))
def test_every_stage_in_integers_gives_the_same_values(seed):
    offers, need_rank = market(seed)
    fast = solve_rings(offers, need_rank, time_limit_s=60)
    full = solve_rings(offers, need_rank, time_limit_s=60, mip_every_stage=True)
    assert fast.status == full.status == "optimal"
    assert fast.stats["objective"] == full.stats["objective"]


def test_the_market_exercises_every_path():
    """Across the seeds: fractional LP bounds, integral bounds that cannot be met, repairs."""
    seen = {"fractional": 0, "mips": 0, "repairs": 0, "components>1": 0}
    for seed in range(40):
        offers, need_rank = market(seed)
        stats = solve_rings(offers, need_rank, time_limit_s=60).stats
        for stage in stats.get("stages", []):
            seen["fractional"] += abs(stage["lp_bound"] - round(stage["lp_bound"])) > 1e-6
            seen["mips"] += stage["mips"]
            seen["repairs"] += stage["repairs"]
        seen["components>1"] += stats.get("components", 0) > 1
    assert all(count > 0 for count in seen.values()), seen


def test_vectorised_ring_list_matches_the_search():
    rng = random.Random(3)
    for _ in range(100):
        n = rng.randint(1, 30)
        adj = np.array([[rng.random() < 0.3 and i != j for j in range(n)] for i in range(n)])
        city = [f"C{rng.randrange(max(1, n // 3))}" for _ in range(n)]
        succ = [np.flatnonzero(adj[v]).tolist() for v in range(n)]
        for max_len in (2, 3, 4):
            assert short_cycles(adj, city, max_len) == enumerate_cycles(succ, city, max_len)


@pytest.mark.parametrize("engine", ["cp-sat", "scip"])
def test_a_stage_optimum_below_its_lp_bound_is_held(engine):
    """Ring types A, B, C pairwise in conflict (LP 1.5, optimum 1) and E in conflict with each.

    Reduced costs keep E (d = 0), so only the held optimum keeps stage 2 from trading the
    one officer-stage ring for E, worth 0 there and 10 in stage 2.
    """
    pairs = [(0, 1), (1, 2), (0, 2), (3, 0), (3, 1), (3, 2)]
    rows = [Row(np.array(p), np.ones(2, dtype=np.int64), "le", 1, "offer") for p in pairs]
    objectives = [("officers", np.array([1, 1, 1, 0])), ("need", np.array([1, 1, 1, 10])),
                  ("rings", np.array([1, 1, 1, 1]))]
    answer, stages = solve_component(np.ones(4, dtype=np.int64), rows, objectives,
                                     Clock(time.perf_counter() + 30), False, engine)
    assert sum(answer[:3]) == 1 and answer[3] == 0  # one of A, B, C (a tie), never E
    assert [(s.objective, s.status) for s in stages] == [(1, "optimal"), (1, "optimal"),
                                                          (1, "optimal")]
    assert stages[0].lp_bound == 1.5


@pytest.mark.parametrize("engine", ["cp-sat", "scip"])
@pytest.mark.parametrize("weights", [(1, 1, 1), (2, 2, 2)], ids=["fractional-last", "integral-last"])
def test_integral_bounds_out_of_reach_are_solved_again(engine, weights):
    """Three ring types pairwise in conflict, worth 2 each: the LP bound 3 is integral, the optimum 2.

    Every stage's target is deferred and found out of reach, either by the last stage's
    MIP (its LP bound fractional) or by the final search (all bounds integral); the first
    stage is then solved in integers and the others again.
    """
    rows = [Row(np.array(p), np.ones(2, dtype=np.int64), "le", 1, "offer")
            for p in [(0, 1), (1, 2), (0, 2)]]
    objectives = [("officers", np.array([2, 2, 2])), ("need", np.array([3, 5, 4])),
                  ("rings", np.array(weights))]
    answer, stages = solve_component(np.ones(3, dtype=np.int64), rows, objectives,
                                     Clock(time.perf_counter() + 30), False, engine)
    assert answer.tolist() == [0, 1, 0]
    assert [(s.objective, s.status) for s in stages] == [
        (2, "optimal"), (5, "optimal"), (weights[1], "optimal")]
    assert stages[0].lp_bound == 3.0 and stages[0].mips >= 1


@pytest.mark.parametrize("engine", ["cp-sat", "scip"])
def test_a_neighbourhood_whose_best_is_too_far_is_widened(engine):
    """Seed 84 of 60-150 offers: a stage's first neighbourhood holds answers, but its best one is
    further from the LP bound than the neighbourhood reaches; the next one settles it."""
    offers, need_rank = market(84, offers_range=(60, 150))
    expected = reference(offers, need_rank, 3)
    result = solve_rings(offers, need_rank, time_limit_s=60, mip_solver=engine)
    check_rings(result, offers, 3)
    objective = result.stats["objective"]
    assert result.status == "optimal"
    assert (objective["officers"], objective["need"], objective["rings"]) == expected
