"""Exchange rings against brute force: every set of disjoint rings on up to 12 offers."""

from __future__ import annotations

import itertools
import random
from datetime import date

import pytest

from talentbank.solver.exchange import ExchangeNode, offers_in_some_ring, solve_rings

HALVES = [(date(2026, 4, 1), date(2027, 3, 31)), (date(2026, 4, 1), date(2026, 9, 30)),
          (date(2026, 10, 1), date(2027, 3, 31))]


def random_offers(rng: random.Random) -> list[ExchangeNode]:
    """A small seeded instance: few cities and professions so rings compete."""
    n = rng.randint(2, 12)
    cities = [f"C{c}" for c in range(rng.randint(2, 5))]
    professions = ["civil", "welfare", "nurse", "it"][: rng.randint(2, 4)]
    offers = []
    for k in range(n):
        gives = frozenset(rng.sample(professions, rng.randint(1, 2)))
        wants = rng.choice(professions + [None]) if rng.random() < 0.1 else rng.choice(professions)
        officer = f"s{k}" if rng.random() > 0.1 or k == 0 else f"s{k - 1}"
        city = rng.choice(cities) if officer == f"s{k}" else offers[k - 1].city
        start, end = rng.choice(HALVES)
        offers.append(ExchangeNode(
            id=f"x{k:02d}", city=city, officer=officer, gives_professions=gives,
            gives_licences=frozenset(l for l in ("L1", "L2") if rng.random() < 0.7),
            available_windows=(rng.choice(HALVES),) if rng.random() < 0.8 else None,
            wants_profession=wants,
            wants_licences=frozenset(["L1"]) if rng.random() < 0.3 else frozenset(),
            start=start, end=end))
    return offers


def fits(a: ExchangeNode, b: ExchangeNode) -> bool:
    """Independent statement of the edge rule."""
    if a.wants_profession is None or b.wants_profession is None or a.city == b.city:
        return False
    windows = [(a.start, a.end)] if a.available_windows is None else [
        (max(s, a.start), min(e, a.end)) for s, e in a.available_windows]
    return (b.wants_profession in a.gives_professions and b.wants_licences <= a.gives_licences
            and any(s <= b.start and b.end <= e for s, e in windows))


def all_rings(offers, max_len):
    rings = set()
    for length in range(2, max_len + 1):
        for ring in itertools.permutations(range(len(offers)), length):
            if ring[0] != min(ring) or len({offers[i].city for i in ring}) != length:
                continue
            if all(fits(offers[ring[i]], offers[ring[(i + 1) % length]]) for i in range(length)):
                rings.add(ring)
    return sorted(rings)


def weights(offers, need_rank):
    ranks = sorted({need_rank[o.city] for o in offers if o.city in need_rank})
    return {o.city: (len(ranks) - ranks.index(need_rank[o.city]) if o.city in need_rank else 1)
            for o in offers}


def value(rings_, offers, need_rank):
    w = weights(offers, need_rank)
    return (sum(len(r) for r in rings_), sum(w[offers[i].city] for r in rings_ for i in r),
            len(rings_))


def compatible(chosen, offers):
    used = [i for r in chosen for i in r]
    if len(used) != len(set(used)):
        return False
    for i, j in itertools.combinations(used, 2):
        a, b = offers[i], offers[j]
        if a.officer == b.officer and a.start <= b.end and b.start <= a.end:
            return False
    return True


def brute_force_best(offers, need_rank, max_len):
    rings_ = all_rings(offers, max_len)
    best = (0, 0, 0)

    def extend(start, chosen):
        nonlocal best
        best = max(best, value(chosen, offers, need_rank))
        for k in range(start, len(rings_)):
            if compatible(chosen + [rings_[k]], offers):
                extend(k + 1, chosen + [rings_[k]])

    extend(0, [])
    return best


@pytest.mark.parametrize("mip_every_stage", [False, True], ids=["lp-targets", "mip-every-stage"])
@pytest.mark.parametrize("seed", range(250))
def test_matches_brute_force(seed, mip_every_stage):
    rng = random.Random(seed)
    offers = random_offers(rng)
    cities = sorted({o.city for o in offers})
    need_rank = {c: r for r, c in enumerate(rng.sample(cities, len(cities))) if rng.random() < 0.9}
    max_len = rng.choice([2, 3, 3, 4])
    result = solve_rings(offers, need_rank, max_cycle_length=max_len, time_limit_s=10,
                         mip_every_stage=mip_every_stage)
    assert result.status in ("optimal", "no_offers")
    by_id = {o.id: i for i, o in enumerate(offers)}
    chosen = []
    for c in result.cycles:
        ring = [by_id[x] for x in c["offers"]]
        # every ring is valid: edges fit, cities distinct, length within the rule
        assert 2 <= c["length"] == len(ring) <= max_len
        assert c["cities"] == [offers[i].city for i in ring]
        assert len(set(c["cities"])) == len(ring)
        assert all(fits(offers[ring[i]], offers[ring[(i + 1) % len(ring)]])
                   for i in range(len(ring)))
        chosen.append(ring)
    assert compatible(chosen, offers)  # offers disjoint, an officer in one ring at a time
    assert value(chosen, offers, need_rank) == brute_force_best(offers, need_rank, max_len)


@pytest.mark.parametrize("max_len", [2, 3, 4])
def test_offers_on_some_ring_match_the_enumerated_rings(max_len):
    for seed in range(300):
        offers = random_offers(random.Random(seed))
        expected = {offers[i].id for ring in all_rings(offers, max_len) for i in ring}
        assert offers_in_some_ring(offers, max_len) == expected, seed
