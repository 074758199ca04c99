"""The exchange market as a graph: who can serve whom, the possible rings, ring types, parts.

Pure numpy, no solver: ``exchange.py`` builds its model from what this module finds.

* **Fit.** ``a -> b`` when the officer's professions include ``b``'s wanted profession,
  the officer holds every licence ``b`` wants, and the officer can serve the whole of
  ``b``'s period ``[b.start, b.end]``: that period lies inside ``a``'s own offer period
  *and* inside one of the officer's availability windows (one window must cover it, as
  for dispatch in ``rules.is_available_for_period``). A node built with
  ``available_windows=None`` is limited by its offer period only. Offers of the same city
  never point to each other, and one-way offers (``wants_profession is None``) have no
  edges: they lie on no ring.
* **Rings.** A ring ``a -> b -> ... -> a`` of 2..max_cycle_length offers visits distinct
  cities. Rings are enumerated once each, in a canonical order (from the smallest vertex,
  the list sorted), so the same input gives the same rings.
* **Aggregation.** Offers of the same city with the same in- and out-neighbours in the
  fit graph (same officer type, same wants, same period, in effect) are
  interchangeable: the model has one integer count per ring *type* over those classes
  rather than one Boolean per ring. An officer offered more than once is never merged.
* **Components.** Ring types that share no offer or officer (through any chain) are
  independent, and the lexicographic optimum of a sum of independent parts is the sum of
  their optima: each part is solved on its own. A ring's periods are nested around the
  ring, so they are all equal: offers with different periods never meet, and a market
  splits at least by offer period.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np


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


def fit_matrix(nodes: Sequence[ExchangeNode]) -> np.ndarray:
    """Boolean adjacency ``A[a, b]``: a's officer fits what b wants (the fit rule above), in bulk."""
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


# ---------------------------------------------------------------------------
# Ring types over interchangeable offers, and independent parts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RingTypes:
    """The market's possible rings, aggregated: classes of interchangeable offers and cycles over them."""

    edges: int  # fit edges among them
    classes: list[list[int]]  # interchangeable offers (indices into ``offers``)
    sizes: np.ndarray  # offers per class
    class_city: list[str]  # the city of each class's offers
    types: list[tuple[int, ...]]  # ring types: cycles over classes, in canonical order


def ring_types(offers: Sequence[ExchangeNode], max_cycle_length: int) -> RingTypes:
    """The fit graph of ``offers`` (two-way, in id order), its offer classes and its ring types."""
    adj = fit_matrix(offers)
    classes = offer_classes(offers, adj)
    reps = [members[0] for members in classes]
    class_city = [offers[r].city for r in reps]
    return RingTypes(
        edges=int(adj.sum()),
        classes=classes,
        sizes=np.array([len(members) for members in classes], dtype=np.int64),
        class_city=class_city,
        types=short_cycles(adj[np.ix_(reps, reps)], class_city, max_cycle_length),
    )


def offer_classes(nodes: Sequence[ExchangeNode], adj: np.ndarray) -> list[list[int]]:
    """Group interchangeable offers: same city, same fit neighbours, officer offered once."""
    officer_count: dict[str, int] = {}
    for node in nodes:
        officer_count[node.officer] = officer_count.get(node.officer, 0) + 1
    key_to_class: dict[tuple, int] = {}
    classes: list[list[int]] = []
    for i, node in enumerate(nodes):
        own = node.id if officer_count[node.officer] > 1 else None
        key = (node.city, own, adj[i].tobytes(), adj[:, i].tobytes())
        c = key_to_class.setdefault(key, len(classes))
        if c == len(classes):
            classes.append([])
        classes[c].append(i)
    return classes


def components(n: int, links: Iterable[np.ndarray]) -> list[np.ndarray]:
    """Items 0..n-1 split into groups no link joins (union-find); each link is an array of items.

    Groups come smallest first, ties by their smallest item: solved in that order, each gets
    its share of the time left and what a small part leaves goes to the larger ones.
    """
    parent = list(range(n))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for link in links:
        items = link.tolist()
        root = find(items[0])
        for j in items[1:]:
            other = find(j)
            if other != root:
                parent[other] = root
    roots = np.array([find(j) for j in range(n)], dtype=np.int64)
    order = np.lexsort((np.arange(n), roots))
    groups = np.split(order, np.flatnonzero(np.diff(roots[order])) + 1)
    return sorted(groups, key=lambda g: (len(g), int(g[0])))
