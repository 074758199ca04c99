"""Benchmark the matching engine at three scales on seeded instances.

For each scale: wall time of ``python -m talentbank.solver`` end to end (a child
process, reading and writing JSON included), the child's peak memory, slots filled,
the naive "best candidate first, never revisit" fill, and a bare SimpleMinCostFlow
solve of the same eligibility graph timed in this process, with the ratio.

    python scripts/bench_solver.py [--scales 8city,8city-parttime,prefecture,national] [--exchange]
    python scripts/bench_solver.py --scales prefecture-parttime,national-parttime

`prefecture-parttime` and `national-parttime` (issue 14) are the prefecture and national
instances with part-time days only: specialists offer 2, 3 or 5 days, requests ask 1, 2, 3
or 5, so nearly everyone could hold several requests (docs/part-time-packing.md).

`8city-parttime` has part-time days and short periods, so specialists can hold several
requests and CP-SAT solves the packing; the other scales keep every request period
over September-October, so nobody can hold two overlapping full-week requests and the
flows alone are exact.

`--exchange` puts officers in both markets: at every scale 30 % of the serving officers
(who are 30 % of the specialists), at most 1,000, also get a two-way exchange offer (a half or the whole
fiscal year inside their availability, wanting another profession, 30 % with a licence),
so the round decides dispatch and rings together; it then also runs the exchange-ring
bench at 300 and 1,000 offers (rings alone) and a whole round around the 1,000 offers
(`bench_exchange.run_round`: 30 % of those officers eligible for dispatch too).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from ortools.graph.python import min_cost_flow

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from talentbank.solver import load_problem  # noqa: E402
from talentbank.solver.dispatch import naive_fill  # noqa: E402
from talentbank.solver.eligibility import EligibilityIndex  # noqa: E402

PROFESSIONS = ["土木", "建築", "保健師", "下水道", "公園緑地", "電気機械", "福祉", "IT"]
PROFESSION_WEIGHTS = [0.3, 0.15, 0.2, 0.08, 0.07, 0.08, 0.07, 0.05]
LICENCES = {"土木": ["技術士(建設部門)", "1級土木施工管理技士", "RCCM"],
            "建築": ["一級建築士", "建築基準適合判定資格者"],
            "保健師": ["保健師免許", "看護師免許"],
            "下水道": ["下水道技術検定", "技術士(上下水道部門)"],
            "公園緑地": ["造園施工管理技士"],
            "電気機械": ["電気主任技術者", "エネルギー管理士"],
            "福祉": ["社会福祉士", "精神保健福祉士"],
            "IT": ["情報処理安全確保支援士"]}
FIELDS = ["法面", "道路", "橋梁", "下水処理", "公園", "母子保健", "災害復旧", "建築確認"]
EIGHT_CITIES = [  # code, name, population (2015)
    ("141003", "横浜市", 3724844), ("141305", "川崎市", 1475213), ("142018", "横須賀市", 406586),
    ("142042", "鎌倉市", 173019), ("142051", "藤沢市", 423894), ("142085", "逗子市", 57425),
    ("142131", "大和市", 232922), ("132098", "町田市", 432348)]
FISCAL_YEAR = (dt.date(2025, 4, 1), dt.date(2026, 3, 31))

SCALES = {
    "8city": {"cities": 8, "specialists": 300, "slots": 100, "box_km": (40, 30), "part_time": False},
    "8city-parttime": {"cities": 8, "specialists": 300, "slots": 100, "box_km": (40, 30),
                       "part_time": True},
    "prefecture": {"cities": 33, "specialists": 5000, "slots": 2000, "box_km": (80, 60), "part_time": False},
    "national": {"cities": 1741, "specialists": 50000, "slots": 20000, "box_km": (1300, 290),
                 "part_time": False},
    # issue 14: the prefecture and national instances with part-time days only (specialists
    # offer 2, 3 or 5 days, requests ask 1, 2, 3 or 5); periods as in the full-week scales
    # (time limits: the targets, 5 s and under 30 s end to end with the JSON)
    "prefecture-parttime": {"cities": 33, "specialists": 5000, "slots": 2000, "box_km": (80, 60),
                            "part_time": False, "part_time_days": True, "time_limit_s": 5},
    "national-parttime": {"cities": 1741, "specialists": 50000, "slots": 20000,
                          "box_km": (1300, 290), "part_time": False, "part_time_days": True,
                          "time_limit_s": 20},
}
TRAVEL_LIMIT_MINUTES = 120
MAX_OFFERS = 1000  # exchange offers per instance with --exchange



def make_problem(scale: str, seed: int = 1, offer_share: float = 0.0) -> dict:
    """A seeded instance: cities on a map, travel only within reach, sparse eligibility.

    ``offer_share``: the share of serving officers (30 % of the specialists) whose city also
    offers them for a two-way exchange, so they are in both markets (drawn from a separate
    seed: the dispatch part of the instance is the same with or without offers).
    """
    spec = SCALES[scale]
    rng = np.random.default_rng(seed)
    n_cities = spec["cities"]
    width, height = spec["box_km"]
    if n_cities == len(EIGHT_CITIES):
        rows = EIGHT_CITIES
    else:
        pops = np.maximum(3000, rng.lognormal(10.3, 1.1, n_cities)).astype(int)
        rows = [(f"{100000 + i:06d}", f"市町村{i}", int(pops[i])) for i in range(n_cities)]
    xy = rng.uniform([0, 0], [width, height], size=(n_cities, 2))
    cities = []
    for code, name, population in rows:
        staff_per_10k = rng.uniform(50, 130)
        cities.append({"code": code, "name": name, "population": population,
                       "general_staff": int(population * staff_per_10k / 10000),
                       "allowance_rate": float(rng.choice([0.0, 0.03, 0.06, 0.1, 0.12, 0.16])),
                       "fiscal_index": round(float(rng.uniform(0.2, 1.3)), 2)})
    codes = [c["code"] for c in cities]

    # travel: only pairs within reach are listed (a pair not listed is out of reach)
    travel = []
    for a in range(n_cities):
        d = np.hypot(*(xy[a + 1:] - xy[a]).T)
        minutes = (10 + d * 60 / 45).astype(int)
        for off in np.flatnonzero(minutes <= TRAVEL_LIMIT_MINUTES).tolist():
            travel.append({"from": codes[a], "to": codes[a + 1 + off], "minutes": int(minutes[off])})

    weights = np.array([c["population"] for c in cities], dtype=float) ** 0.8
    weights /= weights.sum()

    def window(full_share: float) -> tuple[str, str]:
        if rng.random() < full_share:
            return FISCAL_YEAR[0].isoformat(), FISCAL_YEAR[1].isoformat()
        if spec["part_time"]:
            start = FISCAL_YEAR[0] + dt.timedelta(days=int(rng.integers(0, 240)))
            end = start + dt.timedelta(days=int(rng.integers(60, 120)))
        else:  # every period holds September and October: requests overlap, no packing
            start = FISCAL_YEAR[0] + dt.timedelta(days=int(rng.integers(0, 150)))
            end = dt.date(2025, 10, 31) + dt.timedelta(days=int(rng.integers(0, 150)))
        return start.isoformat(), min(end, FISCAL_YEAR[1]).isoformat()

    specialists = []
    homes = rng.choice(n_cities, size=spec["specialists"], p=weights)
    for i in range(spec["specialists"]):
        profs = list(dict.fromkeys(rng.choice(PROFESSIONS, size=int(rng.integers(1, 3)),
                                              p=PROFESSION_WEIGHTS).tolist()))
        lic_pool = sorted({lic for p in profs for lic in LICENCES[p]})
        licences = [lic for lic in lic_pool if rng.random() < 0.5]
        serving = rng.random() < 0.3
        modes = rng.choice(["onsite", "remote", "both"], p=[0.9, 0.05, 0.05])
        start, end = window(0.6 if spec["part_time"] else 0.8)
        home = codes[homes[i]]
        specialists.append({
            "id": f"S{i:06d}", "professions": profs, "licences": licences,
            "experience": {f: int(rng.integers(0, 25)) for f in rng.choice(FIELDS, 2, replace=False)},
            "home_city": home, "employer_city": home if serving else None,
            "availability": [{"start": start, "end": end}],
            "days_per_week": (int(rng.choice([5, 3, 2], p=[0.3, 0.35, 0.35]))
                              if spec.get("part_time_days")
                              else int(rng.choice([5, 4, 3, 2], p=[0.6, 0.15, 0.15, 0.1]))),
            "modes": ["onsite", "remote"] if modes == "both" else [str(modes)],
            "max_travel_minutes": int(rng.choice([30, 45, 60, 90, 120], p=[0.2, 0.3, 0.3, 0.15, 0.05])),
            "excluded_cities": [codes[int(rng.integers(n_cities))]] if rng.random() < 0.05 else [],
            "preferred_cities": [codes[int(rng.integers(n_cities))]] if rng.random() < 0.2 else [],
            "previous_cities": [home] if rng.random() < 0.1 else [],
        })

    requests = []
    slots_left = spec["slots"]
    j = 0
    while slots_left > 0:
        slots = int(min(slots_left, rng.choice([1, 1, 1, 2, 3])))
        slots_left -= slots
        prof = str(rng.choice(PROFESSIONS, p=PROFESSION_WEIGHTS))
        start, end = window(0.5)
        if spec.get("part_time_days"):
            days = int(rng.choice([5, 3, 2, 1], p=[0.2, 0.3, 0.3, 0.2]))
        elif spec["part_time"]:
            days = int(rng.choice([5, 3, 2, 1], p=[0.5, 0.2, 0.2, 0.1]))
        else:
            days = int(rng.choice([5, 4, 3], p=[0.6, 0.2, 0.2]))
        requests.append({
            "id": f"R{j:06d}", "city": codes[int(rng.choice(n_cities, p=weights))], "profession": prof,
            "required_licences": [LICENCES[prof][0]] if rng.random() < 0.4 else [],
            "desired_fields": rng.choice(FIELDS, 2, replace=False).tolist(), "slots": slots,
            "start": start, "end": end, "days_per_week": days,
            "mode": str(rng.choice(["onsite", "remote", "either"], p=[0.9, 0.03, 0.07])),
            "urgency": str(rng.choice(["disaster", "statutory", "ordinary"], p=[0.05, 0.25, 0.7])),
            "carry_over": int(rng.choice([0, 0, 0, 1, 2])),
            "posted_at": (dt.datetime(2025, 2, 1) + dt.timedelta(minutes=int(rng.integers(0, 60 * 24 * 40)))).isoformat(),
        })
        j += 1
    offers = []
    if offer_share > 0:
        xrng = np.random.default_rng(seed + 1000)
        halves = [FISCAL_YEAR, (FISCAL_YEAR[0], dt.date(2025, 9, 30)),
                  (dt.date(2025, 10, 1), FISCAL_YEAR[1])]
        serving = [s for s in specialists if s["employer_city"] is not None]
        # at most MAX_OFFERS offers: a market of random wants over 8 professions grows by the
        # cube of its offers (4,500 offers: 4.4 million possible rings), far beyond any real one
        share = min(offer_share, MAX_OFFERS / max(1, len(serving)))
        for s in serving:
            if xrng.random() >= share:
                continue
            window = (dt.date.fromisoformat(s["availability"][0]["start"]),
                      dt.date.fromisoformat(s["availability"][0]["end"]))
            inside = [h for h in halves if window[0] <= h[0] and h[1] <= window[1]]
            start, end = inside[int(xrng.integers(len(inside)))] if inside else halves[0]
            wants = str(xrng.choice([p for p in PROFESSIONS if p not in s["professions"]]))
            offers.append({"id": f"X{len(offers):06d}", "city": s["employer_city"],
                           "officer": s["id"],
                           "wants": {"profession": wants,
                                     "required_licences": [LICENCES[wants][0]]
                                     if xrng.random() < 0.3 else []},
                           "start": start.isoformat(), "end": end.isoformat()})
    return {"cities": cities, "travel_minutes": travel, "specialists": specialists,
            "requests": requests, "exchange_offers": offers,
            "rule_set": {"version": "bench-1", "method": "weighted",
                         "criteria": [{"indicator": "staff_per_10k", "weight": 2.0},
                                      {"indicator": "allowance_rate", "weight": 1.0},
                                      {"indicator": "fiscal_index", "weight": 1.0}]},
            "time_limit_s": spec.get("time_limit_s", 60)}


def run_cli(path: Path, out: Path) -> tuple[float, int, int]:
    """Wall seconds, peak memory (KiB) and exit code of one solver child process."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "talentbank.solver", str(path), "-o", str(out)],
                             cwd=ROOT, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.stderr.write(child.stderr.read().decode())
    return wall, usage.ru_maxrss, child.returncode


