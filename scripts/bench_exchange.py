"""Benchmark exchange rings (交流): seeded offers among many cities, solved to proven optimality.

Usage:
    python scripts/bench_exchange.py [--offers 1000] [--cities 50] [--seeds 1-5]
        [--variant sparse|dense|both] [--time-limit 10] [--repeat 1]

With no --offers it runs the two reference sizes, 300 and 1,000 offers among 50 cities.

The generated market (documented so the figures can be judged):
- 12 professions; an officer has one (20 %: two), and each licence of his professions
  with probability 0.6 (two licences per profession);
- an offer wants another profession, drawn with weights 3 for civil engineers, 2 for
  architects, public health nurses, welfare and IT, 1 for the seven others; half the
  offers also require one licence of it;
- offer periods: the fiscal year 2026 (April to March) with probability
  ``full_year_share``, else its first or second half; the officer is available all year
  (85 %) or for one half. A ring needs nested periods, so it only joins offers with the
  same period: the market falls into three independent parts, the full-year one largest;
- cities: the first 50 offers one per city, then uniformly at random; need ranks are a
  seeded random permutation.

``--variant sparse`` is ``full_year_share`` 0.5 (about 15,000-18,000 rings of length <= 3
at 1,000 offers, 3 parts); ``dense`` is 0.7 (about 30,000 rings, the largest part about
twice as large). For scale: the instance this bench was sized against had 23,472 rings.

Each line reports wall and CPU seconds of ``solve_rings`` alone (the offers are built
before the clock starts), the load average before the run, and the peak resident memory
of the process so far.

``--round`` solves a whole matching round instead (``talentbank.solver.solve``): the same
offers, every officer a ``specialists`` record employed by the offering city, a share
(``--dispatch-share``, default 0.3) of them able to travel 90 minutes on site and so
eligible for other cities' requests too (in both markets; the rest travel 0 minutes, so
only their own city, their employer, is in reach), 500 retired specialists, and 600
request slots over the 50 cities (urgency 5 % disaster, 25 % statutory, 70 % ordinary;
every request period holds September-October 2026, so, as in ``bench_solver``, nobody can
hold two full-week requests at once). Cities lie on a 100 x 60 km map, travel 10 + 1.33 min/km, listed
up to 120 minutes. The line reports the round's wall time (problem already loaded), its
status, the rings, the dispatch fill and the offers each market took.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from talentbank.solver import load_problem, solve
from talentbank.solver.exchange import ExchangeNode, solve_rings

PROFESSIONS = {
    # profession: licences an officer of it may hold
    "civil_engineer": ("技術士(建設部門)", "1級土木施工管理技士"),
    "architect": ("1級建築士", "2級建築士"),
    "public_health_nurse": ("保健師", "看護師"),
    "welfare": ("社会福祉士", "精神保健福祉士"),
    "urban_development": ("技術士(都市及び地方計画)", "宅地建物取引士"),
    "it": ("情報処理安全確保支援士", "応用情報技術者"),
    "sewerage": ("下水道技術検定", "技術士(上下水道部門)"),
    "parks": ("造園施工管理技士", "樹木医"),
    "electrical": ("電気主任技術者", "電気工事士"),
    "mechanical": ("エネルギー管理士", "ボイラー技士"),
    "social_work": ("介護支援専門員", "社会福祉主事"),
    "tax": ("税理士", "簿記1級"),
}
# fiscal year 2026 (April to March), its halves
PERIODS = [
    (date(2026, 4, 1), date(2027, 3, 31)),
    (date(2026, 4, 1), date(2026, 9, 30)),
    (date(2026, 10, 1), date(2027, 3, 31)),
]
VARIANTS = {"sparse": 0.5, "dense": 0.7}  # share of offers for the whole fiscal year


def generate_offers(n_offers: int, n_cities: int, seed: int,
                    full_year_share: float = 0.5) -> tuple[list[ExchangeNode], dict]:
    """Seeded exchange offers: one serving officer each, asking for another profession back."""
    rng = random.Random(seed)
    professions = list(PROFESSIONS)
    popularity = [3, 2, 2, 2, 1, 2, 1, 1, 1, 1, 1, 1]  # civil engineers are asked for most
    cities = [f"C{c:02d}" for c in range(n_cities)]
    offers = []
    for k in range(n_offers):
        city = cities[k % n_cities] if k < n_cities else rng.choice(cities)
        own = {rng.choice(professions)}
        if rng.random() < 0.2:
            own.add(rng.choice(professions))
        licences = {lic for p in sorted(own) for lic in PROFESSIONS[p] if rng.random() < 0.6}
        wants = rng.choices([p for p in professions if p not in own],
                            weights=[w for p, w in zip(professions, popularity) if p not in own])[0]
        wants_licences = frozenset({rng.choice(PROFESSIONS[wants])} if rng.random() < 0.5 else ())
        start, end = PERIODS[0] if rng.random() < full_year_share else rng.choice(PERIODS[1:])
        available = (PERIODS[0],) if rng.random() < 0.85 else (rng.choice(PERIODS[1:]),)
        offers.append(
            ExchangeNode(
                id=f"X{k:04d}",
                city=city,
                officer=f"S{k:04d}",
                gives_professions=frozenset(own),
                gives_licences=frozenset(licences),
                available_windows=available,
                wants_profession=wants,
                wants_licences=wants_licences,
                start=start,
                end=end,
            )
        )
    need_rank = {c: r for r, c in enumerate(rng.sample(cities, len(cities)))}
    return offers, need_rank


def describe(offers: list[ExchangeNode]) -> str:
    """The instance's density in one line: professions, wants, periods."""
    wants = Counter(o.wants_profession for o in offers)
    periods = Counter("full" if (o.start, o.end) == PERIODS[0] else "half" for o in offers)
    top = ", ".join(f"{p} {c}" for p, c in wants.most_common(3))
    return (f"professions={len(PROFESSIONS)} two-profession officers="
            f"{sum(len(o.gives_professions) > 1 for o in offers)} wants(top 3)={top} "
            f"wants a licence={sum(bool(o.wants_licences) for o in offers)} "
            f"periods full/half={periods['full']}/{periods['half']}")


