"""Hard rule `training`: a disaster-recovery request of a profession that requires it needs a recent training.

docs/solver-format.md ("Hard rules"): a training of the request's profession attended on or after the
request's start less N calendar months; only urgency `disaster`; counted last in `no_eligible`.
"""
from __future__ import annotations

import datetime as dt

import pytest

from talentbank.solver import ProblemError, load_problem, solve
from talentbank.solver.eligibility import EligibilityIndex
from talentbank.solver.problem import input_fingerprint, problem_to_dict
from talentbank.solver.rules import (
    HARD_RULE_NAMES,
    first_failed_rule,
    has_recent_training,
    months_before,
    training_cutoff,
)
from tests.solver.solver_factories import problem, random_problem, referee_trained, request, specialist

START = "2024-06-10"  # the request's start: 12 months before is 2023-06-10


def _disaster(rid="R1", *, profession="civil", urgency="disaster", start=START, **kw):
    return request(rid, profession=profession, urgency=urgency, start=start, end="2024-09-30", **kw)


def _round(specs, reqs, months=None, **extra):
    data = problem(specs, reqs, **extra)
    if months is not None:
        data["disaster_training_months"] = months
    return data


def _eligible_both_ways(data) -> set[tuple[str, str]]:
    """Eligible pairs by the rule functions; asserts the bulk index and the referee say the same."""
    p = load_problem(data)
    by_rules = {(s.id, r.id) for s in p.specialists for r in p.requests if first_failed_rule(s, r, p) is None}
    pairs = EligibilityIndex(p).all_pairs()
    bulk = {(p.specialists[i].id, p.requests[j].id) for i, j in zip(pairs.spec.tolist(), pairs.req.tolist())}
    assert bulk == by_rules
    specs, reqs = {s["id"]: s for s in data["specialists"]}, {r["id"]: r for r in data["requests"]}
    assert {(s, r) for s in specs for r in reqs if referee_trained(data, specs[s], reqs[r])} >= by_rules
    return by_rules


@pytest.mark.parametrize("attended, ok", [
    ("2023-06-10", True),   # exactly 12 months before the start
    ("2023-06-09", False),  # one day short
    ("2024-01-15", True),
    ("2024-06-10", True),   # on the first day
    ("2024-07-01", True),   # after the start, before the round: ready when sent
])
def test_boundaries_of_twelve_months(attended, ok):
    data = _round([specialist("S1", trainings={"civil": attended})], [_disaster()], {"civil": 12})
    assert _eligible_both_ways(data) == ({("S1", "R1")} if ok else set())
    p = load_problem(data)
    s, r = p.specialists[0], p.requests[0]
    assert has_recent_training(s, r, p) is ok
    assert first_failed_rule(s, r, p) == (None if ok else "training")


def test_month_ends_take_the_shorter_months_last_day():
    assert months_before(dt.date(2026, 5, 31), 3) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2024, 3, 31), 1) == dt.date(2024, 2, 29)
    assert months_before(dt.date(2026, 1, 15), 1) == dt.date(2025, 12, 15)
    assert months_before(dt.date(2026, 12, 31), 60) == dt.date(2021, 12, 31)
    assert months_before(dt.date(1, 3, 1), 12) == dt.date.min  # no day before the calendar's first
    data = _round([specialist("S1", trainings={"civil": "2024-02-29"}),  # 31 May less 3 months, a leap year
                   specialist("S2", trainings={"civil": "2024-02-28"})],
                  [_disaster(start="2024-05-31")], {"civil": 3})
    assert _eligible_both_ways(data) == {("S1", "R1")}


def test_a_training_of_another_profession_does_not_count():
    data = _round([specialist("S1", professions=["civil", "nurse"], trainings={"nurse": "2024-05-01"})],
                  [_disaster()], {"civil": 12, "nurse": 12})
    assert _eligible_both_ways(data) == set()


def test_missing_training_fails_and_no_requirement_needs_none():
    data = _round([specialist("S1"), specialist("S2", professions=["nurse"])],
                  [_disaster(), _disaster("R2", profession="nurse")], {"civil": 6})
    # civil requires it and S1 never attended; nurse has no requirement
    assert _eligible_both_ways(data) == {("S2", "R2")}


@pytest.mark.parametrize("urgency", ["statutory", "ordinary"])
def test_requests_other_than_disaster_recovery_are_unaffected(urgency):
    data = _round([specialist("S1"), specialist("S2", trainings={"civil": "2010-01-01"})],
                  [_disaster(urgency=urgency)], {"civil": 1})
    assert _eligible_both_ways(data) == {("S1", "R1"), ("S2", "R1")}
    p = load_problem(data)
    assert training_cutoff(p.requests[0], p) is None


def test_training_is_counted_last_and_on_its_own_in_no_eligible():
    assert HARD_RULE_NAMES[-1] == "training"
    data = _round([specialist("S1"),  # would qualify but for the training
                   specialist("S2", trainings={"civil": "2023-01-01"}),  # too old
                   specialist("S3", start="2024-07-01"),  # unavailable: counted there, not under training
                   specialist("S4", professions=["nurse"])],
                  [_disaster()], {"civil": 12})
    result = solve(load_problem(data)).to_dict()
    [u] = result["unfilled"]
    assert u["reason"]["kind"] == "no_eligible"
    assert u["reason"]["total"] == 4
    counts = {k: v for k, v in u["reason"]["ruled_out"].items() if v}
    assert counts == {"training": 2, "availability": 1, "profession": 1}
    assert u["reason"]["training_months"] == 12
    statutory = _round([specialist("S1", professions=["nurse"])], [_disaster(urgency="statutory")], {"civil": 12})
    [u] = solve(load_problem(statutory)).to_dict()["unfilled"]
    assert "training_months" not in u["reason"] and u["reason"]["ruled_out"]["training"] == 0


