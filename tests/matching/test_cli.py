"""``flask rounds run`` / ``flask rounds export``, and the rounds the scheduler orders."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.matching.models import MatchingRound, Proposal

from .builders import matching_app, scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(app, make):
    matching_app(app)
    return scenario(make)


def test_rounds_run_prints_the_id_alone_first_then_a_summary(app, world):
    result = app.test_cli_runner().invoke(args=["rounds", "run"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    rnd = db.session.scalar(select(MatchingRound))
    assert lines[0] == str(rnd.id)
    assert "status: succeeded" in lines[1]
    assert any(line.startswith("proposals: 3") for line in lines)
    assert rnd.started_by_id is None and rnd.kind == "manual"


def test_rounds_run_as_a_coordinator_and_with_a_profession(app, world):
    result = app.test_cli_runner().invoke(args=["rounds", "run", "--as", world.coordinator.email,
                                                "--profession", "civil"])
    assert result.exit_code == 0, result.output
    rnd = db.session.get(MatchingRound, int(result.output.splitlines()[0]))
    assert rnd.started_by_id == world.coordinator.id and rnd.kind == "fast_track"
    assert rnd.profession_code == "civil"
    problem = json.loads(rnd.problem_json)
    assert {r["profession"] for r in problem["requests"]} == {"civil"}
    assert str(world.nurse.id) not in {s["id"] for s in problem["specialists"]}


def test_rounds_run_refuses_unknown_things_clearly(app, world, make):
    runner = app.test_cli_runner()
    assert "no rule-set version 9" in runner.invoke(args=["rounds", "run", "--rule-set-version", "9"]).output
    hr = make.user(Role.CITY_HR, city=world.cities["142085"])
    assert "may not run matching rounds" in runner.invoke(args=["rounds", "run", "--as", hr.email]).output
    assert db.session.scalar(select(MatchingRound.id)) is None


def test_a_failed_round_exits_non_zero_after_printing_its_id(app, world, monkeypatch):
    from talentbank.matching import runner as round_runner

    monkeypatch.setattr(round_runner, "solve_problem", lambda problem: (_ for _ in ()).throw(
        round_runner.SolverFailure("crashed", "exit 139")))
    result = app.test_cli_runner().invoke(args=["rounds", "run"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == str(db.session.scalar(select(MatchingRound.id)))


def test_export_writes_the_exact_input_and_answer_and_they_replay(app, world, tmp_path):
    cli = app.test_cli_runner()
    round_id = cli.invoke(args=["rounds", "run"]).output.splitlines()[0]
    result = cli.invoke(args=["rounds", "export", round_id, str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    rnd = db.session.get(MatchingRound, int(round_id))
    problem_file, result_file = tmp_path / "out" / "problem.json", tmp_path / "out" / "result.json"
    assert problem_file.read_text(encoding="utf-8").strip() == rnd.problem_json
    assert result_file.read_text(encoding="utf-8").strip() == rnd.result_json
    replay = subprocess.run([sys.executable, "-m", "talentbank.solver", str(problem_file)], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    replayed, stored = json.loads(replay.stdout), json.loads(result_file.read_text(encoding="utf-8"))
    assert replayed["assignments"] == stored["assignments"]
    assert replayed["unfilled"] == stored["unfilled"]
    proposals = {(str(p.specialist_id), str(p.request_id)) for p in db.session.scalars(select(Proposal))}
    assert proposals == {(a["specialist"], a["request"]) for a in replayed["assignments"]}
    missing = cli.invoke(args=["rounds", "export", "999", str(tmp_path / "none")])
    assert missing.exit_code != 0 and "no matching round 999" in missing.output


def test_a_scheduled_round_runs_and_tells_people(app, world, make):
    from talentbank.matching.schedule import RoundOrder
    from talentbank.matching.schedule import run_ordered_round as run_round_for_scheduler
    from talentbank.notifications.models import Notification

    hr = make.user(Role.CITY_HR, city=world.cities["142018"])
    summary = run_round_for_scheduler(RoundOrder(kind="scheduled", profession_id=None, request_ids=(),
                                                 trigger_ids=(), due_at=datetime(2026, 12, 7)))
    rnd = db.session.scalar(select(MatchingRound))
    assert summary.startswith(f"round {rnd.id}: 3 proposals") and rnd.kind == "scheduled"
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert (world.coordinator.id, "round.finished") in kinds
    assert (hr.id, "round.city_results") in kinds  # Yokosuka got nobody, and is told why is on its page


def test_a_scheduled_round_that_fails_raises(app, world, monkeypatch):
    from talentbank.matching import runner as round_runner
    from talentbank.matching.schedule import RoundFailed, RoundOrder
    from talentbank.matching.schedule import run_ordered_round as run_round_for_scheduler

    monkeypatch.setattr(round_runner, "solve_problem", lambda problem: (_ for _ in ()).throw(
        round_runner.SolverFailure("timeout", "slow")))
    with pytest.raises(RoundFailed):
        run_round_for_scheduler(RoundOrder(kind="fast_track", profession_id=None, request_ids=(), trigger_ids=(),
                                           due_at=datetime(2026, 12, 7)))
