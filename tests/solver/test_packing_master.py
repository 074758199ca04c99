"""The quality step of part-time packing (docs/part-time-packing.md) on instances too large
for the brute-force referee: the Dantzig-Wolfe master, the day-profile flow and the reduced
HiGHS MIP must give the same fill per request and the same total score as the exact
lexicographic CP-SAT of ``dispatch._solve_component`` (the direct path, exact at this size).
"""
from __future__ import annotations

import collections
import time

import numpy as np
import pytest

from talentbank.solver import dispatch, load_problem, packing, solve
from talentbank.solver.eligibility import EligibilityIndex
from talentbank.solver.rules import rank_cities_by_need
from tests.solver.solver_factories import random_problem, referee_days_ok, referee_eligible


def _part_time(seed: int) -> dict:
    """Up to 30 people offering 2, 3 or 5 days all year, up to 20 requests of 1-5 days."""
    data = random_problem(seed, max_specs=30, max_reqs=20)
    rng = np.random.default_rng(seed)
    for s in data["specialists"]:
        s["days_per_week"] = int(rng.choice([2, 3, 5]))
        s["availability"] = [{"start": "2024-04-01", "end": "2025-03-31"}]
    for r in data["requests"]:
        r["days_per_week"] = int(rng.choice([1, 2, 3, 5]))
    return data


def _check_hard_rules(data: dict, result: dict) -> None:
    """Eligible pairs, one slot of a request per person, days per week, slots not exceeded."""
    specs = {s["id"]: s for s in data["specialists"]}
    reqs = {r["id"]: r for r in data["requests"]}
    held: dict[str, list[dict]] = {}
    for a in result["assignments"]:
        s, r = specs[a["specialist"]], reqs[a["request"]]
        assert referee_eligible(data, s, r), a
        assert all(x["id"] != r["id"] for x in held.get(s["id"], [])), "two slots of one request"
        held.setdefault(s["id"], []).append(r)
    for sid, rs in held.items():
        assert referee_days_ok(specs[sid], rs), sid
    filled = collections.Counter(a["request"] for a in result["assignments"])
    assert all(filled[rid] <= r["slots"] for rid, r in reqs.items())


def _summary(result: dict) -> tuple[collections.Counter, int]:
    fill = collections.Counter(a["request"] for a in result["assignments"])
    return fill, sum(a["score"]["total"] for a in result["assignments"])


@pytest.mark.parametrize("block", range(2))
def test_packing_quality_matches_exact_cpsat(monkeypatch, block):
    paths = collections.Counter()
    for seed in range(block, 160, 2):
        data = _part_time(seed)
        monkeypatch.setattr(dispatch, "DIRECT_CPSAT_MAX_PAIRS", 5000)
        exact = solve(load_problem(data)).to_dict()
        monkeypatch.setattr(dispatch, "DIRECT_CPSAT_MAX_PAIRS", 0)
        packed = solve(load_problem(data)).to_dict()
        assert exact["status"] == "optimal"
        assert packed["status"] == "optimal", (seed, packed["stats"])
        assert _summary(packed) == _summary(exact), seed
        _check_hard_rules(data, packed)
        stats = packed["stats"]
        paths[stats.get("quality_proven_by")] += 1
        paths["profile"] += "packing_profile_seconds" in stats
        paths["mip"] += "packing_mip_solves" in stats
    # both proofs and the profile flow are exercised
    assert paths["lp_bound"] > 5 and paths["reduced_mip"] > 5 and paths["profile"] > 10, paths


def test_profile_flow_keeps_rows_and_fill():
    """The profile flow's answer keeps every busiest-day row and gives each request its fill;
    anchored on the flows' answer it always finds one, at least as good."""
    checked = 0
    for seed in range(60):
        started = _setup(seed)
        if started is None:
            continue
        pairs, x, rows, fill, value = started
        n_req = fill.shape[0]
        master = packing.pattern_lp(pairs.req, value.astype(np.float64), fill, rows, x,
                                    1e18, {})
        assert master is not None
        # the bound is above the flow's answer (a feasible one)
        assert master["bound"] >= value[x].sum() - 1e-6
        everything = np.ones(pairs.req.shape[0], dtype=bool)
        # anchored on a feasible answer the flow can always route it again: never None
        anchored = packing.profile_flow(pairs.req, value, fill, rows, master, everything,
                                        held=x, anchor=x)
        assert anchored is not None
        assert np.array_equal(np.bincount(pairs.req[anchored], minlength=n_req), fill)
        assert np.all(rows.loads(anchored.astype(np.float64)) <= rows.cap + 1e-9)
        assert value[anchored].sum() >= value[x].sum()
        answer = packing.profile_flow(pairs.req, value, fill, rows, master, everything)
        if answer is None:
            continue
        checked += 1
        assert np.array_equal(np.bincount(pairs.req[answer], minlength=n_req), fill)
        assert np.all(rows.loads(answer.astype(np.float64)) <= rows.cap + 1e-9)
        assert value[answer].sum() <= np.floor(master["bound"] + 1e-6)
    assert checked > 15