def run(n_offers: int, n_cities: int, seed: int, variant: str, time_limit_s: float,
        max_len: int, repeat: int) -> dict:
    """Solve one seeded instance (``repeat`` times) and print its figures."""
    offers, need_rank = generate_offers(n_offers, n_cities, seed, VARIANTS[variant])
    walls, cpus = [], []
    load = os.getloadavg()[0]
    for _ in range(repeat):
        began, cpu = time.perf_counter(), time.process_time()
        result = solve_rings(offers, need_rank, max_cycle_length=max_len,
                             time_limit_s=time_limit_s)
        walls.append(time.perf_counter() - began)
        cpus.append(time.process_time() - cpu)
    s = result.stats
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"offers={n_offers} cities={n_cities} seed={seed} variant={variant} "
          f"max_cycle_length={max_len} time_limit={time_limit_s:g}s")
    print(f"  {describe(offers)}")
    print(f"  edges={s['edges']} (mean out-degree {s['edges'] / max(1, n_offers):.1f}) "
          f"offer_classes={s['offer_classes']} rings_enumerated={s['rings_enumerated']} "
          f"ring_types={s['ring_types']} components={s.get('components', 0)} "
          f"largest={s.get('largest_component', 0)}")
    gap = "-" if s["gap"] is None else f"{s['gap']:.4%}"
    print(f"  officers_exchanged={s['officers_exchanged']} rings={s['rings_chosen']} "
          f"status={result.status} gap={gap}"
          + (f" (stage {s['gap_stage']})" if s.get("gap_stage") else ""))
    for stage in s.get("stages", []):
        print(f"    stage {stage['name']:<8} objective={stage['objective']} "
              f"bound={stage['bound']} lp={stage['lp_bound']} kept={stage['columns']} "
              f"mips={stage['mips']} repairs={stage['repairs']} {stage['status']} "
              f"{stage['seconds']:.2f}s")
    print(f"  wall={statistics.median(walls):.2f}s (min {min(walls):.2f}, max {max(walls):.2f}, "
          f"{repeat} run{'s' if repeat > 1 else ''}) cpu={statistics.median(cpus):.2f}s "
          f"enumerate={s['enumerate_seconds']:.2f}s load_before={load:.2f} "
          f"peak_rss={peak:.0f} MiB")
    return {"seed": seed, "variant": variant, "rings": s["ring_types"],
            "officers": s["officers_exchanged"], "chosen": s["rings_chosen"],
            "status": result.status, "gap": s["gap"], "wall": statistics.median(walls),
            "cpu": statistics.median(cpus), "load": load}


