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
* **Objective, lexicographic**, stage by stage, the optimum of each stage held while the
  next one chooses (never one weighted sum with big multipliers):
    1. officers exchanged (the sum of ring lengths), maximised;
    2. need: the sum over exchanged offers of ``1 + (R - 1 - r)`` where ``r`` is the
       city's dense need rank among the ranked cities (0 = highest need) and ``R`` the
       number of distinct ranks — a weight that strictly decreases with rank, in
       steps of one (small integer coefficients). Unranked cities weigh 1 (lowest).
    3. shorter rings: the number of rings, maximised. With the officer count fixed this
       is the same as the smallest mean ring length; for ``max_cycle_length = 3`` it
       is exactly "fewest 3-way rings".
* **Aggregation.** Offers of the same city with the same in- and out-neighbours in the
  fit graph (same officer type, same wants, same period, in effect) are
  interchangeable: the model has one integer count per ring *type* over those classes
  rather than one Boolean per ring. An officer offered more than once is never merged,
  and takes part in at most one ring among his offers whose periods overlap.
* **Components.** Ring types that share no offer or officer (through any chain) are
  independent, and the lexicographic optimum of a sum of independent parts is the sum of
  their optima: each part is solved on its own. A ring's periods are nested around the
  ring, so they are all equal: offers with different periods never meet, and a market
  splits at least by offer period.
* **Solving a part** (the cycle formulation, one count per ring type). Per stage, the LP
  bound from GLOP, made rigorous from its duals. *Integral bound:* it becomes the stage's
  target; reduced-cost fixing (complementary slackness) narrows the part to the answers
  that meet it — types with a negative reduced cost unused, rows with a positive dual
  full — and the check is deferred. *Fractional bound:* the stage is solved in integers
  by a MIP (CP-SAT with its LP and cuts, or SCIP; one thread) over growing reduced-cost
  neighbourhoods of the LP bound, seeded by repairing the LP point, then held (a row
  ``stage >= optimum``) and the part narrowed again. At the end one answer meeting every
  deferred target proves them all: a MIP over the LP point's support and the ring types
  among the offers its fractional part touches usually finds it in a fraction of a
  second. If a deferred target is out of reach, that stage is solved in integers and the
  later ones again. Every answer is checked in integers; a stage is ``optimal`` only
  when its answer meets a proven bound. When the time limit stops a MIP, the part keeps
  its best answer, the status is ``feasible`` and ``stats["gap"]`` is the relative gap
  of the first stage not proven (``stats["gap_stage"]``).
* **Determinism.** Offers are processed in id order, rings are enumerated in a
  canonical order, parts are taken smallest first, CP-SAT runs with one worker and a
  fixed seed, SCIP with one thread; the same input gives the same rings (a run stopped by
  the time limit may differ between machines).
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

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
    ring_offers: frozenset[str] = frozenset()  # offers that lie on some possible ring


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


def short_cycles(adj: np.ndarray, city: Sequence[Any], max_length: int) -> list[tuple[int, ...]]:
    """``enumerate_cycles`` for rings of length 2..3 over a boolean adjacency matrix, vectorised.

    Same rings, same order (a ring is listed from its smallest vertex; the list is sorted,
    which is the order of the depth-first search).
    """
    if max_length > 3:
        succ = [np.flatnonzero(adj[v]).tolist() for v in range(len(adj))]
        return enumerate_cycles(succ, city, max_length)
    codes = {c: i for i, c in enumerate(sorted(set(city)))}
    town = np.array([codes[c] for c in city], dtype=np.int64)
    cycles: list[tuple[int, ...]] = []
    for s in range(len(adj)):
        after = np.flatnonzero(adj[s, s + 1:]) + s + 1  # s -> b, b > s
        if len(after) == 0:
            continue
        after = after[town[after] != town[s]]
        closes = after[adj[after, s]]  # b -> s: a swap
        cycles.extend((s, int(b)) for b in closes)
        if max_length < 3:
            continue
        before = np.flatnonzero(adj[s + 1:, s]) + s + 1  # c -> s, c > s
        before = before[town[before] != town[s]]
        if len(before) == 0:
            continue
        hop = adj[np.ix_(after, before)] & (town[after][:, None] != town[before][None, :])
        bs, cs = np.nonzero(hop)  # s -> b -> c -> s, three cities
        cycles.extend(zip([s] * len(bs), after[bs].tolist(), before[cs].tolist()))
    cycles.sort()
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
class _State:
    """What one component still allows: ring types in play, counts every answer keeps, rows."""

    active: np.ndarray  # ring types that may still be used
    lower: np.ndarray  # least count of each ring type (fixed by reduced costs)
    rows: list[_Row]

    def copy(self) -> _State:
        return _State(self.active.copy(), self.lower.copy(), [replace(r) for r in self.rows])


