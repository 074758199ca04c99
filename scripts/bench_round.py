"""Time a whole matching round at national scale: build, snapshot, solve, store (issue 14).

    python scripts/bench_round.py                                  # 50,000 specialists, a temporary SQLite file
    python scripts/bench_round.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/tb_bench
    python scripts/bench_round.py --specialists 5000 --slots 500   # smaller

The database named is EMPTIED and rebuilt by the migrations, so give it one of its own.

How the market is built (the *build* phase; its time is printed but is not part of the round):

* 32 member cities: the demo's eight (with their travel times) and the next member cities of
  Kanagawa and Tokyo from the official list (talentbank/cities/data/municipalities.csv, so every
  団体コード is valid), with sample indicators and travel times from seeded positions; an HR officer
  for each city and a coordinator.
* ``--service-people`` (default 500) people **through the services**, as the screens make them: half
  serving officers registered by their city's HR officer (``profiles.register_officer``, vouched for
  by the employer), half retired specialists who sign up (``profiles.register_self``), follow the
  link mailed to them (``verification.confirm_address``), enter their licences' particulars
  (``verification.save_particulars``) and are checked by the coordinating city
  (``verification.verify_all_checked``: licences and the professions they back; years stay unchecked).
* The rest of ``--specialists`` in bulk with ``talentbank.demo.specialists.bulk_pool`` (Core inserts
  of consented, staff-registered, checked people, one in twenty paused), homes spread over the 32
  cities by population; days per week 1–5, so most are part-time.
* Staffing requests **through the services** (``requests.services.create_request`` and
  ``open_request`` by each city's HR officer) until about ``--slots`` (2,000) open slots: days per week
  1, 2, 3 or 5, one to three people, starting in two weeks to five months for one, three, six or twelve
  months, on site, remote or either, mostly ordinary with some statutory and disaster requests.
  No exchange offers.

The round then runs in a fresh process (``--round-only``, like ``flask rounds run``), the way the app
does: a queued manual round run by ``matching.runner.execute_round`` with the solver in a child
process (``python -m talentbank.solver -``), the app's time limit unless ``--time-limit``. Printed per
phase: wall time and peak resident memory of this process (sampled every 5 ms; the rise over the
phase's start is shown too), for *solve* also the solver process's peak; then the whole round and the
process's peak (``ru_maxrss``). ``--stream`` sends the problem to the solver with
``snapshot.write_problem`` instead of one ``json.dumps`` text (what runner.py may adopt).
``--tracemalloc`` afterwards builds the snapshot once more under tracemalloc and prints its peak of
Python allocations.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "Tide-Lantern-Orchard-93"
COORDINATOR = "bench.coordinator@example.test"
MEMBER_CITIES = 32
PROFESSION_WEIGHTS = {"civil": 34, "public_health_nurse": 22, "architecture": 9, "sewerage": 7, "parks": 4,
                      "electrical_mechanical": 5, "social_welfare": 12, "information": 7}
# Licences a self sign-up of each profession declares (the first backs the profession once verified).
SIGNUP_LICENCES = {"civil": "civil_works_manager_1", "public_health_nurse": "public_health_nurse_licence",
                   "architecture": "architect_1", "sewerage": "sewerage_engineer_2",
                   "parks": "landscape_works_manager_1", "electrical_mechanical": "electrical_chief_engineer_3",
                   "social_welfare": "certified_social_worker", "information": "applied_information_engineer"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="database to EMPTY and use (default: a temporary SQLite file)")
    parser.add_argument("--specialists", type=int, default=50000, help="people in the registry (default 50,000)")
    parser.add_argument("--service-people", type=int, default=500,
                        help="of whom this many are made through the profile services (default 500)")
    parser.add_argument("--slots", type=int, default=2000, help="open slots to request (default 2,000)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--time-limit", type=float, help="the solver's time limit (default: the app's)")
    parser.add_argument("--stream", action="store_true", help="stream the problem to the solver (write_problem)")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace the snapshot's Python allocations")
    parser.add_argument("--round-only", action="store_true", help=argparse.SUPPRESS)  # the child process
    return parser.parse_args()


def make_app(url: str, time_limit: float | None = None):
    from talentbank.app import create_app

    config = {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
              "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "MATCHING_SOLVER": "subprocess",
              "RATELIMIT_ENABLED": False, "PUBLIC_BASE_URL": "https://bench.talentbank.example"}
    if time_limit is not None:
        config["SOLVER_TIME_LIMIT_S"] = time_limit
    return create_app(config)


# ----------------------------------------------------------------------------- memory


def rss_mib() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class RssSampler(threading.Thread):
    """Samples this process's resident memory; ``phase()`` gives the peak since the last call."""

    def __init__(self, interval: float = 0.005) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.peak = rss_mib()
        self.running = True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, rss_mib())
            time.sleep(self.interval)

    def phase(self) -> float:
        peak, self.peak = max(self.peak, rss_mib()), rss_mib()
        return peak


