"""Factories for solver problems and an independent brute-force referee.

The referee restates docs/matching-rules.md on its own (eligibility, days per week, priority
order, lexicographic fill) without calling the solver's rules, so a bug in the
solver cannot hide behind the same bug in its check.
"""
from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

CITY_ROWS = [
    # code, name, population, general staff, allowance rate, fiscal index
    ("142085", "逗子市", 57425, 430, 0.10, 0.95),
    ("142042", "鎌倉市", 173019, 1380, 0.12, 1.05),
    ("141003", "横浜市", 3724844, 29000, 0.16, 0.97),
]


def city(code: str, name: str, population: int, staff: int, allowance: float, fiscal: float) -> dict:
    """One city record of the interchange format."""
    return {"code": code, "name": name, "population": population, "general_staff": staff,
            "allowance_rate": allowance, "fiscal_index": fiscal}


def specialist(sid: str, *, professions=("civil",), licences=(), home="142085", employer=None,
               start="2024-04-01", end="2025-03-31", days=5, modes=("onsite",), max_travel=90,
               experience=None, excluded=(), preferred=(), previous=(), windows=None,
               trainings=None) -> dict:
    """One specialist record with sensible defaults (``trainings``: {profession: latest day attended})."""
    record = {"id": sid, "professions": list(professions), "licences": list(licences),
              "experience": dict(experience or {}), "home_city": home, "employer_city": employer,
              "availability": windows or [{"start": start, "end": end}], "days_per_week": days,
              "modes": list(modes), "max_travel_minutes": max_travel,
              "excluded_cities": list(excluded), "preferred_cities": list(preferred),
              "previous_cities": list(previous)}
    if trainings:
        record["trainings"] = dict(trainings)
    return record


def request(rid: str, *, city_code="142085", profession="civil", licences=(), fields=(), slots=1,
            start="2024-05-01", end="2024-09-30", days=5, mode="onsite", urgency="ordinary",
            carry_over=0, posted_at="2024-04-01T09:00:00") -> dict:
    """One staffing request record with sensible defaults."""
    return {"id": rid, "city": city_code, "profession": profession,
            "required_licences": list(licences), "desired_fields": list(fields), "slots": slots,
            "start": start, "end": end, "days_per_week": days, "mode": mode, "urgency": urgency,
            "carry_over": carry_over, "posted_at": posted_at}


def problem(specialists: list[dict], requests: list[dict], **extra: Any) -> dict:
    """A whole problem over the three scenario cities."""
    data = {
        "cities": [city(*row) for row in CITY_ROWS],
        "travel_minutes": [{"from": "142085", "to": "142042", "minutes": 20},
                           {"from": "142085", "to": "141003", "minutes": 55},
                           {"from": "142042", "to": "141003", "minutes": 40}],
        "specialists": specialists,
        "requests": requests,
        "time_limit_s": 10,
    }
    data.update(extra)
    return data


# ----------------------------------------------------------------------------- random instances

MONTHS = [("2024-04-01", "2024-06-30"), ("2024-05-01", "2024-08-31"), ("2024-07-01", "2024-09-30"),
          ("2024-10-01", "2024-12-31"), ("2024-04-01", "2024-12-31")]


# Training days around the random requests' starts less N months (N in TRAINING_MONTHS): on the cutoff
# day and the day before it, so both sides of every boundary occur.
TRAINING_DAYS = ["2023-03-31", "2023-04-01", "2023-06-30", "2023-07-01", "2023-09-30", "2023-10-01",
                 "2023-12-31", "2024-01-01", "2024-02-29", "2024-03-01", "2024-03-31", "2024-04-01",
                 "2024-05-31", "2024-06-01", "2024-06-30", "2024-07-01", "2024-08-31"]
TRAINING_MONTHS = [1, 3, 6, 12]