@dataclass
class _Stage:
    """What one lexicographic stage found: its value, its proven bound, how it got there."""

    name: str
    objective: int
    bound: int | None
    lp_bound: float | None
    columns: int
    status: str
    seconds: float
    mips: int = 0
    repairs: int = 0


_TOL = 1e-6  # an LP bound within this of an integer is taken as that integer (it stays an upper bound)
_EPS = 1e-7  # slack on reduced costs and duals when fixing by them


class _Clock:
    """The time left before a deadline, for the LP and MIP calls."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def left(self) -> float:
        return self.deadline - time.perf_counter()


def _glop(state: _State, columns: np.ndarray, upper: np.ndarray, objective: np.ndarray,
          clock: _Clock):
    """A GLOP model of the state's LP relaxation over ``columns``: (solver, variables, rows)."""
    from ortools.linear_solver import pywraplp

    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    position = np.full(len(upper), -1, dtype=np.int64)
    position[columns] = np.arange(len(columns))
    xs = [lp.NumVar(float(state.lower[j]), float(upper[j]), "") for j in columns.tolist()]
    cts = []
    for row in state.rows:
        keep = position[row.cols] >= 0
        ct = lp.Constraint(-lp.infinity() if row.sense == "le" else float(row.rhs),
                           lp.infinity() if row.sense == "ge" else float(row.rhs))
        for i, a in zip(position[row.cols[keep]].tolist(), row.coefs[keep].tolist()):
            ct.SetCoefficient(xs[i], float(a))
        cts.append(ct)
    goal = lp.Objective()
    for x, a in zip(xs, objective[columns].tolist()):
        goal.SetCoefficient(x, float(a))
    goal.SetMaximization()
    lp.SetTimeLimit(max(1, int(clock.left() * 1000)))
    return lp, xs, cts


def _lp_bound(state: _State, upper: np.ndarray, objective: np.ndarray, clock: _Clock):
    """LP relaxation with GLOP: a rigorous bound, reduced costs and LP point (per active type), duals.

    The bound is recomputed from GLOP's duals clipped to their valid signs, so a slightly
    inexact LP still gives a true upper bound for every integer answer of the state:
    b.y + sum(max(0, d) * upper + min(0, d) * lower), d = c - A'y (any such y would do).
    """
    from ortools.linear_solver import pywraplp

    active = state.active
    built = _glop(state, active, upper, objective, clock)
    if built is None:
        return None
    lp, xs, cts = built
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    position = np.full(len(upper), -1, dtype=np.int64)
    position[active] = np.arange(len(active))
    reduced = objective[active].astype(float)
    duals = np.zeros(len(state.rows))
    bound = 0.0
    for r, (row, ct) in enumerate(zip(state.rows, cts)):
        y = ct.dual_value()
        y = max(0.0, y) if row.sense == "le" else (min(0.0, y) if row.sense == "ge" else y)
        if y != 0.0:
            duals[r] = y
            bound += row.rhs * y
            keep = position[row.cols] >= 0
            np.subtract.at(reduced, position[row.cols[keep]], row.coefs[keep] * y)
    bound += float(np.sum(np.maximum(0.0, reduced) * upper[active]
                          + np.minimum(0.0, reduced) * state.lower[active]))
    point = np.array([x.solution_value() for x in xs])
    return bound, reduced, duals, point


