"""One truth about who is free: an officer in both markets is never in a ring and an
overlapping dispatch; the rule set says which market goes first; busy periods; explanations.

The random rounds are checked by an independent brute-force referee (restated here and in
``solver_factories``): eligibility with busy periods, the lexicographic fill of the classes
before the exchange market against everyone, the most officers exchanged among the offers the
dispatch did not need, then the lexicographic fill and best quality of the whole round among
the people the rings did not take (the pairs the round holds for the higher classes kept).
"""
from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest

from talentbank.solver import ProblemError, load_problem, solve
from talentbank.solver.problem import input_fingerprint
from talentbank.solver.rules import HARD_RULE_NAMES, score_parts
from tests.solver.solver_factories import (
    CITY_ROWS,
    MONTHS,
    problem,
    referee_days_ok,
    referee_eligible,
    referee_priority,
    request,
    specialist,
)

URGENCY = ("disaster", "statutory", "ordinary")
BEFORE = {"first": (), "after_disaster": ("disaster",),
          "after_statutory": ("disaster", "statutory"), "last": URGENCY}
PERIOD = ("2024-05-01", "2024-09-30")


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _overlap(a: dict, b: dict) -> bool:
    return _d(a["start"]) <= _d(b["end"]) and _d(b["start"]) <= _d(a["end"])


def offer(oid, city, officer, wants, *, start=PERIOD[0], end=PERIOD[1], licences=()):
    """A two-way exchange offer record."""
    return {"id": oid, "city": city, "officer": officer,
            "wants": {"profession": wants, "required_licences": list(licences)},
            "start": start, "end": end}


def _contest(urgency="ordinary", priority=None, **extra):
    """Officer O of Zushi is wanted by request R in Kamakura and by a swap with Kamakura's P."""
    data = problem(
        [specialist("O", professions=["civil"], home="142085", employer="142085"),
         specialist("P", professions=["nurse"], home="142042", employer="142042")],
        [request("R", city_code="142042", urgency=urgency)],
        exchange_offers=[offer("X1", "142085", "O", "nurse"), offer("X2", "142042", "P", "civil")],
        **extra)
    if priority is not None:
        data["rule_set"] = {"version": "t", "exchange_priority": priority}
    return data


# ----------------------------------------------------------------------------- scenarios


def test_by_default_the_ring_beats_an_ordinary_request_and_says_so():
    result = solve(load_problem(_contest())).to_dict()
    assert [sorted(c["offers"]) for c in result["exchange_cycles"]] == [["X1", "X2"]]
    assert result["assignments"] == []
    reason = result["unfilled"][0]["reason"]
    assert reason["kind"] == "outranked"
    assert reason["taken_by"] == [{"exchange_cycle": 0, "cities": result["exchange_cycles"][0]["cities"],
                                   "offers": result["exchange_cycles"][0]["offers"],
                                   "why": "exchange_priority", "specialists": ["O"]}]
    assert result["unmatched_offers"] == []
    assert result["stats"]["both_markets_officers"] == 1


def test_exchange_last_gives_the_officer_to_the_ordinary_request():
    result = solve(load_problem(_contest(priority="last"))).to_dict()
    assert [(a["specialist"], a["request"]) for a in result["assignments"]] == [("O", "R")]
    assert result["exchange_cycles"] == []
    by_offer = {u["offer"]: u for u in result["unmatched_offers"]}
    assert by_offer["X1"]["reason"] == {"kind": "officer_dispatched", "request": "R", "city": "142042",
                                        "urgency": "ordinary", "priority_position": 0,
                                        "pinned": False}
    assert by_offer["X2"]["reason"] == {"kind": "no_ring", "ring_possible": False}
    assert by_offer["X1"]["city"] == "142085"


@pytest.mark.parametrize("urgency,priority,ring_wins", [
    ("statutory", None, False), ("disaster", None, False), ("ordinary", None, True),
    ("statutory", "after_disaster", True), ("disaster", "after_disaster", False),
    ("disaster", "first", True), ("ordinary", "last", False)])
def test_exchange_priority_decides_the_winner(urgency, priority, ring_wins):
    result = solve(load_problem(_contest(urgency, priority))).to_dict()
    assert bool(result["exchange_cycles"]) is ring_wins
    assert bool(result["assignments"]) is not ring_wins