def random_problem(seed: int, *, max_specs: int = 4, max_reqs: int = 4, part_time: bool = True,
                   forbid: bool = True, trainings: bool = False) -> dict:
    """A tiny seeded instance covering every hard rule and every priority criterion.

    ``trainings`` adds, from a generator of its own (the rest of the instance stays as it was), a
    disaster-recovery training requirement for some professions and training days to some people.
    Off by default so that tests counting how often a path is taken keep their instances."""
    rng = random.Random(seed)
    codes = [row[0] for row in CITY_ROWS]
    travel = []
    for a, b in itertools.combinations(codes, 2):
        if rng.random() < 0.8:
            travel.append({"from": a, "to": b, "minutes": rng.choice([15, 30, 45, 70])})
    specs = []
    for i in range(rng.randint(1, max_specs)):
        window = rng.choice(MONTHS + [("2024-04-01", "2025-03-31")] * 3)
        specs.append(specialist(
            f"S{i}", professions=rng.sample(["civil", "nurse"], rng.randint(1, 2)),
            licences=[lic for lic in ("A", "B", "C") if rng.random() < 0.6],
            home=rng.choice(codes), employer=rng.choice([None, None, rng.choice(codes)]),
            start=window[0], end=window[1],
            days=rng.choice([1, 2, 3, 5, 5]) if part_time else 5,
            modes=rng.choice([["onsite"], ["onsite"], ["remote"], ["onsite", "remote"]]),
            max_travel=rng.choice([20, 45, 90]),
            experience={"slope": rng.randint(0, 12), "sewer": rng.randint(0, 12)},
            excluded=[c for c in codes if rng.random() < 0.1],
            preferred=[c for c in codes if rng.random() < 0.3],
            previous=[c for c in codes if rng.random() < 0.2]))
    reqs = []
    for j in range(rng.randint(1, max_reqs)):
        period = rng.choice(MONTHS)
        reqs.append(request(
            f"R{j}", city_code=rng.choice(codes), profession=rng.choice(["civil", "civil", "nurse"]),
            licences=[lic for lic in ("A", "B") if rng.random() < 0.3],
            fields=[f for f in ("slope", "sewer") if rng.random() < 0.5],
            slots=rng.randint(1, 2), start=period[0], end=period[1],
            days=rng.choice([1, 2, 3, 5]) if part_time else 5,
            mode=rng.choice(["onsite", "onsite", "remote", "either"]),
            urgency=rng.choice(["disaster", "statutory", "ordinary", "ordinary"]),
            carry_over=rng.choice([0, 0, 1, 2]),
            posted_at=f"2024-03-{rng.randint(1, 3):02d}T09:00:00"))
    data = problem(specs, reqs, travel_minutes=travel)
    data["rule_set"] = rng.choice([
        {"version": "lex-1", "method": "lexicographic"},
        {"version": "w-1", "method": "weighted",
         "criteria": [{"indicator": "staff_per_10k", "weight": rng.choice([0.0, 1.0, 2.0])},
                      {"indicator": "allowance_rate", "weight": rng.choice([0.0, 1.0])},
                      {"indicator": "fiscal_index", "weight": rng.choice([0.5, 1.0])}]},
    ])
    if forbid and specs and reqs and rng.random() < 0.4:
        data["forbidden"] = [{"specialist": rng.choice(specs)["id"], "request": rng.choice(reqs)["id"]}]
    if trainings:
        add_random_trainings(data, random.Random(f"trainings-{seed}"))
    return data


def add_random_trainings(data: dict, rng: random.Random) -> None:
    """Half the instances: some professions require a recent training; people attended some, any profession's."""
    if rng.random() < 0.5:
        return
    required = [p for p in ("civil", "nurse") if rng.random() < 0.7]
    if not required:
        return
    data["disaster_training_months"] = {p: rng.choice(TRAINING_MONTHS) for p in required}
    for s in data["specialists"]:
        attended = {p: rng.choice(TRAINING_DAYS) for p in ("civil", "nurse") if rng.random() < 0.6}
        if attended:
            s["trainings"] = attended


# ----------------------------------------------------------------------------- independent referee


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def referee_travel(data: dict, a: str, b: str) -> int | None:
    """Travel minutes as the format defines them: same city 0, symmetric, unlisted = unreachable."""
    if a == b:
        return 0
    for t in data["travel_minutes"]:
        if (t["from"], t["to"]) == (a, b):
            return t["minutes"]
    for t in data["travel_minutes"]:
        if (t["from"], t["to"]) == (b, a):
            return t["minutes"]
    return None


def referee_eligible(data: dict, s: dict, r: dict) -> bool:
    """The per-pair hard rules of docs/matching-rules.md, restated."""
    forbidden = {(p["specialist"], p["request"]) for p in data.get("forbidden", [])}
    if r["profession"] not in s["professions"]:
        return False
    if not set(r["required_licences"]) <= set(s["licences"]):
        return False
    if not any(_date(w["start"]) <= _date(r["start"]) and _date(r["end"]) <= _date(w["end"])
               for w in s["availability"]):
        return False
    if r["days_per_week"] > s["days_per_week"]:
        return False
    if r["mode"] == "onsite" and "onsite" not in s["modes"]:
        return False
    if r["mode"] == "remote" and "remote" not in s["modes"]:
        return False
    onsite = r["mode"] == "onsite" or (r["mode"] == "either" and "remote" not in s["modes"])
    if onsite:
        minutes = referee_travel(data, s["home_city"], r["city"])
        if minutes is None or minutes > s["max_travel_minutes"]:
            return False
    if r["city"] in s["excluded_cities"] or r["city"] == s["employer_city"]:
        return False
    if (s["id"], r["id"]) in forbidden:
        return False
    return referee_trained(data, s, r)