def test_subgradient_bound_and_losses_stay_valid(monkeypatch):
    """With one master LP and the rest of the time in subgradient steps, the bound kept is
    still above the optimum, and so is ``bound - loss`` for every pair of an optimal answer
    (the reduced-cost fixing relies on it)."""
    monkeypatch.setattr(packing, "_LP_MAX_ROUNDS", 1)
    stepped = 0
    for seed in range(100):
        started = _setup(seed)
        if started is None:
            continue
        pairs, x, rows, fill, value = started
        n_req = fill.shape[0]
        everything = np.ones(pairs.req.shape[0], dtype=bool)
        optimum, proven, _ = packing._highs_mip(pairs.req, value, fill, rows, everything,
                                                np.zeros_like(everything), time.perf_counter() + 60, {})
        assert proven and optimum is not None
        best = int(value[optimum].sum())
        stats: dict = {}
        master = packing.pattern_lp(pairs.req, value.astype(np.float64), fill, rows, x,
                                    time.perf_counter() + 0.3, stats)
        assert master is not None
        stepped += stats["packing_lagrange_steps"] > 0
        assert master["bound"] >= best - 1e-6, seed
        assert np.all(master["bound"] - master["loss"][optimum] >= best - 1e-6), seed
    assert stepped >= 5, stepped


def _setup(seed: int):
    """The flows' answer and the packing rows of one part-time instance (or None)."""
    data = _part_time(seed)
    problem = load_problem(data)
    index = EligibilityIndex(problem)
    pairs = index.all_pairs()
    if len(pairs) == 0:
        return None
    n_req = len(problem.requests)
    positions = dispatch.priority_positions(problem, rank_cities_by_need(problem.cities,
                                                                           problem.rule_set))
    slots = np.array([r.slots for r in problem.requests], dtype=np.int64)
    x, _ = dispatch._flow_assign(index.n_specialists, pairs.spec, pairs.req,
                                 [pairs.quality, pairs.tie], slots, n_req - positions)
    start = np.array([r.start.toordinal() for r in problem.requests], dtype=np.int64)
    end = np.array([r.end.toordinal() for r in problem.requests], dtype=np.int64)
    days = np.array([r.days_per_week for r in problem.requests], dtype=np.int64)
    rows = packing.person_rows(pairs.spec, pairs.req, index.days, start, end, days, {})
    fill = np.bincount(pairs.req[x], minlength=n_req)
    return pairs, x, rows, fill, pairs.quality.astype(np.int64)


def _start(seed: int):
    """``_setup`` and the master at no time limit (or None)."""
    started = _setup(seed)
    if started is None:
        return None
    pairs, x, rows, fill, value = started
    master = packing.pattern_lp(pairs.req, value.astype(np.float64), fill, rows, x, 1e18, {})
    return pairs, x, rows, fill, value, master


def _instances(count: int):
    """(seed, ``_start``) of the first ``count`` seeds that have eligible pairs."""
    for seed in range(count):
        started = _start(seed)
        if started is not None:
            yield seed, started


def _keeps_rows_and_fill(req, answer, fill, rows) -> bool:
    return (np.array_equal(np.bincount(req[answer], minlength=fill.shape[0]), fill)
            and bool(np.all(rows.loads(answer.astype(np.float64)) <= rows.cap + 1e-9)))


