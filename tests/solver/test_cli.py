"""`python -m talentbank.solver`: exit 0 with a result, exit 2 naming the bad field and record."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.solver.solver_factories import problem, request, specialist

ROOT = Path(__file__).resolve().parents[2]


def _run(tmp_path: Path, payload, *extra: str) -> subprocess.CompletedProcess:
    path = tmp_path / "problem.json"
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False),
                    encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "talentbank.solver", str(path), *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)


def _valid() -> dict:
    return problem([specialist("S1")], [request("R1"), request("R2", city_code="142042")])


def test_a_valid_problem_prints_its_result(tmp_path):
    done = _run(tmp_path, _valid())
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "optimal"
    assert len(result["assignments"]) == 1
    assert {"status", "assignments", "unfilled", "exchange_cycles", "stats", "input_fingerprint",
            "rule_set_version", "priority_order"} <= set(result)


def test_output_file_option_writes_the_result(tmp_path):
    out = tmp_path / "result.json"
    done = _run(tmp_path, _valid(), "-o", str(out))
    assert done.returncode == 0 and done.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["status"] == "optimal"


def _broken(change) -> dict:
    data = _valid()
    change(data)
    return data


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["requests"][1].update(start="2024-13-01"),
     'requests[1] (id "R2"): start must be an ISO date'),
    (lambda d: d["requests"][0].update(end="2024-01-01"),
     'requests[0] (id "R1"): end is before start'),
    (lambda d: d["requests"][1].update(city="999999"),
     'requests[1] (id "R2"): city names unknown city "999999"'),
    (lambda d: d["specialists"][0].update(days_per_week=0),
     'specialists[0] (id "S1"): days_per_week must be 1..5, got 0'),
    (lambda d: d["requests"][1].update(days_per_week=7),
     'requests[1] (id "R2"): days_per_week must be 1..5, got 7'),
    (lambda d: d["requests"][0].pop("id"), "requests[0]: id is required"),
    (lambda d: d["requests"][1].update(urgency="urgent"),
     'requests[1] (id "R2"): urgency must be one of disaster/statutory/ordinary, got \'urgent\''),
    (lambda d: d["specialists"][0].update(home_city="000000"),
     'specialists[0] (id "S1"): home_city names unknown city "000000"'),
])
def test_invalid_input_exits_2_naming_field_and_record(tmp_path, change, expected):
    done = _run(tmp_path, _broken(change))
    assert done.returncode == 2
    assert expected in done.stderr
    assert done.stdout == ""


def test_bad_json_exits_2(tmp_path):
    done = _run(tmp_path, '{"cities": [')
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr


def test_importing_the_solver_never_imports_flask_or_sqlalchemy():
    code = ("import sys, talentbank.solver, talentbank.solver.dispatch, talentbank.solver.explain, "
            "talentbank.solver.__main__; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
