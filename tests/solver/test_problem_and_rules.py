"""Input normalisation, the per-rule functions and the vectorised index agreeing with them."""
from __future__ import annotations

import pytest

from talentbank.solver import ProblemError, load_problem
from talentbank.solver.eligibility import EligibilityIndex
from talentbank.solver.problem import input_fingerprint
from talentbank.solver.rules import (
    fits_days_per_week,
    first_failed_rule,
    rank_cities_by_need,
    score_parts,
)
from tests.solver.solver_factories import problem, random_problem, request, specialist


def test_ids_are_normalised_to_strings_and_travel_is_symmetric():
    data = problem([specialist(7)], [request(12, carry_over=True)])
    data["travel_minutes"] = [{"from": 142085, "to": "142042", "minutes": 25}]
    p = load_problem(data)
    assert p.specialists[0].id == "7" and p.requests[0].id == "12"
    assert p.requests[0].carry_over == 1
    assert p.travel_minutes("142042", "142085") == 25
    assert p.travel_minutes("142085", "142085") == 0
    assert p.travel_minutes("142085", "141003") is None


def test_fingerprint_ignores_the_time_limit_and_record_order():
    data = problem([specialist("A"), specialist("B")], [request("R1"), request("R2")])
    first = input_fingerprint(load_problem(data))
    data["time_limit_s"] = 99
    data["specialists"].reverse()
    assert input_fingerprint(load_problem(data)) == first
    data["requests"][0]["slots"] = 2
    assert input_fingerprint(load_problem(data)) != first


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.update(pinned=[{"specialist": "S9", "request": "R1"}]), 'pinned[0]: specialist names unknown'),
    (lambda d: d["specialists"][0].update(modes=["train"]), "modes must hold only onsite/remote"),
    (lambda d: d["requests"][0].update(slots=0), 'requests[0] (id "R1"): slots must be 1.., got 0'),
    (lambda d: d.update(rule_set={"method": "vote"}), "rule_set: method must be one of"),
    (lambda d: d["cities"][0].update(population=0), 'cities[0] (code "142085"): population must be 1..'),
    (lambda d: d["requests"].append(dict(d["requests"][0])), 'requests[1] (id "R1"): id duplicates requests[0]'),
])
def test_invalid_records_are_named(change, expected):
    data = problem([specialist("S1")], [request("R1")])
    change(data)
    with pytest.raises(ProblemError) as error:
        load_problem(data)
    assert expected in str(error.value)


def test_days_per_week_counts_only_overlapping_requests():
    p = load_problem(problem([specialist("S", days=3)], [
        request("A", days=2, start="2024-05-01", end="2024-06-30"),
        request("B", days=1, start="2024-06-01", end="2024-07-31"),
        request("C", days=3, start="2024-08-01", end="2024-09-30")]))
    s, (a, b, c) = p.specialists[0], p.requests
    assert fits_days_per_week(s, [a, b, c])
    assert not fits_days_per_week(s, [a, b, load_problem(problem([specialist("S")], [
        request("D", days=1, start="2024-06-15", end="2024-06-20")])).requests[0]])


def test_days_per_week_are_counted_on_the_busiest_day_not_summed_over_the_year():
    """docs/matching-rules.md: 3 days offered, 2 agreed in January-March and 2 in July-September,
    leave room for a 1-day request all year, not for a 2-day one."""
    def requests(all_year_days):
        return load_problem(problem([specialist("S", days=3)], [
            request("Q1", days=2, start="2025-01-01", end="2025-03-31"),
            request("Q3", days=2, start="2025-07-01", end="2025-09-30"),
            request("Y", days=all_year_days, start="2025-01-01", end="2025-12-31")]))

    one_day = requests(1)
    assert fits_days_per_week(one_day.specialists[0], one_day.requests)
    two_days = requests(2)
    assert not fits_days_per_week(two_days.specialists[0], two_days.requests)


def test_need_rank_breaks_ties_by_city_code():
    data = problem([], [])
    for c in data["cities"]:
        c.update(population=10000, general_staff=10, allowance_rate=0.1, fiscal_index=1.0)
    p = load_problem(data)
    assert rank_cities_by_need(p.cities, p.rule_set) == {"141003": 0, "142042": 1, "142085": 2}


def test_vectorised_index_agrees_with_the_rule_functions():
    for seed in range(400):
        p = load_problem(random_problem(seed, max_specs=6, max_reqs=5, trainings=True))
        index = EligibilityIndex(p)
        pairs = index.all_pairs()
        got = {(p.specialists[i].id, p.requests[j].id): int(q)
               for i, j, q in zip(pairs.spec.tolist(), pairs.req.tolist(), pairs.quality.tolist())}
        expected = {(s.id, r.id): score_parts(s, r, p)["total"]
                    for s in p.specialists for r in p.requests if first_failed_rule(s, r, p) is None}
        assert got == expected, seed


def test_home_towns_outside_the_alliance_never_shift_the_members_need_order():
    """A weighted rule normalises over the member cities; a non-member only follows them."""
    def city(code, population, staff, rate, fiscal, **extra):
        return {"code": code, "population": population, "general_staff": staff, "allowance_rate": rate,
                "fiscal_index": fiscal, **extra}

    members = [city("142085", 57425, 300, 0.10, 0.86), city("142042", 173019, 1010, 0.12, 1.05),
               city("141003", 3724844, 9480, 0.16, 0.97)]
    rule_set = {"version": 2, "method": "weighted",
                "criteria": [{"indicator": "staff_per_10k", "weight": 1}, {"indicator": "allowance_rate", "weight": 3},
                             {"indicator": "fiscal_index", "weight": 2}]}
    alone = load_problem({"cities": members, "rule_set": rule_set})
    # an extreme home town: it would stretch every min-max range if it were normalised with the members
    town = city("143014", 40000, 900, 0.0, 2.5, is_member=False)
    with_town = load_problem({"cities": [*members, town], "rule_set": rule_set})
    ranks_alone = rank_cities_by_need(alone.cities, alone.rule_set)
    ranks = rank_cities_by_need(with_town.cities, with_town.rule_set)
    assert {code: ranks[code] for code in ranks_alone} == ranks_alone
    assert ranks["143014"] == 3


def test_is_member_must_be_a_boolean():
    data = problem([specialist(1)], [request(1)])
    data["cities"][0]["is_member"] = "yes"
    with pytest.raises(ProblemError, match=r'is_member must be true or false'):
        load_problem(data)
