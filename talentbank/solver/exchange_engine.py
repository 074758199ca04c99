"""The staged LP/MIP engine behind the exchange rings: a lexicographic optimum over integer counts.

The model (built by ``exchange.py``) is one integer count per column (a ring type) between
a lower and an upper bound, linear rows over the counts, and objectives maximised one after
another, the optimum of each held while the next one chooses (never one weighted sum with
big multipliers). Parts that no row links are solved apart (``solve_parts``).

* **Solving a part.** Per stage, the LP bound from GLOP, made rigorous from its duals.
  *Integral bound:* it becomes the stage's target; reduced-cost fixing (complementary
  slackness) narrows the part to the answers that meet it — columns with a negative
  reduced cost unused, rows with a positive dual full — and the check is deferred.
  *Fractional bound:* the stage is solved in integers by a MIP (CP-SAT with its LP and
  cuts, or SCIP; one thread) over growing reduced-cost neighbourhoods of the LP bound,
  seeded by repairing the LP point, then held (a row ``stage >= optimum``) and the part
  narrowed again. At the end one answer meeting every deferred target proves them all: a
  MIP over the LP point's support and the columns among the offers its fractional part
  touches usually finds it in a fraction of a second. If a deferred target is out of
  reach, that stage is solved in integers and the later ones again. Every answer is
  checked in integers; a stage is ``optimal`` only when its answer meets a proven bound.
  When the time limit stops a MIP, the part keeps its best answer and the stage is
  ``feasible``, its gap measured from its best bound (``relative_gap``).
* **Determinism.** Parts are taken in the order given, CP-SAT runs with one worker and a
  fixed seed, SCIP with one thread: the same model gives the same answer (a run stopped
  by the time limit may differ between machines).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

_SEED = 20210531  # the alliance meeting; any fixed value keeps runs reproducible


@dataclass
class Row:
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
    rows: list[Row]

    def copy(self) -> _State:
        return _State(self.active.copy(), self.lower.copy(), [replace(r) for r in self.rows])


@dataclass
class Stage:
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


class Clock:
    """The time left before a deadline, for the LP and MIP calls."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def left(self) -> float:
        return self.deadline - time.perf_counter()


def _linear_model(solver, state: _State, columns: np.ndarray, upper: np.ndarray,
                  objective: np.ndarray, new_var) -> tuple[list, list]:
    """The state's rows and ``objective`` (maximised) over ``columns`` in a pywraplp solver.

    ``new_var`` is the solver's ``NumVar`` (the LP) or ``IntVar`` (the MIP). Returns the
    variables (one per column) and the constraints (one per row).
    """
    position = np.full(len(upper), -1, dtype=np.int64)
    position[columns] = np.arange(len(columns))
    xs = [new_var(float(state.lower[j]), float(upper[j]), "") for j in columns.tolist()]
    cts = []
    for row in state.rows:
        keep = position[row.cols] >= 0
        ct = solver.Constraint(-solver.infinity() if row.sense == "le" else float(row.rhs),
                               solver.infinity() if row.sense == "ge" else float(row.rhs))
        for i, a in zip(position[row.cols[keep]].tolist(), row.coefs[keep].tolist()):
            ct.SetCoefficient(xs[i], float(a))
        cts.append(ct)
    goal = solver.Objective()
    for x, a in zip(xs, objective[columns].tolist()):
        goal.SetCoefficient(x, float(a))
    goal.SetMaximization()
    return xs, cts


def _glop(state: _State, columns: np.ndarray, upper: np.ndarray, objective: np.ndarray,
          clock: Clock):
    """A GLOP model of the state's LP relaxation over ``columns``: (solver, variables, rows)."""
    from ortools.linear_solver import pywraplp  # slow to load: only when solving

    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:
        return None
    xs, cts = _linear_model(lp, state, columns, upper, objective, lp.NumVar)
    lp.SetTimeLimit(max(1, int(clock.left() * 1000)))
    return lp, xs, cts


def _lp_bound(state: _State, upper: np.ndarray, objective: np.ndarray, clock: Clock):
    """LP relaxation with GLOP: a rigorous bound, reduced costs and LP point (per active type), duals.

    The bound is recomputed from GLOP's duals clipped to their valid signs, so a slightly
    inexact LP still gives a true upper bound for every integer answer of the state:
    b.y + sum(max(0, d) * upper + min(0, d) * lower), d = c - A'y (any such y would do).
    """
    from ortools.linear_solver import pywraplp  # slow to load: only when solving

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
            target: int, clock: Clock, engine: str, first: bool = False) -> np.ndarray | None:
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
                            Clock(time.perf_counter() + 0.2 * max(0.0, clock.left())), engine,
                            first)
        if values is not None:
            return values
    return None


