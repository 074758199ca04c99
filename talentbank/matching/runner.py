"""Running a round outside the web request, and storing its answer all at once or not at all.

Rounds never run in web workers: a round started from the web is left ``queued`` (``RoundRunner.submit``),
and the scheduler process picks it up within one tick (``matching/jobs.py`` registers the queue with
``scheduler/queues.py``) and runs it with ``run_queued_round``. ``execute_round`` does the work and is
what the CLI, the scheduler's jobs and tests call directly; it claims the round atomically (queued →
running) and records which process runs it, so two ticks or two processes never run a round twice, and
``fail_stale_rounds`` fails a round whose process died instead of leaving it running.
``MATCHING_RUNNER = "inline"`` runs it at once in the caller (tests only).

The solver itself runs in a child process (``python -m talentbank.solver``, the same command anyone can
use to replay a round) so a hard time-out can stop it and a crash cannot take the caller down;
``MATCHING_SOLVER = "inline"`` solves in-process instead (faster start, used by tests).
"""
from __future__ import annotations

import ctypes
import gc
import json
import logging
import os
import socket
import subprocess
import threading
import sys
import traceback
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import insert, select, update

from ..core import clock
from ..lifecycle.transitions import ROUND, ProposalStatus, RoundStatus, transition
from ..exchange.rings import services as rings
from ..extensions import db
from ..requests.models import StaffingRequest
from ..requests.services import add_carry_over
from ..solver import ProblemError, solve_dict
from . import notices
from .digest import digest_text
from .models import REVIEWABLE_KINDS, MatchingRound, Proposal, RuleSetVersion, UnfilledSlot
from .snapshot import build_snapshot, problem_counts, write_problem

log = logging.getLogger(__name__)

# Kinds whose empty slots count as "left unfilled by a round" (carry-over serves them earlier next time).
CARRY_OVER_KINDS = ("manual", "scheduled")


class SolverFailure(Exception):
    """The solver did not answer: ``kind`` is timeout, invalid_input or crashed; ``detail`` is technical."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


def hard_timeout_s(problem: dict[str, Any]) -> float:
    """How long the child process may take before it is stopped: the solver's limit plus set-up time."""
    configured = current_app.config.get("SOLVER_HARD_TIMEOUT_S")
    if configured:
        return float(configured)
    return float(problem.get("time_limit_s", 30)) * 2 + 60


def solver_command() -> list[str]:
    """The replay command: ``python -m talentbank.solver -`` reading the problem on stdin."""
    return list(current_app.config.get("MATCHING_SOLVER_COMMAND") or [sys.executable, "-m", "talentbank.solver", "-"])


