"""Running rounds: snapshot, solver, storage; failures leave nothing half-written; replay gives the same."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.extensions import db
from talentbank.matching import runner, services
from talentbank.matching.models import MatchingRound, Proposal, UnfilledSlot
from talentbank.matching.snapshot import build_problem

from .builders import matching_app, scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(app, make):
    matching_app(app)
    return scenario(make)


def test_a_round_proposes_by_priority_and_explains_empty_slots(world):
    rnd = services.start_round(world.coordinator)
    assert rnd.status == "succeeded", rnd.error
    pairs = {(p.request_id, p.specialist_id) for p in db.session.scalars(select(Proposal))}
    # The disaster request of Zushi gets the only licensed engineer; Kamakura the two others.
    assert (world.zushi_request.id, world.engineer_licensed.id) in pairs
    assert {s for r, s in pairs if r == world.kamakura_request.id} == {e.id for e in world.engineers[1:]}
    empty = db.session.scalars(select(UnfilledSlot)).all()
    assert [(u.request_id, u.slots, u.reason["kind"]) for u in empty] == [(world.yokosuka_request.id, 1, "no_eligible")]
    assert rnd.rule_set_version.version == 1 and rnd.solver_status == "optimal"
    assert rnd.input_fingerprint and len(rnd.input_fingerprint) == 64
    assert rnd.stats["summary"]["proposals"] == 3
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"round.started", "round.succeeded"} <= actions


def test_the_stored_problem_replays_to_the_stored_answer(world, tmp_path):
    rnd = services.start_round(world.coordinator)
    from click.testing import CliRunner  # noqa: F401  (the CLI test lives in test_cli.py)

    problem = tmp_path / "problem.json"
    problem.write_text(rnd.problem_json, encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "talentbank.solver", str(problem)], cwd=ROOT,
                               capture_output=True, text=True, check=True)
    replay = json.loads(completed.stdout)
    stored = json.loads(rnd.result_json)
    assert replay["input_fingerprint"] == stored["input_fingerprint"] == rnd.input_fingerprint
    assert [(a["specialist"], a["request"], a["score"]) for a in replay["assignments"]] == \
        [(a["specialist"], a["request"], a["score"]) for a in stored["assignments"]]
    assert replay["unfilled"] == stored["unfilled"]


def test_a_solver_that_raises_leaves_the_round_failed_with_no_proposals(world, monkeypatch):
    def broken(problem):
        raise RuntimeError("the solver fell over")

    monkeypatch.setattr(runner, "solve_problem", broken)
    rnd = services.start_round(world.coordinator)
    assert rnd.status == "failed"
    assert "the solver fell over" in rnd.error and rnd.stats["error_kind"] == "internal"
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    assert db.session.scalar(select(func.count(UnfilledSlot.id))) == 0
    assert rnd.problem_json, "the input is kept so the failure can be reproduced"


def test_a_failure_while_storing_rolls_back_every_row(world, monkeypatch):
    real_store = runner.store_result

    def store_then_fail(rnd, *args, **kwargs):
        real_store(rnd, *args, **kwargs)
        db.session.flush()
        assert db.session.scalar(select(func.count(Proposal.id))) == 3  # written, not yet committed
        raise ValueError("disk full")

    monkeypatch.setattr(runner, "store_result", store_then_fail)
    rnd = services.start_round(world.coordinator)
    assert rnd.status == "failed" and "disk full" in rnd.error
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    assert db.session.scalar(select(func.count(UnfilledSlot.id))) == 0


def test_a_solver_process_that_times_out_fails_the_round(world, app):
    app.config.update(MATCHING_SOLVER="subprocess", SOLVER_HARD_TIMEOUT_S=1,
                      MATCHING_SOLVER_COMMAND=[sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        rnd = services.start_round(world.coordinator)
    finally:
        app.config.update(MATCHING_SOLVER="inline", SOLVER_HARD_TIMEOUT_S=None, MATCHING_SOLVER_COMMAND=None)
    assert rnd.status == "failed" and rnd.stats["error_kind"] == "timeout"
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_the_solver_child_process_gives_the_inline_answer(world, app):
    app.config.update(MATCHING_SOLVER="subprocess")
    try:
        rnd = services.start_round(world.coordinator)
    finally:
        app.config.update(MATCHING_SOLVER="inline")
    assert rnd.status == "succeeded", rnd.error
    assert db.session.scalar(select(func.count(Proposal.id))) == 3


def test_only_one_round_runs_at_a_time(world):
    queued = services.queue_round(world.coordinator)
    from talentbank.core.errors import UserError

    with pytest.raises(UserError, match="計算中"):
        services.start_round(world.coordinator)
    assert services.run_round_now(queued.id).status == "succeeded"


def test_the_snapshot_sends_today_data_in_the_solver_format(world):
    problem = build_problem(services.ensure_rule_set())
    requests = {r["id"]: r for r in problem["requests"]}
    zushi = requests[str(world.zushi_request.id)]
    assert zushi["city"] == "142085" and zushi["urgency"] == "disaster"
    assert zushi["required_licences"] == ["gijutsushi_construction"] and zushi["slots"] == 1
    specialist = next(s for s in problem["specialists"] if s["id"] == str(world.engineer_licensed.id))
    assert specialist["home_city"] == "142018" and specialist["experience"] == {"slopes": 12}
    assert specialist["modes"] == ["onsite"] and specialist["days_per_week"] == 3
    zushi_city = next(c for c in problem["cities"] if c["code"] == "142085")
    assert zushi_city["allowance_rate"] == pytest.approx(0.10)  # percent in the registry, fraction for the solver
    assert problem["rule_set"] == {"version": "1", "method": "lexicographic", "max_cycle_length": 3, "exchange_priority": "after_statutory",
                                   "criteria": [{"indicator": "staff_per_10k", "weight": 1.0},
                                                {"indicator": "allowance_rate", "weight": 1.0},
                                                {"indicator": "fiscal_index", "weight": 1.0}]}
    assert len(problem["travel_minutes"]) == 28  # every pair of the eight cities


def test_the_web_only_queues_rounds_and_each_queued_round_runs_once(world, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_RUNNER", "queue")
    rnd = services.start_round(world.coordinator)
    assert rnd.status == "queued"  # nothing ran in the request: the scheduler process will
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
    assert runner.queued_round_ids() == [rnd.id]
    assert runner.run_queued_round(rnd.id) == f"round {rnd.id}: succeeded"
    # A second tick (or a second process) finds nothing to do and changes nothing.
    assert runner.queued_round_ids() == []
    assert runner.run_queued_round(rnd.id) == f"round {rnd.id}: already taken"
    db.session.expire_all()
    done = db.session.get(MatchingRound, rnd.id)
    assert done.status == "succeeded", done.error
    assert done.runner == runner.process_name()
    assert done.started_at and done.finished_at and done.finished_at >= done.started_at
    assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.round_id == rnd.id)) == 3


def test_round_pages_read_neither_the_stored_problem_nor_the_result(world, app):
    """The problem and result are deferred; the review reads the small digest stored beside them."""
    from sqlalchemy import event

    from talentbank.matching import review

    rnd = services.start_round(world.coordinator)
    assert json.loads(db.session.get(MatchingRound, rnd.id).review_json)["priority_order"]
    zushi_id = world.zushi_request.city_id
    db.session.expire_all()
    statements = []

    def remember(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        page = review.list_rounds(world.coordinator, 1, 50)
        assert [row.round.id for row in page.items] == [rnd.id]
        review.status_of(world.coordinator, rnd.id)
        data = review.review_round(world.coordinator, rnd.id, page=1)
        review.city_results(world.coordinator, zushi_id)
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    assert sum(len(g.proposals) for cg in data.cities for g in cg.requests) == 3
    read = "\n".join(statements)
    assert "problem_json" not in read and "result_json" not in read


def test_a_running_round_whose_process_died_is_failed_at_once(world, app, monkeypatch):
    import socket
    import subprocess as sp

    monkeypatch.setitem(app.config, "MATCHING_RUNNER", "queue")
    dead = sp.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stuck = services.start_round(world.coordinator)
    stuck.status, stuck.runner = "running", f"{socket.gethostname()}:{dead.pid}"
    db.session.commit()
    assert runner.queued_round_ids() == []
    db.session.expire_all()
    stuck = db.session.get(MatchingRound, stuck.id)
    assert stuck.status == "failed" and stuck.stats["error_kind"] == "interrupted"
    assert str(dead.pid) in stuck.error
    # A round running in a live process of this host is left alone, however long it takes.
    from datetime import timedelta

    from talentbank.core import clock

    alive = services.start_round(world.coordinator)
    alive.status, alive.runner = "running", runner.process_name()
    alive.created_at = alive.started_at = clock.utcnow() - timedelta(hours=3)
    db.session.commit()
    runner.fail_stale_rounds()
    db.session.expire_all()
    assert db.session.get(MatchingRound, alive.id).status == "running"


def test_a_round_queued_while_no_scheduler_runs_says_so_then_fails_plainly(world, app, monkeypatch):
    from datetime import timedelta

    from talentbank.core import clock
    from talentbank.matching import review

    monkeypatch.setitem(app.config, "MATCHING_RUNNER", "queue")
    rnd = services.start_round(world.coordinator)
    status = review.status_of(world.coordinator, rnd.id)
    assert status["status"] == "queued" and status["scheduler_running"] is False
    assert "スケジューラーが停止している" in status["phase_label"]
    rnd.created_at = clock.utcnow() - timedelta(hours=1)
    db.session.commit()
    status = review.status_of(world.coordinator, rnd.id)
    assert status["status"] == "failed" and status["error_kind"] == "not_started"


def test_a_round_left_running_by_a_dead_process_is_failed_before_the_next(world, app):
    from datetime import timedelta

    from talentbank.core import clock

    stuck = services.queue_round(world.coordinator)
    stuck.status, stuck.created_at = "running", clock.utcnow() - timedelta(hours=3)
    db.session.commit()
    fresh = services.start_round(world.coordinator)
    assert fresh.status == "succeeded"
    db.session.expire_all()
    stuck = db.session.get(MatchingRound, stuck.id)
    assert stuck.status == "failed" and stuck.stats["error_kind"] == "interrupted"


def test_a_withdrawing_specialist_takes_their_pending_proposals_along(world):
    from talentbank.specialists.events import specialist_withdrawing

    services.start_round(world.coordinator)
    specialist_withdrawing.send(world.engineer_licensed, actor=None)
    db.session.commit()
    statuses = {p.status for p in db.session.scalars(select(Proposal).where(
        Proposal.specialist_id == world.engineer_licensed.id))}
    assert statuses == {"superseded"}