def test_a_ring_is_kept_when_someone_else_can_fill_the_higher_request():
    # Q can fill the statutory request too: the officer in both markets is left to the ring
    data = _contest("statutory")
    data["specialists"].append(specialist("Q", professions=["civil"], home="142085"))
    result = solve(load_problem(data)).to_dict()
    assert [(a["specialist"], a["request"]) for a in result["assignments"]] == [("Q", "R")]
    assert len(result["exchange_cycles"]) == 1


def test_a_dispatch_that_does_not_overlap_the_ring_is_no_conflict():
    data = _contest("ordinary")
    data["requests"][0].update(start="2024-10-01", end="2024-12-31")
    result = solve(load_problem(data)).to_dict()
    assert len(result["exchange_cycles"]) == 1
    assert [(a["specialist"], a["request"]) for a in result["assignments"]] == [("O", "R")]


def test_bad_exchange_priority_names_the_field():
    data = _contest(priority="sometimes")
    with pytest.raises(ProblemError, match=r"rule_set: exchange_priority must be one of "
                                           r"first/after_disaster/after_statutory/last"):
        load_problem(data)


def test_fingerprint_is_unchanged_unless_the_new_fields_are_set():
    data = _contest()
    data["rule_set"] = {"version": "t"}
    plain = load_problem(data)
    assert input_fingerprint(load_problem(_contest(priority="after_statutory"))) == input_fingerprint(plain)
    assert input_fingerprint(load_problem(_contest(priority="last"))) != input_fingerprint(plain)
    busy = data
    busy["specialists"][0]["busy"] = [{"start": "2025-01-01", "end": "2025-01-31"}]
    assert input_fingerprint(load_problem(busy)) != input_fingerprint(plain)
    busy["specialists"][0]["busy"] = []
    assert input_fingerprint(load_problem(busy)) == input_fingerprint(plain)


def test_busy_rule_sits_after_availability():
    assert HARD_RULE_NAMES.index("busy") == HARD_RULE_NAMES.index("availability") + 1
    assert HARD_RULE_NAMES[:3] == ("profession", "licences", "availability")
    assert HARD_RULE_NAMES[4:] == ("days_per_week", "mode", "travel", "excluded_city",
                                   "own_employer", "forbidden", "training")


def test_a_busy_specialist_is_counted_under_busy():
    data = problem([specialist("S1"), specialist("S2"), specialist("S3", professions=["nurse"])],
                   [request("R1")])
    data["specialists"][0]["busy"] = [{"start": "2024-09-01", "end": "2024-12-31"}]
    data["specialists"][1]["busy"] = [{"start": "2024-01-01", "end": "2024-05-01"}]
    result = solve(load_problem(data)).to_dict()
    reason = result["unfilled"][0]["reason"]
    assert reason["kind"] == "no_eligible"
    assert reason["ruled_out"]["busy"] == 2
    assert reason["ruled_out"]["profession"] == 1
    assert sum(reason["ruled_out"].values()) == reason["total"] == 3


def test_a_busy_period_that_does_not_overlap_leaves_the_specialist_eligible():
    data = problem([specialist("S1")], [request("R1")])
    data["specialists"][0]["busy"] = [{"start": "2024-10-01", "end": "2024-12-31"}]
    assert len(solve(load_problem(data)).assignments) == 1


def test_an_officer_busy_during_the_offer_takes_no_part_in_rings():
    data = _contest(priority="first")
    data["specialists"][0]["busy"] = [{"start": "2024-09-15", "end": "2024-10-15"}]
    data["requests"] = []
    result = solve(load_problem(data)).to_dict()
    assert result["exchange_cycles"] == []
    by_offer = {u["offer"]: u["reason"] for u in result["unmatched_offers"]}
    assert by_offer["X1"] == {"kind": "officer_busy", "start": "2024-09-15", "end": "2024-10-15"}
    assert by_offer["X2"]["kind"] == "no_ring"


def test_bad_busy_period_names_the_record():
    data = _contest()
    data["specialists"][0]["busy"] = [{"start": "2024-10-01", "end": "2024-09-01"}]
    with pytest.raises(ProblemError, match=r'specialists\[0\] \(id "O"\): busy\[0\]: end is before start'):
        load_problem(data)