def make_round(n_offers: int, n_cities: int, seed: int, full_year_share: float = 0.5,
               dispatch_share: float = 0.3, retired: int = 500, slots: int = 600,
               time_limit_s: float = 20.0) -> dict:
    """A whole round's problem around the seeded offers: officers in both markets (see --round)."""
    offers, _ = generate_offers(n_offers, n_cities, seed, full_year_share)
    rng = random.Random(seed + 7)
    codes = sorted({o.city for o in offers} | {f"C{c:02d}" for c in range(n_cities)})
    xy = {c: (rng.uniform(0, 100), rng.uniform(0, 60)) for c in codes}
    cities = [{"code": c, "name": c, "population": rng.randint(20000, 900000),
               "general_staff": 0, "allowance_rate": rng.choice([0.0, 0.03, 0.06, 0.1, 0.16]),
               "fiscal_index": round(rng.uniform(0.3, 1.2), 2)} for c in codes]
    for c in cities:
        c["general_staff"] = int(c["population"] * rng.uniform(50, 130) / 10000)
    travel = []
    for a_i, a in enumerate(codes):
        for b in codes[a_i + 1:]:
            minutes = int(10 + ((xy[a][0] - xy[b][0]) ** 2 + (xy[a][1] - xy[b][1]) ** 2) ** 0.5 * 60 / 45)
            if minutes <= 120:
                travel.append({"from": a, "to": b, "minutes": minutes})
    iso = date.isoformat
    specialists, records = [], []
    for o in offers:
        both = rng.random() < dispatch_share
        windows = o.available_windows or ((o.start, o.end),)
        specialists.append({
            "id": o.officer, "professions": sorted(o.gives_professions),
            "licences": sorted(o.gives_licences), "experience": {"field": rng.randint(0, 20)},
            "home_city": o.city, "employer_city": o.city,
            "availability": [{"start": iso(s), "end": iso(e)} for s, e in windows],
            "days_per_week": 5, "modes": ["onsite"], "max_travel_minutes": 90 if both else 0})
        records.append({"id": o.id, "city": o.city, "officer": o.officer,
                        "wants": {"profession": o.wants_profession,
                                  "required_licences": sorted(o.wants_licences)},
                        "start": iso(o.start), "end": iso(o.end)})
    professions = list(PROFESSIONS)
    for k in range(retired):
        own = rng.choice(professions)
        specialists.append({
            "id": f"R{k:04d}", "professions": [own],
            "licences": [lic for lic in PROFESSIONS[own] if rng.random() < 0.6],
            "experience": {"field": rng.randint(0, 30)}, "home_city": rng.choice(codes),
            "availability": [{"start": iso(PERIODS[0][0]), "end": iso(PERIODS[0][1])}],
            "days_per_week": 5, "modes": ["onsite"], "max_travel_minutes": 60})
    popularity = [3, 2, 2, 2, 1, 2, 1, 1, 1, 1, 1, 1]
    requests, left = [], slots
    while left > 0:
        n = min(left, rng.choice([1, 1, 2]))
        left -= n
        prof = rng.choices(professions, weights=popularity)[0]
        # every request holds September-October 2026, as in bench_solver: full-week requests
        # overlap, nobody can hold two, and the flows alone are exact
        start = PERIODS[0][0] + timedelta(days=rng.randint(0, 150))
        end = min(PERIODS[0][1], date(2026, 10, 31) + timedelta(days=rng.randint(0, 150)))
        requests.append({
            "id": f"Q{len(requests):04d}", "city": rng.choice(codes), "profession": prof,
            "required_licences": [PROFESSIONS[prof][0]] if rng.random() < 0.3 else [],
            "desired_fields": ["field"], "slots": n, "start": iso(start), "end": iso(end),
            "days_per_week": 5, "urgency": rng.choices(["disaster", "statutory", "ordinary"],
                                                       weights=[5, 25, 70])[0]})
    return {"cities": cities, "travel_minutes": travel, "specialists": specialists,
            "requests": requests, "exchange_offers": records,
            "rule_set": {"version": "bench-round"}, "time_limit_s": time_limit_s}