def test_a_round_sends_the_trained_person_and_leaves_the_untrained_one():
    data = _round([specialist("S1", experience={"slope": 30}),  # better quality, not trained
                   specialist("S2", trainings={"civil": "2024-03-01"})],
                  [_disaster(fields=["slope"])], {"civil": 12})
    result = solve(load_problem(data)).to_dict()
    assert [(a["specialist"], a["request"]) for a in result["assignments"]] == [("S2", "R1")]


def test_pinned_pair_without_the_training_stays_with_a_warning():
    data = _round([specialist("S1")], [_disaster()], {"civil": 12},
                  pinned=[{"specialist": "S1", "request": "R1"}])
    result = solve(load_problem(data)).to_dict()
    assert [(a["specialist"], a["pinned"]) for a in result["assignments"]] == [("S1", True)]
    assert any('"training"' in w for w in result["warnings"])


def test_exchange_rings_are_unaffected():
    cities = ("142085", "142042")
    specs = [specialist("O1", professions=["civil"], home=cities[0], employer=cities[0]),
             specialist("O2", professions=["nurse"], home=cities[1], employer=cities[1])]
    offers = [{"id": "X1", "city": cities[0], "officer": "O1", "wants": {"profession": "nurse"},
               "start": "2024-05-01", "end": "2024-09-30"},
              {"id": "X2", "city": cities[1], "officer": "O2", "wants": {"profession": "civil"},
               "start": "2024-05-01", "end": "2024-09-30"}]
    data = _round(specs, [], {"civil": 1, "nurse": 1}, exchange_offers=offers)
    result = solve(load_problem(data)).to_dict()
    assert [c["offers"] for c in result["exchange_cycles"]] == [["X1", "X2"]]


def test_fingerprint_unchanged_without_trainings_and_changed_with_them():
    plain = problem([specialist("S1")], [_disaster()])
    before = input_fingerprint(load_problem(plain))
    assert "disaster_training_months" not in problem_to_dict(load_problem(plain))
    assert "trainings" not in problem_to_dict(load_problem(plain))["specialists"][0]
    assert input_fingerprint(load_problem({**plain, "disaster_training_months": {}})) == before
    with_months = {**plain, "disaster_training_months": {"civil": 12}}
    assert input_fingerprint(load_problem(with_months)) != before
    trained = problem([specialist("S1", trainings={"civil": "2024-01-01"})], [_disaster()])
    assert input_fingerprint(load_problem(trained)) != before
    again = problem_to_dict(load_problem(trained))
    assert again["specialists"][0]["trainings"] == {"civil": "2024-01-01"}
    assert input_fingerprint(load_problem(again)) == input_fingerprint(load_problem(trained))


@pytest.mark.parametrize("change, expected", [
    (lambda d: d.update(disaster_training_months={"civil": 0}),
     'disaster_training_months: profession "civil" must be an integer 1..60, got 0'),
    (lambda d: d.update(disaster_training_months={"civil": 61}), "must be an integer 1..60, got 61"),
    (lambda d: d.update(disaster_training_months={"civil": "12"}), "must be an integer 1..60, got '12'"),
    (lambda d: d.update(disaster_training_months={"civil": True}), "must be an integer 1..60, got True"),
    (lambda d: d.update(disaster_training_months=[12]), "disaster_training_months: must be an object"),
    (lambda d: d["specialists"][0].update(trainings={"civil": "2024-13-01"}),
     'specialists[0] (id "S1"): trainings must give an ISO date YYYY-MM-DD for profession "civil", '
     "got '2024-13-01'"),
    (lambda d: d["specialists"][0].update(trainings={"civil": 20240101}),
     "trainings must give an ISO date YYYY-MM-DD"),
    (lambda d: d["specialists"][0].update(trainings=["civil"]), "trainings must be an object"),
])
def test_invalid_training_input_is_named(change, expected):
    data = problem([specialist("S1")], [_disaster()])
    change(data)
    with pytest.raises(ProblemError, match=None) as info:
        load_problem(data)
    assert expected in str(info.value)


def test_bulk_counts_agree_with_the_rule_functions_on_random_instances_with_trainings():
    required, outcomes = 0, {True: 0, False: 0}
    for seed in range(400):
        data = random_problem(seed, max_specs=6, max_reqs=5, trainings=True)
        p = load_problem(data)
        index = EligibilityIndex(p)
        for j, r in enumerate(p.requests):
            required += training_cutoff(r, p) is not None
            counts = index.ruled_out_counts(j)
            for name in HARD_RULE_NAMES:
                assert counts[name] == sum(1 for s in p.specialists if first_failed_rule(s, r, p) == name), seed
            specs = {s["id"]: s for s in data["specialists"]}
            req = next(x for x in data["requests"] if x["id"] == r.id)
            for s in p.specialists:  # the referee's own month arithmetic agrees with the rule
                ok = has_recent_training(s, r, p)
                assert referee_trained(data, specs[s.id], req) == ok, (seed, s.id)
                if training_cutoff(r, p) is not None:
                    outcomes[ok] += 1
    assert required > 80 and outcomes[True] > 50 and outcomes[False] > 50, (required, outcomes)