def _narrow(state: _State, upper: np.ndarray, reduced: np.ndarray, duals: np.ndarray,
            slack: float) -> _State:
    """Keep only what an answer within ``slack`` of the LP bound can use (reduced-cost fixing).

    For any integer answer, bound - value = sum over ring types of |d| times the distance
    from the bound the LP put it at, plus sum over rows of |y| times the row's slack; every
    term is >= 0, so an answer within ``slack`` of the bound leaves unused every type with
    d < -slack, uses fully every type with d > slack and fills every row with |y| > slack.
    """
    active = state.active
    lower = state.lower.copy()
    full = active[reduced > slack + _EPS]
    lower[full] = upper[full]
    keep = (reduced >= -slack - _EPS) | (lower[active] > 0)
    rows = [replace(row, sense="eq")
            if (row.sense == "le" and y > slack + _EPS) or (row.sense == "ge" and y < -slack - _EPS)
            else row
            for row, y in zip(state.rows, duals.tolist())]
    return _State(active[keep], lower, rows)


def _fits(values: np.ndarray, state: _State, upper: np.ndarray) -> bool:
    """Exact integer check of an answer against the state: bounds, unused types, every row."""
    if np.any(values < state.lower) or np.any(values > upper):
        return False
    used = np.zeros(len(upper), dtype=bool)
    used[state.active] = True
    if np.any(values[~used] != 0):
        return False
    for row in state.rows:
        total = int(row.coefs @ values[row.cols])
        if (row.sense == "le" and total > row.rhs) or (row.sense == "ge" and total < row.rhs) \
                or (row.sense == "eq" and total != row.rhs):
            return False
    return True


def _repair(state: _State, upper: np.ndarray, objective: np.ndarray, value: np.ndarray,
            target: int, clock: _Clock, engine: str, first: bool = False) -> np.ndarray | None:
    """An integer answer of the state near its LP point, or None.

    ``value`` is an LP point of the state (one entry per ring type), mostly integral. A MIP
    (best ``objective``, stopping at ``target``) over the ring types it uses and those
    lying wholly among the offers its fractional part touches keeps the integral part and
    repairs the rest; if that region holds no answer, the types touching those offers are
    added. Small regions make these MIPs quick. ``first``: any answer will do.
    """
    n = len(upper)
    fractional = np.abs(value - np.round(value)) > _TOL
    if not fractional.any():
        values = np.round(value).astype(np.int64)
        return values if _fits(values, state, upper) else None
    active = np.zeros(n, dtype=bool)
    active[state.active] = True
    inside, touching = active.copy(), np.zeros(n, dtype=bool)
    for row in state.rows:
        if row.rule in ("offer", "officer"):  # the packing rows (not a held stage optimum)
            if fractional[row.cols].any():
                touching[row.cols] = True
            else:
                inside[row.cols] = False
    used = active & (value > _TOL) | (state.lower > 0)
    tried = 0
    for region in (used | (inside & touching), used | (active & touching)):
        region &= active
        if region.sum() == tried:
            continue
        tried = int(region.sum())
        near = _State(np.flatnonzero(region), state.lower, state.rows)
        # a quick answer is what is wanted here: the search proper (if any) comes after
        _, values, _ = _mip(near, upper, objective, target, None,
                            _Clock(time.perf_counter() + 0.2 * max(0.0, clock.left())), engine,
                            first)
        if values is not None:
            return values
    return None


def _mip(state: _State, upper: np.ndarray, objective: np.ndarray, target: int,
         hint: np.ndarray | None, clock: _Clock, engine: str, first: bool = False
         ) -> tuple[str, np.ndarray | None, int]:
    """Maximise over the state's integer answers, stopping at ``target`` (an upper bound).

    ``engine`` is ``cp-sat`` (one worker, fixed seed, LP with cuts) or ``scip`` (one thread;
    CP-SAT when this build has no SCIP). Returns (status, values, bound): ``optimal``
    (proven, or ``target`` reached), ``feasible`` (stopped by the time limit, or at the
    first answer when ``first``), ``infeasible``, or ``unknown`` (stopped before any answer).
    """
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("SCIP") if engine == "scip" else None
    if solver is None:
        return _cp_mip(state, upper, objective, target, hint, clock, first)
    solver.SetNumThreads(1)  # one thread: the same input gives the same rings
    solver.SetSolverSpecificParametersAsString(f"limits/primal = {target}\n"
                                               + ("limits/solutions = 1\n" if first else ""))
    position = np.full(len(upper), -1, dtype=np.int64)
    position[state.active] = np.arange(len(state.active))
    xs = [solver.IntVar(float(state.lower[j]), float(upper[j]), "") for j in state.active.tolist()]
    for row in state.rows:
        keep = position[row.cols] >= 0
        ct = solver.Constraint(-solver.infinity() if row.sense == "le" else float(row.rhs),
                               solver.infinity() if row.sense == "ge" else float(row.rhs))
        for i, a in zip(position[row.cols[keep]].tolist(), row.coefs[keep].tolist()):
            ct.SetCoefficient(xs[i], float(a))
    goal = solver.Objective()
    for x, a in zip(xs, objective[state.active].tolist()):
        goal.SetCoefficient(x, float(a))
    goal.SetMaximization()
    if hint is not None:
        solver.SetHint(xs, hint[state.active].astype(float).tolist())
    solver.SetTimeLimit(max(1, int(clock.left() * 1000)))
    result = solver.Solve()
    if result == pywraplp.Solver.INFEASIBLE:
        return "infeasible", None, -1
    if result not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        return "unknown", None, target
    values = np.zeros(len(upper), dtype=np.int64)
    values[state.active] = [round(x.solution_value()) for x in xs]
    if not _fits(values, state, upper):
        return "unknown", None, target
    found = int(objective @ values)
    if result == pywraplp.Solver.OPTIMAL or found >= target:
        return "optimal", values, found
    return "feasible", values, max(found, min(target, int(np.floor(goal.BestBound() + _TOL))))