def test_a_pinned_dispatch_makes_the_officer_busy_for_the_ring():
    data = _contest(priority="first")
    data["pinned"] = [{"specialist": "O", "request": "R"}]
    result = solve(load_problem(data)).to_dict()
    assert result["exchange_cycles"] == []
    assert [(a["specialist"], a["pinned"]) for a in result["assignments"]] == [("O", True)]
    by_offer = {u["offer"]: u["reason"] for u in result["unmatched_offers"]}
    assert by_offer["X1"]["kind"] == "officer_dispatched"
    assert by_offer["X1"]["pinned"] is True and by_offer["X1"]["request"] == "R"


def test_equal_scores_go_to_the_shorter_journey():
    # Fujisawa's case: three requests there, an idle specialist at 85 minutes while one at 89
    # was proposed. 85 and 89 minutes both score 20 - 14 = 6 for travel.
    cities = [{"code": code, "name": name, "population": 100000, "general_staff": 800,
               "allowance_rate": 0.1, "fiscal_index": 0.9}
              for code, name in (("142051", "藤沢市"), ("141003", "横浜市"), ("132098", "町田市"),
                                 ("142018", "横須賀市"))]
    travel = [{"from": "141003", "to": "142051", "minutes": 89},
              {"from": "132098", "to": "142051", "minutes": 85},
              {"from": "142018", "to": "142051", "minutes": 30}]
    specs = [specialist("S-far", home="141003", max_travel=120),
             specialist("S-near", home="132098", max_travel=120),
             specialist("S-a", home="142018", max_travel=120),
             specialist("S-b", home="142018", max_travel=120)]
    reqs = [request(f"R{k}", city_code="142051") for k in range(3)]
    data = {"cities": cities, "travel_minutes": travel, "specialists": specs, "requests": reqs}
    result = solve(load_problem(data)).to_dict()
    chosen = {a["specialist"] for a in result["assignments"]}
    assert chosen == {"S-near", "S-a", "S-b"}
    # the displayed score parts are unchanged
    near = next(a for a in result["assignments"] if a["specialist"] == "S-near")
    assert near["score"]["travel"] == 6


def test_equal_scores_and_journeys_go_to_more_years_then_more_licences():
    # experience is capped at 30 points and extra licences at 5 (10 points): equal scores
    years = problem([specialist("S1", experience={"slope": 31}), specialist("S2", experience={"slope": 35})],
                    [request("R1", fields=["slope"])])
    result = solve(load_problem(years)).to_dict()
    assert [a["specialist"] for a in result["assignments"]] == ["S2"]
    licences = problem([specialist("S1", licences=list("ABCDEF")),
                        specialist("S2", licences=list("ABCDEFG"))], [request("R1")])
    result = solve(load_problem(licences)).to_dict()
    assert [a["specialist"] for a in result["assignments"]] == ["S2"]
    # the journey comes first: 20 minutes (travel 17) + 31 years beats 0 minutes (travel 20)
    # + 28 years? no: those differ in score. Same score, shorter journey first:
    journey = problem([specialist("S1", home="142042", experience={"slope": 31}),
                       specialist("S2", home="142042", experience={"slope": 40}, max_travel=10)],
                      [request("R1", fields=["slope"])])
    journey["travel_minutes"][0]["minutes"] = 19  # Zushi-Kamakura: 20 - 19 // 6 = 17 points
    journey["specialists"][1]["max_travel"] = 90
    journey["specialists"][1]["max_travel_minutes"] = 90
    journey["specialists"].append(specialist("S0", home="142085", experience={"slope": 27}))
    # S0: 0 minutes (20) + 27 = 47; S1: 19 minutes (17) + 30 = 47; S2: 17 + 30 = 47
    result = solve(load_problem(journey)).to_dict()
    assert [a["specialist"] for a in result["assignments"]] == ["S0"]


# ----------------------------------------------------------------------------- random rounds