def bare_flow_seconds(data: dict) -> tuple[float, int]:
    """One SimpleMinCostFlow (max flow, min cost on quality) over the same eligible pairs."""
    problem = load_problem(data)
    pairs = EligibilityIndex(problem).all_pairs()
    n_s, n_r = len(problem.specialists), len(problem.requests)
    started = time.perf_counter()
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink, spec_base, req_base = 0, 1, 2, 2 + n_s
    slots = np.array([r.slots for r in problem.requests], dtype=np.int64)
    tails = np.concatenate([np.zeros(n_s, np.int64), spec_base + pairs.spec, req_base + np.arange(n_r)])
    heads = np.concatenate([spec_base + np.arange(n_s), req_base + pairs.req, np.full(n_r, sink)])
    caps = np.concatenate([np.ones(n_s, np.int64), np.ones(len(pairs), np.int64), slots])
    costs = np.concatenate([np.zeros(n_s, np.int64), -pairs.quality, np.zeros(n_r, np.int64)])
    flow.add_arcs_with_capacity_and_unit_cost(tails.astype(np.int32), heads.astype(np.int32), caps, costs)
    flow.set_node_supply(source, n_s)
    flow.set_node_supply(sink, -n_s)
    flow.solve_max_flow_with_min_cost()
    return time.perf_counter() - started, len(pairs)


