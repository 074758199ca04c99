"""Property tests over seeded random small instances, checked by an independent referee."""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from talentbank.solver import load_problem, solve
from talentbank.solver.dispatch import naive_fill
from talentbank.solver.rules import first_failed_rule, score_parts
from tests.solver.solver_factories import (
    problem,
    random_problem,
    referee_best,
    referee_days_ok,
    referee_eligible,
    referee_priority,
    request,
    specialist,
)

SEEDS = range(0, 3000)


def _quality_of(data):
    p = load_problem(data)
    specs, reqs = p.specialist_by_id, p.request_by_id
    return lambda sid, rid: score_parts(specs[sid], reqs[rid], p)["total"]


def _check_round(data: dict, result: dict) -> None:
    """Every hard rule, the priority-respecting fill, quality and every explanation."""
    specs = {s["id"]: s for s in data["specialists"]}
    reqs = {r["id"]: r for r in data["requests"]}
    order = referee_priority(data)
    position = {rid: i for i, rid in enumerate(order)}

    # hard rules: eligible, a slot per request at most, days per week, slots not exceeded
    held: dict[str, list[dict]] = {}
    filled = {rid: 0 for rid in reqs}
    for a in result["assignments"]:
        s, r = specs[a["specialist"]], reqs[a["request"]]
        assert referee_eligible(data, s, r), a
        assert all(x["id"] != r["id"] for x in held.get(s["id"], [])), "two slots of one request"
        held.setdefault(s["id"], []).append(r)
        filled[r["id"]] += 1
        assert a["priority_position"] == position[r["id"]]
    for sid, rs in held.items():
        assert referee_days_ok(specs[sid], rs), sid
    for rid, n in filled.items():
        assert n <= reqs[rid]["slots"]

    # priority-respecting maximum fill and best quality, against brute force
    best_fill, best_quality = referee_best(data, _quality_of(data))
    fill = tuple(filled[rid] for rid in order)
    assert fill == best_fill
    assert sum(a["score"]["total"] for a in result["assignments"]) == best_quality
    assert [p["request"] for p in result["priority_order"]] == order

    # explanations
    unfilled = {u["request"]: u for u in result["unfilled"]}
    for rid, r in reqs.items():
        missing = r["slots"] - filled[rid]
        if missing == 0:
            assert rid not in unfilled
            continue
        u = unfilled[rid]
        assert u["slots"] == missing
        eligible = [s for s in data["specialists"] if referee_eligible(data, s, r)]
        reason = u["reason"]
        if not eligible:
            assert reason["kind"] == "no_eligible"
            assert reason["total"] == len(specs) == sum(reason["ruled_out"].values())
        else:
            assert reason["kind"] == "outranked"
            assert "idle_specialists" not in reason
            named = {sid for t in reason["taken_by"] for sid in t["specialists"]}
            assert named == {s["id"] for s in eligible}
            for t in reason["taken_by"]:
                if t["request"] == rid:
                    assert t["why"] == "same_request"
                else:
                    assert position[t["request"]] < position[rid]
                    assert t["why"] in ("urgency", "city_need", "carry_over", "earlier_posting", "request_id")
                    assert t["city"] == reqs[t["request"]]["city"]
                for sid in t["specialists"]:
                    assert t["request"] in [x["id"] for x in held[sid]]


@pytest.mark.parametrize("block", range(6))
def test_random_rounds_keep_every_promise(block):
    for seed in SEEDS[block::6]:
        data = random_problem(seed, trainings=True)
        result = solve(load_problem(data)).to_dict()
        assert result["status"] == "optimal"
        _check_round(data, result)


def test_no_eligible_counts_follow_the_first_failed_rule():
    for seed in range(300):
        data = random_problem(seed, max_specs=6, trainings=True)
        p = load_problem(data)
        result = solve(p).to_dict()
        for u in result["unfilled"]:
            if u["reason"]["kind"] != "no_eligible":
                continue
            r = p.request_by_id[u["request"]]
            expected: dict[str, int] = {}
            for s in p.specialists:
                rule = first_failed_rule(s, r, p)
                expected[rule] = expected.get(rule, 0) + 1
            got = {k: v for k, v in u["reason"]["ruled_out"].items() if v}
            assert got == expected


def test_fill_never_below_the_naive_pass():
    for seed in range(400):
        data = random_problem(seed, trainings=True)
        p = load_problem(data)
        assert len(solve(p).assignments) >= naive_fill(p)


def test_fill_beats_the_naive_pass_when_the_best_candidate_is_needed_elsewhere():
    # R0 ranks first and likes S0 best (more experience); R1 can only use S0.
    data = problem(
        [specialist("S0", licences=["A"], experience={"slope": 20}),
         specialist("S1", experience={"slope": 1})],
        [request("R0", fields=["slope"], urgency="disaster"),
         request("R1", licences=["A"], city_code="142042")])
    p = load_problem(data)
    assert naive_fill(p) == 1
    result = solve(p)
    assert len(result.assignments) == 2
    assert {(a.specialist, a.request) for a in result.assignments} == {("S1", "R0"), ("S0", "R1")}


