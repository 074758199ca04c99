"""Exchange rings (交流): the rules a coordinating city would notice, one test each."""

from __future__ import annotations

from datetime import date

from talentbank.solver.exchange import ExchangeNode, solve_rings

FY = (date(2026, 4, 1), date(2027, 3, 31))


def offer(oid, city, gives, wants, *, licences=(), wants_licences=(), period=FY, officer=None,
          windows=(FY,)):
    """An exchange offer: `city` sends an officer of profession `gives`, asks for `wants`."""
    return ExchangeNode(
        id=oid, city=city, officer=officer or f"officer-{oid}",
        gives_professions=frozenset([gives]), gives_licences=frozenset(licences),
        available_windows=windows, wants_profession=wants,
        wants_licences=frozenset(wants_licences), start=period[0], end=period[1])


def rings(result):
    return [c["offers"] for c in result.cycles]


def _shape(result):
    """The ring records' offers, cities and length (officers and the period are checked apart)."""
    return [{k: c[k] for k in ("offers", "cities", "length")} for c in result.cycles]


def test_ring_records_name_officers_and_period():
    result = solve_rings([offer("a", "Zushi", "civil", "welfare"),
                          offer("b", "Kamakura", "welfare", "civil")], {})
    ring = result.cycles[0]
    assert ring["officers"] == ["officer-a", "officer-b"]
    assert (ring["start"], ring["end"]) == ("2026-04-01", "2027-03-31")


def test_two_cities_swap_officers():
    result = solve_rings([offer("a", "Zushi", "civil", "welfare"),
                          offer("b", "Kamakura", "welfare", "civil")], {})
    assert result.status == "optimal"
    assert _shape(result) == [{"offers": ["a", "b"], "cities": ["Zushi", "Kamakura"], "length": 2}]


def test_urban_development_welfare_triangle():
    # domain.md: urban-development staff ⇄ welfare staff, through a third city
    offers = [offer("z", "Zushi", "urban_development", "welfare"),
              offer("k", "Kamakura", "welfare", "civil"),
              offer("y", "Yokosuka", "civil", "urban_development")]
    result = solve_rings(offers, {"Zushi": 0, "Kamakura": 1, "Yokosuka": 2})
    # z's officer goes to the city of the next offer: Zushi -> Yokosuka -> Kamakura -> Zushi
    assert _shape(result) == [{"offers": ["k", "z", "y"],
                              "cities": ["Kamakura", "Zushi", "Yokosuka"], "length": 3}]


def test_same_city_never_paired():
    offers = [offer("a", "Zushi", "civil", "welfare"), offer("b", "Zushi", "welfare", "civil")]
    assert solve_rings(offers, {}).cycles == []


def test_one_way_offers_take_no_part():
    offers = [offer("a", "Zushi", "civil", "welfare"), offer("b", "Kamakura", "welfare", None)]
    result = solve_rings(offers, {})
    assert result.cycles == [] and result.stats["two_way_offers"] == 1


def test_licence_and_period_must_fit():
    wants_licence = [offer("a", "Zushi", "civil", "nurse", wants_licences=["保健師"]),
                     offer("b", "Kamakura", "nurse", "civil")]
    assert solve_rings(wants_licence, {}).cycles == []
    half = (date(2026, 4, 1), date(2026, 9, 30))
    short_offer = [offer("a", "Zushi", "civil", "nurse", period=half),
                   offer("b", "Kamakura", "nurse", "civil")]
    assert solve_rings(short_offer, {}).cycles == []  # a's officer cannot serve b's full year
    not_available = [offer("a", "Zushi", "civil", "nurse", windows=(half,)),
                     offer("b", "Kamakura", "nurse", "civil")]
    assert solve_rings(not_available, {}).cycles == []


def test_max_cycle_length_two_forbids_triangles():
    offers = [offer("z", "Zushi", "urban_development", "welfare"),
              offer("k", "Kamakura", "welfare", "civil"),
              offer("y", "Yokosuka", "civil", "urban_development")]
    assert solve_rings(offers, {}, max_cycle_length=2).cycles == []
    assert len(solve_rings(offers, {}, max_cycle_length=3).cycles) == 1