def solve_in_subprocess(problem: dict[str, Any]) -> str:
    """Run the solver CLI on ``problem``; return its answer text exactly as printed.

    The problem is streamed to the child's stdin piece by piece (snapshot.write_problem) from a thread,
    so no second copy of the whole text is held as bytes while the child reads it."""
    process = subprocess.Popen(solver_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    pipe, process.stdin = process.stdin, None  # communicate() must leave the writer's pipe alone

    def feed() -> None:
        try:
            write_problem(problem, pipe)
        except (BrokenPipeError, OSError):
            pass  # the child stopped reading: its exit status says why
        finally:
            try:
                pipe.close()
            except OSError:
                pass

    writer = threading.Thread(target=feed, name="solver-stdin", daemon=True)
    writer.start()
    try:
        stdout, stderr_bytes = process.communicate(timeout=hard_timeout_s(problem))
    except subprocess.TimeoutExpired as exc:
        process.kill()
        process.communicate()
        raise SolverFailure("timeout", f"no answer after {exc.timeout:.0f} s") from None
    finally:
        writer.join(timeout=5)
    stderr = stderr_bytes.decode("utf-8", "replace").strip()
    if process.returncode == 2:
        raise SolverFailure("invalid_input", stderr or "exit 2")
    if process.returncode != 0:
        raise SolverFailure("crashed", f"exit {process.returncode}: {stderr[-4000:]}")
    return stdout.decode("utf-8").strip()


def solve_inline(problem: dict[str, Any]) -> str:
    """Solve in this process (tests, small instances); same answer as the child process."""
    try:
        result = solve_dict(problem)
    except ProblemError as exc:
        raise SolverFailure("invalid_input", str(exc)) from None
    return json.dumps(result, ensure_ascii=False)


def solve_problem(problem: dict[str, Any]) -> str:
    """The solver's answer for ``problem`` as JSON text, by the configured back end."""
    if current_app.config.get("MATCHING_SOLVER", "subprocess") == "inline":
        return solve_inline(problem)
    return solve_in_subprocess(problem)


# ----------------------------------------------------------------------------- storing


def _set_phase(round_id: int, **values: Any) -> None:
    db.session.execute(update(MatchingRound).where(MatchingRound.id == round_id).values(**values))
    db.session.commit()


def _supersede_earlier(rnd: MatchingRound, request_ids: set[int], specialist_ids: set[int],
                       is_full_round: bool) -> int:
    """Proposals and rings still waiting for review in earlier rounds give way to this round's answer.

    One rule for both markets (docs/matching-rounds.md): a full round supersedes every waiting
    proposal and ring of earlier rounds; a round limited to one profession supersedes those that
    involve its requests or its people. Approved, offered and agreed decisions are never touched.
    """
    older = select(MatchingRound.id).where(MatchingRound.id < rnd.id, MatchingRound.kind.in_(REVIEWABLE_KINDS))
    # Only proposals still waiting for review: the lifecycle table also lets held ones be superseded.
    query = update(Proposal).where(Proposal.round_id.in_(older), Proposal.status == ProposalStatus.PROPOSED)
    if not is_full_round:
        query = query.where(Proposal.request_id.in_(request_ids) | Proposal.specialist_id.in_(specialist_ids))
    count = db.session.execute(query.values(status=ProposalStatus.SUPERSEDED, updated_at=clock.utcnow())
                               .execution_options(synchronize_session=False)).rowcount or 0
    rings.supersede_waiting_rings(rnd.id, officer_ids=None if is_full_round else specialist_ids)
    return count


def store_result(rnd: MatchingRound, result_text: str, request_city: dict[int, int], live_request_ids: set[int],
                 specialist_ids: set[int], problem: dict[str, Any] | None = None) -> dict[str, int]:
    """Write proposals, empty slots and rings of a solved round, and the digest its pages read; the caller
    commits once."""
    result = json.loads(result_text)
    now = clock.utcnow()
    proposals = [a for a in result["assignments"] if not a.get("pinned")]
    is_reviewable = rnd.kind in REVIEWABLE_KINDS
    counts = {"proposals": len(proposals), "pinned": len(result["assignments"]) - len(proposals),
              "unfilled_slots": sum(u["slots"] for u in result["unfilled"]),
              "unfilled_requests": len(result["unfilled"]), "cycles": len(result["exchange_cycles"]),
              "superseded": 0}
    if is_reviewable:
        if proposals:
            db.session.execute(insert(Proposal), [
                {"round_id": rnd.id, "request_id": int(a["request"]), "specialist_id": int(a["specialist"]),
                 "city_id": request_city[int(a["request"])], "status": "proposed", "score": a["score"],
                 "priority_position": a["priority_position"], "served_mode": a.get("served_mode", "onsite"),
                 "created_at": now, "updated_at": now}
                for a in proposals])
        if result["unfilled"]:
            db.session.execute(insert(UnfilledSlot), [
                {"round_id": rnd.id, "request_id": int(u["request"]), "city_id": request_city[int(u["request"])],
                 "slots": u["slots"], "priority_position": u["priority_position"], "reason": u["reason"]}
                for u in result["unfilled"]])
        if result["exchange_cycles"]:
            rings.propose_rings(rnd.id, [[int(o) for o in cycle["offers"]] for cycle in result["exchange_cycles"]],
                                now=now)
        counts["superseded"] = _supersede_earlier(rnd, live_request_ids, specialist_ids,
                                                  is_full_round=rnd.profession_code is None)
        if rnd.kind in CARRY_OVER_KINDS:
            add_carry_over(sorted({int(u["request"]) for u in result["unfilled"]} & live_request_ids))
    rnd.result_json = result_text
    rnd.review_json = digest_text(result, problem if problem is not None else json.loads(rnd.problem_json or "{}"),
                                  with_pairs=not is_reviewable)  # a what-if round keeps its pairs for the comparison
    rnd.solver_status = result["status"]
    rnd.input_fingerprint = result["input_fingerprint"]
    rnd.stats = {**result.get("stats", {}), "summary": counts, "input": (rnd.stats or {}).get("input", {}),
                 "kept_rings": (rnd.stats or {}).get("kept_rings", [])}
    rnd.phase = None
    if is_reviewable:
        notices.round_succeeded(rnd, counts, result, request_city)
    transition(rnd, "succeeded", actor=rnd.started_by, action="round.succeeded", now=now,
               summary=(f"{rnd.kind}: {counts['proposals']} proposals, {counts['unfilled_slots']} empty slots, "
                          f"{counts['cycles']} rings, solver {result['status']}"))
    return counts


def _fail(round_id: int, kind: str, detail: str) -> None:
    db.session.rollback()
    rnd = db.session.get(MatchingRound, round_id)
    if rnd is None:
        return
    rnd.phase = None
    rnd.error = detail[-8000:]
    rnd.stats = {**(rnd.stats or {}), "error_kind": kind}
    transition(rnd, "failed", actor=rnd.started_by, action="round.failed", summary=f"{rnd.kind}: {kind}")
    try:
        notices.round_failed(rnd, kind)
    except Exception:  # telling people must never keep the failure from being recorded
        log.exception("round %s: could not notify about the failure", round_id)
    db.session.commit()


def process_name() -> str:
    """"host:pid" of this process, as recorded on the rounds it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


class NotQueued(ValueError):
    """The round was taken by another runner already, or is not a queued round at all."""


def execute_round(round_id: int) -> MatchingRound:
    """Snapshot, solve and store one queued round; on any failure mark it failed with nothing half-written."""
    claimed = db.session.execute(
        update(MatchingRound).where(MatchingRound.id == round_id,
                                    MatchingRound.status.in_(ROUND.sources(RoundStatus.RUNNING)))
        .values(status=RoundStatus.RUNNING, phase="snapshot", started_at=clock.utcnow(),
                runner=process_name())).rowcount
    db.session.commit()
    if not claimed:  # already taken by another runner, or not a round at all
        raise NotQueued(f"round {round_id} is not queued")
    try:
        rnd = db.session.get(MatchingRound, round_id)
        if rnd.problem_json:  # a what-if solves its base round's input under another rule set
            problem = json.loads(rnd.problem_json)
            snapshot = None
        else:
            rule_set = db.session.get(RuleSetVersion, rnd.rule_set_version_id)
            snapshot = build_snapshot(rule_set, rnd.profession_code)
            problem = snapshot.problem
            rnd.problem_json = json.dumps(problem, ensure_ascii=False)
        rnd.stats = {"input": problem_counts(problem), "kept_rings": snapshot.kept_ring_ids if snapshot else []}
        rnd.phase = "solving"
        db.session.commit()
        result_text = solve_problem(problem)
        _set_phase(round_id, phase="storing")
        rnd = db.session.get(MatchingRound, round_id)
        if snapshot is None:
            request_city, live, specialists = _mapping_from_problem(problem)
        else:
            request_city, live, specialists = (snapshot.request_city, snapshot.live_request_ids,
                                               snapshot.specialist_ids)
        store_result(rnd, result_text, request_city, live, specialists, problem)
        db.session.commit()
    except SolverFailure as exc:
        log.warning("round %s: solver failed (%s)", round_id, exc)
        _fail(round_id, exc.kind, exc.detail)
    except Exception:  # anything else: keep the traceback for the operator, write nothing else
        log.exception("round %s failed", round_id)
        _fail(round_id, "internal", traceback.format_exc())
    db.session.expire_all()
    return db.session.get(MatchingRound, round_id)


def _mapping_from_problem(problem: dict[str, Any]) -> tuple[dict[int, int], set[int], set[int]]:
    """Request → city ids for a round solved from a stored problem (what-ifs store no rows)."""
    ids = [int(r["id"]) for r in problem.get("requests", [])]
    request_city = dict(db.session.execute(select(StaffingRequest.id, StaffingRequest.city_id)
                                           .where(StaffingRequest.id.in_(ids))).all()) if ids else {}
    return request_city, set(request_city), {int(s["id"]) for s in problem.get("specialists", [])}


def _stale_after() -> timedelta:
    """How long a round may run before it is taken for dead when its process cannot be checked."""
    limit = float(current_app.config.get("SOLVER_TIME_LIMIT_S", 30)) * 2 + 60
    return timedelta(seconds=float(current_app.config.get("SOLVER_HARD_TIMEOUT_S") or limit) + 300)


def _process_gone(runner: str | None) -> bool:
    """True when ``runner`` ("host:pid") is a process of this host that no longer exists."""
    host, _, pid = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def fail_stale_rounds() -> list[int]:
    """Rounds no process will finish, marked failed (with a clear reason) so that a new one can start.

    A running round whose process is gone (this host: checked by its pid at once; another host: after
    the solver's hard time-out and five minutes) was interrupted; a round still queued after as long was
    never started (the scheduler was not running). A round running in a live process of this host is
    left alone however long it takes.
    """
    cutoff = clock.utcnow() - _stale_after()
    rows = db.session.execute(select(MatchingRound.id, MatchingRound.status, MatchingRound.runner,
                                     MatchingRound.started_at, MatchingRound.created_at).where(
        MatchingRound.status.in_(ROUND.sources(RoundStatus.FAILED)))).all()
    failed = []
    for round_id, status, runner, started_at, created_at in rows:
        if status == RoundStatus.RUNNING:
            on_this_host = (runner or "").rpartition(":")[0] == socket.gethostname()
            if _process_gone(runner) or (not on_this_host and (started_at or created_at) < cutoff):
                _fail(round_id, "interrupted", f"the process running this round ({runner or 'unknown'}) "
                                               "stopped before it finished")
                failed.append(round_id)
        elif created_at < cutoff:
            _fail(round_id, "not_started", "the round waited in the queue, but no scheduler process started it")
            failed.append(round_id)
    return failed


def queued_round_ids() -> list[int]:
    """Rounds waiting for the scheduler, oldest first (after failing those no process will finish)."""
    fail_stale_rounds()
    return list(db.session.scalars(select(MatchingRound.id).where(MatchingRound.status == RoundStatus.QUEUED)
                                   .order_by(MatchingRound.id)))


def _give_memory_back() -> None:
    """A large round leaves hundreds of MB of freed objects; hand them back to the system (glibc)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def run_queued_round(round_id: int) -> str:
    """Run a round the web queued, in the scheduler process; quietly nothing when another runner took it."""
    try:
        rnd = execute_round(round_id)
    except NotQueued:
        db.session.rollback()
        return f"round {round_id}: already taken"
    finally:
        _give_memory_back()
    return f"round {rnd.id}: {rnd.status}"


# ----------------------------------------------------------------------------- where rounds run


class RoundRunner:
    """Where a round started from the web runs: queued for the scheduler process (production), or right
    here when ``MATCHING_RUNNER = "inline"`` (tests: the result is there when the call returns)."""

    def submit(self, app: Flask, round_id: int) -> None:
        """Leave the round queued for the scheduler (it starts it within one tick), or run it now inline."""
        if app.config.get("MATCHING_RUNNER") == "inline":
            execute_round(round_id)
            return
        log.info("round %s queued for the scheduler process", round_id)


RUNNER = RoundRunner()