def _cp_mip(state: _State, upper: np.ndarray, objective: np.ndarray, target: int,
            hint: np.ndarray | None, clock: _Clock, first: bool = False
            ) -> tuple[str, np.ndarray | None, int]:
    """``_mip`` with CP-SAT: one worker, fixed seed, its LP with cuts (what proves these)."""
    from ortools.sat.python import cp_model  # loaded when a MIP is needed: it is slow to load

    model = cp_model.CpModel()
    position = np.full(len(upper), -1, dtype=np.int64)
    position[state.active] = np.arange(len(state.active))
    count = [model.new_int_var(int(state.lower[j]), int(upper[j]), "")
             for j in state.active.tolist()]
    for row in state.rows:
        keep = position[row.cols] >= 0
        expr = cp_model.LinearExpr.weighted_sum([count[i] for i in position[row.cols[keep]]],
                                                row.coefs[keep].tolist())
        if row.sense == "le":
            model.add(expr <= row.rhs)
        elif row.sense == "ge":
            model.add(expr >= row.rhs)
        else:
            model.add(expr == row.rhs)
    goal = cp_model.LinearExpr.weighted_sum(count, objective[state.active].tolist())
    model.add(goal <= target)
    model.maximize(goal)
    if hint is not None:
        for var, value in zip(count, hint[state.active].tolist()):
            model.add_hint(var, value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # one worker: the same input gives the same rings
    solver.parameters.random_seed = _SEED
    solver.parameters.linearization_level = 2  # measured: far faster proofs here than level 1
    solver.parameters.max_time_in_seconds = max(0.05, clock.left())
    solver.parameters.stop_after_first_solution = first
    result = solver.solve(model)
    if result == cp_model.INFEASIBLE:
        return "infeasible", None, -1
    if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return "unknown", None, target
    values = np.zeros(len(upper), dtype=np.int64)
    values[state.active] = [solver.value(v) for v in count]
    if not _fits(values, state, upper):
        return "unknown", None, target
    found = int(objective @ values)
    if result == cp_model.OPTIMAL:
        return "optimal", values, found
    return "feasible", values, max(found, min(target, int(np.floor(solver.best_objective_bound + _TOL))))


def _greedy(state: _State, upper: np.ndarray, order: np.ndarray) -> np.ndarray:
    """A packing of the state's rows (the offer and officer rows): types in order while they fit."""
    counts = np.zeros(len(upper), dtype=np.int64)
    room = [row.rhs for row in state.rows]
    col_rows: dict[int, list[tuple[int, int]]] = {}
    for r, row in enumerate(state.rows):
        for j, a in zip(row.cols.tolist(), row.coefs.tolist()):
            col_rows.setdefault(j, []).append((r, a))
    for j in order.tolist():
        take = int(upper[j])
        for r, a in col_rows.get(j, ()):
            take = min(take, room[r] // a)
        if take > 0:
            counts[j] = take
            for r, a in col_rows.get(j, ()):
                room[r] -= a * take
    return counts


def _stage_mip(state: _State, upper: np.ndarray, objective: np.ndarray, relaxed, target: int,
               hint: np.ndarray | None, clock: _Clock, engine: str
               ) -> tuple[str, np.ndarray | None, int, int]:
    """A stage's integer optimum over the state: MIPs over growing reduced-cost neighbourhoods.

    The neighbourhood ``_narrow(slack)`` holds every answer within ``slack`` of the LP bound,
    so its optimum, when it is within ``slack``, is the optimum of the whole state; when
    the neighbourhood is empty no answer comes that close (the target drops) and it is
    widened; when its optimum is further away, the next neighbourhood is the one that
    holds every answer as good. Small neighbourhoods are quick to search; the seed answer
    (``hint``) caps the widest one needed. Returns (status, values, bound, MIPs solved).
    """
    if hint is not None and int(objective @ hint) >= target:
        return "optimal", hint, target, 0
    if relaxed is None:
        status, values, bound = _mip(state, upper, objective, target, hint, clock, engine)
        return status, values, bound, 1
    lp_value, reduced, duals, _ = relaxed
    widest = 1.0 + max(float(np.max(np.abs(reduced), initial=0.0)),
                       float(np.max(np.abs(duals), initial=0.0)))  # nothing is narrowed beyond
    best, best_value = hint, (None if hint is None else int(objective @ hint))
    step, mips = 1.0, 0
    slack = lp_value - target + step  # first, the answers at most one below the target
    while True:
        if best_value is not None:
            slack = min(slack, lp_value - best_value)
        slack = min(slack, widest)
        region = _narrow(state, upper, reduced, duals, slack)
        seed = best if best is not None and _fits(best, region, upper) else None
        status, values, bound = _mip(region, upper, objective, target, seed, clock, engine)
        mips += 1
        if status == "infeasible":
            if slack >= widest:
                return "infeasible", None, -1, mips  # the state itself holds no integer answer
            target = min(target, int(np.ceil(lp_value - slack - _TOL)) - 1)  # none comes that close
            step *= 4.0
            slack = lp_value - target + step
            continue
        if values is None:  # stopped before any answer
            return ("feasible", best, target, mips) if best is not None else ("unknown", None, target, mips)
        value = int(objective @ values)
        if status != "optimal":  # stopped by the time limit
            return "feasible", values, max(value, min(target, bound)), mips
        if value >= lp_value - slack - _TOL or slack >= widest:
            return "optimal", values, value, mips  # nothing better lies outside the neighbourhood
        best, best_value = values, value
        slack = lp_value - value  # the neighbourhood of every answer at least as good


def _solve_component(upper: np.ndarray, rows: list[_Row],
                     objectives: list[tuple[str, np.ndarray]], clock: _Clock,
                     mip_every_stage: bool, engine: str) -> tuple[np.ndarray, list[_Stage]]:
    """Lexicographic optimum of one component (no row links it to another).

    Stage by stage, the LP bound (GLOP). When it is integral it becomes the stage's target:
    the state is narrowed by reduced costs to the answers meeting it, and the check is
    deferred. When it is fractional the stage is solved in integers (``_stage_mip``, seeded
    by repairing its LP point), held, and the state narrowed to the answers as good. At
    the end a repair of the last LP point looks for an answer meeting every deferred
    target; failing that the last stage is solved in integers over its state before
    narrowing, and if even that state is empty, the first deferred stage is solved in
    integers and the stages after it again. Every answer is checked in integers; a stage
    is ``optimal`` only when its answer meets a proven bound.
    """
    n = len(upper)
    base = _State(np.arange(n), np.zeros(n, dtype=np.int64), list(rows))
    state = base.copy()
    count = len(objectives)
    stages: list[_Stage | None] = [None] * count
    force: set[int] = set(range(count)) if mip_every_stage else set()
    deferred: list[tuple[int, _State, Any, int]] = []  # (stage, state before narrowing, LP, target)
    answer: np.ndarray | None = None  # meets every stage's recorded value
    best: np.ndarray | None = None  # the latest integer answer (feasible for the offer rows)
    guide: np.ndarray | None = None  # the latest LP point (all ring types)
    k = 0
    while True:
        if k == count:  # the last stage was deferred (a solved one ends the loop below)
            # one answer meeting every deferred target proves them all
            last, before, relaxed, target = deferred[-1]
            name, objective = objectives[last]
            began = time.perf_counter()
            point = np.zeros(n)
            point[before.active] = relaxed[3]  # the LP optimum lies in the narrowed state
            found = _repair(state, upper, objective, point, target, clock, engine)
            stage = stages[last]
            stage.repairs += 1
            status, bound, mips = "optimal", target, 0
            if found is None or any(int(objectives[j][1] @ found) != t for j, _, _, t in deferred):
                status, found, bound, mips = _stage_mip(before, upper, objective, relaxed, target,
                                                        None, clock, engine)
            stage.mips += mips
            stage.seconds = round(stage.seconds + time.perf_counter() - began, 4)
            if status == "infeasible" and len(deferred) > 1:
                k, state, _, _ = deferred[0]  # an earlier target cannot be met: that stage in full
                force.add(k)
                deferred = []
                continue
            if found is not None:
                best = answer = found
                stage.objective, stage.bound, stage.status = int(objective @ found), bound, status
            break
        name, objective = objectives[k]
        began = time.perf_counter()
        relaxed = _lp_bound(state, upper, objective, clock)
        lp_value = relaxed[0] if relaxed is not None else \
            float(objective[state.active] @ upper[state.active])  # no LP: bounded by the columns
        target = int(np.floor(lp_value + _TOL))
        if relaxed is not None:
            guide = np.zeros(n)
            guide[state.active] = relaxed[3]
        if relaxed is not None and k not in force and lp_value - target < _TOL:
            # an integral bound: assume it is met, narrow to the answers meeting it, check later
            deferred.append((k, state, relaxed, target))
            state = _narrow(state, upper, relaxed[1], relaxed[2], max(0.0, lp_value - target))
            stages[k] = _Stage(name, target, target, round(lp_value, 4), len(state.active),
                               "optimal", round(time.perf_counter() - began, 4))
            k += 1
            continue
        # a fractional bound (or a stage solved in full): its integer optimum over the state
        hint = None
        if relaxed is not None:
            point = np.zeros(n)
            point[state.active] = relaxed[3]
            hint = _repair(state, upper, objective, point, target, clock, engine, first=True)
        best = hint if hint is not None else best
        status, values, bound, mips = _stage_mip(state, upper, objective, relaxed, target, hint,
                                                 clock, engine)
        if status == "infeasible" and deferred:
            k, state, _, _ = deferred[0]  # a deferred target cannot be met: that stage in full
            force.add(k)
            deferred = []
            continue
        stages[k] = _Stage(name, 0, bound if values is not None else target,
                           round(lp_value, 4) if relaxed is not None else None,
                           len(state.active), status, round(time.perf_counter() - began, 4),
                           mips, int(relaxed is not None))
        if values is None:
            break  # stopped before any answer: the best one found stands
        best = values
        found = int(objective @ values)
        stages[k].objective, stages[k].bound = found, bound
        deferred = []  # this answer meets every deferred target (the state holds them)
        if status != "optimal" or k == count - 1:
            answer = values  # done, or the time is up: the later stages keep this answer
            break
        gap = max(0.0, lp_value - found)
        state = _narrow(state, upper, relaxed[1], relaxed[2], gap) if relaxed is not None \
            else state.copy()
        if gap > _TOL or relaxed is None:
            # hold it: reduced costs alone keep only the answers within `gap` term by term
            state.rows.append(_Row(np.arange(n), objective, "ge", found, name))
        k += 1

    # --- the answer, and what each stage can claim for it ----------------------------
    if answer is None:  # nothing verified in time: the best answer found, else a greedy one
        weight = guide if guide is not None else np.zeros(n)  # led by the latest LP point
        answer = best if best is not None else _greedy(base, upper, np.lexsort(
            (np.arange(n), -objectives[0][1], -weight)))
    proven = True  # every earlier stage is at its proven optimum
    for k, (name, objective) in enumerate(objectives):
        value = int(objective @ answer)
        stage = stages[k] or _Stage(name, value, None, None, 0, "feasible", 0.0)
        if proven and stage.status == "optimal" and value == stage.objective:
            stage.bound = value
        else:
            # a bound holds only given the earlier optima: after an unproven stage there is none
            stage.bound = max(value, stage.bound) if proven and stage.bound is not None else None
            stage.status = "feasible"
            proven = False
        stage.objective = value
        stages[k] = stage
    return answer, stages


def _components(n: int, rows: list[_Row]) -> list[np.ndarray]:
    """Ring types no row links: each group can be solved on its own (union-find over the rows)."""
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for row in rows:
        cols = row.cols.tolist()
        root = find(cols[0])
        for j in cols[1:]:
            other = find(j)
            if other != root:
                parent[other] = root
    roots = np.array([find(j) for j in range(n)], dtype=np.int64)
    order = np.lexsort((np.arange(n), roots))
    groups = np.split(order, np.flatnonzero(np.diff(roots[order])) + 1)
    # smallest first, ties by the smallest ring type: each gets its share of the time left and
    # what a small part leaves goes to the larger ones
    return sorted(groups, key=lambda g: (len(g), int(g[0])))


def _merge_stages(per_component: list[list[_Stage]]) -> list[_Stage]:
    """Add up the components' stages: a sum is optimal (or bounded) only if every part is."""
    merged = []
    for parts in zip(*per_component):
        bounds = [p.bound for p in parts]
        lps = [p.lp_bound for p in parts]
        merged.append(_Stage(
            name=parts[0].name,
            objective=sum(p.objective for p in parts),
            bound=None if any(b is None for b in bounds) else sum(bounds),
            lp_bound=None if any(v is None for v in lps) else round(sum(lps), 4),
            columns=sum(p.columns for p in parts),
            status="optimal" if all(p.status == "optimal" for p in parts) else "feasible",
            seconds=round(sum(p.seconds for p in parts), 4),
            mips=sum(p.mips for p in parts),
            repairs=sum(p.repairs for p in parts)))
    return merged


def _gap(objective: int, bound: int | None) -> float | None:
    """Relative distance from the best answer found to the proven bound (None: no bound)."""
    if bound is None:
        return None
    return 0.0 if bound <= objective else (bound - objective) / max(1, objective)


def solve_rings(
    nodes: Sequence[ExchangeNode],
    need_rank: Mapping[str, int],
    max_cycle_length: int = DEFAULT_MAX_CYCLE_LENGTH,
    time_limit_s: float = 10.0,
    *,
    mip_every_stage: bool = False,
    mip_solver: str = "cp-sat",
) -> ExchangeResult:
    """Choose exchange rings among offers: most officers, then highest need, then shortest rings.

    ``mip_every_stage`` solves every stage in integers even when its LP bound is integral
    (slower; the tests use it to cover that path). ``mip_solver`` is ``cp-sat`` or ``scip``.
    """
    started = time.perf_counter()
    if max_cycle_length < 2:
        raise ValueError("max_cycle_length must be at least 2")
    if mip_solver not in ("cp-sat", "scip"):
        raise ValueError("mip_solver must be cp-sat or scip")
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
    ring_types = short_cycles(class_adj, class_city, max_cycle_length)
    weight = need_weights({n.city for n in ordered}, need_rank)
    stats.update(
        edges=int(adj.sum()),
        offer_classes=len(classes),
        ring_types=len(ring_types),
        rings_enumerated=int(sum(int(np.prod(sizes[list(rt)])) for rt in ring_types)),
        enumerate_seconds=round(time.perf_counter() - started, 4),
    )
    ring_offers = frozenset(ordered[i].id for rt in ring_types for c in rt for i in classes[c])
    if not ring_types:
        stats.update(officers_exchanged=0, rings_chosen=0, gap=0.0, gap_stage=None, stages=[],
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

    # --- solve: component by component, each stage's optimum held for the next -----
    clock = _Clock(started + time_limit_s)
    groups = _components(len(ring_types), rows)
    values = np.zeros(len(ring_types), dtype=np.int64)
    per_component = []
    remaining = len(ring_types)
    for left, group in zip(range(len(groups), 0, -1), groups):
        local = np.full(len(ring_types), -1, dtype=np.int64)
        local[group] = np.arange(len(group))
        group_rows = [replace(row, cols=local[row.cols]) for row in rows if local[row.cols[0]] >= 0]
        # twice its share of the time left by size, at least an equal split (the last one:
        # all of it); what a part does not use carries over
        share = _Clock(time.perf_counter() + max(0.0, clock.left())
                       * min(1.0, max(2.0 * len(group) / remaining, 1.0 / left)))
        remaining -= len(group)
        answer, parts = _solve_component(
            upper[group], group_rows, [(name, objective[group]) for name, objective in stage_objectives],
            share, mip_every_stage, mip_solver)
        values[group] = answer
        per_component.append(parts)
    stages = _merge_stages(per_component)
    stats.update(components=len(groups), largest_component=int(max(len(g) for g in groups)))

    # --- answer: hand out interchangeable offers to the chosen ring types --------
    pools = [list(members) for members in classes]
    cycles = []
    for k, rt in enumerate(ring_types):
        for _ in range(int(values[k])):
            ring = [pools[c].pop(0) for c in rt]
            cycles.append(_cycle_record([ordered[i] for i in ring]))
    cycles.sort(key=lambda c: (c["length"], c["offers"]))
    status = "optimal" if all(st.status == "optimal" for st in stages) else "feasible"
    unproven = next((st for st in stages if st.status != "optimal"), None)
    stats.update(
        stages=[vars(st) for st in stages],
        objective={st.name: st.objective for st in stages},
        officers_exchanged=sum(c["length"] for c in cycles),
        rings_chosen=len(cycles),
        # the first stage not proven optimal, and how far its answer may be from its bound
        gap=0.0 if unproven is None else _gap(unproven.objective, unproven.bound),
        gap_stage=None if unproven is None else unproven.name,
        solve_seconds=round(time.perf_counter() - started, 4),
    )
    return ExchangeResult(cycles=cycles, status=status, stats=stats, ring_offers=ring_offers)


def _cycle_record(ring: list[ExchangeNode]) -> dict:
    """A ring as the API shows it, rotated to start at its smallest offer id."""
    start = min(range(len(ring)), key=lambda i: ring[i].id)
    ring = ring[start:] + ring[:start]
    return {
        "offers": [n.id for n in ring],
        "cities": [n.city for n in ring],
        "length": len(ring),
        "officers": [n.officer for n in ring],
        # a ring's periods are all equal (they nest around it): the officers are away for it
        "start": max(n.start for n in ring).isoformat(),
        "end": min(n.end for n in ring).isoformat(),
    }


def exchange_nodes(problem: Problem, offers: Iterable | None = None) -> list[ExchangeNode]:
    """The ring solver's view of the problem's offers (all of them, or the given ones)."""
    specialists = {s.id: s for s in problem.specialists}
    nodes = []
    for offer in problem.exchange_offers if offers is None else offers:
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
    return nodes


def offers_in_some_ring(nodes: Sequence[ExchangeNode], max_cycle_length: int) -> set[str]:
    """Ids of the two-way offers that lie on at least one possible ring among ``nodes``.

    Rings of 2 and 3 without enumerating them: an edge joins offers of different cities, so
    the cities of a closed walk of length 2 or 3 are all distinct and it is a ring; ``v``
    lies on one when the diagonal of ``A^2`` or ``A^3`` is positive there. Longer rings are
    enumerated.
    """
    ordered = sorted((n for n in nodes if n.wants_profession is not None), key=lambda n: n.id)
    if not ordered:
        return set()
    adj = fit_matrix(ordered)
    # an offer on a ring has an edge in and out: prune the rest first
    keep = adj.any(axis=0) & adj.any(axis=1)
    ordered = [n for n, k in zip(ordered, keep.tolist()) if k]
    adj = adj[np.ix_(keep, keep)]
    if max_cycle_length > 3:
        rings = short_cycles(adj, [n.city for n in ordered], max_cycle_length)
        return {ordered[v].id for ring in rings for v in ring}
    a = adj.astype(np.float32)  # sums of non-negative terms: rounding never turns > 0 into 0
    two = a @ a
    on = np.diagonal(two) > 0.5
    if max_cycle_length >= 3:
        on |= np.einsum("ij,ji->i", two, a) > 0.5
    return {n.id for n, k in zip(ordered, on.tolist()) if k}


def solve_exchange(problem: Problem, need_rank: dict[str, int], time_limit_s: float,
                   offers: Iterable | None = None) -> ExchangeResult:
    """Exchange rings for one matching round, from the validated problem and the need ranking.

    ``offers``: the offers the market may use (default: all of the problem's).
    """
    nodes = exchange_nodes(problem, offers)
    return solve_rings(nodes, need_rank, problem.rule_set.max_cycle_length, time_limit_s)