def test_higher_need_city_wins_a_contested_offer():
    # Zushi's civil engineer can go to Kamakura or to Yokosuka; Yokosuka ranks higher in need
    offers = [offer("z", "Zushi", "civil", "welfare", officer="z1"),
              offer("k", "Kamakura", "welfare", "civil"),
              offer("y", "Yokosuka", "welfare", "civil")]
    result = solve_rings(offers, {"Yokosuka": 0, "Zushi": 1, "Kamakura": 2})
    assert rings(result) == [["y", "z"]]
    result = solve_rings(offers, {"Kamakura": 0, "Zushi": 1, "Yokosuka": 2})
    assert rings(result) == [["k", "z"]]


def test_three_swaps_preferred_to_two_triangles_at_equal_count_and_need():
    # u -> v when u gives what v wants ("w" + v): swaps a<->b, c<->d, e<->f and the
    # triangles a->c->e->a, b->d->f->b cover the same six officers of the same cities
    gives = {"a": "bc", "b": "ad", "c": "de", "d": "cf", "e": "fa", "f": "eb"}
    offers = [ExchangeNode(id=k, city=f"C{k}", officer=k,
                           gives_professions=frozenset("w" + t for t in v),
                           gives_licences=frozenset(), available_windows=None,
                           wants_profession="w" + k, wants_licences=frozenset(),
                           start=FY[0], end=FY[1]) for k, v in gives.items()]
    result = solve_rings(offers, {f"C{k}": i for i, k in enumerate("abcdef")})
    assert result.stats["officers_exchanged"] == 6
    assert rings(result) == [["a", "b"], ["c", "d"], ["e", "f"]]
    triangles_only = solve_rings(offers, {}, max_cycle_length=3)
    assert len(triangles_only.cycles) == 3


def test_same_input_same_rings():
    import random
    rng = random.Random(7)
    professions = ["civil", "welfare", "nurse", "it", "parks"]
    offers = []
    for k in range(60):
        gives, wants = rng.sample(professions, 2)
        offers.append(offer(f"x{k:02d}", f"C{rng.randrange(8)}", gives, wants))
    need = {f"C{c}": c for c in range(8)}
    first = solve_rings(offers, need)
    again = solve_rings(list(reversed(offers)), need)
    assert first.cycles == again.cycles and first.status == again.status == "optimal"


def test_officer_offered_twice_serves_once():
    offers = [offer("a1", "Zushi", "civil", "welfare", officer="same"),
              offer("a2", "Zushi", "civil", "nurse", officer="same"),
              offer("b", "Kamakura", "welfare", "civil"), offer("c", "Yokosuka", "nurse", "civil")]
    result = solve_rings(offers, {})
    assert result.stats["officers_exchanged"] == 2


def test_three_cities_that_could_each_swap_make_one_swap():
    # every pair can swap (the LP takes each swap half: 3 officers), only one swap is possible
    offers = [offer(k, city, "civil", "civil") for k, city in
              (("a", "Zushi"), ("b", "Kamakura"), ("c", "Yokosuka"))]
    result = solve_rings(offers, {"Yokosuka": 0, "Kamakura": 1, "Zushi": 2}, max_cycle_length=2)
    assert result.status == "optimal"
    assert rings(result) == [["b", "c"]]  # the two highest-need cities
    assert result.stats["stages"][0]["lp_bound"] == 3.0  # integral, and still out of reach
    # with triangles allowed all three go round
    assert len(solve_rings(offers, {}, max_cycle_length=3).cycles[0]["offers"]) == 3


def test_a_time_limit_too_short_still_gives_valid_rings_and_says_how_far():
    import random
    rng = random.Random(11)
    professions = ["civil", "welfare", "nurse", "it", "parks"]
    offers = [offer(f"x{k:03d}", f"C{rng.randrange(12)}", *rng.sample(professions, 2))
              for k in range(240)]
    result = solve_rings(offers, {f"C{c}": c for c in range(12)}, time_limit_s=0.01)
    assert result.status in ("optimal", "feasible")
    used = [x for c in result.cycles for x in c["offers"]]
    assert len(used) == len(set(used))
    by_id = {o.id: o for o in offers}
    for c in result.cycles:
        ring = [by_id[x] for x in c["offers"]]
        assert len({o.city for o in ring}) == len(ring) <= 3
        assert all(b.wants_profession in a.gives_professions
                   for a, b in zip(ring, ring[1:] + ring[:1]))
    stats = result.stats
    if result.status == "feasible":
        assert stats["gap_stage"] in ("officers", "need", "rings")
        first = next(s for s in stats["stages"] if s["status"] != "optimal")
        assert first["bound"] is not None and first["bound"] >= first["objective"]
        assert stats["gap"] == (first["bound"] - first["objective"]) / max(1, first["objective"])