def _mip(state: _State, upper: np.ndarray, objective: np.ndarray, target: int,
         hint: np.ndarray | None, clock: Clock, engine: str, first: bool = False
         ) -> tuple[str, np.ndarray | None, int]:
    """Maximise over the state's integer answers, stopping at ``target`` (an upper bound).

    ``engine`` is ``cp-sat`` (one worker, fixed seed, LP with cuts) or ``scip`` (one thread;
    CP-SAT when this build has no SCIP). Returns (status, values, bound): ``optimal``
    (proven, or ``target`` reached), ``feasible`` (stopped by the time limit, or at the
    first answer when ``first``), ``infeasible``, or ``unknown`` (stopped before any answer).
    """
    from ortools.linear_solver import pywraplp  # slow to load: only when solving

    solver = pywraplp.Solver.CreateSolver("SCIP") if engine == "scip" else None
    if solver is None:
        return _cp_mip(state, upper, objective, target, hint, clock, first)
    solver.SetNumThreads(1)  # one thread: the same input gives the same rings
    solver.SetSolverSpecificParametersAsString(f"limits/primal = {target}\n"
                                               + ("limits/solutions = 1\n" if first else ""))
    xs, _ = _linear_model(solver, state, state.active, upper, objective, solver.IntVar)
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
    bound = int(np.floor(solver.Objective().BestBound() + _TOL))
    return "feasible", values, max(found, min(target, bound))


def _cp_mip(state: _State, upper: np.ndarray, objective: np.ndarray, target: int,
            hint: np.ndarray | None, clock: Clock, first: bool = False
            ) -> tuple[str, np.ndarray | None, int]:
    """``_mip`` with CP-SAT: one worker, fixed seed, its LP with cuts (what proves these)."""
    from ortools.sat.python import cp_model  # slow to load: only when a MIP is solved

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
               hint: np.ndarray | None, clock: Clock, engine: str
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


def solve_component(upper: np.ndarray, rows: list[Row],
                     objectives: list[tuple[str, np.ndarray]], clock: Clock,
                     mip_every_stage: bool, engine: str) -> tuple[np.ndarray, list[Stage]]:
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
    stages: list[Stage | None] = [None] * count
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
            stages[k] = Stage(name, target, target, round(lp_value, 4), len(state.active),
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
        stages[k] = Stage(name, 0, bound if values is not None else target,
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
            state.rows.append(Row(np.arange(n), objective, "ge", found, name))
        k += 1

    # --- the answer, and what each stage can claim for it ----------------------------
    if answer is None:  # nothing verified in time: the best answer found, else a greedy one
        weight = guide if guide is not None else np.zeros(n)  # led by the latest LP point
        answer = best if best is not None else _greedy(base, upper, np.lexsort(
            (np.arange(n), -objectives[0][1], -weight)))
    proven = True  # every earlier stage is at its proven optimum
    for k, (name, objective) in enumerate(objectives):
        value = int(objective @ answer)
        stage = stages[k] or Stage(name, value, None, None, 0, "feasible", 0.0)
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


def solve_parts(upper: np.ndarray, rows: list[Row], objectives: list[tuple[str, np.ndarray]],
                groups: list[np.ndarray], clock: Clock, mip_every_stage: bool, engine: str
                ) -> tuple[np.ndarray, list[Stage]]:
    """Lexicographic optimum of a model whose ``groups`` of columns no row links, part by part.

    Each part gets twice its share of the time left by size, at least an equal split (the
    last one: all of it); what a part does not use carries over. The stages are summed.
    """
    n = len(upper)
    values = np.zeros(n, dtype=np.int64)
    per_component = []
    remaining = n
    for left, group in zip(range(len(groups), 0, -1), groups):
        local = np.full(n, -1, dtype=np.int64)
        local[group] = np.arange(len(group))
        group_rows = [replace(row, cols=local[row.cols]) for row in rows if local[row.cols[0]] >= 0]
        share = Clock(time.perf_counter() + max(0.0, clock.left())
                      * min(1.0, max(2.0 * len(group) / remaining, 1.0 / left)))
        remaining -= len(group)
        answer, parts = solve_component(
            upper[group], group_rows, [(name, objective[group]) for name, objective in objectives],
            share, mip_every_stage, engine)
        values[group] = answer
        per_component.append(parts)
    return values, _merge_stages(per_component)


def _merge_stages(per_component: list[list[Stage]]) -> list[Stage]:
    """Add up the components' stages: a sum is optimal (or bounded) only if every part is."""
    merged = []
    for parts in zip(*per_component):
        bounds = [p.bound for p in parts]
        lps = [p.lp_bound for p in parts]
        merged.append(Stage(
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


def relative_gap(objective: int, bound: int | None) -> float | None:
    """Relative distance from the best answer found to the proven bound (None: no bound)."""
    if bound is None:
        return None
    return 0.0 if bound <= objective else (bound - objective) / max(1, objective)
