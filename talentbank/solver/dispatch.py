"""Dispatch: specialists to request slots, priority-respecting, maximum fill, best quality.

Method (the rules are docs/matching-rules.md):
- specialists who can hold one slot at a time form a transversal matroid with the
  slots; two min-cost flows solve them exactly: the first, with small weights that
  strictly decrease with priority, fixes how many slots of each request are filled
  (the greedy basis in priority order); the second, with those counts held,
  maximises quality;
- specialists who could hold several requests at once (part-time days, or
  requests that do not overlap) break the matroid: their connected components are
  solved with CP-SAT, lexicographically over priority positions, then for quality.
"""
from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from talentbank.solver import explain, packing, rules
from talentbank.solver.eligibility import EligibilityIndex, EligiblePairs
from talentbank.solver.problem import Assignment, Problem, SolveResult, input_fingerprint


@dataclass
class DispatchPlan:
    """What the dispatch part decided, as request/specialist indices."""

    chosen: list[tuple[int, int]]  # (specialist index, request index), pinned excluded
    pinned: list[tuple[int, int]]
    status: str = "optimal"
    gap: float = 0.0
    stats: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- pinned pairs


def _apply_pinned(problem: Problem, index: EligibilityIndex, pairs: EligiblePairs,
                  positions: np.ndarray, frozen: Sequence[tuple[int, int]] = ()
                  ) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray, list[str]]:
    """Keep pinned pairs first; return them, the slots left per request, and the usable pairs.

    ``frozen`` pairs (specialist, request indices) are held like pinned ones (they use up
    slots and days) but are not reported as pinned: the round holds them itself.
    """
    req_index = {r.id: j for j, r in enumerate(problem.requests)}
    slots_left = np.array([r.slots for r in problem.requests], dtype=np.int64)
    pinned: list[tuple[int, int]] = []
    warnings: list[str] = []
    pinned_reqs: dict[int, list[int]] = {}
    for i, j in frozen:
        slots_left[j] = max(0, slots_left[j] - 1)
        pinned_reqs.setdefault(i, []).append(j)
    for pair in problem.pinned:
        i, j = index.spec_index[pair.specialist], req_index[pair.request]
        s, r = problem.specialists[i], problem.requests[j]
        failed = rules.first_failed_rule(s, r, problem)
        if failed is not None and failed != "forbidden":
            warnings.append(f'pinned pair ("{s.id}", "{r.id}") kept although it now fails rule "{failed}"')
        if slots_left[j] == 0:
            warnings.append(f'pinned pair ("{s.id}", "{r.id}") kept beyond the request\'s {r.slots} slots')
        slots_left[j] = max(0, slots_left[j] - 1)
        pinned.append((i, j))
        pinned_reqs.setdefault(i, []).append(j)
    for i, js in sorted(pinned_reqs.items()):
        s = problem.specialists[i]
        if not rules.fits_days_per_week(s, [problem.requests[j] for j in js]):
            warnings.append(f'pinned pairs of "{s.id}" together exceed their {s.days_per_week} days per week')

    usable = np.ones(len(pairs), dtype=bool)
    if pinned_reqs:
        # a pinned specialist keeps only requests that still fit beside the pinned ones
        for k in np.flatnonzero(np.isin(pairs.spec, np.array(sorted(pinned_reqs)))):
            i, j = int(pairs.spec[k]), int(pairs.req[k])
            held = pinned_reqs[i]
            if j in held:
                usable[k] = False  # never two slots of one request
                continue
            reqs = [problem.requests[h] for h in held] + [problem.requests[j]]
            usable[k] = rules.fits_days_per_week(problem.specialists[i], reqs)
    usable &= slots_left[pairs.req] > 0
    return pinned, slots_left, usable, warnings


# ----------------------------------------------------------------------------- capacity


def _multi_capacity_specialists(problem: Problem, index: EligibilityIndex, spec: np.ndarray,
                                req: np.ndarray, pinned_specs: set[int]) -> np.ndarray:
    """Specialists who could hold two of their eligible requests at once (or are pinned)."""
    n = index.n_specialists
    multi = np.zeros(n, dtype=bool)
    if spec.shape[0] == 0:
        return multi
    starts = np.array([r.start.toordinal() for r in problem.requests], dtype=np.int64)[req]
    ends = np.array([r.end.toordinal() for r in problem.requests], dtype=np.int64)[req]
    days = np.array([r.days_per_week for r in problem.requests], dtype=np.int64)[req]
    max_start = np.full(n, -(1 << 40), dtype=np.int64)
    min_end = np.full(n, 1 << 40, dtype=np.int64)
    np.maximum.at(max_start, spec, starts)
    np.minimum.at(min_end, spec, ends)
    multi |= min_end < max_start  # two requests that do not overlap in time
    # all overlap: two fit together when the two smallest days per week fit
    order = np.lexsort((days, spec))
    s_sorted, d_sorted = spec[order], days[order]
    same = s_sorted[1:] == s_sorted[:-1]
    first_of_spec = np.ones(s_sorted.shape[0], dtype=bool)
    first_of_spec[1:] = ~same
    second = np.flatnonzero(~first_of_spec)
    second = second[first_of_spec[second - 1]]  # the second entry of each specialist
    fits_two = d_sorted[second] + d_sorted[second - 1] <= index.days[s_sorted[second]]
    multi[s_sorted[second[fits_two]]] = True
    if pinned_specs:
        present = np.zeros(n, dtype=bool)
        present[spec] = True
        for i in pinned_specs:
            multi[i] |= present[i]
    return multi