def bench_dispatch(scale: str, workdir: Path, offer_share: float = 0.0) -> dict:
    """Measure one scale end to end."""
    data = make_problem(scale, offer_share=offer_share)
    path, out = workdir / f"{scale}.json", workdir / f"{scale}.result.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    wall, rss_kib, code = run_cli(path, out)
    result = json.loads(out.read_text(encoding="utf-8")) if code == 0 else {"stats": {}}
    stats = result["stats"]
    bare, n_pairs = bare_flow_seconds(data)
    flow = stats.get("flow_priority_seconds", 0.0) + stats.get("flow_quality_seconds", 0.0)
    solve_phase = flow + stats.get("cpsat_seconds", 0.0)
    return {
        "scale": scale, "specialists": len(data["specialists"]),
        "slots": sum(r["slots"] for r in data["requests"]), "pairs": n_pairs,
        "status": result.get("status", f"exit {code}"), "wall_s": wall, "rss_mb": rss_kib / 1024,
        "filled": stats.get("slots_filled"), "naive": naive_fill(load_problem(data)),
        "solve_s": stats.get("solve_seconds"), "eligibility_s": stats.get("eligibility_seconds"),
        "flows_s": flow, "cpsat_s": stats.get("cpsat_seconds"), "bare_s": bare,
        "ratio": solve_phase / bare if bare else math.nan,
        "cpsat_components": stats.get("cpsat_components"),
        "unit_flow_fill": stats.get("unit_flow_fill", stats.get("slots_filled")),
        "fill_bound": stats.get("fill_bound", "-"),
        "fill_level_bound": stats.get("fill_level_bound", "-"),
        "fill_proven": stats.get("fill_proven"),
        "gap_pct": 100.0 * stats["gap"] if isinstance(stats.get("gap"), (int, float)) else "-",
        "quality_bound": stats.get("quality_bound", "-"),
        "offers": len(data["exchange_offers"]),
        "both_markets": stats.get("both_markets_officers"),
        "rings": stats.get("exchange", {}).get("rings_chosen"),
        "exchanged": stats.get("exchange", {}).get("officers_exchanged"),
        "exchange_status": result.get("exchange_status"),
    }


