"""Exchange rings (交流): cities swap serving officers in cycles of 2..max_cycle_length.

The rule (docs/matching-rules.md): offer ``a`` points to offer ``b`` when the officer ``a``
gives fits what ``b`` wants and the cities differ. A chosen ring ``a -> b -> ... -> a``
visits distinct cities; every city in it sends one officer and receives one. Each offer
(and each officer) is in at most one chosen ring.

This module is the public API (``solve_exchange``, ``solve_rings``, the result record) and
the model: the fit graph, the rings and the ring types come from ``exchange_graph``
(which documents the fit rule, the aggregation and the independent parts), and the staged
LP/MIP engine that finds the optimum is ``exchange_engine``. Interpretations fixed here
(documented so that screens and tests agree):

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
* **Constraints.** Each offer is in at most one chosen ring, and an officer offered more
  than once takes part in at most one ring among his offers whose periods overlap.
* **Status.** ``optimal`` when every stage's answer meets a proven bound. When the time
  limit stops a MIP, the best answer found stands, the status is ``feasible`` and
  ``stats["gap"]`` is the relative gap of the first stage not proven
  (``stats["gap_stage"]``).
* **Determinism.** Offers are processed in id order, rings are enumerated in a
  canonical order, parts are taken smallest first, CP-SAT runs with one worker and a
  fixed seed, SCIP with one thread; the same input gives the same rings (a run stopped by
  the time limit may differ between machines).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from talentbank.solver.exchange_engine import Clock, Row, relative_gap, solve_parts
from talentbank.solver.exchange_graph import (
    ExchangeNode,
    components,
    enumerate_cycles,
    fit_matrix,
    offers_in_some_ring,
    ring_types,
    short_cycles,
)

if TYPE_CHECKING:
    from talentbank.solver.problem import Problem

__all__ = [
    "DEFAULT_MAX_CYCLE_LENGTH",
    "ExchangeNode",
    "ExchangeResult",
    "enumerate_cycles",
    "exchange_nodes",
    "fit_matrix",
    "need_weights",
    "offers_in_some_ring",
    "short_cycles",
    "solve_exchange",
    "solve_rings",
]

DEFAULT_MAX_CYCLE_LENGTH = 3


@dataclass(frozen=True)
class ExchangeResult:
    """The chosen rings, the solver status and the figures behind them."""

    cycles: list[dict] = field(default_factory=list)
    status: str = "no_offers"
    stats: dict = field(default_factory=dict)
    ring_offers: frozenset[str] = frozenset()  # offers that lie on some possible ring


def need_weights(cities: Iterable[str], need_rank: Mapping[str, int]) -> dict[str, int]:
    """Per-city weight for stage 2: strictly decreasing with need rank, 1 for unranked cities."""
    ranks = sorted({need_rank[c] for c in cities if c in need_rank})
    dense = {r: i for i, r in enumerate(ranks)}
    top = len(ranks)
    return {c: (1 + top - dense[need_rank[c]]) if c in need_rank else 1 for c in cities}


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
    market = ring_types(ordered, max_cycle_length)
    classes, sizes, class_city, types = market.classes, market.sizes, market.class_city, market.types
    weight = need_weights({n.city for n in ordered}, need_rank)
    stats.update(
        edges=market.edges,
        offer_classes=len(classes),
        ring_types=len(types),
        rings_enumerated=int(sum(int(np.prod(sizes[list(rt)])) for rt in types)),
        enumerate_seconds=round(time.perf_counter() - started, 4),
    )
    ring_offers = frozenset(ordered[i].id for rt in types for c in rt for i in classes[c])
    if not types:
        stats.update(officers_exchanged=0, rings_chosen=0, gap=0.0, gap_stage=None, stages=[],
                     solve_seconds=round(time.perf_counter() - started, 4))
        return ExchangeResult(cycles=[], status="optimal" if nodes else "no_offers", stats=stats)

    # --- variables: one count per ring type, at most the size of its smallest class ----
    upper = np.array([int(sizes[list(rt)].min()) for rt in types], dtype=np.int64)

    # --- constraints (as rows shared by the LP bound and the MIPs) -------------
    rows: list[Row] = []
    through: list[list[int]] = [[] for _ in classes]
    for k, rt in enumerate(types):
        for c in rt:
            through[c].append(k)
    for c, ks in enumerate(through):
        if ks:
            # each offer is in at most one chosen ring (a class holds sizes[c] such offers)
            rows.append(Row(np.array(ks), np.ones(len(ks), dtype=np.int64), "le",
                            int(sizes[c]), "offer"))
    by_officer: dict[str, list[int]] = {}
    for c, members in enumerate(classes):
        by_officer.setdefault(ordered[members[0]].officer, []).append(c)
    for officer, officer_classes in sorted(by_officer.items()):
        for x, c1 in enumerate(officer_classes):
            for c2 in officer_classes[x + 1:]:
                a, b = ordered[classes[c1][0]], ordered[classes[c2][0]]
                ks = sorted(set(through[c1]) | set(through[c2]))
                if ks and a.start <= b.end and b.start <= a.end:
                    # an officer offered twice serves in at most one ring at a time
                    rows.append(Row(np.array(ks), np.ones(len(ks), dtype=np.int64), "le", 1,
                                    "officer"))

    # --- objectives, in lexicographic order -------------------------------------
    stage_objectives = [
        ("officers", np.array([len(rt) for rt in types], dtype=np.int64)),
        ("need", np.array([sum(weight[class_city[c]] for c in rt) for rt in types],
                          dtype=np.int64)),
        ("rings", np.ones(len(types), dtype=np.int64)),
    ]

    # --- solve: part by part, each stage's optimum held for the next -----------
    clock = Clock(started + time_limit_s)
    groups = components(len(types), (row.cols for row in rows))
    values, stages = solve_parts(upper, rows, stage_objectives, groups, clock, mip_every_stage,
                                 mip_solver)
    stats.update(components=len(groups), largest_component=int(max(len(g) for g in groups)))

    # --- answer: hand out interchangeable offers to the chosen ring types --------
    pools = [list(members) for members in classes]
    cycles = []
    for k, rt in enumerate(types):
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
        gap=0.0 if unproven is None else relative_gap(unproven.objective, unproven.bound),
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


def solve_exchange(problem: Problem, need_rank: dict[str, int], time_limit_s: float,
                   offers: Iterable | None = None) -> ExchangeResult:
    """Exchange rings for one matching round, from the validated problem and the need ranking.

    ``offers``: the offers the market may use (default: all of the problem's).
    """
    nodes = exchange_nodes(problem, offers)
    return solve_rings(nodes, need_rank, problem.rule_set.max_cycle_length, time_limit_s)