def run_round(n_offers: int, n_cities: int, seed: int, variant: str, time_limit_s: float,
              dispatch_share: float = 0.3) -> dict:
    """Solve one whole round with both markets and print its figures."""
    problem = load_problem(make_round(n_offers, n_cities, seed, VARIANTS[variant],
                                      dispatch_share, time_limit_s=time_limit_s))
    load = os.getloadavg()[0]
    began = time.perf_counter()
    result = solve(problem)
    wall = time.perf_counter() - began
    s, x = result.stats, result.stats.get("exchange", {})
    kinds = Counter(u["reason"]["kind"] for u in result.unmatched_offers)
    print(f"round: offers={n_offers} cities={n_cities} seed={seed} variant={variant} "
          f"specialists={s['specialists']} slots={s['slots']} time_limit={time_limit_s:g}s")
    print(f"  both_markets_officers={s['both_markets_officers']} "
          f"held_for_higher_classes={s['held_for_higher_classes']} "
          f"ring_types={x.get('ring_types')} officers_exchanged={x.get('officers_exchanged')} "
          f"rings={x.get('rings_chosen')} exchange_status={result.exchange_status} "
          f"filled={s['slots_filled']}/{s['slots']} status={result.status}")
    print(f"  unmatched offers: {dict(sorted(kinds.items()))}")
    print(f"  wall={wall:.2f}s exchange={s.get('exchange_seconds', 0):.2f}s "
          f"eligibility={s['eligibility_seconds']:.2f}s load_before={load:.2f}")
    return {"seed": seed, "variant": variant, "rings": x.get("ring_types"),
            "officers": x.get("officers_exchanged"), "chosen": x.get("rings_chosen"),
            "status": result.status, "exchange_status": result.exchange_status,
            "gap": x.get("gap"), "wall": wall, "cpu": float("nan"), "load": load,
            "both_markets": s["both_markets_officers"], "filled": s["slots_filled"]}


def _seeds(text: str) -> list[int]:
    """'1-5' or '1,3,7'."""
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(x) for x in text.split(",")]


def main() -> None:
    """Parse the options and run the requested benchmark sizes."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offers", type=int)
    parser.add_argument("--cities", type=int, default=50)
    parser.add_argument("--seed", type=int, help="one seed (same as --seeds N)")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--variant", choices=[*VARIANTS, "both"], default="sparse")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--max-cycle-length", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--round", action="store_true",
                        help="solve whole rounds (dispatch and rings, officers in both markets)")
    parser.add_argument("--dispatch-share", type=float, default=0.3)
    args = parser.parse_args()
    sizes = [args.offers] if args.offers else [300, 1000]
    seeds = [args.seed] if args.seed is not None else _seeds(args.seeds)
    variants = list(VARIANTS) if args.variant == "both" else [args.variant]
    rows = []
    for n in sizes:
        for variant in variants:
            for seed in seeds:
                if args.round:
                    rows.append(run_round(n, args.cities, seed, variant, args.time_limit,
                                          args.dispatch_share))
                else:
                    rows.append(run(n, args.cities, seed, variant, args.time_limit,
                                    args.max_cycle_length, args.repeat))
    if len(rows) > 1:
        print("\n| variant | seed | ring types | officers | rings | status | gap | wall s | cpu s | load |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            gap = "-" if r["gap"] is None else f"{r['gap']:.2%}"
            print(f"| {r['variant']} | {r['seed']} | {r['rings']} | {r['officers']} | {r['chosen']} "
                  f"| {r['status']} | {gap} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['load']:.2f} |")


if __name__ == "__main__":
    main()