def random_round(seed: int) -> dict:
    """Both markets: serving officers with two-way offers who are also dispatch candidates."""
    rng = random.Random(seed)
    codes = [row[0] for row in CITY_ROWS]
    specs, offers = [], []
    for i in range(rng.randint(2, 6)):
        serving = rng.random() < 0.75
        home = rng.choice(codes)
        window = rng.choice(MONTHS + [("2024-04-01", "2025-03-31")] * 6)
        professions = rng.sample(["civil", "nurse"], rng.randint(1, 2))
        s = specialist(f"S{i}", professions=professions,
                       licences=[lic for lic in ("A", "B") if rng.random() < 0.6], home=home,
                       employer=home if serving else None, start=window[0], end=window[1],
                       days=rng.choice([2, 3, 5, 5, 5]), max_travel=rng.choice([20, 45, 90, 90]),
                       modes=rng.choice([["onsite"], ["onsite"], ["onsite", "remote"]]),
                       experience={"slope": rng.randint(0, 9)})
        if rng.random() < 0.12:
            busy = rng.choice(MONTHS)
            s["busy"] = [{"start": busy[0], "end": busy[1]}]
        specs.append(s)
        if serving and rng.random() < 0.85:
            period = rng.choice([("2024-05-01", "2024-08-31")] * 3 + [("2024-04-01", "2024-12-31")])
            wants = "nurse" if professions == ["civil"] else "civil" if professions == ["nurse"] \
                else rng.choice(["civil", "nurse"])
            offers.append(offer(f"X{i}", home, s["id"], wants, start=period[0], end=period[1],
                                licences=["A"] if rng.random() < 0.15 else ()))
    reqs = []
    for j in range(rng.randint(1, 4)):
        period = rng.choice(MONTHS)
        reqs.append(request(f"R{j}", city_code=rng.choice(codes),
                            profession=rng.choice(["civil", "nurse"]),
                            licences=["A"] if rng.random() < 0.2 else (), fields=["slope"],
                            slots=rng.randint(1, 2), start=period[0], end=period[1],
                            days=rng.choice([2, 3, 5]), urgency=rng.choice(URGENCY),
                            carry_over=rng.choice([0, 0, 1])))
    data = problem(specs, reqs, exchange_offers=offers)
    data["rule_set"] = {"version": "r", "max_cycle_length": rng.choice([2, 3, 3]),
                        "exchange_priority": rng.choice(list(BEFORE))}
    return data


def eligible(data: dict, s: dict, r: dict) -> bool:
    """The referee's hard rules, busy periods included."""
    return referee_eligible(data, s, r) and not any(_overlap(b, r) for b in s.get("busy", []))


def best_fill(data: dict, requests: list[dict], quality, barred=frozenset(), held=()):
    """Brute force: lexicographic fill in priority order, then the best quality.

    ``barred`` pairs may not be chosen; ``held`` pairs must be.
    """
    order = [rid for rid in referee_priority(data) if rid in {r["id"] for r in requests}]
    pos = {rid: k for k, rid in enumerate(order)}
    slots = {r["id"]: r["slots"] for r in requests}
    held_by = {}
    for sid, rid in held:
        held_by.setdefault(sid, set()).add(rid)
    zero = quality(None, None)
    states = {tuple([0] * len(order)): zero}
    for s in data["specialists"]:
        options = [r for r in requests if eligible(data, s, r) and (s["id"], r["id"]) not in barred
                   or r["id"] in held_by.get(s["id"], ())]
        combos = [c for n in range(len(options) + 1) for c in itertools.combinations(options, n)
                  if referee_days_ok(s, list(c))
                  and held_by.get(s["id"], set()) <= {r["id"] for r in c}]
        new = {}
        for fill, q in states.items():
            for combo in combos:
                nf = list(fill)
                nq = q
                for r in combo:
                    nf[pos[r["id"]]] += 1
                    nq = tuple(x + y for x, y in zip(nq, quality(s["id"], r["id"])))
                if all(nf[pos[rid]] <= slots[rid] for rid in order):
                    key = tuple(nf)
                    if key not in new or new[key] < nq:
                        new[key] = nq
        states = new
    fill = max(states)
    return dict(zip(order, fill)), states[fill]


def fits(data: dict, a: dict, b: dict) -> bool:
    """Offer a's officer fits what offer b wants (restated)."""
    specs = {s["id"]: s for s in data["specialists"]}
    s = specs[a["officer"]]
    if a["city"] == b["city"]:
        return False
    if b["wants"]["profession"] not in s["professions"]:
        return False
    if not set(b["wants"]["required_licences"]) <= set(s["licences"]):
        return False
    inside_offer = _d(a["start"]) <= _d(b["start"]) and _d(b["end"]) <= _d(a["end"])
    return inside_offer and any(_d(w["start"]) <= _d(b["start"]) and _d(b["end"]) <= _d(w["end"])
                                for w in s["availability"])


def all_rings(data: dict, offers: list[dict], max_len: int) -> list[set[int]]:
    """Every possible ring among ``offers`` (as sets of positions)."""
    rings = []
    for n in range(2, max_len + 1):
        for ring in itertools.permutations(range(len(offers)), n):
            if ring[0] == min(ring) and len({offers[k]["city"] for k in ring}) == n and all(
                    fits(data, offers[ring[k]], offers[ring[(k + 1) % n]]) for k in range(n)):
                rings.append(set(ring))
    return rings