# ----------------------------------------------------------------------------- build


def extra_member_cities(count: int, rng: random.Random) -> None:
    """Member cities from the official list (Kanagawa, then Tokyo), with travel times among all members."""
    from sqlalchemy import select

    from talentbank.cities.models import City, TravelTime
    from talentbank.demo.cities import EIGHT_CITIES, _minutes
    from talentbank.extensions import db

    path = Path(__file__).resolve().parent.parent / "talentbank" / "cities" / "data" / "municipalities.csv"
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    have = {c.code for c in db.session.scalars(select(City))}
    chosen = [r for r in rows if r["prefecture"] == "神奈川県" and r["code"] not in have]
    chosen += [r for r in rows if r["prefecture"] == "東京都" and r["code"] not in have]
    positions = {row[0]: row[8] for row in EIGHT_CITIES}
    for row in chosen[:count]:
        population = int(rng.lognormvariate(11.5, 0.8))
        db.session.add(City(code=row["code"], name_ja=row["name_ja"], name_en=row["name_en"],
                            prefecture=row["prefecture"], population=population,
                            general_staff=max(80, population // 190), allowance_rate=Decimal(rng.choice([6, 10, 12, 16])),
                            fiscal_index=Decimal(f"{rng.uniform(0.45, 1.1):.3f}"), indicators_year=2020,
                            is_sample_indicators=True, is_member=True))
        positions[row["code"]] = (35.45 + rng.uniform(-0.3, 0.3), 139.45 + rng.uniform(-0.35, 0.35))
    db.session.flush()
    members = sorted(db.session.scalars(select(City).where(City.is_member.is_(True))), key=lambda c: c.id)
    existing = {(t.from_city_id, t.to_city_id) for t in db.session.scalars(select(TravelTime))}
    for i, a in enumerate(members):
        for b in members[i + 1:]:
            if (a.id, b.id) not in existing and a.code in positions and b.code in positions:
                db.session.add(TravelTime(from_city_id=a.id, to_city_id=b.id,
                                          minutes=_minutes(positions[a.code], positions[b.code])))
    db.session.commit()


def service_people(count: int, rng: random.Random, hr: dict[int, object], coordinator) -> int:
    """Half serving officers registered by HR, half self sign-ups confirmed and checked; returns the matchable."""
    from datetime import date

    from sqlalchemy import select

    from talentbank.core import clock
    from talentbank.demo.specialists import MEN, SURNAMES, WOMEN
    from talentbank.extensions import db
    from talentbank.notifications.models import OutboxMessage
    from talentbank.specialists import profiles, verification
    from talentbank.specialists.models import Specialist
    from talentbank.specialists.validation import ProfileValues
    from talentbank.specialists.verification import Particulars, matchable_clause
    from talentbank.vocabulary.models import ExperienceField, Licence, Profession

    professions = {p.code: p.id for p in db.session.scalars(select(Profession))}
    licences = {t.code: t.id for t in db.session.scalars(select(Licence))}
    fields: dict[int, list[int]] = {}
    for f in db.session.scalars(select(ExperienceField)):
        fields.setdefault(f.profession_id, []).append(f.id)
    city_ids = sorted(hr)
    today = clock.today_tokyo()
    codes = list(PROFESSION_WEIGHTS)
    signed_up: list[int] = []
    for n in range(count):
        code = rng.choices(codes, weights=[PROFESSION_WEIGHTS[c] for c in codes])[0]
        pid = professions[code]
        home = rng.choice(city_ids)
        surname, given = rng.choice(SURNAMES), rng.choice(MEN + WOMEN)
        start = today + timedelta(days=rng.randint(-30, 120))
        values = ProfileValues(
            name_kanji=f"{surname[0]} {given[0]}", name_kana=f"{surname[1]} {given[1]}",
            email=f"svc{n}@bench.talentbank.example",
            phone="045-000-0000", home_city_id=home, former_employer="計測市 都市整備部", retirement_year=2020,
            profession_ids=[pid], licence_ids=[licences[SIGNUP_LICENCES[code]]],
            experiences=[(f, rng.randint(3, 30)) for f in rng.sample(fields.get(pid, []),
                                                                       k=min(2, len(fields.get(pid, []))))],
            windows=[(start, start + timedelta(days=rng.randint(120, 540)))],
            days_per_week=rng.choices([1, 2, 3, 4, 5], weights=[15, 30, 30, 10, 15])[0],
            can_work_onsite=True, can_work_remote=rng.random() < 0.2,
            max_travel_minutes=rng.choice([45, 60, 90, 120, None]))
        if n % 2 == 0:
            values.days_per_week = rng.choice([3, 5])
            profiles.register_officer(hr[home], home, values, True)
        else:
            person = profiles.register_self(values, PASSWORD, True)
            mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == values.email)
                                     .order_by(OutboxMessage.id.desc()))
            token = re.search(r"/signup/confirm/([^\s/?\"<]+)", mail.body).group(1)
            verification.confirm_address(token)
            verification.save_particulars(coordinator, person.id, [Particulars(
                values.licence_ids[0], f"第{100000 + n}号", "国土交通大臣", date(2001, 4, 1))])
            signed_up.append(person.id)
    for start in range(0, len(signed_up), 200):
        verification.verify_all_checked(coordinator, signed_up[start:start + 200], "計測用: 名簿と照合")
    from sqlalchemy import func

    return db.session.scalar(select(func.count(Specialist.id)).where(
        matchable_clause(), Specialist.email.like("svc%@bench.talentbank.example"))) or 0


