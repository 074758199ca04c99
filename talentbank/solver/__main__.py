"""Command line: ``python -m talentbank.solver PROBLEM.json [-o RESULT.json]``.

Exit 0 with the result JSON (stdout, or the -o file); exit 2 with a message naming
the bad field and record when the input is invalid.
"""
from __future__ import annotations

import argparse
import json
import sys

from talentbank.solver import ProblemError, load_problem, solve


def main(argv: list[str] | None = None) -> int:
    """Solve one problem file so operators and the benchmark can run rounds without the app."""
    parser = argparse.ArgumentParser(prog="python -m talentbank.solver",
                                     description="Solve one Talentbank matching round.")
    parser.add_argument("problem", help="problem JSON file ('-' for stdin)")
    parser.add_argument("-o", "--output", help="write the result JSON here instead of stdout")
    parser.add_argument("--time-limit", type=float, help="override time_limit_s (seconds)")
    parser.add_argument("--indent", type=int, default=None, help="pretty-print the result")
    args = parser.parse_args(argv)

    try:
        if args.problem == "-":
            data = json.load(sys.stdin)
        else:
            with open(args.problem, encoding="utf-8") as handle:
                data = json.load(handle)
    except OSError as exc:
        print(f"error: cannot read {args.problem}: {exc.strerror}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as exc:
        print(f"error: {args.problem} is not valid JSON: {exc.msg} at line {exc.lineno} "
              f"column {exc.colno}", file=sys.stderr)
        return 2
    if args.time_limit is not None and isinstance(data, dict):
        data["time_limit_s"] = args.time_limit
    try:
        problem = load_problem(data)
    except ProblemError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    result = solve(problem).to_dict()
    text = json.dumps(result, ensure_ascii=False, indent=args.indent)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
