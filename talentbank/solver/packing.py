"""Part-time packing at scale: exact fill by bounds, quality by LP bounds and a reduced MIP.

A component of the dispatch graph where people can hold several requests at once (part-time
days, or periods that do not overlap) is solved in three steps (docs/part-time-packing.md):

1. **One slot per person.** The unit-capacity flows of ``dispatch._flow_assign`` give the
   priority-respecting maximum fill when everyone holds at most one slot (the transversal
   matroid's greedy basis), quality-optimal among such answers. It is feasible under packing.
2. **Fill, proven by a bound.** No answer can fill request *j* beyond
   ``b_j = min(open slots, eligible people)``. Requests below ``b_j`` are *deficits*; people
   eligible for one of them who still have room on every busiest day take it
   (``_augment``: pairs are only added, so every other request keeps its fill). When every
   request then reaches ``b_j``, the fill vector is the maximum at every priority position
   at once, hence the lexicographic optimum: proven, whatever quality does next. Otherwise
   the caller falls back to the exact lexicographic CP-SAT (``stats["fill_proven"]`` says
   which).
3. **Quality with every request's fill held.** The LP relaxation (request rows ``= fill``,
   one knapsack row per person and binding busiest day, ``days x`` within the days offered,
   plus the cardinality row it implies) is solved by GLOP over a few columns per request and
   priced over *every* eligible pair (column generation, vectorised); the bound is recomputed
   from the duals clipped to valid signs, so it is rigorous. Pairs whose reduced cost exceeds
   the gap between that bound and the best answer known cannot be in an answer at least as
   good and are dropped; CP-SAT (one worker, seeded with the best answer) solves the rest and
   proves optimality, or stops at the time limit with the gap to the LP bound.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

_EPS = 1e-6
_BUILD_SECONDS_PER_PAIR = 3e-5  # building a CP-SAT model in Python, measured on 2 cores


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

    The first level is proven by the LP bound and a reduced CP-SAT model; with
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
    # the bound's column generation may use half the time left (its bound is valid whenever
    # it stops); the MIPs the rest
    lp_deadline = time.perf_counter() + 0.5 * max(0.0, deadline - time.perf_counter())
    lp = pattern_lp(req, value.astype(np.float64), fill, rows, x, lp_deadline, stats)
    stats["packing_lp_seconds"] = round(time.perf_counter() - started, 4)
    if lp is None:
        return x, "feasible", _request_bound_gap(req, value, fill, x)
    lp_f, bound_f, slack, w, columns, point = lp
    bound = int(np.floor(bound_f + 1e-6 * max(1.0, abs(bound_f))))
    # each request's best candidates, ignoring who else wants them: also a bound, sometimes lower
    bound = min(bound, _request_bound(req, value, fill))
    # reduced-cost fixing works against the LP bound its duals prove (never the tighter one)
    lp_bound = int(np.floor(lp_f + 1e-6 * max(1.0, abs(lp_f))))
    stats["quality_bound"] = bound
    stats["quality_lp_bound"] = lp_bound
    stats["quality_start"] = best
    if best < bound and np.all((point < _EPS) | (point > 1 - _EPS)):
        integral = point > 0.5  # an integral LP point is an answer (checked in integers)
        if _feasible(req, integral, fill, rows) and int(value[integral].sum()) > best:
            x, best = integral, int(value[integral].sum())
    if best < bound and time.perf_counter() < deadline:
        # the restricted master as a MIP: the LP's columns only (small), for a good answer
        budget = time.perf_counter() + 0.4 * max(0.0, deadline - time.perf_counter())
        keep = columns | x
        answer, _, found, _ = _cpsat(req, value, fill, rows, x, keep, np.zeros_like(x), budget,
                                     stats)
        if found > best:
            x, best = answer, found
    stats["quality_restricted"] = best
    if best >= bound:
        stats["quality_proven_by"] = "lp_bound"
        return _tie_break(req, tie, value, best, fill, rows, x, slack, w, lp_bound, deadline, stats)
    gap_abs = lp_bound - best
    keep = slack <= gap_abs + 1e-6
    fixed = w > gap_abs + 1e-6
    stats["packing_mip_pairs"] = int(keep.sum())
    stats["packing_fixed_pairs"] = int(fixed.sum())
    if keep.sum() * _BUILD_SECONDS_PER_PAIR > deadline - time.perf_counter():
        # building that model alone would overrun the limit: the answer so far, with its gap
        stats["packing_mip_skipped"] = True
        return x, "feasible", max(0.0, (bound - best) / max(1.0, abs(bound)))
    answer, status, found, cp_bound = _cpsat(req, value, fill, rows, x, keep, fixed, deadline, stats)
    if status == "optimal":
        stats["quality_proven_by"] = "reduced_mip"
        return _tie_break(req, tie, value, found, fill, rows, answer, slack, w, lp_bound, deadline,
                          stats)
    upper = min(bound, cp_bound) if cp_bound is not None else bound
    gap = (upper - found) / max(1.0, abs(upper))
    return answer, "feasible", max(0.0, gap)


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


def _tie_break(req, tie, value, best, fill, rows: Rows, x, slack, w, bound, deadline, stats):
    """With the main level at its optimum ``best``, the tie values among those answers."""
    if tie is None or tie.shape[0] == 0 or time.perf_counter() >= deadline:
        return x, "optimal", 0.0
    gap_abs = bound - best
    keep = slack <= gap_abs + 1e-6
    fixed = w > gap_abs + 1e-6
    answer, status, _, _ = _cpsat(req, value, fill, rows, x, keep, fixed, deadline, stats,
                                  objective=tie, hold=(value, best))
    if status != "optimal":
        stats["tie_break_unproven"] = stats.get("tie_break_unproven", 0) + 1
    if int(value[answer].sum()) < best:
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
               deadline: float, stats: dict):
    """The Dantzig-Wolfe master: each one-day person chooses one feasible set of requests.

    People with a knapsack row (all their candidate requests share a day) enter as
    *patterns* (feasible sets, priced by an exact knapsack over their days); everyone else
    as pairs with their busiest-day rows (as in ``quality_lp``). The bound is the Lagrangian
    of the request prices, valid whenever the generation stops. Returns (bound, bound,
    loss, w, columns, point) as ``quality_lp``: ``loss_k`` bounds from below what taking pair
    k costs against the bound (for a pattern person: their best set minus the best set
    containing k, from below), ``w_k`` what leaving a compact pair out costs.
    """
    from ortools.linear_solver import pywraplp  # slow to load: only when packing binds

    n, n_req = req.shape[0], fill.shape[0]
    k_rows = rows.knapsack_rows
    person_row = np.full(n, -1, dtype=np.int64)  # the knapsack row of the pair's person
    kn_items = rows.item_row < k_rows
    person_row[rows.item_pair[kn_items]] = rows.item_row[kn_items]
    patterned = person_row >= 0
    # rows of pattern people (their knapsack and cardinality rows) leave the master
    row_kn = np.zeros(rows.cap.shape[0], dtype=bool)
    row_kn[rows.item_row[patterned[rows.item_pair]]] = True
    order = np.lexsort((-value, req))
    first = np.searchsorted(req[order], np.arange(n_req + 1))
    rank_in_req = np.empty(n, dtype=np.int64)
    rank_in_req[order] = np.arange(n) - np.repeat(first[:-1], np.diff(first))
    start = x | (rank_in_req < np.maximum(3 * fill, fill + 4)[req])
    by_pair, pair_starts = _by_pair(rows, n)

    lp = pywraplp.Solver.CreateSolver("GLOP")
    objective = lp.Objective()
    objective.SetMaximization()
    req_cts: dict[int, object] = {}
    row_cts: dict[int, object] = {}
    conv: dict[int, object] = {}
    compact_var: dict[int, object] = {}
    patterns: list[tuple[object, list[int]]] = []
    seen: set[tuple[int, ...]] = set()

    def req_ct(j: int):
        ct = req_cts.get(j)
        if ct is None:
            ct = req_cts[j] = lp.Constraint(float(fill[j]), float(fill[j]))
        return ct

    def add_compact(cols) -> None:
        for c in cols:
            v = lp.NumVar(0.0, 1.0, "")
            compact_var[c] = v
            objective.SetCoefficient(v, float(value[c]))
            req_ct(int(req[c])).SetCoefficient(v, 1.0)
            for t in by_pair[pair_starts[c]:pair_starts[c + 1]].tolist():
                r = int(rows.item_row[t])
                rc = row_cts.get(r)
                if rc is None:
                    rc = row_cts[r] = lp.Constraint(-lp.infinity(), float(rows.cap[r]))
                rc.SetCoefficient(v, float(rows.item_coef[t]))

    def add_pattern(r: int, pairs: list[int]) -> None:
        key = (r,) + tuple(sorted(pairs))
        if key in seen or not pairs:
            return
        seen.add(key)
        v = lp.NumVar(0.0, 1.0, "")
        objective.SetCoefficient(v, float(value[pairs].sum()))
        for c in pairs:
            req_ct(int(req[c])).SetCoefficient(v, 1.0)
        ct = conv.get(r)
        if ct is None:
            ct = conv[r] = lp.Constraint(-lp.infinity(), 1.0)
        ct.SetCoefficient(v, 1.0)
        patterns.append((v, pairs))

    add_compact(np.flatnonzero(start & ~patterned).tolist())
    held: dict[int, list[int]] = {}
    for c in np.flatnonzero(x & patterned).tolist():
        held.setdefault(int(person_row[c]), []).append(c)
    for r, pairs in held.items():
        add_pattern(r, pairs)
    for c in np.flatnonzero(start & patterned & ~x).tolist():
        add_pattern(int(person_row[c]), [c])
    rounds = 0
    while True:
        rounds += 1
        remaining = deadline - time.perf_counter()
        if remaining <= 0 and rounds > 1:
            break
        # the first solve always runs to the end (a bound is needed); later ones within the time
        lp.SetTimeLimit(int(max(10.0 if rounds == 1 else 0.1, remaining) * 1000))
        if lp.Solve() != pywraplp.Solver.OPTIMAL:
            if rounds == 1:
                return None
            break  # the last prices stand: their Lagrangian bound is valid
        pi = np.zeros(n_req)
        for j, ct in req_cts.items():
            pi[j] = ct.dual_value()
        y = np.zeros(rows.cap.shape[0])
        for r, ct in row_cts.items():
            y[r] = max(0.0, ct.dual_value())
        mu = np.zeros(k_rows)
        for r, ct in conv.items():
            mu[r] = max(0.0, ct.dual_value())
        profit = value - pi[req]
        charge = pi[req] + np.bincount(rows.item_pair, weights=rows.item_coef * y[rows.item_row],
                                       minlength=n)
        slack = charge - value
        slack[patterned] = np.inf
        dp, stages = _knapsacks(rows, np.where(patterned, profit, -np.inf))
        best = np.max(dp, axis=1) if k_rows else np.zeros(0)
        if time.perf_counter() >= deadline:
            break
        in_master = np.zeros(n, dtype=bool)
        in_master[list(compact_var)] = True
        new_compact = np.flatnonzero((-slack > _EPS) & ~patterned & ~in_master)
        wanted = np.flatnonzero(best - mu > _EPS)
        if new_compact.shape[0] == 0 and wanted.shape[0] == 0:
            break
        add_compact(new_compact[np.argsort(slack[new_compact])][:5000].tolist())
        wanted = wanted[np.argsort(-(best - mu)[wanted], kind="stable")][:20000]
        for r, pairs in zip(wanted.tolist(), _trace(dp, stages, wanted)):
            add_pattern(r, pairs)
    # the Lagrangian bound for these prices (valid wherever the generation stopped)
    gain = np.where(patterned, 0.0, np.maximum(0.0, -slack))
    lagrange = float(pi @ fill) + float(y[~row_kn] @ rows.cap[~row_kn]) + float(gain.sum()) \
        + float(np.maximum(best, 0.0).sum())
    # what taking a pattern person's pair costs, from below: best - (profit + best within the rest)
    loss = np.maximum(0.0, slack)
    pk = np.flatnonzero(patterned)
    r_of = person_row[pk]
    days = np.zeros(n, dtype=np.int64)
    days[rows.item_pair[kn_items]] = rows.item_coef[kn_items].astype(np.int64)
    room = rows.cap[r_of] - days[pk]
    within = np.where(room >= 0, dp[r_of, np.clip(room, 0, None)], -np.inf)
    loss[pk] = np.maximum(0.0, np.maximum(best[r_of], 0.0) - (profit[pk] + within))
    point = np.zeros(n)
    for c, v in compact_var.items():
        point[c] = v.solution_value()
    columns = np.zeros(n, dtype=bool)
    columns[list(compact_var)] = True
    for v, pairs in patterns:
        point[pairs] += v.solution_value()
        columns[pairs] = True
    stats["packing_lp_rounds"] = rounds
    stats["packing_lp_columns"] = len(compact_var) + len(patterns)
    stats["packing_lp_value"] = round(float(objective.Value()), 3)
    w = np.where(patterned, 0.0, np.maximum(0.0, -slack))
    return lagrange, lagrange, loss, w, columns, point