def service_requests(slots: int, rng: random.Random, hr: dict[int, object]) -> tuple[int, int]:
    """Open requests through the services until about ``slots`` slots; returns (requests, slots)."""
    from sqlalchemy import select

    from talentbank.core import clock
    from talentbank.extensions import db
    from talentbank.requests.services import RequestValues, create_request, open_request
    from talentbank.vocabulary.models import ExperienceField, Licence, Profession

    professions = {p.code: p.id for p in db.session.scalars(select(Profession))}
    licences: dict[int, list[int]] = {}
    for t in db.session.scalars(select(Licence).where(Licence.profession_id.is_not(None))):
        licences.setdefault(t.profession_id, []).append(t.id)
    fields: dict[int, list[int]] = {}
    for f in db.session.scalars(select(ExperienceField)):
        fields.setdefault(f.profession_id, []).append(f.id)
    city_ids = sorted(hr)
    city_weight = {cid: 1 + (cid % 5) for cid in city_ids}  # some cities ask much more than others
    today = clock.today_tokyo()
    codes = list(PROFESSION_WEIGHTS)
    made = total = 0
    while total < slots:
        code = rng.choices(codes, weights=[PROFESSION_WEIGHTS[c] for c in codes])[0]
        pid = professions[code]
        city = rng.choices(city_ids, weights=[city_weight[c] for c in city_ids])[0]
        people = min(slots - total, rng.choices([1, 2, 3], weights=[6, 3, 1])[0])
        start = today + timedelta(days=rng.randint(14, 150))
        months = rng.choices([1, 3, 6, 12], weights=[2, 4, 3, 3])[0]
        urgency = rng.choices(["ordinary", "statutory", "disaster"], weights=[12, 3, 1])[0]
        values = RequestValues(
            department="都市整備部", section=f"計測課{made % 40}", profession_id=pid,
            required_licence_ids=tuple(rng.sample(licences.get(pid, []), k=1))
            if licences.get(pid) and rng.random() < 0.3 else (),
            desired_field_ids=tuple(rng.sample(fields.get(pid, []), k=1)) if fields.get(pid) else (),
            people=people, start_date=start, end_date=start + timedelta(days=30 * months - 1),
            days_per_week=rng.choices([1, 2, 3, 5], weights=[3, 4, 3, 2])[0],
            work_mode=rng.choices(["onsite", "either", "remote"], weights=[7, 2, 1])[0], urgency=urgency,
            urgency_reason="" if urgency == "ordinary" else "計測用: 豪雨災害の復旧と法定業務",
            description="計測用の派遣要請")
        req = create_request(hr[city], values)
        open_request(hr[city], req.id, run_hooks=False)
        made += 1
        total += people
    return made, total


