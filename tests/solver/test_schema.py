"""The shipped JSON Schemas accept the example problems and the results the solver writes."""
from __future__ import annotations

import json
from pathlib import Path

from talentbank.solver import load_problem, solve
from tests.solver.solver_factories import random_problem

ROOT = Path(__file__).resolve().parents[2]
PROBLEM_SCHEMA = json.loads((ROOT / "docs" / "solver-problem.schema.json").read_text(encoding="utf-8"))
RESULT_SCHEMA = json.loads((ROOT / "docs" / "solver-result.schema.json").read_text(encoding="utf-8"))
EXAMPLE = json.loads((Path(__file__).parent / "data" / "three_cities.json").read_text(encoding="utf-8"))

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is_type(value, name: str) -> bool:
    if name in ("integer", "number"):
        if isinstance(value, bool):
            return False
        return isinstance(value, int) if name == "integer" else isinstance(value, (int, float))
    return isinstance(value, _TYPES[name])


def violations(value, schema: dict, where: str = "$") -> list[str]:
    """A tiny JSON Schema subset: type, enum, required, properties, items, bounds, pattern."""
    import re

    found = []
    types = schema.get("type")
    if types is not None:
        names = types if isinstance(types, list) else [types]
        if not any(_is_type(value, n) for n in names):
            return [f"{where}: expected {names}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in {schema['enum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                found.append(f"{where}: missing {key}")
        props = schema.get("properties", {})
        for key, item in value.items():
            if key in props:
                found += violations(item, props[key], f"{where}.{key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                found += violations(item, schema["additionalProperties"], f"{where}.{key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            found.append(f"{where}: fewer than {schema['minItems']} items")
        for i, item in enumerate(value):
            if "items" in schema:
                found += violations(item, schema["items"], f"{where}[{i}]")
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{where}: {value} > {schema['maximum']}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            found.append(f"{where}: {value} <= {schema['exclusiveMinimum']}")
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        found.append(f"{where}: {value!r} does not match {schema['pattern']}")
    if "anyOf" in schema and all(violations(value, alt, where) for alt in schema["anyOf"]):
        found.append(f"{where}: matches none of anyOf")
    return found


def test_example_problems_match_the_problem_schema():
    assert violations(EXAMPLE, PROBLEM_SCHEMA) == []
    for seed in range(50):
        assert violations(random_problem(seed, trainings=True), PROBLEM_SCHEMA) == []


def test_the_schema_catches_what_a_sender_gets_wrong():
    broken = json.loads(json.dumps(EXAMPLE))
    broken["requests"][0]["urgency"] = "urgent"
    broken["specialists"][0]["days_per_week"] = 7
    del broken["requests"][1]["city"]
    found = violations(broken, PROBLEM_SCHEMA)
    assert len(found) == 3


def test_results_match_the_result_schema():
    assert violations(solve(load_problem(EXAMPLE)).to_dict(), RESULT_SCHEMA) == []
    for seed in range(50):
        assert violations(solve(load_problem(random_problem(seed, trainings=True))).to_dict(), RESULT_SCHEMA) == []


def test_rounds_with_both_markets_match_both_schemas():
    from tests.solver.test_one_person_both_markets import random_round

    kinds = set()
    for seed in range(120):
        data = random_round(seed)
        assert violations(data, PROBLEM_SCHEMA) == []
        result = solve(load_problem(data)).to_dict()
        assert violations(result, RESULT_SCHEMA) == []
        kinds |= {u["reason"]["kind"] for u in result["unmatched_offers"]}
        kinds |= {"ring_entry" for u in result["unfilled"] for t in u["reason"].get("taken_by", [])
                  if "exchange_cycle" in t}
    assert kinds == {"officer_dispatched", "officer_busy", "no_ring", "ring_entry"}


def test_the_result_schema_rejects_a_taken_by_entry_of_neither_shape():
    entry = {"why": "exchange_priority", "specialists": ["S1"]}
    items = RESULT_SCHEMA["properties"]["unfilled"]["items"]["properties"]["reason"]["properties"][
        "taken_by"]["items"]
    assert violations(entry, items)
    assert not violations(dict(entry, exchange_cycle=0, cities=["1"], offers=["X"]), items)
