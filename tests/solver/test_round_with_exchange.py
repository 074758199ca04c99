"""The round calls the exchange-ring solver and reports its rings beside the dispatch."""
from __future__ import annotations

import pytest

from talentbank.solver import load_problem, solve
from tests.solver.solver_factories import problem, request, specialist


def test_a_two_city_swap_appears_in_the_round():
    try:
        from talentbank.solver.exchange import solve_exchange  # noqa: F401
    except ImportError:
        pytest.skip("the exchange-ring solver is not in this tree yet")
    data = problem(
        [specialist("O-zushi", professions=["土木"], home="142085", employer="142085"),
         specialist("O-kamakura", professions=["保健師"], home="142042", employer="142042")],
        [request("R1", profession="建築")],
        exchange_offers=[
            {"id": "X1", "city": "142085", "officer": "O-zushi",
             "wants": {"profession": "保健師"}, "start": "2024-05-01", "end": "2024-09-30"},
            {"id": "X2", "city": "142042", "officer": "O-kamakura",
             "wants": {"profession": "土木"}, "start": "2024-05-01", "end": "2024-09-30"}])
    result = solve(load_problem(data)).to_dict()
    assert result["exchange_status"] is not None
    assert len(result["exchange_cycles"]) == 1
    assert sorted(result["exchange_cycles"][0]["offers"]) == ["X1", "X2"]
    assert sorted(result["exchange_cycles"][0]["cities"]) == ["142042", "142085"]
    assert result["unfilled"][0]["reason"]["kind"] == "no_eligible"


def test_without_the_exchange_solver_the_round_still_dispatches_and_says_so(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_exchange(name, *args, **kwargs):
        if name == "talentbank.solver.exchange":
            raise ImportError("not here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_exchange)
    data = problem([specialist("S1")], [request("R1")], exchange_offers=[
        {"id": "X1", "city": "142085", "officer": "S1", "wants": {"profession": "保健師"},
         "start": "2024-05-01", "end": "2024-09-30"}])
    data["specialists"][0]["employer_city"] = "142042"
    data["exchange_offers"][0]["city"] = "142042"
    result = solve(load_problem(data)).to_dict()
    assert len(result["assignments"]) == 1
    assert result["exchange_cycles"] == []
    assert any("exchange solver" in w for w in result["warnings"])