def ring_offers(data: dict, offers: list[dict], max_len: int) -> list[dict]:
    """The offers that lie on some possible ring."""
    on = set().union(*all_rings(data, offers, max_len)) if offers else set()
    return [offers[k] for k in sorted(on)]


def most_officers(data: dict, offers: list[dict], max_len: int) -> int:
    """Brute force: the most officers exchanged by disjoint rings among ``offers``."""
    rings = all_rings(data, offers, max_len)
    best = 0
    for size in range(len(rings) + 1):
        for pick in itertools.combinations(rings, size):
            if sum(len(r) for r in pick) == len(set().union(*pick)) if pick else True:
                best = max(best, sum(len(r) for r in pick))
    return best


def check(data: dict, result: dict) -> None:
    p = load_problem(data)
    specs = {s["id"]: s for s in data["specialists"]}
    reqs = {r["id"]: r for r in data["requests"]}
    offers = {o["id"]: o for o in data["exchange_offers"]}

    def quality(sid, rid):
        if sid is None:
            return (0,)
        return (score_parts(p.specialist_by_id[sid], p.request_by_id[rid], p)["total"],)

    before = BEFORE[data["rule_set"]["exchange_priority"]]
    rings = result["exchange_cycles"]
    in_ring = {oid for c in rings for oid in c["offers"]}
    held: dict[str, list[dict]] = {}
    for a in result["assignments"]:
        s, r = specs[a["specialist"]], reqs[a["request"]]
        assert eligible(data, s, r), a
        held.setdefault(s["id"], []).append(r)
    for sid, rs in held.items():
        assert referee_days_ok(specs[sid], rs)

    # one person: never in a chosen ring and an overlapping dispatch
    for c in rings:
        ring = [offers[o] for o in c["offers"]]
        assert all((o["start"], o["end"]) == (ring[0]["start"], ring[0]["end"]) for o in ring)
        assert c["officers"] == [o["officer"] for o in ring]
        for o in ring:
            assert not any(_overlap(o, r) for r in held.get(o["officer"], [])), (o, held)
            assert not any(_overlap(o, b) for b in specs[o["officer"]].get("busy", []))

    # unmatched offers: every two-way offer outside the rings, with a true reason
    unmatched = {u["offer"]: u for u in result["unmatched_offers"]}
    assert set(unmatched) == set(offers) - in_ring
    needed, out = [], set()
    for oid, u in unmatched.items():
        o, why = offers[oid], u["reason"]
        assert u["city"] == o["city"]
        if why["kind"] == "officer_busy":
            assert any(_overlap(o, b) for b in specs[o["officer"]]["busy"])
            out.add(oid)
        elif why["kind"] == "officer_dispatched":
            r = reqs[why["request"]]
            assert r in held[o["officer"]] and _overlap(o, r)
            assert why["urgency"] == r["urgency"] and why["city"] == r["city"]
            assert r["urgency"] in before
            needed.append((o["officer"], r["id"]))
            out.add(oid)
        else:
            assert why["kind"] == "no_ring"

    # the classes before the exchange market: their best fill against everyone
    top = [r for r in data["requests"] if r["urgency"] in before]
    filled = {rid: 0 for rid in reqs}
    for a in result["assignments"]:
        filled[a["request"]] += 1
    if top:
        fill_top, _ = best_fill(data, top, quality)
        assert {rid: filled[rid] for rid in fill_top} == fill_top
        # and of the answers with that fill, one using the fewest officers whose overlapping
        # offer lies on a possible ring (those officers are the ones the dispatch needs)
        live = [offers[k] for k in sorted(offers) if unmatched.get(k, {}).get("reason", {}).get("kind")
                not in ("officer_busy",) and not unmatched.get(k, {}).get("reason", {}).get("pinned")]
        on_ring = ring_offers(data, live, data["rule_set"]["max_cycle_length"])

        def penalty(sid, rid):
            if sid is None:
                return (0,)
            return (-sum(1 for o in on_ring if o["officer"] == sid and _overlap(o, reqs[rid])),)

        _, (fewest,) = best_fill(data, top, penalty)
        assert -fewest == result["stats"].get("held_for_higher_classes", 0)

    # the exchange: the most officers among the offers the dispatch did not need
    market = [offers[k] for k in sorted(offers) if k not in out]
    expected = most_officers(data, market, data["rule_set"]["max_cycle_length"])
    assert sum(len(c["offers"]) for c in rings) == expected

    # the whole round: best fill and quality among the people the rings did not take
    barred = {(o["officer"], r["id"]) for c in rings for o in (offers[k] for k in c["offers"])
              for r in data["requests"] if _overlap(o, r)}
    fill_all, (best_q,) = best_fill(data, data["requests"], quality, frozenset(barred), needed)
    assert filled == {rid: fill_all.get(rid, 0) for rid in reqs}
    assert sum(a["score"]["total"] for a in result["assignments"]) == best_q

    # explanations: ring entries name ring officers eligible for the slot in the ring's period
    for u in result["unfilled"]:
        r = reqs[u["request"]]
        if u["reason"]["kind"] != "outranked":
            continue
        assert "idle_specialists" not in u["reason"]
        named = set()
        for t in u["reason"]["taken_by"]:
            named |= set(t["specialists"])
            if "exchange_cycle" in t:
                c = rings[t["exchange_cycle"]]
                assert t["offers"] == c["offers"] and t["cities"] == c["cities"]
                assert t["why"] == "exchange_priority"
                for sid in t["specialists"]:
                    assert sid in c["officers"] and eligible(data, specs[sid], r)
                    assert _overlap(offers[c["offers"][c["officers"].index(sid)]], r)
            else:
                for sid in t["specialists"]:
                    assert t["request"] in [x["id"] for x in held[sid]]
        assert named == {s["id"] for s in data["specialists"] if eligible(data, s, r)}