def referee_trained(data: dict, s: dict, r: dict) -> bool:
    """A disaster-recovery request of a profession with N months required: the person attended a training of
    that profession on or after the request's start less N calendar months (the month's last day if shorter)."""
    months = (data.get("disaster_training_months") or {}).get(r["profession"])
    if r["urgency"] != "disaster" or months is None:
        return True
    attended = (s.get("trainings") or {}).get(r["profession"])
    if attended is None:
        return False
    start = _date(r["start"])
    year, month = start.year, start.month
    for _ in range(months):  # step back one calendar month at a time
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    day = start.day
    while True:
        try:
            cutoff = dt.date(year, month, day)
            break
        except ValueError:  # the 31st of a 30-day month and the like
            day -= 1
    return _date(attended) >= cutoff


def referee_days_ok(s: dict, reqs: list[dict]) -> bool:
    """Overlapping requests' days per week stay within the specialist's, checked day by day."""
    days = sorted({_date(r["start"]) for r in reqs})
    for day in days:
        load = sum(r["days_per_week"] for r in reqs if _date(r["start"]) <= day <= _date(r["end"]))
        if load > s["days_per_week"]:
            return False
    return True


def referee_priority(data: dict) -> list[str]:
    """Request ids in the prefectural order, computed from scratch."""
    cities = {c["code"]: c for c in data["cities"]}
    rule_set = data.get("rule_set") or {"method": "lexicographic"}
    criteria = rule_set.get("criteria") or [{"indicator": "staff_per_10k"},
                                            {"indicator": "allowance_rate"},
                                            {"indicator": "fiscal_index"}]

    def indicator(code: str, name: str) -> float:
        c = cities[code]
        if name == "staff_per_10k":
            return c["general_staff"] * 10000 / c["population"]
        return c["allowance_rate"] if name == "allowance_rate" else c["fiscal_index"]

    if rule_set.get("method") == "weighted":
        def need_key(code):
            total = 0.0
            for crit in criteria:
                values = [indicator(k, crit["indicator"]) for k in cities]
                lo, hi = min(values), max(values)
                norm = (indicator(code, crit["indicator"]) - lo) / (hi - lo) if hi > lo else 0.0
                total += crit.get("weight", 1.0) * norm
            return (round(total, 9), code)
    else:
        def need_key(code):
            return (tuple(indicator(code, c["indicator"]) for c in criteria), code)
    need_order = sorted(cities, key=need_key)
    need = {code: i for i, code in enumerate(need_order)}
    urgency = {"disaster": 0, "statutory": 1, "ordinary": 2}
    reqs = sorted(data["requests"], key=lambda r: (urgency[r["urgency"]], need[r["city"]],
                                                   -int(r["carry_over"]), r["posted_at"], r["id"]))
    return [r["id"] for r in reqs]


def referee_best(data: dict, quality) -> tuple[tuple[int, ...], int]:
    """Brute force: lexicographically best fill vector in priority order, then the best quality.

    ``quality(s_id, r_id)`` gives a pair's score; the search enumerates every set of
    requests each specialist could hold together.
    """
    order = referee_priority(data)
    pos = {rid: i for i, rid in enumerate(order)}
    reqs = {r["id"]: r for r in data["requests"]}
    slots = [reqs[rid]["slots"] for rid in order]
    states: dict[tuple[int, ...], int] = {tuple([0] * len(order)): 0}
    for s in data["specialists"]:
        options = [r for r in data["requests"] if referee_eligible(data, s, r)]
        subsets = [()]
        for size in range(1, len(options) + 1):
            for combo in itertools.combinations(options, size):
                if referee_days_ok(s, list(combo)):
                    subsets.append(combo)
        new_states: dict[tuple[int, ...], int] = {}
        for fill, q in states.items():
            for combo in subsets:
                nf = list(fill)
                ok = True
                nq = q
                for r in combo:
                    nf[pos[r["id"]]] += 1
                    if nf[pos[r["id"]]] > slots[pos[r["id"]]]:
                        ok = False
                        break
                    nq += quality(s["id"], r["id"])
                if ok:
                    key = tuple(nf)
                    if new_states.get(key, -1) < nq:
                        new_states[key] = nq
        states = new_states
    best_fill = max(states)
    return best_fill, states[best_fill]
