"""The pure matching engine: dispatch, exchange rings and their explanations.

Standard library, OR-Tools and numpy only; importing this never imports Flask or
SQLAlchemy. ``solve`` and ``load_problem`` are the public entry points.
"""
from __future__ import annotations

from typing import Any, Mapping

from talentbank.solver.problem import Problem, ProblemError, SolveResult, load_problem

__all__ = ["Problem", "ProblemError", "SolveResult", "load_problem", "solve", "solve_dict"]


def solve(problem: Problem) -> SolveResult:
    """Run one matching round (dispatch, then exchange rings) on a validated problem."""
    # numpy, OR-Tools and the engine load only to solve: validating a problem needs none of them
    from talentbank.solver.dispatch import solve_round

    return solve_round(problem)


def solve_dict(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a JSON-like problem, solve it and return the result as JSON."""
    return solve(load_problem(data)).to_dict()
