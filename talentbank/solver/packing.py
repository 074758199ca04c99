"""Part-time packing at scale: exact fill by bounds, quality by LP bounds and a reduced MIP.

A component of the dispatch graph where people can hold several requests at once (part-time
days, or periods that do not overlap) is solved in three steps (docs/part-time-packing.md):

1. **One slot per person.** The unit-capacity flows of ``dispatch._flow_assign`` give the
   priority-respecting maximum fill when everyone holds at most one slot (the transversal
   matroid's greedy basis), quality-optimal among such answers. It is feasible under packing.
2. **Fill, proven level by level** (``augment``, ``lexicographic_fill``): requests below
   ``b_j = min(open slots, eligible people)`` take people who still have room; each one
   still below it is proven by an LP bound over the higher requests' pairs (never cut by
   the time limit) or by CP-SAT.
3. **Quality with every request's fill held** (``solve_quality``): a Dantzig-Wolfe master
   (``pattern_lp``: one-day people choose a feasible *set* of requests, priced by exact
   knapsacks; built from sparse arrays and solved by HiGHS; Wentges-smoothed prices) gives a
   Lagrangian bound valid whenever it stops; ``profile_flow`` turns the master's patterns
   into an answer (each person's "day profile" of slots, then one min-cost flow); pairs
   whose loss against the bound exceeds the gap are fixed out and a HiGHS MIP with a
   cutoff on the rest proves optimality (infeasible: nothing better exists), or the
   answer stays ``feasible`` with its gap to the bound.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

_EPS = 1e-6
_BUILD_SECONDS_PER_PAIR = 3e-5  # building a CP-SAT model in Python, measured on 2 cores
_LP_SHARE = 0.8  # of the time left, for the quality bound (the answer needs it tight)
_SMOOTH = 0.5  # Wentges smoothing: prices also tried at this mix of the best and the LP's
_START_RANK = (3, 4)  # the master starts with each request's best max(3 fill, fill + 4) candidates
_LP_SECONDS_PER_PAIR = 1e-6  # the master is started only with this much time per pair left (its first
# solve, never cut, took 3-7 s for 1.7 M pairs on 2 loaded cores: a late start overruns the limit)
_MIP_SECONDS_PER_PAIR = 1e-4  # the MIP is tried only with this much time per kept pair left (13,777
# kept pairs: proven in 3.0 s on 2 loaded cores; 1.8 s was too little)
_LP_MAX_ROUNDS = 10**9  # master LP solves at most (tests set 1 to exercise the subgradient steps)
_RINS_SHARE = 0.5  # of the time left, at most, for the neighbourhood MIP after the profile flows
_IPM_TO_SIMPLEX = 0.25  # a warm-started simplex round against the first (interior point) solve
_TIE_SHARE = 0.25  # of the time left, at most, for the tie level's CP-SAT (never proven at scale)
_PROFILE_TRIALS = 2  # randomised day profiles tried after the heaviest patterns' (time permitting; RINS does the
# rest: 8 trials gave the same answers 0.3 s later at prefecture scale)
_MIP_MAX_PAIRS = 60_000  # the quality MIP (HiGHS) is not tried beyond this many kept pairs (measured:
# 38,715 kept pairs took 11 s to prove on 2 loaded cores; larger ones do not finish in a round)


_HIGHS_BANNER_SHOWN = False


def _highs():
    """A silent HiGHS instance (the CLI's stdout carries JSON: nothing may print).

    HiGHS prints its banner to the C stdout when the first instance of a process is made,
    before any option can be set: that one construction runs with file descriptor 1 on
    /dev/null.
    """
    import os
    import sys

    import highspy

    global _HIGHS_BANNER_SHOWN
    if not _HIGHS_BANNER_SHOWN:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _HIGHS_BANNER_SHOWN = True
    else:
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("threads", 1)  # two cores, shared with the rest of the process
    return h


@dataclass
class Rows:
    """Packing rows of one component: sum(coef x[pair]) <= cap for the items of each row."""

    item_row: np.ndarray
    item_pair: np.ndarray
    item_coef: np.ndarray
    cap: np.ndarray
    knapsack_rows: int = 0  # rows 0..knapsack_rows-1: one person each, all their pairs, one day

    _by_pair: tuple[np.ndarray, np.ndarray] | None = None

    def by_pair(self, n_pairs: int) -> tuple[np.ndarray, np.ndarray]:
        """Items grouped by pair (order, start offsets), computed once."""
        if self._by_pair is None or self._by_pair[1].shape[0] != n_pairs + 1:
            order = np.argsort(self.item_pair, kind="stable")
            self._by_pair = (order, np.searchsorted(self.item_pair[order], np.arange(n_pairs + 1)))
        return self._by_pair

    def loads(self, x: np.ndarray) -> np.ndarray:
        """What the chosen pairs (0/1 or fractional) take on each row."""
        return np.bincount(self.item_row, weights=self.item_coef * x[self.item_pair],
                           minlength=self.cap.shape[0]).astype(np.float64)


def person_rows(spec: np.ndarray, req: np.ndarray, cap_of: np.ndarray, req_start: np.ndarray,
                req_end: np.ndarray, req_days: np.ndarray,
                pinned_by_spec: dict[int, list[int]]) -> Rows:
    """The busiest-day rule (days.busiest_day_load) as rows over the component's pairs.

    For each person: one row per maximal busy day (a probe day not dominated by the next one)
    whose candidate load can exceed what they offer (minus what pinned pairs hold that day):
    ``sum(days_j x_ij) <= cap``; plus, when fewer items fit than the row has, the implied
    ``sum(x_ij) <= most items that fit`` (it tightens the LP, never the integer answers).
    People whose candidate requests all share one day (the usual case) get their row in bulk.
    """
    rows_row, rows_pair, rows_coef, caps = [], [], [], []
    n_rows = 0
    if spec.shape[0] == 0:
        z = np.empty(0, np.int64)
        return Rows(z, z.copy(), np.empty(0, np.float64), z.copy())
    people, local = np.unique(spec, return_inverse=True)
    order = np.lexsort((req_days[req], local))
    starts = np.searchsorted(local[order], np.arange(people.shape[0] + 1))
    lo = starts[:-1]
    s_start, s_end, s_days = req_start[req][order], req_end[req][order], req_days[req][order]
    max_start = np.maximum.reduceat(s_start, lo)
    min_end = np.minimum.reduceat(s_end, lo)
    total = np.add.reduceat(s_days, lo)
    cap = cap_of[people]
    pinned = np.array([int(i) in pinned_by_spec for i in people.tolist()], dtype=bool)
    common = (max_start <= min_end) & ~pinned
    bulk = common & (total > cap)
    # bulk: one knapsack row per person over all their pairs (sorted by days within person)
    member = bulk[local[order]]
    person_of = local[order][member]
    row_of_person = np.full(people.shape[0], -1, dtype=np.int64)
    row_of_person[bulk] = np.arange(int(bulk.sum()))
    r_idx = row_of_person[person_of]
    rows_row.append(r_idx)
    rows_pair.append(order[member])
    rows_coef.append(s_days[member].astype(np.float64))
    caps.append(cap[bulk])
    n_rows = int(bulk.sum())
    # cardinality rows: the smallest days first; how many fit
    if n_rows:
        d = s_days[member]
        grp_start = np.searchsorted(r_idx, np.arange(n_rows))
        csum = np.cumsum(d)
        base = np.concatenate([[0], csum])[grp_start]
        within = csum - np.repeat(base, np.diff(np.append(grp_start, d.shape[0])))
        fits = within <= np.repeat(cap[bulk], np.diff(np.append(grp_start, d.shape[0])))
        most = np.bincount(r_idx, weights=fits, minlength=n_rows).astype(np.int64)
        count = np.bincount(r_idx, minlength=n_rows)
        tighter = np.flatnonzero(most < count)
        if tighter.shape[0]:
            new_id = np.full(n_rows, -1, dtype=np.int64)
            new_id[tighter] = n_rows + np.arange(tighter.shape[0])
            keep = new_id[r_idx] >= 0
            rows_row.append(new_id[r_idx][keep])
            rows_pair.append(order[member][keep])
            rows_coef.append(np.ones(int(keep.sum()), np.float64))
            caps.append(most[tighter])
            n_rows += int(tighter.shape[0])
    # the rest, person by person: probe days (starts), maximal ones, loads beyond the cap
    for p in np.flatnonzero(~common).tolist():
        ks = order[starts[p]:starts[p + 1]]
        own = req[ks]
        held = pinned_by_spec.get(int(people[p]), [])
        held_arr = np.array(held, dtype=np.int64)
        probes = np.unique(np.concatenate([req_start[own], req_start[held_arr]]))
        covering = (req_start[own][None, :] <= probes[:, None]) & (probes[:, None] <= req_end[own][None, :])
        if held:
            held_cov = ((req_start[held_arr][None, :] <= probes[:, None])
                        & (probes[:, None] <= req_end[held_arr][None, :]))
            pinned_load = held_cov @ req_days[held_arr]
        else:
            pinned_load = np.zeros(probes.shape[0], dtype=np.int64)
        load = covering @ req_days[own] + pinned_load
        min_end_row = np.where(covering, req_end[own][None, :], np.iinfo(np.int64).max).min(axis=1)
        next_probe = np.append(probes[1:], np.iinfo(np.int64).max)
        maximal = min_end_row < next_probe
        for row in np.flatnonzero(maximal & (load > cap[p]) & covering.any(axis=1)).tolist():
            items = ks[covering[row]]
            limit = int(cap[p]) - int(pinned_load[row])
            days = req_days[req[items]]
            rows_row.append(np.full(items.shape[0], n_rows, np.int64))
            rows_pair.append(items)
            rows_coef.append(days.astype(np.float64))
            caps.append(np.array([limit], np.int64))
            n_rows += 1
            most = int(np.count_nonzero(np.cumsum(np.sort(days)) <= max(limit, -1)))
            if most < items.shape[0]:
                rows_row.append(np.full(items.shape[0], n_rows, np.int64))
                rows_pair.append(items)
                rows_coef.append(np.ones(items.shape[0], np.float64))
                caps.append(np.array([most], np.int64))
                n_rows += 1
    return Rows(np.concatenate(rows_row).astype(np.int64), np.concatenate(rows_pair).astype(np.int64),
                np.concatenate(rows_coef), np.concatenate(caps).astype(np.int64),
                knapsack_rows=int(bulk.sum()))


def augment(x: np.ndarray, req: np.ndarray, rank: np.ndarray, bound: np.ndarray,
            rows: Rows, positions: np.ndarray) -> np.ndarray:
    """Add pairs to requests below their bound where the person still has room; x is updated.

    Requests in priority order, candidates best ``rank`` first. Only adds: no request loses.
    """
    fill = np.bincount(req[x], minlength=bound.shape[0])
    deficit = np.flatnonzero(fill < bound)
    if deficit.shape[0] == 0:
        return fill
    load = rows.loads(x.astype(np.float64))
    order, starts = rows.by_pair(x.shape[0])
    req_order = np.argsort(req, kind="stable")
    req_first = np.searchsorted(req[req_order], np.arange(bound.shape[0] + 1))
    for j in sorted(deficit.tolist(), key=lambda j: positions[j]):
        cands = req_order[req_first[j]:req_first[j + 1]]
        cands = cands[~x[cands]]
        for k in cands[np.argsort(-rank[cands], kind="stable")].tolist():
            if fill[j] >= bound[j]:
                break
            items = order[starts[k]:starts[k + 1]]
            r, c = rows.item_row[items], rows.item_coef[items]
            if np.all(load[r] + c <= rows.cap[r] + _EPS):
                x[k] = True
                load[r] += c
                fill[j] += 1
    return fill


def _by_pair(rows: Rows, n_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    return rows.by_pair(n_pairs)


def quality_lp(req: np.ndarray, value: np.ndarray, fill: np.ndarray, rows: Rows,
               x: np.ndarray, deadline: float, stats: dict, *, lo: np.ndarray | None = None,
               allowed: np.ndarray | None = None, pattern: bool = True, few: bool = False
               ) -> tuple[float, float, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Rigorous LP bound on sum(value x) with each request's fill held, and each pair's slack.

    Request rows are ``lo_j <= fill of j <= fill_j`` (``lo`` defaults to ``fill``: held);
    only ``allowed`` pairs may be chosen (default all). Column generation: GLOP over a few
    columns per request (the current answer's and the best by value), priced over every
    allowed pair; returns (LP bound, pattern bound, slack, w, columns, LP point)
    (``_pattern_bound``: never above the LP bound); slack_k >= 0 is what taking pair k
    costs against the LP bound (no answer using k is worth more than bound - slack_k) and
    w_k >= 0 what leaving it out costs (no answer without k is worth more than bound - w_k);
    or None when GLOP cannot answer in time.
    """
    from ortools.linear_solver import pywraplp  # slow to load: only when packing binds

    n = req.shape[0]
    n_req = fill.shape[0]
    lo = fill if lo is None else lo
    allowed = np.ones(n, dtype=bool) if allowed is None else allowed
    if few:  # the current answer and the pairs that carry the objective; pricing adds the rest
        active = (x | (value > 0)) & allowed
    else:  # the current answer plus the best few candidates of each request
        order = np.lexsort((-value, req))
        first = np.searchsorted(req[order], np.arange(n_req + 1))
        rank_in_req = np.empty(n, dtype=np.int64)
        rank_in_req[order] = np.arange(n) - np.repeat(first[:-1], np.diff(first))
        active = (x | (rank_in_req < np.maximum(3 * fill, fill + 4)[req])) & allowed
    used_rows = rows.cap.shape[0]
    item_row, item_pair, item_coef = rows.item_row, rows.item_pair, rows.item_coef
    by_pair, pair_starts = _by_pair(rows, n)
    lp = pywraplp.Solver.CreateSolver("GLOP")
    var: dict[int, object] = {}
    req_cts: dict[int, object] = {}
    row_cts: dict[int, object] = {}
    objective = lp.Objective()
    objective.SetMaximization()

    def add_columns(cols: np.ndarray) -> None:
        # one variable per pair, in its request's row and its person's packing rows
        for c in cols.tolist():
            v = lp.NumVar(0.0, 1.0, "")
            var[c] = v
            objective.SetCoefficient(v, float(value[c]))
            j = int(req[c])
            ct = req_cts.get(j)
            if ct is None:
                ct = req_cts[j] = lp.Constraint(float(lo[j]), float(fill[j]))
            ct.SetCoefficient(v, 1.0)
            for t in by_pair[pair_starts[c]:pair_starts[c + 1]].tolist():
                r = int(item_row[t])
                rc = row_cts.get(r)
                if rc is None:
                    rc = row_cts[r] = lp.Constraint(-lp.infinity(), float(rows.cap[r]))
                rc.SetCoefficient(v, float(item_coef[t]))

    add_columns(np.flatnonzero(active))
    slack_rows = None
    rounds = 0
    while True:
        rounds += 1
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return None
        lp.SetTimeLimit(int(max(1, remaining * 1000)))
        result = lp.Solve()
        stats["packing_lp_solves"] = stats.get("packing_lp_solves", 0) + 1
        if result != pywraplp.Solver.OPTIMAL:
            return None
        pi = np.zeros(n_req)
        for j, ct in req_cts.items():
            pi[j] = ct.dual_value()
        y = np.zeros(used_rows)
        for r, ct in row_cts.items():
            y[r] = max(0.0, ct.dual_value())
        # price every pair: what the duals charge for it against its value
        charge = pi[req] + np.bincount(item_pair, weights=item_coef * y[item_row], minlength=n)
        slack_rows = charge - value  # >= 0 where the pair does not pay
        slack_rows[~allowed] = np.inf  # never chosen
        positive = -slack_rows > _EPS
        if not positive[~active].any() or time.perf_counter() >= deadline:
            break
        new = np.flatnonzero(positive & ~active)
        # the most promising new columns, a bounded number per round
        new = new[np.argsort(slack_rows[new], kind="stable")[:max(2000, int(active.sum()) // 2)]]
        active[new] = True
        add_columns(new)
    point = np.zeros(n)
    for c, v in var.items():
        point[c] = v.solution_value()
    stats["packing_lp_value"] = round(float(objective.Value()), 3)
    # a ranged row's dual pays its upper end when positive, its lower end when negative
    rhs = float(np.maximum(pi * fill, pi * lo).sum())
    lp_bound = rhs + float(y @ rows.cap + np.maximum(0.0, -slack_rows).sum())
    bound = lp_bound
    if pattern:
        bound = min(lp_bound, _pattern_bound(req, value, rhs, rows, pi, y, slack_rows, n,
                                             allowed))
    stats["packing_lp_rounds"] = rounds
    stats["packing_lp_columns"] = int(active.sum())
    return lp_bound, bound, np.maximum(0.0, slack_rows), np.maximum(0.0, -slack_rows), active, point


def _pattern_bound(req, value, rhs, rows: Rows, pi, y, slack, n, allowed) -> float:
    """The Lagrangian bound for the LP's request prices: each person's best feasible set.

    ``sum(pi_j fill_j) + sum over people of max over feasible request sets of
    sum(value - pi)``, valid for any prices. For a person whose candidate requests share one
    day (a knapsack row) the set is found exactly (0/1 knapsack over at most 7 days, all such
    people at once); for the others the LP's own terms (row duals x caps + the pairs' upper
    bound duals) bound it. Never above the LP bound, often below it.
    """
    gain = np.maximum(0.0, -slack)  # value - charge, where it pays
    profit = np.where(allowed, value - pi[req], -np.inf)
    in_knapsack = np.zeros(n, dtype=bool)
    kn = rows.item_row < rows.knapsack_rows
    in_knapsack[rows.item_pair[kn]] = True
    # the LP's terms for everyone outside the knapsack rows
    other_rows = np.ones(rows.cap.shape[0], dtype=bool)
    other_rows[:rows.knapsack_rows] = False
    # a row's dual x cap counts once; cardinality rows of knapsack people are replaced too
    owner_in_kn = np.zeros(rows.cap.shape[0], dtype=bool)
    owner_in_kn[rows.item_row[in_knapsack[rows.item_pair]]] = True
    total = rhs + float(y[~owner_in_kn] @ rows.cap[~owner_in_kn]) + float(gain[~in_knapsack].sum())
    # exact knapsacks: items of positive profit, by row, all rows at once
    items = np.flatnonzero(kn)
    items = items[profit[rows.item_pair[items]] > _EPS]
    if items.shape[0] == 0:
        return total
    r = rows.item_row[items]
    order = np.argsort(r, kind="stable")
    r, p = r[order], rows.item_pair[items][order]
    k = rows.item_coef[items][order].astype(np.int64)
    v = profit[p]
    first = np.searchsorted(r, np.arange(rows.knapsack_rows + 1))
    nth = np.arange(r.shape[0]) - first[r]
    cap_max = int(rows.cap[:rows.knapsack_rows].max())
    dp = np.zeros((rows.knapsack_rows, cap_max + 1))
    dp[np.arange(cap_max + 1)[None, :] > rows.cap[:rows.knapsack_rows, None]] = -np.inf
    for t in range(int(nth.max()) + 1):
        at = nth == t
        rr, kk, vv = r[at], k[at], v[at]
        new = dp[rr].copy()
        for c in range(1, cap_max + 1):
            ok = kk <= c
            cand = dp[rr[ok], c - kk[ok]] + vv[ok]
            new[ok, c] = np.maximum(new[ok, c], cand)
        dp[rr] = new
    dp[np.arange(cap_max + 1)[None, :] > rows.cap[:rows.knapsack_rows, None]] = -np.inf
    return total + float(np.max(dp, axis=1).sum())


def solve_quality(req: np.ndarray, levels: list[np.ndarray], fill: np.ndarray, rows: Rows,
                  x: np.ndarray, deadline: float, stats: dict, tie_level: bool
                  ) -> tuple[np.ndarray, str, float]:
    """Best ``levels`` (lexicographic) with each request's fill held; (answer, status, gap).

    The first level: the master's bound, the profile flow's answer, then reduced-cost fixing
    and a HiGHS MIP over the pairs left (``_MIP_MAX_PAIRS`` at most) to prove it; with
    ``tie_level`` the last level only breaks ties among those answers (left unproven at the
    time limit without changing the status).
    """
    main_levels = levels[:-1] if tie_level and len(levels) > 1 else levels
    tie = levels[-1] if tie_level and len(levels) > 1 else None
    # fold the main levels into one integer objective (small here: a penalty, then quality)
    value = main_levels[0].astype(np.int64)
    for level in main_levels[1:]:
        span = int(level.max() - level.min()) + 1 if level.shape[0] else 1
        value = value * (span * (int(fill.sum()) + 1)) + (level - level.min())
    best = int(value[x].sum())
    started = time.perf_counter()
    if deadline - started < req.shape[0] * _LP_SECONDS_PER_PAIR:
        # no time left for this component's quality (the flows and the fill proof used it; the
        # master's first solve, cut only at the component's deadline and then useless, takes
        # about this long): the answer so far,
        # with its gap against each request's best candidates
        stats["packing_quality_skipped"] = stats.get("packing_quality_skipped", 0) + 1
        return x, "feasible", _request_bound_gap(req, value, fill, x)
    # the bound's column generation may use half the time left (its bound is valid whenever
    # it stops); the answer's flow and the MIP the rest
    lp_deadline = time.perf_counter() + _LP_SHARE * max(0.0, deadline - time.perf_counter())
    master = pattern_lp(req, value.astype(np.float64), fill, rows, x, lp_deadline, stats,
                        first_deadline=deadline)
    stats["packing_lp_seconds"] = round(time.perf_counter() - started, 4)
    if master is None:
        return x, "feasible", _request_bound_gap(req, value, fill, x)
    lagrange = float(master["bound"])
    loss, w = master["loss"], master["w"]
    bound = int(np.floor(lagrange + 1e-6 * max(1.0, abs(lagrange))))
    # each request's best candidates, ignoring who else wants them: also a bound, sometimes lower
    bound = min(bound, _request_bound(req, value, fill))
    stats["quality_bound"] = bound
    stats["quality_lp_bound"] = int(np.floor(lagrange + 1e-6 * max(1.0, abs(lagrange))))
    stats["quality_start"] = best
    if best < bound:
        # an answer from the master's patterns (day profiles and one flow), over the pairs of
        # the master's columns, the current answer and those the prices make nearly free
        t0 = time.perf_counter()
        near = x | master["columns"] | (loss <= 2.0)
        held = x
        # the flows run only before the deadline (each takes 1-3 s at national scale): the
        # time limit cuts quality only, and the answer so far stands
        candidate = profile_flow(req, value, fill, rows, master, near, held=held) \
            if t0 < deadline else None
        anchored = candidate is None
        if anchored and time.perf_counter() + (time.perf_counter() - t0) <= deadline:
            # the heaviest patterns' slots cannot give every request its fill: the people of
            # the current answer keep its profile, the others take their patterns'
            stats["packing_profile_anchored"] = True
            candidate = profile_flow(req, value, fill, rows, master, near, held=held, anchor=x)
        if candidate is not None and _feasible(req, candidate, fill, rows) \
                and int(value[candidate].sum()) > best:
            x, best = candidate, int(value[candidate].sum())
        # randomised rounding (seeded: the same input gives the same answer): each person's
        # profile drawn with the LP weights of their patterns instead of the heaviest one
        rng = np.random.default_rng(0)
        flow_seconds = time.perf_counter() - t0
        for _ in range(_PROFILE_TRIALS):
            if best >= bound or time.perf_counter() + 2 * flow_seconds > deadline:
                break
            drawn = dict(master)
            drawn["lam"] = np.where(master["lam"] > 1e-6,
                                    master["lam"] * np.sqrt(rng.random(master["lam"].shape[0])), 0.0)
            candidate = profile_flow(req, value, fill, rows, drawn, near, held=held,
                                     anchor=x if anchored else None)
            if candidate is not None and _feasible(req, candidate, fill, rows) \
                    and int(value[candidate].sum()) > best:
                x, best = candidate, int(value[candidate].sum())
        stats["packing_profile_seconds"] = round(time.perf_counter() - t0, 4)
        while best < bound and time.perf_counter() < deadline:
            candidate = _neighbourhood(req, value, fill, rows, x, master["point"], best, deadline, stats)
            if candidate is None:
                break
            x, best = candidate, int(value[candidate].sum())
    stats["quality_restricted"] = best
    if best >= bound:
        stats["quality_proven_by"] = "lp_bound"
        return _tie_break(req, tie, value, best, fill, rows, x, loss, w, lagrange, deadline, stats,
                          master)
    # reduced-cost fixing: an answer better than ``best`` (by 1 at least: integral values) uses
    # no pair whose loss exceeds lagrange - best - 1, and every compact pair whose absence
    # costs more than that
    margin = lagrange - best - 1 + 1e-6
    keep = loss <= margin
    fixed = w > margin
    stats["packing_mip_pairs"] = int(keep.sum())
    stats["packing_fixed_pairs"] = int(fixed.sum())
    if keep.sum() > _MIP_MAX_PAIRS or keep.sum() * _MIP_SECONDS_PER_PAIR > deadline - time.perf_counter():
        # a MIP this large would not finish in the time left (HiGHS checks its time limit
        # only between phases: its root alone can overrun): the answer so far, with its gap
        stats["packing_mip_skipped"] = True
        return x, "feasible", max(0.0, (bound - best) / max(1.0, abs(bound)))
    # the cutoff value >= best + 1 goes to HiGHS as its objective bound (it prunes every node
    # that cannot beat it), not as a row: a dense row slowed the proof threefold (8 s -> > 20 s)
    answer, proven, upper = _highs_mip(req, value, fill, rows, keep, fixed, deadline, stats,
                                       floor=best + 1)
    if answer is not None and _feasible(req, answer, fill, rows) and int(value[answer].sum()) > best:
        x, best = answer, int(value[answer].sum())
    elif answer is not None and not _feasible(req, answer, fill, rows):
        proven = False  # never trust an answer that breaks a row
    if proven or (upper is not None and upper < best + 1 - 1e-6):
        # nothing better than ``best`` exists among the kept pairs, hence anywhere
        stats["quality_proven_by"] = "reduced_mip"
        stats["quality_bound"] = best
        return _tie_break(req, tie, value, best, fill, rows, x, loss, w, lagrange, deadline, stats,
                          master)
    upper_all = bound if upper is None else min(bound, max(best, int(np.floor(upper + 1e-6))))
    stats["quality_bound"] = upper_all
    return x, "feasible", max(0.0, (upper_all - best) / max(1.0, abs(upper_all)))


def _neighbourhood(req: np.ndarray, value: np.ndarray, fill: np.ndarray, rows: Rows, x: np.ndarray,
                   point: np.ndarray, best: int, deadline: float, stats: dict) -> np.ndarray | None:
    """A better answer near the master's LP point, or None (RINS: relaxation-induced neighbourhood).

    Pairs the answer and the LP point both take (at 1) stay taken, pairs neither uses stay out;
    a HiGHS MIP decides the rest (the pairs where they disagree or the LP is fractional), for
    at most ``_RINS_SHARE`` of the time left. Not a proof: it searches a neighbourhood only.
    """
    t0 = time.perf_counter()
    taken = x & (point > 1.0 - 1e-6)
    free = (x | (point > 1e-6)) & ~taken
    stats["packing_rins_free"] = int(free.sum())
    limit = _RINS_SHARE * (deadline - t0)
    answer, _, _ = _highs_mip(req, value, fill, rows, taken | free, taken, t0 + limit, {},
                              floor=best + 1)
    stats["packing_rins_seconds"] = round(stats.get("packing_rins_seconds", 0.0)
                                          + time.perf_counter() - t0, 4)
    stats["packing_rins_solves"] = stats.get("packing_rins_solves", 0) + 1
    if answer is None or not _feasible(req, answer, fill, rows) or int(value[answer].sum()) <= best:
        return None
    stats["packing_rins_gain"] = stats.get("packing_rins_gain", 0) + int(value[answer].sum()) - best
    return answer


def _feasible(req: np.ndarray, x: np.ndarray, fill: np.ndarray, rows: Rows) -> bool:
    """Every request at its fill and every packing row within its cap, in integers."""
    return (np.array_equal(np.bincount(req[x], minlength=fill.shape[0]), fill)
            and bool(np.all(rows.loads(x.astype(np.float64)) <= rows.cap + _EPS)))


def _request_bound(req: np.ndarray, value: np.ndarray, fill: np.ndarray) -> int:
    """Each request's ``fill`` best candidates summed, ignoring who else wants them."""
    order = np.lexsort((-value, req))
    first = np.searchsorted(req[order], np.arange(fill.shape[0] + 1))
    rank = np.empty(req.shape[0], dtype=np.int64)
    rank[order] = np.arange(req.shape[0]) - np.repeat(first[:-1], np.diff(first))
    return int(value[rank < fill[req]].sum())


def _request_bound_gap(req: np.ndarray, value: np.ndarray, fill: np.ndarray, x: np.ndarray) -> float:
    """Gap against each request's best candidates, ignoring who else wants them."""
    bound = float(_request_bound(req, value, fill))
    return max(0.0, (bound - float(value[x].sum())) / max(1.0, abs(bound)))


def _cpsat(req, value, fill, rows: Rows, x, keep, fixed, deadline, stats, objective=None,
           hold: tuple[np.ndarray, int] | None = None, lo: np.ndarray | None = None):
    """CP-SAT over the kept pairs (the others are out, ``fixed`` ones in); seeded with x."""
    from ortools.sat.python import cp_model  # slow to load: only when the LP leaves a gap

    kept = np.flatnonzero(keep)
    local = np.full(req.shape[0], -1, dtype=np.int64)
    local[kept] = np.arange(kept.shape[0])
    model = cp_model.CpModel()
    xs = [model.new_bool_var("") for _ in range(kept.shape[0])]
    for k in np.flatnonzero(fixed & keep).tolist():
        model.add(xs[local[k]] == 1)
    by_req: dict[int, list[int]] = {}
    for k, j in zip(kept.tolist(), req[kept].tolist()):
        by_req.setdefault(j, []).append(local[k])
    for j in sorted(set(np.flatnonzero(fill).tolist()) | set(by_req)):
        total = sum(xs[t] for t in by_req.get(j, []))
        if lo is None or lo[j] == fill[j]:
            model.add(total == int(fill[j]))
        else:
            model.add(total <= int(fill[j]))
            model.add(total >= int(lo[j]))
    on = keep[rows.item_pair]
    by_row: dict[int, tuple[list, list]] = {}
    for r, p, c in zip(rows.item_row[on].tolist(), rows.item_pair[on].tolist(),
                       rows.item_coef[on].tolist()):
        entry = by_row.setdefault(r, ([], []))
        entry[0].append(xs[local[p]])
        entry[1].append(int(round(c)))
    for r, (vs, cs) in by_row.items():
        if sum(cs) > rows.cap[r]:
            model.add(cp_model.LinearExpr.weighted_sum(vs, cs) <= int(rows.cap[r]))
    coeffs = (objective if objective is not None else value)[kept].astype(np.int64).tolist()
    if hold is not None:
        held_values, held_best = hold
        model.add(cp_model.LinearExpr.weighted_sum(xs, held_values[kept].astype(np.int64).tolist())
                  >= held_best)
    model.maximize(cp_model.LinearExpr.weighted_sum(xs, coeffs))
    for t, k in enumerate(kept.tolist()):
        model.add_hint(xs[t], bool(x[k]))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = max(0.01, deadline - time.perf_counter())
    started = time.perf_counter()
    result = solver.solve(model)
    stats["cpsat_solves"] = stats.get("cpsat_solves", 0) + 1
    stats["packing_mip_seconds"] = round(stats.get("packing_mip_seconds", 0.0)
                                         + time.perf_counter() - started, 4)
    base = objective if objective is not None else value
    if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return x, "feasible", int(base[x].sum()), None
    answer = np.zeros(req.shape[0], dtype=bool)
    answer[kept] = np.array([solver.value(v) for v in xs], dtype=bool)
    found = int(base[answer].sum())
    if found < int(base[x].sum()):  # never worse than the seed
        answer, found = x, int(base[x].sum())
    status = "optimal" if result == cp_model.OPTIMAL else "feasible"
    return answer, status, found, int(np.floor(solver.best_objective_bound + 1e-6))


def _tie_break(req, tie, value, best, fill, rows: Rows, x, loss, w, bound, deadline, stats,
               master: dict | None = None):
    """With the main level at its optimum ``best``, the tie values among those answers.

    ``bound`` is the (real-valued) bound the losses are measured against: an answer worth
    ``best`` uses no pair whose loss exceeds bound - best. First one min-cost flow with every
    person keeping the day profile of their pairs in ``x`` (exact over those profiles, and
    ``x`` is one of its answers, so quality cannot drop), then CP-SAT over the kept pairs for
    at most ``_TIE_SHARE`` of the time left: the tie level is never proven at prefecture
    scale (CP-SAT ran 27 s without), and stopping it costs no quality.
    """
    if tie is None or tie.shape[0] == 0 or time.perf_counter() >= deadline:
        return x, "optimal", 0.0
    gap_abs = bound - best
    keep = (loss <= gap_abs + 1e-6) | x
    fixed = w > gap_abs + 1e-6
    # lexicographic in one integer cost: a unit of value outweighs every tie value together (only
    # while the flow's total cost stays far inside 64 bits)
    scale = (int(tie.max()) - int(tie.min()) + 1) * (int(fill.sum()) + 1)
    if master is not None and (int(np.abs(value).max()) + 1) * scale * (int(fill.sum()) + 1) < 2**62:
        folded = value.astype(np.int64) * scale + (tie - tie.min()).astype(np.int64)
        t0 = time.perf_counter()
        candidate = profile_flow(req, folded, fill, rows, master, keep, held=x, anchor=x)
        stats["packing_tie_flow_seconds"] = round(time.perf_counter() - t0, 4)
        if candidate is not None and _feasible(req, candidate, fill, rows) \
                and int(value[candidate].sum()) >= best and int(tie[candidate].sum()) > int(tie[x].sum()):
            x = candidate
    tie_deadline = min(deadline, time.perf_counter() + _TIE_SHARE * max(0.0, deadline - time.perf_counter()))
    answer, status, _, _ = _cpsat(req, value, fill, rows, x, keep, fixed, tie_deadline, stats,
                                  objective=tie, hold=(value, best))
    if status != "optimal":
        stats["tie_break_unproven"] = stats.get("tie_break_unproven", 0) + 1
    if int(value[answer].sum()) < best or not _feasible(req, answer, fill, rows):
        answer = x
    return answer, "optimal", 0.0


def lexicographic_fill(req: np.ndarray, positions: np.ndarray, bound: np.ndarray, rows: Rows,
                       x: np.ndarray, rank: np.ndarray, deadline: float, stats: dict
                       ) -> tuple[np.ndarray, np.ndarray, bool]:
    """The lexicographic maximum fill, request by request in priority order; (x, fill, proven).

    Requests at ``bound`` (open slots, eligible people) cannot do better. For each request
    *j* still below it after the augmentation, in priority order: the LP of "maximise j's
    fill with every higher request's fill held", over the pairs of higher requests and j
    only (lower requests can always be emptied, so dropping them only relaxes), priced over
    all of them; when its bound (LP or Lagrangian) rounded down is j's fill, j is proven.
    Otherwise CP-SAT on the pairs the reduced costs leave; a better answer replaces the
    pairs of higher requests and j, lower requests keep what still fits (priority order)
    and are augmented again. ``proven`` is false when a model stops at the time limit.
    """
    proven = True
    done: set[int] = set()
    ceiling_of = bound.copy()  # the proven upper bound of each request's fill, given the higher
    while True:
        fill = augment(x, req, rank, bound, rows, positions)
        open_ = [j for j in np.flatnonzero(fill < bound).tolist() if j not in done]
        if not open_:
            stats["fill_level_bound"] = stats.get("fill_level_bound", 0) + int(
                np.maximum(ceiling_of, fill).sum())
            return x, fill, proven
        j = min(open_, key=lambda t: positions[t])
        done.add(j)
        stats["fill_deficits_examined"] = stats.get("fill_deficits_examined", 0) + 1
        higher_req = positions < positions[j]
        allowed = higher_req[req] | (req == j)
        value = (req == j).astype(np.int64)
        hi = np.where(higher_req, fill, 0)
        hi[j] = bound[j]
        lo = hi.copy()
        lo[j] = 0
        # the bound is never cut by the time limit (an LP, polynomial): fill is not traded for
        # time; only the MIP below, needed when the bound is above the fill, is
        lp = quality_lp(req, value.astype(np.float64), hi, rows, x & allowed,
                        time.perf_counter() + 1e5, stats, lo=lo, allowed=allowed, few=True)
        if lp is None:
            stats["fill_lp_failed"] = stats.get("fill_lp_failed", 0) + 1
            proven = False
            continue
        lp_f, bound_f, slack, w, _, _ = lp
        ceiling = int(np.floor(bound_f + 1e-6))
        ceiling_of[j] = min(ceiling_of[j], ceiling)
        if ceiling <= fill[j]:
            stats["fill_proven_by_lp"] = stats.get("fill_proven_by_lp", 0) + 1
            continue
        gap_abs = int(np.floor(lp_f + 1e-6)) - int(fill[j])
        keep = (slack <= gap_abs + 1e-6) & allowed
        fixed = w > gap_abs + 1e-6
        stats["fill_mip_pairs"] = stats.get("fill_mip_pairs", 0) + int(keep.sum())
        stats["fill_lp_ceilings"] = stats.get("fill_lp_ceilings", []) + [[int(fill[j]), ceiling]]
        if keep.sum() * _BUILD_SECONDS_PER_PAIR > deadline - time.perf_counter():
            proven = False  # no time to build the model: the answer keeps its fill, unproven
            continue
        answer, status, found, _ = _cpsat(req, value, hi, rows, x & allowed, keep, fixed,
                                          deadline, stats, lo=lo)
        if status != "optimal":
            proven = False
        else:
            ceiling_of[j] = max(found, int(fill[j]))
        if found > fill[j]:
            stats["fill_improved_by_packing"] = stats.get("fill_improved_by_packing", 0) + 1
            new_x = answer & allowed
            load = rows.loads(new_x.astype(np.float64))
            by_pair, starts = _by_pair(rows, req.shape[0])
            lower = np.flatnonzero(x & ~allowed)
            lower = lower[np.lexsort((-rank[lower], positions[req[lower]]))]
            for k in lower.tolist():
                items = by_pair[starts[k]:starts[k + 1]]
                r, c = rows.item_row[items], rows.item_coef[items]
                if np.all(load[r] + c <= rows.cap[r] + _EPS):
                    new_x[k] = True
                    load[r] += c
            x[:] = new_x


def _knapsacks(rows: Rows, profit: np.ndarray):
    """Every knapsack row's best set at each capacity (0/1 knapsack over at most 7 days).

    Returns (dp, items, take): dp[r, c] the best sum of positive profits within c days;
    ``items`` per stage t the (row, pair, days) of each row's t-th positive item and
    ``take`` whether the best answer at (row, c) takes it, for the trace back.
    """
    k_rows = rows.knapsack_rows
    kn = np.flatnonzero(rows.item_row < k_rows)
    kn = kn[profit[rows.item_pair[kn]] > _EPS]
    cap = rows.cap[:k_rows]
    cap_max = int(cap.max()) if k_rows else 0
    dp = np.zeros((k_rows, cap_max + 1))
    stages = []
    if kn.shape[0]:
        r_all = rows.item_row[kn]
        order = np.argsort(r_all, kind="stable")
        r_all, p_all = r_all[order], rows.item_pair[kn][order]
        d_all = rows.item_coef[kn][order].astype(np.int64)
        first = np.searchsorted(r_all, np.arange(k_rows + 1))
        nth = np.arange(r_all.shape[0]) - first[r_all]
        by_t = np.argsort(nth, kind="stable")
        t_first = np.searchsorted(nth[by_t], np.arange(int(nth.max()) + 2))
        for t in range(int(nth.max()) + 1):
            at = by_t[t_first[t]:t_first[t + 1]]
            rr, pp, kk = r_all[at], p_all[at], d_all[at]
            vv = profit[pp]
            cols = np.arange(cap_max + 1)[None, :]
            prev = dp[rr]
            src = np.clip(cols - kk[:, None], 0, None)
            cand = np.where(cols >= kk[:, None], prev[np.arange(rr.shape[0])[:, None], src]
                            + vv[:, None], -np.inf)
            take = cand > prev + 1e-12
            dp[rr] = np.where(take, cand, prev)
            stages.append((rr, pp, kk, take))
    dp[np.arange(cap_max + 1)[None, :] > cap[:, None]] = -np.inf
    return dp, stages


def _trace(dp: np.ndarray, stages, wanted: np.ndarray) -> list[list[int]]:
    """The pairs of the best set of each wanted knapsack row (traced back through the stages)."""
    c = np.argmax(dp[wanted], axis=1)
    where = np.full(dp.shape[0], -1, dtype=np.int64)
    where[wanted] = np.arange(wanted.shape[0])
    chosen: list[list[int]] = [[] for _ in range(wanted.shape[0])]
    for rr, pp, kk, take in reversed(stages):
        w = where[rr]
        hit = np.flatnonzero(w >= 0)
        if hit.shape[0] == 0:
            continue
        sel = take[hit, c[w[hit]]]
        for h in hit[sel].tolist():
            chosen[w[h]].append(int(pp[h]))
        c[w[hit[sel]]] -= kk[hit[sel]]
    return chosen


def pattern_lp(req: np.ndarray, value: np.ndarray, fill: np.ndarray, rows: Rows, x: np.ndarray,
               deadline: float, stats: dict, first_deadline: float | None = None) -> dict | None:
    """The Dantzig-Wolfe master: each one-day person chooses one feasible set of requests.

    People with a knapsack row (all their candidate requests share a day) enter as
    *patterns* (feasible sets, priced by an exact knapsack over their days); everyone else
    as pairs with their busiest-day rows. The master is one HiGHS model (highspy) kept across
    rounds: each round's new columns are added as one sparse block and the dual simplex
    restarts from the last basis (the first solve by interior point and crossover beyond
    30,000 columns, where it is faster).
    Prices are smoothed (Wentges): columns are also priced at the midpoint of the best
    prices so far and the LP's, which stops the duals jumping between extreme points. The
    bound is the Lagrangian of the best request prices met, valid whenever the generation
    stops; it stops when that bound rounded down meets the LP value rounded down (the
    objective is integral: nothing better can be proven), or at ``deadline`` (the first
    solve runs to ``first_deadline``, the component's, or to its end without one), or when no
    column prices out.

    Returns a dict: ``bound`` (Lagrangian), ``loss`` (per pair, from below: no answer using
    pair k is worth more than bound - loss_k; for a pattern person their best set minus the
    best set containing k), ``w`` (per compact pair: what leaving it out costs), ``columns``
    (pairs in some column), ``lp`` (the last LP value), the patterns with their weights
    (``pat_person``, ``pat_ptr``, ``pat_pairs``, ``lam``) and ``person_row``/``days`` per pair;
    or None when the first LP fails.
    """
    import highspy
    import scipy.sparse as sparse  # the master's new columns, one block per round

    n, n_req = req.shape[0], fill.shape[0]
    if n == 0:
        return None
    k_rows = rows.knapsack_rows
    person_row = np.full(n, -1, dtype=np.int64)  # the knapsack row of the pair's person
    kn_items = rows.item_row < k_rows
    person_row[rows.item_pair[kn_items]] = rows.item_row[kn_items]
    patterned = person_row >= 0
    # rows of pattern people (their knapsack and cardinality rows) leave the master
    row_kn = np.zeros(rows.cap.shape[0], dtype=bool)
    row_kn[rows.item_row[patterned[rows.item_pair]]] = True
    comp_rows = np.flatnonzero(~row_kn)
    comp_id = np.full(rows.cap.shape[0], -1, np.int64)
    comp_id[comp_rows] = np.arange(comp_rows.shape[0])
    n_crow = comp_rows.shape[0]
    order = np.lexsort((-value, req))
    first = np.searchsorted(req[order], np.arange(n_req + 1))
    rank_in_req = np.empty(n, dtype=np.int64)
    rank_in_req[order] = np.arange(n) - np.repeat(first[:-1], np.diff(first))
    start = x | (rank_in_req < np.maximum(_START_RANK[0] * fill, fill + _START_RANK[1])[req])
    days = np.zeros(n, dtype=np.int64)
    days[rows.item_pair[kn_items]] = rows.item_coef[kn_items].astype(np.int64)

    comp_cols: list[int] = []
    in_master = np.zeros(n, dtype=bool)
    pat_person: list[int] = []
    pat_ptr: list[int] = [0]
    pat_pairs: list[int] = []
    seen: set[tuple[int, ...]] = set()

    def add_patterns(persons: list[int], sets: list[list[int]]) -> int:
        added = 0
        for r, pairs in zip(persons, sets):
            key = (r,) + tuple(sorted(pairs))
            if not pairs or key in seen:
                continue
            seen.add(key)
            pat_person.append(r)
            pat_pairs.extend(pairs)
            pat_ptr.append(len(pat_pairs))
            added += 1
        return added

    def add_compact(cols: np.ndarray) -> None:
        comp_cols.extend(cols.tolist())
        in_master[cols] = True

    add_compact(np.flatnonzero(start & ~patterned))
    held: dict[int, list[int]] = {}
    for c in np.flatnonzero(x & patterned).tolist():
        held.setdefault(int(person_row[c]), []).append(c)
    add_patterns(list(held), list(held.values()))
    single = np.flatnonzero(start & patterned & ~x)
    add_patterns(person_row[single].tolist(), [[c] for c in single.tolist()])
    row_pair_charge = rows.item_coef

    def evaluate(pi: np.ndarray, y: np.ndarray):
        """The Lagrangian bound at prices (pi, y >= 0) and what pricing needs."""
        profit = value - pi[req]
        charge = pi[req] + np.bincount(rows.item_pair, weights=row_pair_charge * y[rows.item_row],
                                       minlength=n)
        slack = charge - value
        slack[patterned] = np.inf
        dp, stages = _knapsacks(rows, np.where(patterned, profit, -np.inf))
        best = np.max(dp, axis=1) if k_rows else np.zeros(0)
        gain = np.where(patterned, 0.0, np.maximum(0.0, -slack))
        lagr = (float(pi @ fill) + float(y[~row_kn] @ rows.cap[~row_kn]) + float(gain.sum())
                + float(np.maximum(best, 0.0).sum()))
        return lagr, profit, slack, dp, stages, best

    # seed prices: each request's price is the value of its first candidate beyond its fill
    # (what it would pay to take one more); everyone's best sets at those prices are columns
    # from the start, so the first LP already holds sets of several requests
    seed_pi = np.zeros(n_req)
    marginal = np.flatnonzero(rank_in_req == fill[req])
    seed_pi[req[marginal]] = value[marginal]
    _, _, _, dp0, stages0, best0 = evaluate(seed_pi, np.zeros(rows.cap.shape[0]))
    wanted0 = np.flatnonzero(best0 > _EPS)
    add_patterns(wanted0.tolist(), _trace(dp0, stages0, wanted0))
    rounds = 0
    lp_value = None
    lam = np.zeros(0)
    best_bound, best_state, center = np.inf, None, None
    lp_seconds = last_solve = eval_seconds = 0.0
    subgradient_steps = 0
    # the master kept in one HiGHS model: request rows (= fill), compact rows (<= cap), one row
    # per pattern person (<= 1); columns are added round by round
    highs = _highs()
    highs.addRows(n_req + n_crow + k_rows,
                  np.concatenate([fill.astype(np.float64), np.full(n_crow + k_rows, -highspy.kHighsInf)]),
                  np.concatenate([fill.astype(np.float64), rows.cap[comp_rows].astype(np.float64),
                                  np.ones(k_rows)]),
                  0, np.zeros(n_req + n_crow + k_rows, dtype=np.int32), np.zeros(0, dtype=np.int32),
                  np.zeros(0))
    h_c = h_p = n_hcols = 0
    first_ipm = False
    hcol_c: list[int] = []
    hcol_p: list[int] = []
    while True:
        rounds += 1
        n_c, n_p = len(comp_cols), len(pat_ptr) - 1
        remaining = deadline - time.perf_counter()
        # the next solve's time, guessed from the last one; after a first solve by interior point
        # (national scale: 3.0-3.4 s) the warm-started dual simplex took 0.2-0.5 s a round
        est = last_solve * (_IPM_TO_SIMPLEX if rounds == 2 and first_ipm else 1.0)
        if rounds > 1 and (remaining < est * (2.0 if est > 1.0 else 1.0)
                           or rounds > _LP_MAX_ROUNDS):
            # a solve cut by its time limit gives nothing (and HiGHS's interior point overran
            # its limit by seconds): not started when the last one took longer than the time
            # left; a long one (national) not with less than twice its time left, which goes
            # to the subgradient steps instead (one LP and 26 steps: 841,300; two LPs and no
            # step: 849,200). Short ones (prefecture) converge by LP rounds.
            break
        t0 = time.perf_counter()
        # the columns added since the last solve join the model kept in HiGHS, whose simplex
        # starts from the last basis (warm start) instead of from scratch
        new_c = np.array(comp_cols[h_c:], dtype=np.int64)
        new_pp = np.array(pat_pairs[pat_ptr[h_p]:], dtype=np.int64)
        new_ptr = np.array(pat_ptr[h_p:], dtype=np.int64) - pat_ptr[h_p]
        m1, m2 = new_c.shape[0], new_ptr.shape[0] - 1
        if m1 + m2:
            local = np.full(n, -1, np.int64)
            local[new_c] = np.arange(m1)
            sel = (local[rows.item_pair] >= 0) & ~row_kn[rows.item_row]
            pat_of = np.repeat(np.arange(m2), np.diff(new_ptr))
            block = sparse.csc_matrix(
                (np.concatenate([np.ones(m1 + new_pp.shape[0]), rows.item_coef[sel].astype(np.float64),
                                 np.ones(m2)]),
                 (np.concatenate([req[new_c], req[new_pp], n_req + comp_id[rows.item_row[sel]],
                                  n_req + n_crow + np.array(pat_person[h_p:], np.int64)]),
                  np.concatenate([np.arange(m1), m1 + pat_of, local[rows.item_pair[sel]],
                                  m1 + np.arange(m2)]))),
                shape=(n_req + n_crow + k_rows, m1 + m2))
            block.sum_duplicates()
            cost = -np.concatenate([value[new_c], np.bincount(pat_of, weights=value[new_pp],
                                                               minlength=m2)])
            # a pattern's weight is bounded by its person's row only (so that row carries the dual)
            highs.addCols(m1 + m2, cost, np.zeros(m1 + m2),
                          np.concatenate([np.ones(m1), np.full(m2, highspy.kHighsInf)]),
                          block.nnz, block.indptr[:-1].astype(np.int32),
                          block.indices.astype(np.int32), block.data)
            base = n_hcols
            hcol_c.extend(range(base, base + m1))
            hcol_p.extend(range(base + m1, base + m1 + m2))
            n_hcols += m1 + m2
            h_c, h_p = n_c, n_p
        if rounds == 1:
            first_ipm = n_c + n_p > 30000
        highs.setOptionValue("solver", "ipm" if rounds == 1 and first_ipm else "simplex")
        # HiGHS's time limit counts the model's run time over all its solves, not this one's
        highs.setOptionValue("time_limit", float(highs.getRunTime()) + float(
            max(0.05, remaining) if rounds > 1 else 1e5 if first_deadline is None
            else max(0.05, first_deadline - time.perf_counter())))
        highs.run()
        last_solve = time.perf_counter() - t0
        lp_seconds += last_solve
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            if rounds == 1:
                return None
            break  # the best prices met stand: their Lagrangian bound is valid
        solution = highs.getSolution()
        col_value = np.asarray(solution.col_value)
        lp_value = -float(highs.getInfo().objective_function_value)
        lam = np.concatenate([col_value[np.array(hcol_c, dtype=np.int64)],
                              col_value[np.array(hcol_p, dtype=np.int64)]])
        row_dual = np.asarray(solution.row_dual)
        pi = -row_dual[:n_req]
        dual_ub = np.maximum(0.0, -row_dual[n_req:])
        y = np.zeros(rows.cap.shape[0])
        y[comp_rows] = dual_ub[:n_crow]
        mu = dual_ub[n_crow:]
        points = [pi] if center is None else [pi, _SMOOTH * center + (1.0 - _SMOOTH) * pi]
        added = 0
        for t, point in enumerate(points):
            t_eval = time.perf_counter()
            lagr, profit, slack, dp, stages, best = evaluate(point, y)
            eval_seconds = time.perf_counter() - t_eval
            if lagr < best_bound:
                best_bound, center, center_y = lagr, point.copy(), y
                best_state, stages_of_best = (profit, slack, dp, best), stages
            new_compact = np.flatnonzero((-slack > _EPS) & ~patterned & ~in_master)
            add_compact(new_compact[np.argsort(slack[new_compact], kind="stable")][:20000])
            added += min(new_compact.shape[0], 20000)
            # at the LP's prices a set pays when it beats the person's row dual; at the
            # smoothed prices every positive best set is offered (the LP drops what does not pay)
            wanted = np.flatnonzero(best - (mu if t == 0 else 0.0) > _EPS)
            added += add_patterns(wanted.tolist(), _trace(dp, stages, wanted))
        if (np.floor(best_bound + 1e-6) <= np.floor(lp_value + 1e-6) or added == 0
                or time.perf_counter() >= deadline):
            break
    if center is not None and lp_value is not None:
        # the time the next LP would not fit in: subgradient steps on the Lagrangian from the
        # best prices (Polyak steps toward the LP value, which no Lagrangian bound is below);
        # every point's Lagrangian is a valid bound, the lowest one is kept
        pi_s, y_s, lagr_s = center.copy(), center_y.copy(), best_bound
        cur = best_state + (stages_of_best,)
        theta = 1.0
        while (time.perf_counter() + 2.0 * eval_seconds < deadline and theta > 1e-3
               and np.floor(best_bound + 1e-6) > np.floor(lp_value + 1e-6)):
            t_eval = time.perf_counter()
            profit, slack, dp, best, stages = cur
            wanted = np.flatnonzero(best > _EPS)
            sets = _trace(dp, stages, wanted)
            taken = np.zeros(n, dtype=bool)
            taken[np.fromiter((c for one in sets for c in one), dtype=np.int64)] = True
            taken |= (-slack > _EPS) & ~patterned
            g_pi = fill - np.bincount(req[taken], minlength=n_req)
            on = taken[rows.item_pair] & ~row_kn[rows.item_row]
            g_y = rows.cap - np.bincount(rows.item_row[on], weights=rows.item_coef[on],
                                         minlength=rows.cap.shape[0])
            g_y[row_kn] = 0.0
            g_y = np.where((y_s <= 0) & (g_y > 0), 0.0, g_y)  # the projection on y >= 0
            norm = float(g_pi @ g_pi) + float(g_y @ g_y)
            if norm <= _EPS:
                break  # the Lagrangian's answer is feasible: its bound is the LP's
            step = theta * max(lagr_s - lp_value, 1.0) / norm
            pi_s = pi_s - step * g_pi
            y_s = np.maximum(0.0, y_s - step * g_y)
            lagr_s, profit, slack, dp, stages, best = evaluate(pi_s, y_s)
            cur = (profit, slack, dp, best, stages)
            if lagr_s < best_bound:
                best_bound, best_state = lagr_s, (profit, slack, dp, best)
            else:
                theta = theta / 2.0  # halved at once: measured 841,300 against 842,700 in 26 steps
            subgradient_steps += 1
            eval_seconds = time.perf_counter() - t_eval
    stats["packing_lagrange_steps"] = subgradient_steps
    profit, slack, dp, best = best_state
    # what taking a pattern person's pair costs, from below: best - (profit + best within the rest)
    loss = np.maximum(0.0, slack)
    pk = np.flatnonzero(patterned)
    r_of = person_row[pk]
    room = rows.cap[r_of] - days[pk]
    within = np.where(room >= 0, dp[r_of, np.clip(room, 0, None)], -np.inf)
    loss[pk] = np.maximum(0.0, np.maximum(best[r_of], 0.0) - (profit[pk] + within))
    cc = np.array(comp_cols, dtype=np.int64)
    pp = np.array(pat_pairs, dtype=np.int64)
    ptr = np.array(pat_ptr, dtype=np.int64)
    n_c = cc.shape[0]
    lam_c = lam[:n_c] if lam.shape[0] >= n_c else np.zeros(n_c)
    lam_p = lam[n_c:] if lam.shape[0] > n_c else np.zeros(0)
    columns = np.zeros(n, dtype=bool)
    columns[cc] = True
    columns[pp] = True
    point = np.zeros(n)
    point[cc] = lam_c
    n_p_solved = lam_p.shape[0]
    if n_p_solved:
        np.add.at(point, pp[:ptr[n_p_solved]],
                  np.repeat(lam_p, np.diff(ptr[:n_p_solved + 1])))
    stats["packing_lp_rounds"] = rounds
    stats["packing_lp_columns"] = int(n_c + ptr.shape[0] - 1)
    stats["packing_lp_value"] = round(float(lp_value), 3)
    stats["packing_lp_solver_seconds"] = round(lp_seconds, 4)
    return {"bound": best_bound, "lp": lp_value, "loss": loss,
            "w": np.where(patterned, 0.0, np.maximum(0.0, -slack)), "columns": columns,
            "point": point, "pat_person": np.array(pat_person[:n_p_solved], dtype=np.int64),
            "pat_ptr": ptr[:n_p_solved + 1], "pat_pairs": pp[:ptr[n_p_solved]], "lam": lam_p,
            "person_row": person_row, "days": days}


def profile_flow(req: np.ndarray, value: np.ndarray, fill: np.ndarray, rows: Rows, master: dict,
                 keep: np.ndarray, held: np.ndarray | None = None,
                 anchor: np.ndarray | None = None) -> np.ndarray | None:
    """An answer from the master's patterns: day profiles, then one min-cost flow.

    Each pattern person gets the *slots* of their heaviest pattern in the LP (one slot per
    request of that set, of its days) plus one slot of the days it leaves free; a slot takes
    one request of at most its days, so any assignment of requests to slots keeps within
    the days offered. The flow (source -> slot -> pair -> request -> sink, each pair at most
    once, each request up to its fill) fills every request first, then maximises value,
    over the ``keep`` pairs. Pairs of people without rows are free; people with rows of
    several busy days keep exactly their pairs in ``held`` (the current answer: any of its
    subsets keeps their rows) and take no other. With ``anchor`` (a feasible answer whose
    pairs are all kept), the pattern people it uses keep the profile of their pairs in it,
    so the flow can always route that answer again and never fails. None when the slots
    cannot give every request its fill.
    """
    from ortools.graph.python import min_cost_flow

    n, n_req = req.shape[0], fill.shape[0]
    person_row, days = master["person_row"], master["days"]
    k_rows = rows.knapsack_rows
    cap = rows.cap[:k_rows].astype(np.int64)
    ptr, pp, lam, who = master["pat_ptr"], master["pat_pairs"], master["lam"], master["pat_person"]
    n_p = ptr.shape[0] - 1
    used = np.zeros(k_rows, np.int64)
    slot_person, slot_size = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    if n_p:
        order = np.lexsort((-lam, who))
        head = np.ones(n_p, dtype=bool)
        head[1:] = who[order][1:] != who[order][:-1]
        top = order[head & (lam[order] > 1e-6)]
        if anchor is not None:  # these people keep the profile of their pairs in ``anchor``
            anchored = np.zeros(k_rows, dtype=bool)
            anchored[person_row[anchor & (person_row >= 0)]] = True
            top = top[~anchored[who[top]]]
        lengths = np.diff(ptr)[top]
        members = pp[np.concatenate([np.arange(ptr[p], ptr[p + 1]) for p in top.tolist()])] \
            if top.shape[0] else np.empty(0, np.int64)
        slot_person.append(np.repeat(who[top], lengths))
        slot_size.append(days[members])
        np.add.at(used, np.repeat(who[top], lengths), days[members])
    if anchor is not None:
        mine = np.flatnonzero(anchor & (person_row >= 0))
        slot_person.append(person_row[mine])
        slot_size.append(days[mine])
        np.add.at(used, person_row[mine], days[mine])
    left = cap - used
    spare = np.flatnonzero(left > 0)
    slot_person.append(spare)
    slot_size.append(left[spare])
    slot_person_a = np.concatenate(slot_person).astype(np.int64)
    slot_size_a = np.concatenate(slot_size).astype(np.int64)
    o = np.argsort(slot_person_a, kind="stable")
    slot_person_a, slot_size_a = slot_person_a[o], slot_size_a[o]
    n_slots = slot_size_a.shape[0]
    slot_first = np.searchsorted(slot_person_a, np.arange(k_rows + 1))
    has_rows = np.zeros(n, dtype=bool)
    has_rows[rows.item_pair] = True
    fixed = (held if held is not None else np.zeros(n, dtype=bool)) & has_rows & (person_row < 0)
    fill = fill - np.bincount(req[fixed], minlength=n_req)
    pairs = np.flatnonzero(keep & ((person_row >= 0) | ~has_rows))
    kp = pairs[person_row[pairs] >= 0]
    free = pairs[person_row[pairs] < 0]
    count = np.diff(slot_first)[person_row[kp]]
    rep_pair = np.repeat(kp, count)
    offset = np.arange(rep_pair.shape[0]) - np.repeat(np.cumsum(count) - count, count)
    rep_slot = slot_first[person_row[rep_pair]] + offset
    fits = slot_size_a[rep_slot] >= days[rep_pair]
    rep_pair, rep_slot = rep_pair[fits], rep_slot[fits]
    local = np.full(n, -1, np.int64)
    local[pairs] = np.arange(pairs.shape[0])
    n_pairs = pairs.shape[0]
    base_slot, base_pair = 2, 2 + n_slots
    base_req = base_pair + n_pairs
    tails = np.concatenate([np.zeros(n_slots + free.shape[0], np.int64), base_slot + rep_slot,
                            base_pair + np.arange(n_pairs), base_req + np.arange(n_req)])
    heads = np.concatenate([base_slot + np.arange(n_slots), base_pair + local[free],
                            base_pair + local[rep_pair], base_req + req[pairs],
                            np.ones(n_req, np.int64)])
    caps = np.concatenate([np.ones(n_slots + free.shape[0] + rep_pair.shape[0] + n_pairs, np.int64),
                           fill.astype(np.int64)])
    costs = np.concatenate([np.zeros(n_slots + free.shape[0] + rep_pair.shape[0], np.int64),
                            -(value[pairs] - value.min()).astype(np.int64), np.zeros(n_req, np.int64)])
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32),
                                                     caps, costs)
    total = int(fill.sum())
    flow.set_node_supply(0, total)
    flow.set_node_supply(1, -total)
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        return None
    flows = flow.flows(arcs)
    at = n_slots + free.shape[0] + rep_pair.shape[0]
    chosen = np.zeros(n, dtype=bool)
    chosen[pairs[flows[at:at + n_pairs] > 0]] = True
    if not np.array_equal(np.bincount(req[chosen], minlength=n_req), fill):
        return None
    return chosen | fixed


def _highs_mip(req: np.ndarray, value: np.ndarray, fill: np.ndarray, rows: Rows, keep: np.ndarray,
               fixed: np.ndarray, deadline: float, stats: dict, floor: int | None = None
               ) -> tuple[np.ndarray | None, bool, float | None]:
    """The quality MIP over the kept pairs (others out, ``fixed`` ones in) by HiGHS.

    Request rows at their fill, every packing row, and (with ``floor``) value at least
    ``floor``; (answer or None, proven, the solver's upper bound on the kept pairs' best value
    or None). ``proven``: the answer is optimal over the kept pairs, or none reaches ``floor``.
    """
    import highspy
    import scipy.sparse as sparse

    kept = np.flatnonzero(keep)
    nk = kept.shape[0]
    local = np.full(req.shape[0], -1, np.int64)
    local[kept] = np.arange(nk)
    on = keep[rows.item_pair]
    n_req, n_rows = fill.shape[0], rows.cap.shape[0]
    matrix = sparse.csc_matrix(
        (np.concatenate([np.ones(nk), rows.item_coef[on].astype(np.float64)]),
         (np.concatenate([req[kept], n_req + rows.item_row[on]]),
          np.concatenate([np.arange(nk), local[rows.item_pair[on]]]))),
        shape=(n_req + n_rows, nk))
    matrix.sum_duplicates()
    started = time.perf_counter()
    limit = deadline - started
    if limit <= 0.05:
        return None, False, None
    h = _highs()
    # HiGHS checks its limit between phases: it overran 2.5 s by 0.1-0.4 s (prefecture)
    h.setOptionValue("time_limit", float(0.85 * limit))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 0.0)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = nk, n_req + n_rows
    lp.col_cost_ = -value[kept].astype(np.float64)
    lp.col_lower_ = fixed[kept].astype(np.float64)
    lp.col_upper_ = np.ones(nk)
    lp.row_lower_ = np.concatenate([fill.astype(np.float64), np.full(n_rows, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([fill.astype(np.float64), rows.cap.astype(np.float64)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * nk
    h.passModel(lp)
    if floor is not None:
        # only answers worth at least ``floor`` matter: HiGHS prunes every node that cannot reach it
        h.setOptionValue("objective_bound", -float(floor) + 0.5)
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    stats["packing_mip_seconds"] = round(stats.get("packing_mip_seconds", 0.0)
                                         + time.perf_counter() - started, 4)
    stats["packing_mip_solves"] = stats.get("packing_mip_solves", 0) + 1
    upper = -float(info.mip_dual_bound) if np.isfinite(info.mip_dual_bound) else None
    if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kObjectiveBound):
        # infeasible (or nothing reaches ``floor``): no answer over the kept pairs (with the
        # fixed ones) is worth more than the current one, which is therefore optimal
        return None, True, None
    if info.primal_solution_status != 2:  # no feasible answer found
        return None, False, upper
    values = np.asarray(h.getSolution().col_value)
    res_ok = status == highspy.HighsModelStatus.kOptimal
    answer = np.zeros(req.shape[0], dtype=bool)
    answer[kept[values > 0.5]] = True
    return answer, res_ok, upper