def build(url: str, args: argparse.Namespace) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import func, select, text

    from talentbank.accounts.services import create_user
    from talentbank.cities.models import City
    from talentbank.core.permissions import Role
    from talentbank.demo.cities import seed_cities
    from talentbank.demo.specialists import bulk_pool
    from talentbank.extensions import db
    from talentbank.specialists.models import Specialist
    from talentbank.specialists.verification import matchable_clause
    from talentbank.vocabulary.services import seed_vocabulary
    from tests.conftest import reset_schema

    app = make_app(url)
    rng = random.Random(args.seed)
    with app.app_context():
        reset_schema(db)
        upgrade()
        started = time.perf_counter()
        seed_cities()
        seed_vocabulary()
        db.session.commit()
        extra_member_cities(MEMBER_CITIES - db.session.scalar(select(func.count(City.id)).where(
            City.is_member.is_(True))), rng)
        members = list(db.session.scalars(select(City).where(City.is_member.is_(True)).order_by(City.code)))
        coordinator_city = next((c for c in members if c.is_coordinating), members[0])
        coordinator = create_user(COORDINATOR, PASSWORD, "幹事 計測", Role.COORDINATOR, coordinator_city.id)
        hr = {c.id: create_user(f"bench.hr.{c.code}@example.test", PASSWORD, f"人事 {c.name_ja}", Role.CITY_HR, c.id)
              for c in members}
        db.session.commit()
        print(f"database: {db.engine.dialect.name} ({db.engine.url.render_as_string(hide_password=True)})")
        print(f"cities: {len(members)} members  ({time.perf_counter() - started:.1f} s)")

        mark = time.perf_counter()
        through = min(args.service_people, args.specialists)
        matchable = service_people(through, rng, hr, coordinator)
        print(f"specialists through the services: {through:,} ({matchable:,} matchable)  "
              f"({time.perf_counter() - mark:.1f} s)")
        mark = time.perf_counter()
        weights = {c.code: max(1, c.population // 10000) for c in members}
        bulk_pool(args.specialists - through, seed=args.seed, home_weights=weights)
        matchable = db.session.scalar(select(func.count(Specialist.id)).where(matchable_clause()))
        print(f"specialists in bulk (bulk_pool): {args.specialists - through:,}  "
              f"({time.perf_counter() - mark:.1f} s); matchable in all: {matchable:,}")
        mark = time.perf_counter()
        made, slots = service_requests(args.slots, rng, hr)
        print(f"requests through the services: {made:,} with {slots:,} open slots  "
              f"({time.perf_counter() - mark:.1f} s)")
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
        print(f"build: {time.perf_counter() - started:.1f} s")


# ----------------------------------------------------------------------------- the round


def solve_streaming(problem: dict) -> str:
    """What runner.solve_in_subprocess may become: the problem written to the child's stdin piece by piece
    (``snapshot.write_problem``) from a thread while this one reads the answer; same checks as runner."""
    from talentbank.matching import runner
    from talentbank.matching.snapshot import write_problem

    proc = subprocess.Popen(runner.solver_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    failure: list[BaseException] = []
    pipe = proc.stdin

    def feed() -> None:
        try:
            write_problem(problem, pipe)
        except BrokenPipeError:  # the child stopped reading (bad input): its exit code says why
            pass
        except BaseException as exc:  # noqa: BLE001  (reported below)
            failure.append(exc)
        finally:
            try:
                pipe.close()
            except BrokenPipeError:
                pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    proc.stdin = None  # communicate() must not touch the pipe the writer owns
    try:
        out, err = proc.communicate(timeout=runner.hard_timeout_s(problem))
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.communicate()
        raise runner.SolverFailure("timeout", f"no answer after {exc.timeout:.0f} s") from None
    writer.join()
    if failure:
        raise failure[0]
    stderr = err.decode("utf-8", "replace").strip()
    if proc.returncode == 2:
        raise runner.SolverFailure("invalid_input", stderr or "exit 2")
    if proc.returncode != 0:
        raise runner.SolverFailure("crashed", f"exit {proc.returncode}: {stderr[-4000:]}")
    return out.decode("utf-8").strip()


def run_round(url: str, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from talentbank.accounts.models import User
    from talentbank.extensions import db
    from talentbank.matching import runner, services
    from talentbank.matching.snapshot import problem_counts

    app = make_app(url, args.time_limit)
    sampler = RssSampler()
    sampler.start()
    times: dict[str, float] = {}
    peaks: dict[str, tuple[float, float]] = {}
    info: dict[str, object] = {}
    real_build, real_solve = runner.build_snapshot, runner.solve_problem
    if args.stream:
        runner.solve_in_subprocess = solve_streaming

    def timed_build(*a, **kw):
        start_rss = rss_mib()
        sampler.phase()
        started = time.perf_counter()
        snapshot = real_build(*a, **kw)
        times["snapshot"] = time.perf_counter() - started
        peaks["snapshot"] = (start_rss, sampler.phase())
        info["counts"] = problem_counts(snapshot.problem)
        info["time_limit_s"] = snapshot.problem["time_limit_s"]
        return snapshot

    def timed_solve(problem):
        start_rss = rss_mib()
        times["snapshot+save"] = time.perf_counter() - info["round_started"]
        sampler.phase()
        started = time.perf_counter()
        answer = real_solve(problem)
        times["solve"] = time.perf_counter() - started
        peaks["solve"] = (start_rss, sampler.phase())
        info["solve_done"] = time.perf_counter()
        return answer

    runner.build_snapshot, runner.solve_problem = timed_build, timed_solve
    with app.app_context():
        coordinator = db.session.scalar(select(User).where(User.email == COORDINATOR))
        rnd = services.queue_round(coordinator)
        db.session.commit()
        idle = rss_mib()
        sampler.phase()
        info["round_started"] = time.perf_counter()
        rnd = services.run_round_now(rnd.id)
        ended = time.perf_counter()
        times["round"] = ended - info["round_started"]
        times["store"] = ended - info.get("solve_done", ended)
        peaks["store"] = (0.0, sampler.phase())
        summary = (rnd.stats or {}).get("summary", {})
        stats = rnd.stats or {}
        counts = info.get("counts", {})
        print(f"round {rnd.id}: {rnd.status}, solver {rnd.solver_status}, time limit {info.get('time_limit_s')} s"
              f"{', problem streamed (write_problem)' if args.stream else ''}")
        if rnd.status != "succeeded":
            print(rnd.error)
            return 1
        print(f"  problem: {counts.get('specialists', 0):,} specialists, {counts.get('requests', 0):,} requests, "
              f"{counts.get('slots', 0):,} slots, {len(rnd.problem_json or '') / 2**20:.1f} MiB of JSON")
        print(f"  answer: {summary.get('proposals', 0):,} proposals, {summary.get('unfilled_slots', 0):,} empty "
              f"slots; eligible pairs {stats.get('eligible_pairs', '?')}, solver's own "
              f"solve_seconds {stats.get('solve_seconds', '?')}; fill proven {stats.get('fill_proven', '-')}, "
              f"quality gap {100.0 * float(stats.get('gap') or 0.0):.3f} %")
        print(f"  process at rest before the round: {idle:.0f} MiB resident")
        child_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        for phase, label in (("snapshot", "snapshot (build_snapshot)"),
                             ("snapshot+save", "snapshot phase (+ problem JSON saved)"),
                             ("solve", "solve (child process, JSON in and out)"), ("store", "store"),
                             ("round", "whole round (execute_round)")):
            line = f"  {label:40} {times.get(phase, float('nan')):7.2f} s"
            if phase in peaks and phase != "store":
                start_rss, peak = peaks[phase]
                line += f"   peak {peak:6.0f} MiB resident (+{peak - start_rss:.0f} over its start)"
            elif phase == "store":
                line += f"   peak {peaks['store'][1]:6.0f} MiB resident"
            if phase == "solve":
                line += f"; solver process peak {child_peak:.0f} MiB"
            print(line)
        print(f"  peak resident memory of this process (ru_maxrss): "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
        if args.tracemalloc:
            import tracemalloc

            from talentbank.matching.models import RuleSetVersion
            from talentbank.matching.snapshot import build_snapshot

            rule_set = db.session.get(RuleSetVersion, rnd.rule_set_version_id)
            db.session.expire_all()
            tracemalloc.start()
            started = time.perf_counter()
            snapshot = build_snapshot(rule_set)
            elapsed = time.perf_counter() - started
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(f"  tracemalloc, snapshot again: peak {peak / 2**20:.0f} MiB of Python allocations, "
                  f"{current / 2**20:.0f} MiB held by the result ({elapsed:.1f} s under tracing, "
                  f"{len(snapshot.problem['specialists']):,} specialists)")
        target = "under" if times.get("snapshot", 99) < 5 else "OVER"
        print(f"targets at 50,000: snapshot < 5 s ({target}: {times.get('snapshot', float('nan')):.2f} s), whole round "
              f"< 45 s ({'under' if times['round'] < 45 else 'OVER'}: {times['round']:.1f} s)")
    sampler.running = False
    return 0


def main() -> int:
    args = parse_args()
    tmp = None
    url = args.database_url
    if not url:
        tmp = tempfile.TemporaryDirectory(prefix="tb-bench-round-")
        url = f"sqlite:///{Path(tmp.name) / 'bench.sqlite'}"
    if args.round_only:
        return run_round(url, args)
    build(url, args)
    sys.stdout.flush()
    # The round in a fresh process, as `flask rounds run` would: its memory is the round's alone.
    command = [sys.executable, __file__, "--round-only", "--database-url", url]
    for flag in ("stream", "tracemalloc"):
        if getattr(args, flag):
            command.append(f"--{flag}")
    if args.time_limit is not None:
        command += ["--time-limit", str(args.time_limit)]
    code = subprocess.call(command)
    if tmp is not None:
        tmp.cleanup()
    return code


if __name__ == "__main__":
    sys.exit(main())