def _components(n_spec: int, n_req: int, spec: np.ndarray, req: np.ndarray,
                seeds: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Connected components (pair indices, request indices) of the graph reached from seeds."""
    by_spec = np.argsort(spec, kind="stable")
    spec_starts = np.searchsorted(spec[by_spec], np.arange(n_spec + 1))
    by_req = np.argsort(req, kind="stable")
    req_starts = np.searchsorted(req[by_req], np.arange(n_req + 1))
    seen_spec = np.zeros(n_spec, dtype=bool)
    seen_req = np.zeros(n_req, dtype=bool)

    def gather(starts: np.ndarray, order: np.ndarray, nodes: np.ndarray) -> np.ndarray:
        lo, hi = starts[nodes], starts[nodes + 1]
        lengths = hi - lo
        total = int(lengths.sum())
        if total == 0:
            return np.empty(0, np.int64)
        offsets = np.cumsum(lengths) - lengths
        return order[np.repeat(lo - offsets, lengths) + np.arange(total)]

    components = []
    for seed in seeds.tolist():
        if seen_spec[seed]:
            continue
        seen_spec[seed] = True
        frontier = np.array([seed], dtype=np.int64)
        pair_parts = []
        while frontier.shape[0]:
            arcs = gather(spec_starts, by_spec, frontier)
            pair_parts.append(arcs)
            new_reqs = np.unique(req[arcs])
            new_reqs = new_reqs[~seen_req[new_reqs]]
            seen_req[new_reqs] = True
            back = gather(req_starts, by_req, new_reqs)
            new_specs = np.unique(spec[back])
            new_specs = new_specs[~seen_spec[new_specs]]
            seen_spec[new_specs] = True
            frontier = new_specs
        comp_pairs = np.unique(np.concatenate(pair_parts))
        components.append((comp_pairs, np.unique(req[comp_pairs])))
    return components


# ----------------------------------------------------------------------------- flows


def _csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Order and start offsets grouping entries by key 0..n-1."""
    order = np.argsort(keys, kind="stable")
    return order, np.searchsorted(keys[order], np.arange(n + 1))


def _gather(order: np.ndarray, starts: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Entries (indices into the grouped array) of all the given keys."""
    lo, hi = starts[nodes], starts[nodes + 1]
    lengths = hi - lo
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offsets = np.cumsum(lengths) - lengths
    return order[np.repeat(lo - offsets, lengths) + np.arange(total)]


def _contested_requests(spec_node: np.ndarray, req_node: np.ndarray, pair_flow: np.ndarray,
                        unsaturated: np.ndarray, n_s: int, n_r: int) -> np.ndarray:
    """Requests whose fill priority can change: they reach an unsaturated request in the residual graph.

    Every other request is full in every maximum flow, so only these need the priority flow.
    """
    assigned_to = np.full(n_s, -1, dtype=np.int64)
    assigned_to[spec_node[pair_flow > 0]] = req_node[pair_flow > 0]
    order, starts = _csr(req_node, n_r)
    contested = np.zeros(n_r, dtype=bool)
    contested[unsaturated] = True
    frontier = unsaturated
    while frontier.shape[0]:
        arcs = _gather(order, starts, frontier)
        arcs = arcs[pair_flow[arcs] == 0]  # residual arc specialist -> request
        holders = assigned_to[spec_node[arcs]]  # the request that could give that specialist up
        holders = np.unique(holders[holders >= 0])
        frontier = holders[~contested[holders]]
        contested[frontier] = True
    return contested


_COST_LIMIT = 1 << 62  # OR-Tools' min-cost flow needs every |cost| x (nodes + 1) within int64


def _quality_flows(arrays, n_s: int, n_r: int, n_pairs: int, fill: np.ndarray,
                   levels: Sequence[np.ndarray], stats: dict) -> np.ndarray:
    """With each request's fill held, maximise the levels lexicographically; the chosen pair mask.

    Level k's cost is the previous cost x K + level k (shifted to start at 0). With
    K = (filled slots + 1) x (level k's range) no change on level k can outweigh one unit
    before it, so one min-cost flow solves the folded levels exactly; levels are folded so
    as long as the cost stays within OR-Tools' limit (|cost| x (nodes + 1) within int64).
    Beyond it, the levels so far are solved, and the next one is tried with K = its range
    alone, accepted only when the earlier levels keep their optimum (checked in integers);
    otherwise the answer so far stands (``stats["quality_levels_skipped"]``).
    """
    first_pair, first_sink = n_s, n_s + n_pairs
    tails, heads, caps = arrays(np.arange(n_pairs), np.arange(n_s), np.arange(n_r), fill)
    limit = _COST_LIMIT // (2 + n_s + n_r + 1)
    filled = int(fill.sum())

    def fits(cost: np.ndarray) -> bool:
        return not n_pairs or int(np.abs(cost).max()) < limit

    def solve(cost: np.ndarray) -> np.ndarray:
        flow = min_cost_flow.SimpleMinCostFlow()
        arcs = flow.add_arcs_with_capacity_and_unit_cost(
            tails, heads, caps,
            np.concatenate([np.zeros(n_s, np.int64), -cost, np.zeros(n_r, np.int64)]))
        flow.set_node_supply(0, int(n_s))
        flow.set_node_supply(1, -int(n_s))
        if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
            raise RuntimeError("min-cost flow (quality) failed")
        flows = flow.flows(arcs)
        if not np.array_equal(flows[first_sink:], fill):
            raise RuntimeError("quality flow changed the fill per request")
        stats["quality_flows"] = stats.get("quality_flows", 0) + 1
        return flows[first_pair:first_sink] > 0

    def shifted(level: np.ndarray) -> tuple[np.ndarray, int]:
        values = level.astype(np.int64) - (int(level.min()) if n_pairs else 0)
        return values, (int(values.max()) + 1 if n_pairs else 1)

    cost, _ = shifted(levels[0])
    chosen: np.ndarray | None = None  # the answer for `cost`, once solved
    for level in levels[1:]:
        values, span = shifted(level)
        if span == 1:
            continue  # nothing to break on this level
        folded = cost * (span * (filled + 1)) + values
        if fits(folded):
            cost, chosen = folded, None  # exact by construction
            continue
        if chosen is None:
            chosen = solve(cost)
        best = int(cost[chosen].sum())
        trial = cost * span + values
        if fits(trial):
            mask = solve(trial)
            if int(cost[mask].sum()) == best:  # the earlier levels kept their optimum
                cost, chosen = trial, mask
                continue
        stats["quality_levels_skipped"] = stats.get("quality_levels_skipped", 0) + 1
        return chosen
    return chosen if chosen is not None else solve(cost)


def _flow_assign(n_spec: int, spec: np.ndarray, req: np.ndarray, levels: Sequence[np.ndarray],
                 slots_left: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, dict]:
    """Priority fill, then the quality levels, on unit-capacity specialists; the chosen pair mask."""
    stats = {"flow_pairs": int(spec.shape[0])}
    chosen = np.zeros(spec.shape[0], dtype=bool)
    if spec.shape[0] == 0:
        return chosen, stats
    # data: compact node numbering: source, sink, used specialists, used requests
    used_specs, spec_node = np.unique(spec, return_inverse=True)
    used_reqs, req_node = np.unique(req, return_inverse=True)
    source, sink = 0, 1
    spec_base = 2
    n_s, n_r = used_specs.shape[0], used_reqs.shape[0]
    req_base = spec_base + n_s
    slots = slots_left[used_reqs].astype(np.int64)
    started = time.perf_counter()

    def arrays(pairs: np.ndarray, specs: np.ndarray, reqs: np.ndarray, sink_caps: np.ndarray):
        # variables: one arc per eligible pair (capacity 1: never two slots of one request)
        tails = np.concatenate([np.full(specs.shape[0], source), spec_base + spec_node[pairs],
                                req_base + reqs])
        heads = np.concatenate([spec_base + specs, req_base + req_node[pairs],
                                np.full(reqs.shape[0], sink)])
        # constraints: a unit-capacity specialist fills one slot; a request at most its open slots
        caps = np.concatenate([np.ones(specs.shape[0] + pairs.shape[0], np.int64), sink_caps])
        return tails.astype(np.int32), heads.astype(np.int32), caps

    all_pairs = np.arange(spec.shape[0])
    all_specs, all_reqs = np.arange(n_s), np.arange(n_r)
    first_pair, first_sink = n_s, n_s + spec.shape[0]

    # step 1: a plain maximum flow; requests it cannot fill bound the contest for priority
    tails, heads, caps = arrays(all_pairs, all_specs, all_reqs, slots)
    plain = max_flow.SimpleMaxFlow()
    arcs = plain.add_arcs_with_capacity(tails, heads, caps)
    if plain.solve(source, sink) != plain.OPTIMAL:
        raise RuntimeError("maximum flow failed")
    flows = plain.flows(arcs)
    pair_flow, fill = flows[first_pair:first_sink], flows[first_sink:].astype(np.int64)
    unsaturated = np.flatnonzero(fill < slots)
    stats["flow_max_seconds"] = time.perf_counter() - started

    # step 2: objective: weights strictly decreasing with priority pick the greedy basis,
    # solved only where fills can trade (contested requests and the specialists they hold)
    started2 = time.perf_counter()
    stats["contested_requests"] = 0
    if unsaturated.shape[0]:
        contested = _contested_requests(spec_node, req_node, pair_flow, unsaturated, n_s, n_r)
        holders = np.unique(spec_node[(pair_flow > 0) & contested[req_node]])
        held = np.zeros(n_s, dtype=bool)
        held[holders] = True
        sub = np.flatnonzero(contested[req_node] & held[spec_node])
        sub_reqs = np.flatnonzero(contested)
        stats["contested_requests"] = int(sub_reqs.shape[0])
        tails, heads, caps = arrays(sub, holders, sub_reqs, slots[sub_reqs])
        costs = np.concatenate([np.zeros(holders.shape[0] + sub.shape[0], np.int64),
                                -weight[used_reqs[sub_reqs]].astype(np.int64)])
        flow = min_cost_flow.SimpleMinCostFlow()
        arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        flow.set_node_supply(source, int(holders.shape[0]))
        flow.set_node_supply(sink, -int(holders.shape[0]))
        if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
            raise RuntimeError("min-cost flow (priority) failed")
        fill[sub_reqs] = flow.flows(arcs[holders.shape[0] + sub.shape[0]:])
    stats["flow_priority_seconds"] = time.perf_counter() - started2

    # step 3: objective: with each request's fill held, the quality levels lexicographically
    # (quality, then the tie value that breaks equal scores by the raw facts)
    started3 = time.perf_counter()
    chosen = _quality_flows(arrays, n_s, n_r, spec.shape[0], fill, levels, stats)
    stats["flow_quality_seconds"] = time.perf_counter() - started3
    return chosen, stats


# ----------------------------------------------------------------------------- CP-SAT components


_PACKING_MIN_SECONDS = 1.0  # a packing component's time, at least (or an equal part of what is left)
# components up to this many pairs go to one exact CP-SAT model (fast when small); larger
# ones to the bound-proven path of packing.py (docs/part-time-packing.md)
DIRECT_CPSAT_MAX_PAIRS = 5000


def _solve_component_packing(problem: Problem, index: EligibilityIndex, spec: np.ndarray,
                             req: np.ndarray, quality: np.ndarray, slots_left: np.ndarray,
                             positions: np.ndarray, pinned_by_spec: dict[int, list[int]],
                             deadline: float, stats: dict, levels: Sequence[np.ndarray],
                             tie_level: bool = True) -> tuple[np.ndarray, str, float]:
    """Fill proven by per-request bounds, quality by LP bound and reduced CP-SAT (packing.py).

    Falls back to the exact lexicographic CP-SAT of ``_solve_component`` when a request stays
    below its bound after the one-slot-per-person flow and the packing augmentation.
    """
    requests = problem.requests
    n_req = len(requests)
    weight = n_req - positions
    # step 1: one slot per person (the matroid's greedy basis, best quality among such answers)
    # the start needs the first level only: quality is solved again below and the last level
    # (ties) by its own tie-break; folding the tie level into the flow's costs multiplies
    # them by ~10^6, and the cost-scaling flow's time grows with the largest cost
    start_levels = list(levels[:1]) if tie_level and len(levels) > 1 else list(levels)
    x, flow_stats = _flow_assign(index.n_specialists, spec, req, start_levels, slots_left, weight)
    stats["packing_flow_seconds"] = round(stats.get("packing_flow_seconds", 0.0)
                                          + flow_stats.get("flow_max_seconds", 0.0)
                                          + flow_stats.get("flow_priority_seconds", 0.0)
                                          + flow_stats.get("flow_quality_seconds", 0.0), 4)
    unit_fill = np.bincount(req[x], minlength=n_req)
    eligible = np.bincount(req, minlength=n_req)
    bound = np.minimum(slots_left, eligible)
    stats["unit_flow_fill"] = stats.get("unit_flow_fill", 0) + int(unit_fill.sum())
    # step 2: requests below their bound take people who still have room
    req_start = np.array([r.start.toordinal() for r in requests], dtype=np.int64)
    req_end = np.array([r.end.toordinal() for r in requests], dtype=np.int64)
    req_days = np.array([r.days_per_week for r in requests], dtype=np.int64)
    t0 = time.perf_counter()
    rows = packing.person_rows(spec, req, index.days, req_start, req_end, req_days, pinned_by_spec)
    stats["packing_rows"] = stats.get("packing_rows", 0) + int(rows.cap.shape[0])
    stats["packing_rows_seconds"] = round(time.perf_counter() - t0, 4)
    rank = levels[0].astype(np.int64) if levels else quality
    stats["fill_bound"] = stats.get("fill_bound", 0) + int(bound.sum())
    t0 = time.perf_counter()
    x, fill, proven = packing.lexicographic_fill(req, positions, bound, rows, x, rank, deadline,
                                                 stats)
    stats["fill_seconds"] = round(stats.get("fill_seconds", 0.0) + time.perf_counter() - t0, 4)
    if not proven:
        stats["fill_unproven_components"] = stats.get("fill_unproven_components", 0) + 1
    # step 3: quality with each request's fill held
    answer, status, gap = packing.solve_quality(req, list(levels), fill, rows, x, deadline, stats,
                                                tie_level and len(levels) > 1)
    return answer, status, gap


def _solve_component(problem: Problem, index: EligibilityIndex, spec: np.ndarray, req: np.ndarray,
                     quality: np.ndarray, slots_left: np.ndarray, positions: np.ndarray,
                     pinned_by_spec: dict[int, list[int]], deadline: float,
                     stats: dict, levels: Sequence[np.ndarray] | None = None,
                     tie_level: bool = True) -> tuple[np.ndarray, str, float]:
    """Exact lexicographic fill, then quality, for one component with part-time packing."""
    from ortools.sat.python import cp_model  # imported only when packing occurs: it is slow to load

    requests = problem.requests
    levels = list(levels) if levels is not None else [quality]
    # data
    pair_ids = list(range(spec.shape[0]))
    reqs_in = sorted(set(req.tolist()), key=lambda j: positions[j])
    pairs_of_req: dict[int, list[int]] = {}
    pairs_of_spec: dict[int, list[int]] = {}
    for k in pair_ids:
        pairs_of_req.setdefault(int(req[k]), []).append(k)
        pairs_of_spec.setdefault(int(spec[k]), []).append(k)

    # variables: one Boolean per eligible pair
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in pair_ids]
    fill = {j: sum(x[k] for k in pairs_of_req[j]) for j in reqs_in}

    # constraints
    for j in reqs_in:
        # a request fills at most its open slots
        model.add(fill[j] <= int(slots_left[j]))
    req_start = np.array([r.start.toordinal() for r in requests], dtype=np.int64)
    req_end = np.array([r.end.toordinal() for r in requests], dtype=np.int64)
    req_days = np.array([r.days_per_week for r in requests], dtype=np.int64)
    # hint: the unit-capacity flow answer is feasible here and already fills most slots
    weight = len(requests) - positions
    seeded, _ = _flow_assign(index.n_specialists, spec, req, levels, slots_left, weight)
    values = seeded.astype(int).tolist()
    out_of_time = False
    for count, (i, ks) in enumerate(sorted(pairs_of_spec.items())):
        if count % 256 == 0 and time.perf_counter() >= deadline:
            out_of_time = True  # the model is not complete: keep the flow's answer
            break
        cap = problem.specialists[i].days_per_week
        held = pinned_by_spec.get(i, [])
        ks_arr = np.array(ks, dtype=np.int64)
        own = req[ks_arr]
        # the busiest-day rule (days.busiest_day_load) as CP-SAT rows, vectorised: the same
        # probes (first days), but one row per busy day over the candidate requests, not a load
        probes = np.unique(np.concatenate([req_start[own], req_start[held]]).astype(np.int64))
        covering = (req_start[own][None, :] <= probes[:, None]) & (probes[:, None] <= req_end[own][None, :])
        pinned_load = ((req_start[held][None, :] <= probes[:, None])
                       & (probes[:, None] <= req_end[held][None, :])) @ req_days[held] if held else 0
        load = covering @ req_days[own] + pinned_load
        # a day whose requests all continue to the next probe is dominated by it
        min_end = np.where(covering, req_end[own][None, :], np.iinfo(np.int64).max).min(axis=1)
        next_probe = np.append(probes[1:], np.iinfo(np.int64).max)
        maximal = min_end < next_probe
        for row in np.flatnonzero(maximal & (load > cap)).tolist():
            chosen = ks_arr[covering[row]]
            limit = cap - (int(pinned_load[row]) if held else 0)
            # days per week of everything overlapping on this day stay within what they offer
            model.add(cp_model.LinearExpr.weighted_sum([x[k] for k in chosen.tolist()],
                                                       req_days[req[chosen]].tolist()) <= limit)

    # solve: lexicographic over priority positions, one request at a time
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    status_text, gap = "optimal", 0.0

    def run(objective, tie_break: bool = False) -> int | None:
        nonlocal status_text, gap
        remaining = deadline - time.perf_counter()
        solver.parameters.max_time_in_seconds = max(0.01, remaining)
        model.clear_hints()
        for k in pair_ids:
            model.add_hint(x[k], values[k])
        model.maximize(objective)
        result = solver.solve(model)
        stats["cpsat_solves"] = stats.get("cpsat_solves", 0) + 1
        if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        if result == cp_model.FEASIBLE and tie_break:
            # the tie-break level only orders equal answers: stopping it early costs no quality
            stats["tie_break_unproven"] = stats.get("tie_break_unproven", 0) + 1
        elif result == cp_model.FEASIBLE:
            status_text = "feasible"
            bound = solver.best_objective_bound
            gap = max(gap, (bound - solver.objective_value) / max(1.0, abs(bound)))
        for k in pair_ids:
            values[k] = int(solver.value(x[k]))
        return int(round(solver.objective_value))

    for j in reqs_in:
        current = sum(values[k] for k in pairs_of_req[j])
        ceiling = min(int(slots_left[j]), len(pairs_of_req[j]))
        if current < ceiling and not out_of_time and time.perf_counter() < deadline:
            best = run(fill[j])
            current = best if best is not None else current
        elif current < ceiling:
            status_text = "feasible"
        # hold this request's fill while later requests are decided
        model.add(fill[j] >= current)
    if not out_of_time and time.perf_counter() < deadline:
        # objective: with every fill held, the quality levels one by one, each optimum held
        # (only small coefficients are held in constraints: the last level, the tie value, is not)
        for k, level in enumerate(levels):
            tie_break = k == len(levels) - 1 and k > 0
            if time.perf_counter() >= deadline:
                status_text = "feasible" if not tie_break else status_text
                break
            objective = cp_model.LinearExpr.weighted_sum(x, level.astype(int).tolist())
            best = run(objective, tie_break)
            if best is None:
                status_text = "feasible" if not tie_break else status_text
                break
            if k < len(levels) - 1:
                model.add(objective >= best)
    else:
        status_text = "feasible"
        # gap against a bound: each request's best candidates, ignoring who else wants them
        bound = sum(sum(sorted((int(quality[k]) for k in pairs_of_req[j]), reverse=True)
                        [:sum(values[k] for k in pairs_of_req[j])]) for j in reqs_in)
        achieved = sum(int(quality[k]) for k in pair_ids if values[k])
        gap = max(gap, (bound - achieved) / max(1.0, bound))
    return np.array(values, dtype=bool), status_text, gap


# ----------------------------------------------------------------------------- the round


def priority_positions(problem: Problem, need_rank: dict[str, int]) -> np.ndarray:
    """Position of each request (problem order) in the strict priority order."""
    order = rules.order_requests_by_priority(problem.requests, need_rank)
    by_id = {r.id: p for p, r in enumerate(order)}
    return np.array([by_id[r.id] for r in problem.requests], dtype=np.int64)


def plan_dispatch(problem: Problem, index: EligibilityIndex, pairs: EligiblePairs,
                  positions: np.ndarray, deadline: float, *, active: np.ndarray | None = None,
                  frozen: Sequence[tuple[int, int]] = (),
                  penalty: np.ndarray | None = None) -> DispatchPlan:
    """Choose the pairs: pinned first, flows for unit capacity, CP-SAT where days pack.

    ``active`` (one flag per eligible pair) limits the pairs that may be chosen; ``frozen``
    pairs are held like pinned ones (not reported as pinned); ``penalty`` (one integer per
    eligible pair) is minimised first among the answers of maximum priority fill, before
    quality. Quality levels: total score, then the tie value (``rules.tie_value``); with a
    penalty, the penalty then the total score.
    """
    stats: dict = {}
    pinned, slots_left, usable, warnings = _apply_pinned(problem, index, pairs, positions, frozen)
    if active is not None:
        usable &= active
    spec, req, quality = pairs.spec[usable], pairs.req[usable], pairs.quality[usable]
    tie = pairs.tie[usable] if pairs.tie is not None else np.zeros_like(quality)
    levels = [quality, tie]
    if penalty is not None:
        # this answer only decides who is needed (its other pairs are solved again): no tie level
        levels = [-penalty[usable].astype(np.int64), quality]
    pinned_by_spec: dict[int, list[int]] = {}
    for i, j in list(frozen) + pinned:
        pinned_by_spec.setdefault(i, []).append(j)

    # pinned specialists are solved with CP-SAT (as ever); frozen ones only when the usual
    # test says they could hold two more requests (their held load is then in the model)
    multi = _multi_capacity_specialists(problem, index, spec, req, {i for i, _ in pinned})
    seeds = np.flatnonzero(multi)
    components = _components(index.n_specialists, len(problem.requests), spec, req, seeds)
    in_component = np.zeros(spec.shape[0], dtype=bool)
    for comp_pairs, _ in components:
        in_component[comp_pairs] = True
    stats["multi_capacity_specialists"] = int(seeds.shape[0])
    stats["cpsat_components"] = len(components)
    stats["cpsat_pairs"] = int(in_component.sum())

    # weights that strictly decrease with priority: small integers, no tier multipliers
    weight = len(problem.requests) - positions
    flow_mask = ~in_component
    chosen_flow, flow_stats = _flow_assign(index.n_specialists, spec[flow_mask], req[flow_mask],
                                           [level[flow_mask] for level in levels], slots_left,
                                           weight)
    stats.update(flow_stats)
    chosen = np.zeros(spec.shape[0], dtype=bool)
    chosen[np.flatnonzero(flow_mask)[chosen_flow]] = True

    status, gap = "optimal", 0.0
    started = time.perf_counter()
    # smallest first; the time left is shared among the large (packing) components in
    # proportion to their pairs, so that one component's quality MIP cannot take the time of
    # all the others (what a small one leaves goes to the next). Only quality is cut by it:
    # the direct CP-SAT components keep the whole limit (their fill depends on finishing)
    components = sorted(components, key=lambda comp: comp[0].shape[0])
    packing_pairs_left = sum(int(c.shape[0]) for c, _ in components if c.shape[0] > DIRECT_CPSAT_MAX_PAIRS)
    packing_left = sum(1 for c, _ in components if c.shape[0] > DIRECT_CPSAT_MAX_PAIRS)
    for comp_pairs, _ in components:
        solver = (_solve_component if comp_pairs.shape[0] <= DIRECT_CPSAT_MAX_PAIRS
                  else _solve_component_packing)
        comp_deadline = deadline
        if solver is _solve_component_packing:
            now = time.perf_counter()
            comp_deadline = now + packing_seconds(max(0.0, deadline - now), int(comp_pairs.shape[0]),
                                                  packing_pairs_left, packing_left)
            packing_pairs_left -= int(comp_pairs.shape[0])
            packing_left -= 1
        picked, comp_status, comp_gap = solver(
            problem, index, spec[comp_pairs], req[comp_pairs], quality[comp_pairs], slots_left,
            positions, pinned_by_spec, comp_deadline, stats, [level[comp_pairs] for level in levels],
            tie_level=penalty is None)
        chosen[comp_pairs[picked]] = True
        if comp_status != "optimal" and solver is _solve_component:
            # the exact lexicographic CP-SAT stopped early: its fill may not be the maximum
            stats["fill_unproven_components"] = stats.get("fill_unproven_components", 0) + 1
        if comp_status != "optimal":
            status, gap = "feasible", max(gap, comp_gap)
    stats["cpsat_seconds"] = time.perf_counter() - started
    # the fill is proven when every component's fill is (flows, bounds, or CP-SAT in time)
    stats["fill_proven"] = not stats.get("fill_unproven_components")
    picked_pairs = sorted(zip(spec[chosen].tolist(), req[chosen].tolist()))
    return DispatchPlan(chosen=picked_pairs, pinned=pinned, status=status, gap=gap,
                        stats=stats, warnings=warnings)


def packing_seconds(left: float, pairs: int, pairs_left: int, components_left: int) -> float:
    """A packing component's part of the time ``left``: in proportion to its pairs among those
    left, but at least ``_PACKING_MIN_SECONDS`` (or an equal part of ``left``, if smaller).

    The floor: a small component's master needs a few rounds whatever its size. In a round at
    50,000 people (eight components of 6,652 to 415,574 pairs) the smallest had 0.19 s for
    quality and stopped 0.8 % from its bound after one LP round, while the largest finished in
    2.3 s of its 20.8 s; with the floor it is proven optimal and the round's worst gap is 0.59 %.
    """
    return max(left * pairs / max(1, pairs_left), min(left / max(1, components_left), _PACKING_MIN_SECONDS))


def naive_fill(problem: Problem) -> int:
    """The baseline to beat: requests in priority order take their best free candidate, never revisited."""
    need_rank = rules.rank_cities_by_need(problem.cities, problem.rule_set)
    index = EligibilityIndex(problem)
    pairs = index.all_pairs()
    positions = priority_positions(problem, need_rank)
    held: dict[int, list] = {}
    filled = 0
    by_req = np.argsort(pairs.req, kind="stable")
    starts = np.searchsorted(pairs.req[by_req], np.arange(len(problem.requests) + 1))
    for j in np.argsort(positions).tolist():
        r = problem.requests[j]
        ks = by_req[starts[j]:starts[j + 1]]
        ranked = sorted(ks.tolist(), key=lambda k: (-int(pairs.quality[k]), int(pairs.spec[k])))
        taken = 0
        for k in ranked:
            if taken == r.slots:
                break
            i = int(pairs.spec[k])
            s = problem.specialists[i]
            if rules.fits_days_per_week(s, held.get(i, []) + [r]):
                held.setdefault(i, []).append(r)
                taken += 1
        filled += taken
    return filled


def _overlap(a_start, a_end, b_start, b_end) -> bool:
    """Two inclusive periods share a day."""
    return a_start <= b_end and b_start <= a_end


def _pairs_by_spec(pairs: EligiblePairs, n_spec: int) -> tuple[np.ndarray, np.ndarray]:
    """Pair indices grouped by specialist (order, start offsets)."""
    return _csr(pairs.spec, n_spec)


def _dispatched_reason(r, position: int, pinned: bool) -> dict:
    """Why an offer is out of the market: its officer holds this dispatch in the same period."""
    return {"kind": "officer_dispatched", "request": r.id, "city": r.city, "urgency": r.urgency,
            "priority_position": int(position), "pinned": pinned}


def solve_round(problem: Problem) -> SolveResult:
    """Dispatch, exchange rings and explanations for one matching round.

    One person, both markets: an officer with a two-way exchange offer who is also a
    specialist is never in a chosen ring and a dispatch that overlap in time. The round:
    1. pinned pairs are kept; they and ``busy`` periods take the officer's overlapping
       offers out of the market;
    2. requests of the urgency classes before the exchange market
       (``rule_set.exchange_priority``) get their priority-respecting maximum fill against
       everyone; among the answers with that fill, the one using the fewest officers whose
       overlapping offer lies on a possible ring (then the best quality). Those officers are
       needed: their overlapping offers leave the market and their pairs are held;
    3. the rings are chosen among the offers left;
    4. every request is solved again (priority-respecting maximum fill, then quality) with
       the held pairs kept and each ring officer barred from requests that overlap the ring's
       period: the classes before the market keep the fill of step 2, the later ones get the
       best fill among the people the rings did not take.
    """
    started = time.perf_counter()
    limit = problem.time_limit_s
    stats: dict = {}
    need_rank = rules.rank_cities_by_need(problem.cities, problem.rule_set)
    positions = priority_positions(problem, need_rank)
    requests = problem.requests

    t0 = time.perf_counter()
    index = EligibilityIndex(problem)
    pairs = index.all_pairs()
    stats["eligibility_seconds"] = time.perf_counter() - t0
    stats["eligible_pairs"] = len(pairs)

    specs = problem.specialist_by_id
    req_index = {r.id: j for j, r in enumerate(requests)}
    two_way = [o for o in problem.exchange_offers if o.wants_profession is not None]
    offer_reason: dict[str, dict] = {}
    for o in two_way:  # busy elsewhere during the offer period: no ring
        hit = next((b for b in specs[o.officer].busy if _overlap(b.start, b.end, o.start, o.end)), None)
        if hit is not None:
            offer_reason[o.id] = {"kind": "officer_busy", "start": hit.start.isoformat(),
                                  "end": hit.end.isoformat()}
    pinned_reqs: dict[str, list[int]] = {}
    for pair in problem.pinned:
        pinned_reqs.setdefault(pair.specialist, []).append(req_index[pair.request])
    for o in two_way:  # an approved dispatch makes the officer busy for its period
        for j in sorted(pinned_reqs.get(o.officer, []), key=lambda j: positions[j]):
            r = requests[j]
            if o.id not in offer_reason and _overlap(r.start, r.end, o.start, o.end):
                offer_reason[o.id] = _dispatched_reason(r, positions[j], pinned=True)
    live = [o for o in two_way if o.id not in offer_reason]
    by_spec, spec_starts = _pairs_by_spec(pairs, index.n_specialists)
    officers = sorted({o.officer for o in two_way})
    stats["both_markets_officers"] = sum(
        1 for sid in officers
        if spec_starts[index.spec_index[sid] + 1] > spec_starts[index.spec_index[sid]])

    rings_module = None  # imported only when there are offers: it loads CP-SAT, which is slow
    if problem.exchange_offers:
        try:
            import talentbank.solver.exchange as rings_module
        except ImportError:
            rings_module = None

    # step 2: the classes before the exchange market, with the fewest ring officers used
    frozen: list[tuple[int, int]] = []
    before = problem.rule_set.classes_before_exchange
    plan_before = None
    status, gap = "optimal", 0.0
    warnings: list[str] = []
    if live and before and rings_module is not None:
        on_ring = rings_module.offers_in_some_ring(rings_module.exchange_nodes(problem, live),
                                                   problem.rule_set.max_cycle_length)
        tier = np.array([r.urgency in before for r in requests], dtype=bool)
        if on_ring and tier.any():
            t_before = time.perf_counter()
            ring_live = [o for o in live if o.id in on_ring]
            req_start = np.array([r.start.toordinal() for r in requests], dtype=np.int64)
            req_end = np.array([r.end.toordinal() for r in requests], dtype=np.int64)
            penalty = np.zeros(len(pairs), dtype=np.int64)
            for o in ring_live:
                i = index.spec_index[o.officer]
                ks = by_spec[spec_starts[i]:spec_starts[i + 1]]
                hit = (req_start[pairs.req[ks]] <= o.end.toordinal()) & \
                    (o.start.toordinal() <= req_end[pairs.req[ks]])
                penalty[ks[hit]] = 1
            plan_before = plan_dispatch(problem, index, pairs, positions,
                                        started + 0.35 * limit, active=tier[pairs.req],
                                        penalty=penalty)
            if plan_before.status != "optimal":
                status, gap = "feasible", max(gap, plan_before.gap)
            stats["before_exchange"] = {
                "classes": list(before),
                "slots_filled": len(plan_before.chosen) + len(plan_before.pinned),
                "cpsat_components": plan_before.stats.get("cpsat_components", 0),
                "seconds": round(time.perf_counter() - t_before, 4)}
            live_by_officer: dict[str, list] = {}
            for o in ring_live:
                live_by_officer.setdefault(o.officer, []).append(o)
            for i, j in plan_before.chosen:
                r = requests[j]
                hits = [o for o in live_by_officer.get(problem.specialists[i].id, [])
                        if _overlap(r.start, r.end, o.start, o.end)]
                if hits:  # needed by a higher class: the offer leaves, the pair is held
                    frozen.append((i, j))
                    for o in hits:
                        offer_reason.setdefault(o.id, _dispatched_reason(r, positions[j], False))
    available = [o for o in live if o.id not in offer_reason]

    # step 3: the rings among the offers left
    exchange_cycles, exchange_status, ring_offers = [], None, frozenset()
    if problem.exchange_offers:
        t0 = time.perf_counter()
        if rings_module is None:
            exchange_status = "not_solved"
            warnings.append("exchange offers given but the exchange solver is not available")
        else:
            one_way = [o for o in problem.exchange_offers if o.wants_profession is None]
            result = rings_module.solve_exchange(
                problem, need_rank, max(0.1, started + 0.65 * limit - time.perf_counter()),
                offers=available + one_way)
            exchange_cycles, exchange_status = list(result.cycles), result.status
            ring_offers = result.ring_offers
            stats["exchange"] = dict(result.stats)
            stats["exchange"].update(
                offers=len(problem.exchange_offers), two_way_offers=len(two_way),
                offers_in_market=len(available), both_markets_officers=stats["both_markets_officers"],
                out_busy=sum(1 for v in offer_reason.values() if v["kind"] == "officer_busy"),
                out_dispatched=sum(1 for v in offer_reason.values()
                                   if v["kind"] == "officer_dispatched"))
        stats["exchange_seconds"] = time.perf_counter() - t0

    # step 4: everyone, the held pairs kept, ring officers barred during their ring
    active = None
    if exchange_cycles:
        active = np.ones(len(pairs), dtype=bool)
        req_start = np.array([r.start.toordinal() for r in requests], dtype=np.int64)
        req_end = np.array([r.end.toordinal() for r in requests], dtype=np.int64)
        for cycle in exchange_cycles:
            lo, hi = (dt.date.fromisoformat(cycle["start"]).toordinal(),
                      dt.date.fromisoformat(cycle["end"]).toordinal())
            for sid in cycle["officers"]:
                i = index.spec_index[sid]
                ks = by_spec[spec_starts[i]:spec_starts[i + 1]]
                hit = (req_start[pairs.req[ks]] <= hi) & (lo <= req_end[pairs.req[ks]])
                active[ks[hit]] = False
    plan = plan_dispatch(problem, index, pairs, positions, started + limit, active=active,
                         frozen=frozen)
    stats.update(plan.stats)
    stats["held_for_higher_classes"] = len(frozen)
    warnings = list(plan.warnings) + warnings

    t0 = time.perf_counter()
    assignments = []
    pinned_set = set(plan.pinned)
    for i, j in sorted(set(plan.pinned) | set(frozen) | set(plan.chosen),
                       key=lambda p: (positions[p[1]], problem.specialists[p[0]].id)):
        s, r = problem.specialists[i], requests[j]
        assignments.append(Assignment(
            specialist=s.id, request=r.id, score=rules.score_parts(s, r, problem),
            priority_position=int(positions[j]), served_mode=rules.served_mode(s, r),
            is_pinned=(i, j) in pinned_set))
    unfilled = explain.explain_unfilled(problem, index, pairs, positions, need_rank, assignments,
                                        exchange_cycles)
    in_ring = {oid for c in exchange_cycles for oid in c["offers"]}
    unmatched_offers = [
        {"offer": o.id, "city": o.city,
         "reason": offer_reason.get(o.id) or {"kind": "no_ring", "ring_possible": o.id in ring_offers}}
        for o in two_way if o.id not in in_ring]
    stats["explain_seconds"] = time.perf_counter() - t0

    if plan.status != "optimal":
        status, gap = "feasible", max(gap, plan.gap)
    if exchange_status not in (None, "optimal", "no_offers"):
        status = "feasible"
    slots = sum(r.slots for r in requests)
    stats.update({
        "specialists": len(problem.specialists),
        "requests": len(requests),
        "slots": slots,
        "slots_filled": len(assignments),
        "pinned_kept": len(plan.pinned),
        "gap": gap,
        "solve_seconds": time.perf_counter() - started,
    })
    order = np.argsort(positions).tolist()
    priority_order = [
        {"position": int(positions[j]), "request": requests[j].id,
         "city": requests[j].city, "urgency": requests[j].urgency,
         "city_need_rank": need_rank[requests[j].city],
         "carry_over": requests[j].carry_over,
         "posted_at": requests[j].posted_at.isoformat()}
        for j in order
    ]
    return SolveResult(
        status=status, assignments=assignments, unfilled=unfilled,
        exchange_cycles=exchange_cycles, stats=stats,
        input_fingerprint=input_fingerprint(problem),
        rule_set_version=problem.rule_set.version, priority_order=priority_order,
        city_need_rank=dict(sorted(need_rank.items(), key=lambda kv: kv[1])),
        warnings=warnings, exchange_status=exchange_status, unmatched_offers=unmatched_offers)