def test_neighbourhood_of_the_lp_point_finds_better_answers():
    """RINS after the profile flow: pairs the answer and the LP point both take stay, pairs
    neither uses stay out, and an answer it returns keeps every row and fill and is better."""
    improved = 0
    for seed, (pairs, x, rows, fill, value, master) in _instances(80):
        point, best = master["point"], int(value[x].sum())
        stats: dict = {}
        answer = packing._neighbourhood(pairs.req, value, fill, rows, x, point, best,
                                        time.perf_counter() + 30, stats)
        assert stats["packing_rins_free"] == int(((x | (point > 1e-6)) & ~(x & (point > 1 - 1e-6))).sum())
        if answer is None:
            continue
        improved += 1
        assert _keeps_rows_and_fill(pairs.req, answer, fill, rows), seed
        assert int(value[answer].sum()) > best, seed
        assert np.all(answer[x & (point > 1 - 1e-6)]), seed
        assert not np.any(answer & ~x & (point <= 1e-6)), seed
    assert improved >= 10, improved


def test_tie_level_flow_keeps_quality_and_improves_ties(monkeypatch):
    """The tie level's profile flow (CP-SAT left out here) never lowers quality and raises
    the tie values of optimal answers (started from the optimum with the worst ties); the
    CP-SAT after it gets a quarter of the time left."""
    deadlines = []
    cpsat = packing._cpsat

    def no_cpsat(req, value, fill, rows, x, keep, fixed, deadline, stats, **kw):
        deadlines.append(deadline - time.perf_counter())
        return x, "feasible", 0, None

    monkeypatch.setattr(packing, "_cpsat", no_cpsat)
    raised = 0
    for seed, (pairs, x, rows, fill, value, master) in _instances(80):
        everything = np.ones(pairs.req.shape[0], dtype=bool)
        optimum, proven, _ = packing._highs_mip(pairs.req, value, fill, rows, everything,
                                                np.zeros_like(everything), time.perf_counter() + 60, {})
        assert proven and optimum is not None
        best = int(value[optimum].sum())
        tie = pairs.tie.astype(np.int64)
        optimum, _, _, _ = cpsat(pairs.req, value, fill, rows, optimum, everything,
                                 np.zeros_like(everything), time.perf_counter() + 10, {},
                                 objective=-tie, hold=(value, best))
        answer, status, _ = packing._tie_break(pairs.req, tie, value, best, fill, rows, optimum,
                                               master["loss"], master["w"], master["bound"],
                                               time.perf_counter() + 8.0, {}, master)
        assert status == "optimal"
        assert _keeps_rows_and_fill(pairs.req, answer, fill, rows), seed
        assert int(value[answer].sum()) == best, seed
        assert int(tie[answer].sum()) >= int(tie[optimum].sum()), seed
        raised += int(tie[answer].sum()) > int(tie[optimum].sum())
    assert raised >= 3, raised
    assert deadlines and max(deadlines) <= 0.25 * 8.0 + 1e-3, max(deadlines)


def test_master_solves_get_the_time_to_the_deadline(monkeypatch):
    """HiGHS's time limit counts the model's run time over all its solves: each master solve
    must be given its earlier solves' time plus the time left (else a later round stops at
    once, measured: the third national round cut after 0.08 s with 2.9 s left)."""
    seen = []
    real = packing._highs

    class Recording:
        def __init__(self):
            self.h, self.limit = real(), None

        def setOptionValue(self, name, value):
            if name == "time_limit":
                self.limit = value
            return self.h.setOptionValue(name, value)

        def run(self):
            seen.append((self.limit - self.h.getRunTime(), deadline - time.perf_counter()))
            return self.h.run()

        def __getattr__(self, name):
            return getattr(self.h, name)

    monkeypatch.setattr(packing, "_highs", Recording)
    rounds = 0
    deadline = time.perf_counter() + 1e6
    for seed, (pairs, x, rows, fill, value, _) in _instances(40):
        seen.clear()
        deadline = time.perf_counter() + 30
        packing.pattern_lp(pairs.req, value.astype(np.float64), fill, rows, x, deadline, {})
        for given, left in seen[1:]:
            rounds += 1
            assert given >= left, (seed, given, left)
    assert rounds >= 3, rounds


def test_every_packing_component_gets_a_second_or_an_equal_part():
    """The time left is shared in proportion to the pairs, but a small component gets at least
    a second (or an equal part of the time left when that is less)."""
    assert dispatch.packing_seconds(25.0, 6_652, 788_270, 8) == 1.0
    assert dispatch.packing_seconds(2.0, 6_652, 788_270, 8) == 0.25
    assert dispatch.packing_seconds(20.0, 415_574, 415_574, 1) == 20.0
    assert abs(dispatch.packing_seconds(25.0, 415_574, 788_270, 8) - 25.0 * 415_574 / 788_270) < 1e-9