def test_plain_assignment_quality_equals_linear_sum_assignment():
    rng = np.random.default_rng(7)
    for trial in range(40):
        n_req = int(rng.integers(1, 6))
        n_spec = int(rng.integers(n_req, 8))
        specs = [specialist(f"S{i}", experience={"slope": int(rng.integers(0, 30)),
                                                 "sewer": int(rng.integers(0, 30))},
                            licences=[lic for lic in "ABCDEF" if rng.random() < 0.4],
                            home=str(rng.choice(["142085", "142042", "141003"])),
                            preferred=[c for c in ["142085", "142042"] if rng.random() < 0.3])
                 for i in range(n_spec)]
        reqs = [request(f"R{j}", fields=[f for f in ("slope", "sewer") if rng.random() < 0.6],
                        city_code=str(rng.choice(["142085", "142042", "141003"])))
                for j in range(n_req)]
        data = problem(specs, reqs)
        p = load_problem(data)
        quality = np.array([[score_parts(s, r, p)["total"] for r in p.requests] for s in p.specialists])
        rows, cols = linear_sum_assignment(quality, maximize=True)
        result = solve(p)
        assert len(result.assignments) == n_req
        assert sum(a.score["total"] for a in result.assignments) == quality[rows, cols].sum()


def test_part_time_packing_is_exact_on_tiny_instances():
    checked = 0
    for seed in range(2000, 3000):
        data = random_problem(seed, max_specs=3, max_reqs=4)
        for s in data["specialists"]:
            s["days_per_week"] = 5
            s["availability"] = [{"start": "2024-04-01", "end": "2025-03-31"}]
        for r in data["requests"]:
            r["days_per_week"] = int(r["days_per_week"]) if r["days_per_week"] < 5 else 2
        result = solve(load_problem(data)).to_dict()
        if result["stats"]["cpsat_components"]:
            checked += 1
        _check_round(data, result)
    assert checked > 200


def test_pinned_pairs_stay_and_forbidden_pairs_never_return():
    for seed in range(150):
        data = random_problem(seed, forbid=False, trainings=True)
        first = solve(load_problem(data)).to_dict()
        if not first["assignments"]:
            continue
        keep = first["assignments"][0]
        reject = first["assignments"][-1]
        data["pinned"] = [{"specialist": keep["specialist"], "request": keep["request"]}]
        if reject != keep:
            data["forbidden"] = [{"specialist": reject["specialist"], "request": reject["request"]}]
        again = solve(load_problem(data)).to_dict()
        pairs = {(a["specialist"], a["request"]) for a in again["assignments"]}
        assert (keep["specialist"], keep["request"]) in pairs
        assert [a["pinned"] for a in again["assignments"]].count(True) == 1
        if reject != keep:
            assert (reject["specialist"], reject["request"]) not in pairs


def test_pinned_pair_that_now_breaks_a_rule_is_kept_with_a_warning():
    data = problem([specialist("S0", max_travel=10, home="141003")], [request("R0")],
                   pinned=[{"specialist": "S0", "request": "R0"}])
    result = solve(load_problem(data)).to_dict()
    assert [(a["specialist"], a["request"], a["pinned"]) for a in result["assignments"]] == [("S0", "R0", True)]
    assert any("travel" in w for w in result["warnings"])


def test_same_input_gives_the_same_result():
    for seed in range(0, 400, 7):
        data = random_problem(seed, trainings=True)
        a = solve(load_problem(data)).to_dict()
        b = solve(load_problem(json.loads(json.dumps(data)))).to_dict()
        a.pop("stats"), b.pop("stats")
        assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_a_round_stopped_by_its_time_limit_is_feasible_keeps_the_rules_and_reports_a_gap():
    stopped = 0
    for seed in range(2000, 2200):
        data = random_problem(seed, max_specs=4, max_reqs=4)
        for s in data["specialists"]:
            s["days_per_week"] = 5
            s["availability"] = [{"start": "2024-04-01", "end": "2025-03-31"}]
        for r in data["requests"]:
            r["days_per_week"] = 2
        data["time_limit_s"] = 1e-9
        result = solve(load_problem(data)).to_dict()
        if not result["stats"]["cpsat_components"]:
            continue
        stopped += 1
        assert result["status"] == "feasible"
        assert 0.0 <= result["stats"]["gap"] <= 1.0
        specs = {s["id"]: s for s in data["specialists"]}
        reqs = {r["id"]: r for r in data["requests"]}
        held: dict[str, list[dict]] = {}
        for a in result["assignments"]:
            assert referee_eligible(data, specs[a["specialist"]], reqs[a["request"]])
            held.setdefault(a["specialist"], []).append(reqs[a["request"]])
        for sid, rs in held.items():
            assert referee_days_ok(specs[sid], rs)
    assert stopped > 20
