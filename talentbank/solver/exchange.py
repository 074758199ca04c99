"""Exchange rings (交流): cities swap serving officers in cycles of 2..max_cycle_length.

The rule (matching.md): offer ``a`` points to offer ``b`` when the officer ``a`` gives
fits what ``b`` wants and the cities differ. A chosen ring ``a -> b -> ... -> a`` visits
distinct cities; every city in it sends one officer and receives one. Each offer (and
each officer) is in at most one chosen ring.

Interpretations fixed here (documented so that screens and tests agree):

* **Fit.** ``a -> b`` when the officer's professions include ``b``'s wanted profession,
  the officer holds every licence ``b`` wants, and the officer can serve the whole of
  ``b``'s period ``[b.start, b.end]``: that period lies inside ``a``'s own offer period
  *and* inside one of the officer's availability windows (one window must cover it, as
  for dispatch in ``rules.is_available_for_period``). A node built with
  ``available_windows=None`` is limited by its offer period only.
* **One-way offers** (``wants_profession is None``: ``wants`` null or absent in the
  format) never take part in rings; their officers reach other cities through dispatch
  (as ``specialists`` with an ``employer_city``). They are counted in
  ``stats["one_way_offers"]`` and listed in ``stats["one_way_offer_ids"]``; offers that
  are all one-way give no rings and status ``optimal``.
* **Objective, lexicographic**, each stage a separate CP-SAT solve with the optimum of
  the previous stages held as a constraint:
    1. officers exchanged (the sum of ring lengths), maximised;
    2. need: the sum over exchanged offers of ``1 + (R - 1 - r)`` where ``r`` is the
       city's dense need rank among the ranked cities (0 = highest need) and ``R`` the
       number of distinct ranks — a weight that strictly decreases with rank, in
       steps of one (no big multipliers). Unranked cities weigh 1 (lowest).
    3. shorter rings: the number of rings, maximised. With the officer count fixed this
       is the same as the smallest mean ring length; for ``max_cycle_length = 3`` it
       is exactly "fewest 3-way rings".
* **Aggregation.** Offers of the same city with the same in- and out-neighbours in the
  fit graph (same officer type, same wants, same period, in effect) are
  interchangeable: the model has one integer count per ring *type* over those classes
  rather than one Boolean per ring. An officer offered more than once is never merged,
  and takes part in at most one ring among his offers whose periods overlap.
* **Solving.** First a fast path: the three stages as LPs (GLOP), each bound made
  rigorous from its duals, then one integer point meeting all three bounds (SCIP, one
  thread, narrowed by complementary slackness) — when it exists it is proven optimal.
  Otherwise (an integrality gap, or slow) the stages run one by one with CP-SAT, each
  with its LP bound and reduced-cost fixing; a stage stopped by the time limit reports
  ``feasible`` and its gap.
* **Determinism.** Offers are processed in id order, rings are enumerated in a
  canonical order, CP-SAT runs with one worker and a fixed seed, SCIP with one thread;
  the same input gives the same rings.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import numpy as np
from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from talentbank.solver.problem import Problem

DEFAULT_MAX_CYCLE_LENGTH = 3
_SEED = 20210531  # the alliance meeting; any fixed value keeps runs reproducible


@dataclass(frozen=True)
class ExchangeNode:
    """One exchange offer as the ring solver sees it: what it gives and what it wants."""

    id: str
    city: str
    officer: str
    gives_professions: frozenset[str]
    gives_licences: frozenset[str]
    available_windows: tuple[tuple[date, date], ...] | None
    wants_profession: str | None
    wants_licences: frozenset[str]
    start: date
    end: date


@dataclass(frozen=True)
class ExchangeResult:
    """The chosen rings, the solver status and the figures behind them."""

    cycles: list[dict] = field(default_factory=list)
    status: str = "no_offers"
    stats: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Fit rule
# ---------------------------------------------------------------------------


def serving_windows(node: ExchangeNode) -> list[tuple[date, date]]:
    """The days the offered officer can serve elsewhere: availability within the offer period."""
    if node.available_windows is None:
        return [(node.start, node.end)]
    clipped = []
    for start, end in node.available_windows:
        lo, hi = max(start, node.start), min(end, node.end)
        if lo <= hi:
            clipped.append((lo, hi))
    return clipped


def can_give(a: ExchangeNode, b: ExchangeNode) -> bool:
    """The edge rule a -> b: a's officer fits what b wants, over b's whole period, across cities."""
    if a.city == b.city or b.wants_profession is None or a.wants_profession is None:
        return False
    if b.wants_profession not in a.gives_professions:
        return False
    if not b.wants_licences <= a.gives_licences:
        return False
    return any(lo <= b.start and b.end <= hi for lo, hi in serving_windows(a))


def fit_matrix(nodes: Sequence[ExchangeNode]) -> np.ndarray:
    """Boolean adjacency ``A[a, b] = can_give(a, b)``, computed column-block-wise with numpy."""
    n = len(nodes)
    adj = np.zeros((n, n), dtype=bool)
    if n == 0:
        return adj
    # profession: for each wanted profession, who can give it
    profession_ok = np.zeros((n, n), dtype=bool)
    by_profession: dict[str, list[int]] = {}
    for j, node in enumerate(nodes):
        if node.wants_profession is not None:
            by_profession.setdefault(node.wants_profession, []).append(j)
    for profession, cols in by_profession.items():
        gives = np.array([profession in node.gives_professions for node in nodes])
        profession_ok[:, cols] = gives[:, None]
    # licences: for each wanted licence set, who holds all of it
    licence_ok = np.zeros((n, n), dtype=bool)
    by_licences: dict[frozenset[str], list[int]] = {}
    for j, node in enumerate(nodes):
        by_licences.setdefault(node.wants_licences, []).append(j)
    for licences, cols in by_licences.items():
        holds = np.array([licences <= node.gives_licences for node in nodes])
        licence_ok[:, cols] = holds[:, None]
    # period: b's period inside one of a's serving windows (padded to a common width)
    windows = [serving_windows(node) for node in nodes]
    width = max(1, max(len(w) for w in windows))
    lo = np.full((n, width), np.iinfo(np.int64).max, dtype=np.int64)
    hi = np.full((n, width), np.iinfo(np.int64).min, dtype=np.int64)
    for i, ws in enumerate(windows):
        for k, (s, e) in enumerate(ws):
            lo[i, k], hi[i, k] = s.toordinal(), e.toordinal()
    b_start = np.array([node.start.toordinal() for node in nodes], dtype=np.int64)
    b_end = np.array([node.end.toordinal() for node in nodes], dtype=np.int64)
    period_ok = np.zeros((n, n), dtype=bool)
    for k in range(width):
        period_ok |= (lo[:, k, None] <= b_start[None, :]) & (b_end[None, :] <= hi[:, k, None])
    # cities differ; both sides are two-way offers
    city_index = {c: i for i, c in enumerate(sorted({node.city for node in nodes}))}
    cities = np.array([city_index[node.city] for node in nodes])
    two_way = np.array([node.wants_profession is not None for node in nodes])
    adj = profession_ok & licence_ok & period_ok
    adj &= cities[:, None] != cities[None, :]
    adj &= two_way[:, None] & two_way[None, :]
    return adj


# ---------------------------------------------------------------------------
# Ring enumeration
# ---------------------------------------------------------------------------


def enumerate_cycles(
    succ: Sequence[Sequence[int]], city: Sequence[Any], max_length: int
) -> list[tuple[int, ...]]:
    """Every simple cycle of length 2..max_length over distinct cities, once, in canonical order.

    A cycle is listed starting from its smallest vertex; the vertices after it are larger.
    """
    n = len(succ)
    higher = [sorted(int(w) for w in succ[v]) for v in range(n)]
    closes = [set(ws) for ws in higher]
    cycles: list[tuple[int, ...]] = []
    for s in range(n):
        path = [s]
        used = {city[s]}
        stack = [iter(higher[s][bisect_right(higher[s], s) :])]  # only larger vertices follow s
        while stack:
            w = next(stack[-1], None)
            if w is None:
                stack.pop()
                used.discard(city[path.pop()])
                continue
            if city[w] in used:
                continue
            path.append(w)
            used.add(city[w])
            if s in closes[w]:
                cycles.append(tuple(path))
            if len(path) < max_length:
                stack.append(iter(higher[w][bisect_right(higher[w], s) :]))
            else:
                used.discard(city[path.pop()])
    return cycles


# ---------------------------------------------------------------------------
# The solver
# ---------------------------------------------------------------------------


def need_weights(cities: Iterable[str], need_rank: Mapping[str, int]) -> dict[str, int]:
    """Per-city weight for stage 2: strictly decreasing with need rank, 1 for unranked cities."""
    ranks = sorted({need_rank[c] for c in cities if c in need_rank})
    dense = {r: i for i, r in enumerate(ranks)}
    top = len(ranks)
    return {c: (1 + top - dense[need_rank[c]]) if c in need_rank else 1 for c in cities}


def _offer_classes(
    nodes: Sequence[ExchangeNode], adj: np.ndarray
) -> tuple[list[list[int]], list[int]]:
    """Group interchangeable offers: same city, same fit neighbours, officer offered once."""
    officer_count: dict[str, int] = {}
    for node in nodes:
        officer_count[node.officer] = officer_count.get(node.officer, 0) + 1
    key_to_class: dict[tuple, int] = {}
    classes: list[list[int]] = []
    class_of: list[int] = []
    for i, node in enumerate(nodes):
        own = node.id if officer_count[node.officer] > 1 else None
        key = (node.city, own, adj[i].tobytes(), adj[:, i].tobytes())
        c = key_to_class.setdefault(key, len(classes))
        if c == len(classes):
            classes.append([])
        classes[c].append(i)
        class_of.append(c)
    return classes, class_of


@dataclass
class _Row:
    """One linear constraint over ring-type counts: sum(coefs * count[cols]) <sense> rhs."""

    cols: np.ndarray
    coefs: np.ndarray
    sense: str  # "le" | "ge" | "eq"
    rhs: int
    rule: str


@dataclass
class _Stage:
    """What one lexicographic stage found: its value, its proven bound, how it got there."""

    name: str
    objective: int
    bound: int
    lp_bound: float
    columns: int
    status: str
    seconds: float


_TOL = 1e-6


def _lp_bound(
    active: np.ndarray, upper: np.ndarray, rows: list[_Row], objective: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray] | None:
    """LP relaxation with GLOP: a rigorous Lagrangian bound, reduced costs, LP point and duals.

    The bound is recomputed from GLOP's duals (clipped to their valid signs), so a
    slightly inexact LP still gives a true upper bound: b.y + sum(ub * max(0, c - A'y)).
    """
    from ortools.linear_solver import pywraplp

    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    position = np.full(len(upper), -1, dtype=np.int64)
    position[active] = np.arange(len(active))
    xs = [lp.NumVar(0.0, float(upper[j]), "") for j in active]
    built = []
    for row in rows:
        keep = position[row.cols] >= 0
        cols, coefs = position[row.cols[keep]], row.coefs[keep]
        lo = -lp.infinity() if row.sense == "le" else float(row.rhs)
        hi = lp.infinity() if row.sense == "ge" else float(row.rhs)
        ct = lp.Constraint(lo, hi)
        for i, a in zip(cols.tolist(), coefs.tolist()):
            ct.SetCoefficient(xs[i], a)
        built.append((row, cols, coefs, ct))
    goal = lp.Objective()
    c = objective[active].astype(float)
    for x, a in zip(xs, c.tolist()):
        goal.SetCoefficient(x, a)
    goal.SetMaximization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    reduced = c.copy()
    bound = 0.0
    duals = np.zeros(len(rows))
    for r, (row, cols, coefs, ct) in enumerate(built):
        y = ct.dual_value()
        if row.sense == "le":
            y = max(0.0, y)
        elif row.sense == "ge":
            y = min(0.0, y)
        duals[r] = y
        bound += row.rhs * y
        np.subtract.at(reduced, cols, coefs * y)
    bound += float(np.sum(np.maximum(0.0, reduced) * upper[active]))
    point = np.array([x.solution_value() for x in xs])
    return bound, reduced, point, duals


def _greedy(
    active: np.ndarray, upper: np.ndarray, rows: list[_Row], order: np.ndarray
) -> np.ndarray:
    """A feasible packing: take ring types in the given order while every <= row allows."""
    counts = np.zeros(len(upper), dtype=np.int64)
    room = [row.rhs for row in rows]
    col_rows: dict[int, list[tuple[int, int]]] = {}
    for r, row in enumerate(rows):
        if row.sense != "le":
            continue
        for j, a in zip(row.cols.tolist(), row.coefs.tolist()):
            col_rows.setdefault(j, []).append((r, a))
    for j in active[order].tolist():
        take = int(upper[j])
        for r, a in col_rows.get(j, ()):
            take = min(take, room[r] // a)
        if take > 0:
            counts[j] = take
            for r, a in col_rows.get(j, ()):
                room[r] -= a * take
    return counts


class _StopAtBound(cp_model.CpSolverSolutionCallback):
    """Stops CP-SAT once a solution meets the LP bound: it is then proven optimal."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.hit = False

    def on_solution_callback(self) -> None:
        if self.objective_value >= self.cap - _TOL:
            self.hit = True
            self.stop_search()


def _cp_stage(
    active: np.ndarray,
    upper: np.ndarray,
    rows: list[_Row],
    objective: np.ndarray,
    hint: np.ndarray,
    cap: int,
    time_limit_s: float,
) -> tuple[str, np.ndarray, int, int]:
    """Maximise one stage's objective with CP-SAT over the kept ring types, from a hint."""
    # --- variables: how many rings of each kept type -----------------------
    model = cp_model.CpModel()
    position = np.full(len(upper), -1, dtype=np.int64)
    position[active] = np.arange(len(active))
    count = [model.new_int_var(0, int(upper[j]), f"ring_{j}") for j in active.tolist()]

    # --- constraints --------------------------------------------------------
    for row in rows:
        # the row's rule: an offer / an officer used once, or an earlier stage's optimum held
        keep = position[row.cols] >= 0
        terms = [count[i] for i in position[row.cols[keep]].tolist()]
        expr = cp_model.LinearExpr.weighted_sum(terms, row.coefs[keep].tolist())
        if row.sense == "le":
            model.add(expr <= row.rhs)
        elif row.sense == "ge":
            model.add(expr >= row.rhs)
        else:
            model.add(expr == row.rhs)
    goal = cp_model.LinearExpr.weighted_sum(count, objective[active].tolist())

    # --- objective and solve ------------------------------------------------
    model.maximize(goal)
    for var, value in zip(count, hint[active].tolist()):
        model.add_hint(var, value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # one worker: the same input gives the same rings
    solver.parameters.random_seed = _SEED
    solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
    solver.parameters.cp_model_probing_level = 0  # probing costs seconds and gains nothing here
    reached = _StopAtBound(cap)
    result = solver.solve(model, reached)
    if reached.hit:
        result = cp_model.OPTIMAL  # the LP bound is met: nothing better exists
    values = hint.copy()
    if result in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values[:] = 0
        values[active] = [solver.value(v) for v in count]
        found = int(objective @ values)
        if found < int(objective @ hint):
            values = hint.copy()
    found = int(objective @ values)
    if result == cp_model.OPTIMAL:
        return "optimal", values, found, found
    bound = min(cap, int(np.floor(solver.best_objective_bound + _TOL))) if result == cp_model.FEASIBLE else cap
    return "feasible", values, found, max(found, bound)


def _meet_lp_bounds(
    upper: np.ndarray,
    rows: list[_Row],
    objectives: list[tuple[str, np.ndarray]],
    time_limit_s: float,
) -> tuple[np.ndarray, list[_Stage]] | None:
    """Fast path: solve the stages as LPs, then search one integer point meeting every bound.

    Each stage's LP bound is rigorous (recomputed from the duals) given the earlier
    stages' values, so an integer point that meets them all is lexicographically
    optimal. Complementary slackness narrows the search (ring types with a negative
    reduced cost stay unused, rows with a positive dual are tight); that narrowing is a
    heuristic only, the bounds are what prove. The point is found with SCIP (bundled
    with OR-Tools, one thread) and checked here in integers. Returns None when no such
    point is found in time (an integrality gap, or slow): the staged CP-SAT path follows.
    """
    from ortools.linear_solver import pywraplp

    started = time.perf_counter()
    n = len(upper)

    # --- data: one LP, re-solved per stage with the earlier optimum held -------
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    xs = [lp.NumVar(0.0, float(upper[j]), "") for j in range(n)]
    lp_rows = list(rows)
    cts = []
    for row in rows:
        ct = lp.Constraint(-lp.infinity() if row.sense == "le" else float(row.rhs),
                           lp.infinity() if row.sense == "ge" else float(row.rhs))
        for j, a in zip(row.cols.tolist(), row.coefs.tolist()):
            ct.SetCoefficient(xs[j], a)
        cts.append(ct)
    targets: list[tuple[str, int, float]] = []
    unused = np.zeros(n, dtype=bool)
    full = np.zeros(n, dtype=bool)
    tight: set[int] = set()
    for name, objective in objectives:
        goal = lp.Objective()
        goal.Clear()
        for x, a in zip(xs, objective.tolist()):
            goal.SetCoefficient(x, a)
        goal.SetMaximization()
        if lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        reduced = objective.astype(float)
        bound = 0.0
        for r, (row, ct) in enumerate(zip(lp_rows, cts)):
            y = ct.dual_value()
            y = max(0.0, y) if row.sense == "le" else (min(0.0, y) if row.sense == "ge" else y)
            if y > _TOL and row.sense == "le":
                tight.add(r)
            bound += row.rhs * y
            np.subtract.at(reduced, row.cols, row.coefs * y)
        bound += float(np.sum(np.maximum(0.0, reduced) * upper))
        cap = int(np.floor(bound + _TOL))
        if abs(bound - cap) > _TOL:  # no integer point is LP-optimal here: no narrowing
            return None
        unused |= reduced < -_TOL
        full |= reduced > _TOL
        targets.append((name, cap, bound))
        ct = lp.Constraint(float(cap), float(cap))
        for x, a in zip(xs, objective.tolist()):
            ct.SetCoefficient(x, a)
        lp_rows.append(_Row(np.arange(n), objective, "eq", cap, name))
        cts.append(ct)
    if np.any(unused & full):
        return None

    # --- variables: only ring types the LPs leave in play ------------------
    mip = pywraplp.Solver.CreateSolver("SCIP")
    if mip is None:
        return None
    mip.SetNumThreads(1)  # one thread: the same input gives the same rings
    ys = [mip.IntVar(float(upper[j]) if full[j] else 0.0, 0.0 if unused[j] else float(upper[j]),
                     "") for j in range(n)]

    # --- constraints -----------------------------------------------------------
    for r, row in enumerate(lp_rows):
        # the row's rule: an offer / an officer used once, or a stage's LP bound met
        exact = row.sense == "eq" or r in tight
        ct = mip.Constraint(float(row.rhs) if exact or row.sense == "ge" else -mip.infinity(),
                            float(row.rhs) if exact or row.sense == "le" else mip.infinity())
        for j, a in zip(row.cols.tolist(), row.coefs.tolist()):
            if not unused[j]:
                ct.SetCoefficient(ys[j], a)

    # --- solve: any point will do, then check it in integers -----------------------
    mip.SetTimeLimit(max(1, int((time_limit_s - (time.perf_counter() - started)) * 1000)))
    if mip.Solve() not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return None
    values = np.array([int(round(y.solution_value())) for y in ys], dtype=np.int64)
    if not _satisfies(values, upper, lp_rows):
        return None
    seconds = round(time.perf_counter() - started, 4)
    stages = [
        _Stage(name, cap, cap, round(lp_value, 4), int(np.sum(~unused)), "optimal", seconds)
        for name, cap, lp_value in targets
    ]
    return values, stages


def _satisfies(values: np.ndarray, upper: np.ndarray, rows: list[_Row]) -> bool:
    """Exact integer check of a candidate answer against every row and bound."""
    if np.any(values < 0) or np.any(values > upper):
        return False
    for row in rows:
        total = int(row.coefs @ values[row.cols])
        if (row.sense == "le" and total > row.rhs) or (row.sense == "ge" and total < row.rhs) \
                or (row.sense == "eq" and total != row.rhs):
            return False
    return True


def _gap(objective: int, bound: int) -> float:
    """Relative distance from the best answer found to the proven bound."""
    return 0.0 if bound <= objective else (bound - objective) / max(1, objective)


def solve_rings(
    nodes: Sequence[ExchangeNode],
    need_rank: Mapping[str, int],
    max_cycle_length: int = DEFAULT_MAX_CYCLE_LENGTH,
    time_limit_s: float = 10.0,
    *,
    use_fast_path: bool = True,
) -> ExchangeResult:
    """Choose exchange rings among offers: most officers, then highest need, then shortest rings."""
    started = time.perf_counter()
    if max_cycle_length < 2:
        raise ValueError("max_cycle_length must be at least 2")
    ordered = sorted((n for n in nodes if n.wants_profession is not None), key=lambda n: n.id)
    ids = [n.id for n in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("exchange offer ids must be unique")
    one_way = sorted(n.id for n in nodes if n.wants_profession is None)
    stats: dict[str, Any] = {
        "offers": len(nodes),
        "two_way_offers": len(ordered),
        # one-way secondments take no part in rings; dispatch sees their officers as specialists
        "one_way_offers": len(one_way),
        "one_way_offer_ids": one_way,
        "max_cycle_length": max_cycle_length,
    }

    # --- data: fit graph, interchangeable offers, ring types -----------------
    adj = fit_matrix(ordered)
    classes, _ = _offer_classes(ordered, adj)
    reps = [members[0] for members in classes]
    sizes = np.array([len(members) for members in classes], dtype=np.int64)
    class_city = [ordered[r].city for r in reps]
    class_adj = adj[np.ix_(reps, reps)]
    succ = [np.flatnonzero(class_adj[c]).tolist() for c in range(len(classes))]
    ring_types = enumerate_cycles(succ, class_city, max_cycle_length)
    weight = need_weights({n.city for n in ordered}, need_rank)
    stats.update(
        edges=int(adj.sum()),
        offer_classes=len(classes),
        ring_types=len(ring_types),
        rings_enumerated=int(sum(int(np.prod(sizes[list(rt)])) for rt in ring_types)),
        enumerate_seconds=round(time.perf_counter() - started, 4),
    )
    if not ring_types:
        stats.update(officers_exchanged=0, rings_chosen=0, gap=0.0, stages=[],
                     solve_seconds=round(time.perf_counter() - started, 4))
        return ExchangeResult(cycles=[], status="optimal" if nodes else "no_offers", stats=stats)
    upper = np.array([int(sizes[list(rt)].min()) for rt in ring_types], dtype=np.int64)
    stage_objectives = [
        ("officers", np.array([len(rt) for rt in ring_types], dtype=np.int64)),
        ("need", np.array([sum(weight[class_city[c]] for c in rt) for rt in ring_types],
                          dtype=np.int64)),
        ("rings", np.ones(len(ring_types), dtype=np.int64)),
    ]

    # --- constraints (as rows shared by the LP bound and CP-SAT) ---------------
    rows: list[_Row] = []
    through: list[list[int]] = [[] for _ in classes]
    for k, rt in enumerate(ring_types):
        for c in rt:
            through[c].append(k)
    for c, ks in enumerate(through):
        if ks:
            # each offer is in at most one chosen ring (a class holds sizes[c] such offers)
            rows.append(_Row(np.array(ks), np.ones(len(ks), dtype=np.int64), "le",
                             int(sizes[c]), "offer"))
    by_officer: dict[str, list[int]] = {}
    for c, members in enumerate(classes):
        by_officer.setdefault(ordered[members[0]].officer, []).append(c)
    for officer, officer_classes in sorted(by_officer.items()):
        for x, c1 in enumerate(officer_classes):
            for c2 in officer_classes[x + 1:]:
                a, b = ordered[reps[c1]], ordered[reps[c2]]
                ks = sorted(set(through[c1]) | set(through[c2]))
                if ks and a.start <= b.end and b.start <= a.end:
                    # an officer offered twice serves in at most one ring at a time
                    rows.append(_Row(np.array(ks), np.ones(len(ks), dtype=np.int64), "le", 1,
                                     "officer"))

    # --- objectives: one stage at a time, each optimum held for the next -------
    active = np.arange(len(ring_types))
    values: np.ndarray | None = None
    stages: list[_Stage] = []
    fast = _meet_lp_bounds(upper, rows, stage_objectives, 0.4 * time_limit_s) \
        if use_fast_path else None
    stats["fast_path"] = fast is not None
    if fast is not None:
        values, stages = fast
        stage_objectives = []
    budget_share = (0.6, 0.75, 1.0)  # of the time left, so later stages still get some
    for (name, objective), share in zip(stage_objectives, budget_share):
        stage_started = time.perf_counter()
        relaxed = _lp_bound(active, upper, rows, objective)
        if relaxed is None:  # no LP (should not happen): CP-SAT alone, bounded by the columns
            lp_value, reduced, point = float(objective[active] @ upper[active]), None, None
        else:
            lp_value, reduced, point, _ = relaxed
        if values is None:
            order = np.lexsort((np.arange(len(active)), -np.round(point, 6))) if point is not None \
                else np.arange(len(active))
            values = _greedy(active, upper, rows, order)
        incumbent = int(objective @ values)
        cap = int(np.floor(lp_value + _TOL))
        if reduced is not None:
            # a ring type whose every use costs more than the LP slack is in no optimum: drop it
            keep = np.floor(lp_value + reduced + _TOL) >= incumbent
            keep |= values[active] > 0
            active = active[keep]
        if incumbent >= cap:
            status, found, bound = "optimal", incumbent, incumbent
        else:
            left = time_limit_s - (time.perf_counter() - started)
            status, values, found, bound = _cp_stage(
                active, upper, rows, objective, values, cap, left * share)
        stages.append(_Stage(name, found, bound, round(lp_value, 4), len(active), status,
                             round(time.perf_counter() - stage_started, 4)))
        # hold this stage's optimum (or the best found) while the later stages choose
        rows.append(_Row(np.arange(len(ring_types)), objective,
                         "eq" if status == "optimal" else "ge", found, name))

    # --- answer: hand out interchangeable offers to the chosen ring types --------
    pools = [list(members) for members in classes]
    cycles = []
    for k, rt in enumerate(ring_types):
        for _ in range(int(values[k])):
            ring = [pools[c].pop(0) for c in rt]
            cycles.append(_cycle_record([ordered[i] for i in ring]))
    cycles.sort(key=lambda c: (c["length"], c["offers"]))
    status = "optimal" if all(st.status == "optimal" for st in stages) else "feasible"
    stats.update(
        stages=[vars(st) for st in stages],
        objective={st.name: st.objective for st in stages},
        officers_exchanged=sum(c["length"] for c in cycles),
        rings_chosen=len(cycles),
        gap=_gap(stages[0].objective, stages[0].bound),
        solve_seconds=round(time.perf_counter() - started, 4),
    )
    return ExchangeResult(cycles=cycles, status=status, stats=stats)


def _cycle_record(ring: list[ExchangeNode]) -> dict:
    """A ring as the API shows it, rotated to start at its smallest offer id."""
    start = min(range(len(ring)), key=lambda i: ring[i].id)
    ring = ring[start:] + ring[:start]
    return {
        "offers": [n.id for n in ring],
        "cities": [n.city for n in ring],
        "length": len(ring),
    }


def solve_exchange(problem: "Problem", need_rank: dict[str, int], time_limit_s: float) -> ExchangeResult:
    """Exchange rings for one matching round, from the validated problem and the need ranking."""
    specialists = {s.id: s for s in problem.specialists}
    nodes = []
    for offer in problem.exchange_offers:
        officer = specialists.get(offer.officer)
        if officer is None or officer.employer_city != offer.city:
            continue  # load_problem rejects these; a hand-built Problem may not
        nodes.append(
            ExchangeNode(
                id=offer.id,
                city=offer.city,
                officer=offer.officer,
                gives_professions=frozenset(officer.professions),
                gives_licences=frozenset(officer.licences),
                available_windows=tuple((w.start, w.end) for w in officer.availability),
                wants_profession=offer.wants_profession or None,
                wants_licences=frozenset(offer.wants_licences),
                start=offer.start,
                end=offer.end,
            )
        )
    return solve_rings(nodes, need_rank, problem.rule_set.max_cycle_length, time_limit_s)