def bench_exchange(workdir: Path) -> list[dict]:
    """Exchange rings at the two reference sizes, alone and in a whole round with officers in
    both markets (scripts/bench_exchange.py has the options and describes the instances)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import bench_exchange as rings  # a sibling script: importable once scripts/ is on the path

    return ([rings.run(n, 50, 1, "sparse", 10.0, 3, 1) for n in (300, 1000)]
            + [rings.run_round(1000, 50, 1, "sparse", 20.0)])


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table for the chosen scales."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="8city,8city-parttime,prefecture,national",
                        help=f"comma-separated, from {', '.join(SCALES)}")
    parser.add_argument("--exchange", action="store_true",
                        help="give 30 %% of the serving officers a two-way exchange offer (both "
                             "markets at every scale) and also run bench_exchange()")
    parser.add_argument("--keep", help="keep the generated problems and results in this folder")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(args.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        share = 0.3 if args.exchange else 0.0
        rows = [bench_dispatch(scale, workdir, share) for scale in args.scales.split(",")]
        header = ("scale", "specialists", "slots", "pairs", "status", "wall_s", "rss_mb", "filled",
                  "naive", "solve_s", "eligibility_s", "flows_s", "cpsat_s", "bare_s", "ratio",
                  "cpsat_components", "unit_flow_fill", "fill_bound", "fill_level_bound", "fill_proven", "gap_pct",
                  "quality_bound")
        if args.exchange:
            header += ("offers", "both_markets", "rings", "exchanged", "exchange_status")
        print(" | ".join(header))
        for row in rows:
            print(" | ".join(f"{row[k]:.3f}" if isinstance(row[k], float) else str(row[k]) for k in header))
        print("ratio = (flows + CP-SAT inside the solver) / one bare min-cost flow on the same pairs")
        print("unit_flow_fill = the one-slot-per-person flow's fill (part-time packing components; "
              "the whole fill elsewhere); fill_bound = sum of min(open slots, eligible) over those "
              "requests; fill_level_bound = the sum of the proven bounds per priority position "
              f"(= filled when every level is proven); gap_pct = quality's distance from its bound, in %; load average {os.getloadavg()[0]:.2f}")
        if args.exchange:
            for row in bench_exchange(workdir):
                print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