@pytest.mark.parametrize("block", range(4))
def test_random_rounds_with_both_markets(block):
    seen = {"ring": 0, "dispatched": 0, "busy": 0, "ring_taken": 0}
    for seed in range(block, 1600, 4):
        data = random_round(seed)
        result = solve(load_problem(data)).to_dict()
        assert result["status"] == "optimal"
        check(data, result)
        seen["ring"] += bool(result["exchange_cycles"])
        kinds = [u["reason"]["kind"] for u in result["unmatched_offers"]]
        seen["dispatched"] += "officer_dispatched" in kinds
        seen["busy"] += "officer_busy" in kinds
        seen["ring_taken"] += any("exchange_cycle" in t for u in result["unfilled"]
                                  for t in u["reason"].get("taken_by", []))
    assert all(v > 10 for v in seen.values()), seen


def test_a_pinned_pair_is_kept_although_the_specialist_is_now_busy():
    data = problem([specialist("S1")], [request("R1")], pinned=[{"specialist": "S1", "request": "R1"}])
    data["specialists"][0]["busy"] = [{"start": "2024-06-01", "end": "2024-06-30"}]
    result = solve(load_problem(data)).to_dict()
    assert [(a["specialist"], a["pinned"]) for a in result["assignments"]] == [("S1", True)]
    assert any('rule "busy"' in w for w in result["warnings"])


def test_rounds_with_both_markets_are_deterministic():
    import json

    for seed in range(0, 200, 7):
        data = random_round(seed)
        a = solve(load_problem(data)).to_dict()
        b = solve(load_problem(json.loads(json.dumps(data)))).to_dict()
        a.pop("stats"), b.pop("stats")
        assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_vectorised_index_agrees_with_the_rules_busy_periods_included():
    from talentbank.solver.eligibility import EligibilityIndex
    from talentbank.solver.rules import first_failed_rule, pair_tie_value

    for seed in range(300):
        p = load_problem(random_round(seed))
        index = EligibilityIndex(p)
        pairs = index.all_pairs()
        got = {(p.specialists[i].id, p.requests[j].id): (int(q), int(t)) for i, j, q, t in zip(
            pairs.spec.tolist(), pairs.req.tolist(), pairs.quality.tolist(), pairs.tie.tolist())}
        expected = {(s.id, r.id): (score_parts(s, r, p)["total"], pair_tie_value(s, r, p))
                    for s in p.specialists for r in p.requests if first_failed_rule(s, r, p) is None}
        assert got == expected, seed
        for j, r in enumerate(p.requests):
            counts = index.ruled_out_counts(j)
            for name in HARD_RULE_NAMES:
                assert counts[name] == sum(1 for s in p.specialists if first_failed_rule(s, r, p) == name)
