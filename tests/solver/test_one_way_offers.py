"""One-way exchange offers (片道の派遣): accepted, kept out of rings, reported; dispatch sends the officer."""
from __future__ import annotations

import pytest

from talentbank.solver import ProblemError, load_problem, solve
from talentbank.solver.problem import input_fingerprint, problem_to_dict
from tests.solver.solver_factories import problem, request, specialist
from tests.solver.test_schema import PROBLEM_SCHEMA, RESULT_SCHEMA, violations

PERIOD = {"start": "2024-05-01", "end": "2024-09-30"}


def offers_problem(*offers: dict, requests=()) -> dict:
    """Zushi and Kamakura each employ one officer; Yokohama asks for a civil engineer."""
    return problem(
        [specialist("O-zushi", professions=["civil"], home="142085", employer="142085"),
         specialist("O-kamakura", professions=["nurse"], home="142042", employer="142042")],
        list(requests), exchange_offers=list(offers))


def offer(oid: str, city: str, officer: str, **wants) -> dict:
    """An exchange offer over PERIOD; pass wants=... to set (or null) what it asks back."""
    record = {"id": oid, "city": city, "officer": officer, **PERIOD}
    record.update(wants)
    return record


@pytest.mark.parametrize("wants", [{"wants": None}, {}], ids=["wants-null", "wants-absent"])
def test_one_way_offer_is_accepted(wants):
    loaded = load_problem(offers_problem(offer("X1", "142085", "O-zushi", **wants)))
    (one_way,) = loaded.exchange_offers
    assert one_way.wants_profession is None and one_way.wants_licences == frozenset()
    assert problem_to_dict(loaded)["exchange_offers"][0]["wants"] is None


def test_null_and_absent_wants_are_the_same_input():
    null = load_problem(offers_problem(offer("X1", "142085", "O-zushi", wants=None)))
    absent = load_problem(offers_problem(offer("X1", "142085", "O-zushi")))
    two_way = load_problem(offers_problem(offer("X1", "142085", "O-zushi",
                                                wants={"profession": "nurse"})))
    assert input_fingerprint(null) == input_fingerprint(absent) != input_fingerprint(two_way)


def test_a_wants_object_still_needs_its_profession():
    with pytest.raises(ProblemError, match=r'exchange_offers\[0\] \(id "X1"\): wants: profession is required'):
        load_problem(offers_problem(offer("X1", "142085", "O-zushi", wants={})))
    with pytest.raises(ProblemError, match="not employed by"):  # a one-way offer is still checked
        load_problem(offers_problem(offer("X1", "142042", "O-zushi")))


def test_one_way_offers_take_no_part_in_rings_and_are_reported():
    # X1 and X2 would swap if both were two-way; X2 is one-way, so there is no ring
    data = offers_problem(offer("X1", "142085", "O-zushi", wants={"profession": "nurse"}),
                          offer("X2", "142042", "O-kamakura", wants=None))
    result = solve(load_problem(data)).to_dict()
    assert result["exchange_cycles"] == []
    assert result["exchange_status"] == "optimal" and result["status"] == "optimal"
    exchange = result["stats"]["exchange"]
    assert exchange["offers"] == 2 and exchange["two_way_offers"] == 1
    assert exchange["one_way_offers"] == 1 and exchange["one_way_offer_ids"] == ["X2"]
    # the same pair, both two-way, does swap
    data["exchange_offers"][1]["wants"] = {"profession": "civil"}
    assert len(solve(load_problem(data)).to_dict()["exchange_cycles"]) == 1


def test_only_one_way_offers_give_an_optimal_round_without_rings():
    data = offers_problem(offer("X1", "142085", "O-zushi"), offer("X2", "142042", "O-kamakura"))
    result = solve(load_problem(data)).to_dict()
    assert result["exchange_cycles"] == [] and result["exchange_status"] == "optimal"
    assert result["status"] == "optimal"
    assert result["stats"]["exchange"]["one_way_offer_ids"] == ["X1", "X2"]


def test_the_one_way_officer_is_dispatched_as_a_specialist_but_never_home():
    # Zushi seconds its civil engineer one-way; Kamakura and Zushi both ask for one
    data = offers_problem(offer("X1", "142085", "O-zushi"),
                          requests=[request("R-home", city_code="142085", profession="civil"),
                                    request("R-kamakura", city_code="142042", profession="civil")])
    result = solve(load_problem(data)).to_dict()
    assert [(a["specialist"], a["request"]) for a in result["assignments"]] == [
        ("O-zushi", "R-kamakura")]
    (home,) = [u for u in result["unfilled"] if u["request"] == "R-home"]
    assert home["reason"]["kind"] == "no_eligible"
    assert home["reason"]["ruled_out"]["own_employer"] == 1


def test_schemas_accept_one_way_offers():
    data = offers_problem(offer("X1", "142085", "O-zushi", wants=None),
                          offer("X2", "142042", "O-kamakura"),
                          offer("X3", "142042", "O-kamakura", wants={"profession": "civil"}))
    data["exchange_offers"][2]["id"] = 3  # integer ids stay allowed
    assert violations(data, PROBLEM_SCHEMA) == []
    assert violations(solve(load_problem(data)).to_dict(), RESULT_SCHEMA) == []
