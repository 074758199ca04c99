"""The snapshot a round solves: today's data in the solver's problem format (docs/solver-format.md).

Choices made here, so that capacity in the problem is exact:

* **Pins.** Every pairing that holds a slot and the specialist's days is sent as ``pinned``:
  proposals approved, offered or accepted, and the dispatches the dispatch domain reports through
  ``events.pins_wanted``. A live request is sent with ``slots`` = its open slots (people − filled) plus
  the accepted pins kept (they are counted in ``filled_count``), so pins and new proposals together
  never exceed the people asked for.
* **Only what was verified counts** (specialists/verification.py): a person is in the problem when
  their address is confirmed (or staff registered them) and at least one profession is usable; their
  record carries only usable professions, verified licences and verified years of experience.
* **Pins of people no longer matchable** (paused, withdrawn, no consent, no longer verified): the specialist is left out
  and the pin dropped; a pending pin (approved, offered) still takes its slot, so the slot count is
  reduced by one instead — it is not offered to someone else while the offer is out.
* **Pins on requests that are not live** (filled, or left out by a profession filter): the request is
  sent with exactly as many slots as it has pins, so the specialist's days are counted and nobody
  new is proposed for it.
* **Fast track** (a profession filter): only requests and specialists of that profession, no
  exchange offers.
* **Exchange offers**: live two-way offers that are not already part of an approved or agreed ring.
  Their officers are serving officers and stay in the dispatch market too (the registry offers them
  "for dispatch and exchange"): the solver decides both markets together, so one officer is never
  in a chosen ring and an overlapping dispatch, and the rule set's ``exchange_priority`` says which
  market is served first. The period of an officer's live offer counts as availability (the city
  offers them for it), added to any windows the registry holds: the solver, like dispatch, needs one
  window covering the other city's period.
* **Busy people.** Officers in an approved or agreed ring (of any earlier round) are away for the
  ring's period: their record carries it as ``busy``, so no later round proposes them for anything
  that overlaps it, and their offers stay out of the market. The rings are listed in
  ``Snapshot.kept_ring_ids`` so the round's review shows them as kept. Approved, offered and agreed
  dispatches hold their people through ``pinned`` (above). Proposals and rings still waiting for
  review in earlier rounds hold nobody: the new round supersedes them (``runner._supersede_earlier``).
* **Recent training** (hard rule ``training``, docs/matching-rules.md). Professions for which the
  coordinating city requires a training within N months for disaster-recovery requests are sent as
  ``disaster_training_months``; each person's record carries, for those professions only, the latest
  day they attended a session suiting it (``training.records``: attendance the organiser recorded, never
  a cancelled session), counting only days up to the round's day. Without any requirement neither is
  sent, so such problems keep the fingerprint they had before the rule existed.
"""
from __future__ import annotations

import gc
import io
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from flask import current_app
from sqlalchemy import exists, select
from sqlalchemy.orm import joinedload, selectinload

from ..cities.models import City, TravelTime
from ..core import clock
from ..exchange.models import ExchangeOffer
from ..exchange.rings import services as rings
from ..exchange.services import open_offers_for_matching
from ..extensions import db
from ..requests.models import StaffingRequest
from ..requests.services import open_requests_for_matching
from ..specialists.models import (
    AvailabilityWindow,
    LicenceStatus,
    Specialist,
    SpecialistExperience,
    specialist_excluded_cities,
    specialist_licences,
    specialist_preferred_cities,
    specialist_professions,
)
from ..specialists.verification import (
    matchable_clause,
    usable_professions_by_specialist,
)
from ..training.records import attended_by_profession
from ..vocabulary.models import ExperienceField, Licence, Profession
from . import events
from .models import HOLDING_PROPOSAL_STATUSES, ForbiddenPair, Proposal, RuleSetVersion

log = logging.getLogger(__name__)

NO_TRAVEL_LIMIT_MINUTES = 1440  # a profile without a limit: any city with a known travel time


@dataclass
class Snapshot:
    """The problem dict plus what the round needs to turn the answer back into rows."""

    problem: dict[str, Any]
    request_city: dict[int, int] = field(default_factory=dict)  # request id -> city id
    live_request_ids: set[int] = field(default_factory=set)
    specialist_ids: set[int] = field(default_factory=set)
    kept_ring_ids: list[int] = field(default_factory=list)  # approved or agreed rings whose officers are away


def _request_options() -> tuple:
    return (joinedload(StaffingRequest.city), joinedload(StaffingRequest.profession),
            selectinload(StaffingRequest.required_licences), selectinload(StaffingRequest.desired_fields))


def holding_pins() -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(specialist, request) pairs that hold capacity: (accepted or dispatched, pending approval/offer)."""
    accepted: set[tuple[int, int]] = events.provided_pins()
    pending: set[tuple[int, int]] = set()
    rows = db.session.execute(select(Proposal.specialist_id, Proposal.request_id, Proposal.status)
                              .where(Proposal.status.in_(HOLDING_PROPOSAL_STATUSES)))
    for specialist_id, request_id, status in rows:
        (accepted if status == "accepted" else pending).add((specialist_id, request_id))
    return accepted, pending - accepted


def _iso(value: date) -> str:
    return value.isoformat()


def _request_record(req: StaffingRequest, slots: int) -> dict[str, Any]:
    return {
        "id": str(req.id), "city": req.city.code, "profession": req.profession.code,
        "required_licences": sorted(lic.code for lic in req.required_licences),
        "desired_fields": sorted(f.code for f in req.desired_fields),
        "slots": slots, "start": _iso(req.start_date), "end": _iso(req.end_date),
        "days_per_week": req.days_per_week, "mode": req.work_mode, "urgency": req.urgency,
        "carry_over": req.carry_over_count,
        "posted_at": (req.posted_at or req.created_at).replace(microsecond=0).isoformat(),
    }


# Ids per query when reading the registry: below every driver's limit on bound parameters (SQLite
# 32,766, PostgreSQL 65,535), and few enough rows at a time that memory stays flat.
CHUNK = 5000


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _candidate_ids(profession_code: str | None) -> list[int]:
    """Ids of everyone a round may propose (verification.matchable_clause), in id order; with a
    profession filter, those who declared that profession (usable or not: the record keeps only usable ones)."""
    query = select(Specialist.id).where(matchable_clause())
    if profession_code is not None:
        sp = specialist_professions
        query = query.where(exists().where(
            sp.c.specialist_id == Specialist.id,
            sp.c.profession_id.in_(select(Profession.id).where(Profession.code == profession_code))))
    return list(db.session.scalars(query.order_by(Specialist.id)))


def _in_chunk(column: Any, chunk: list[int]) -> Any:
    """SQL: ``column`` is one of ``chunk`` (sorted ids). A dense chunk is read as an id range (two bound
    values; rows of people outside the chunk are skipped in Python), a sparse one as an IN list."""
    if chunk[-1] - chunk[0] + 1 <= 2 * len(chunk):
        return column.between(chunk[0], chunk[-1])
    return column.in_(chunk)


def training_requirements() -> dict[str, int]:
    """Profession code -> N months: the training its disaster-recovery requests require (vocabulary page)."""
    return dict(db.session.execute(
        select(Profession.code, Profession.disaster_training_months)
        .where(Profession.disaster_training_months.is_not(None))).all())


def _specialist_records(ids: list[int], city_code: dict[int, str],
                        offered: dict[int, list[tuple[date, date]]],
                        busy: dict[int, list[tuple[date, date]]],
                        trained_professions: frozenset[str] = frozenset(),
                        today: date | None = None) -> Iterator[dict[str, Any]]:
    """The solver's view of these people (sorted ids), in id order, read with a fixed number of queries
    per chunk of ids (rows, never ORM objects). Only what has been verified counts
    (specialists/verification.py): usable professions, verified licences, verified years of experience.
    Someone with no work mode or no usable profession is left out (logged). ``trained_professions``: the
    professions whose latest attended training (up to ``today``) each record carries as ``trainings``."""
    connection = db.session.connection()  # Core rows: no ORM result processing

    def rows(query: Any) -> Any:
        return connection.execute(query).all()  # fetched at once: much cheaper than row by row

    profession_code = dict(rows(select(Profession.id, Profession.code)))
    licence_code = dict(rows(select(Licence.id, Licence.code)))
    field_code = dict(rows(select(ExperienceField.id, ExperienceField.code)))
    # Usable professions (the one rule, verification.py): for everyone at once with two queries when the
    # round reads much of the registry, for the ids themselves when they are few (a fast track).
    usable_all = usable_professions_by_specialist(None if len(ids) > CHUNK else ids) if ids else {}
    iso_cache: dict[date, str] = {}

    def iso(value: date) -> str:
        text = iso_cache.get(value)
        if text is None:
            text = iso_cache[value] = value.isoformat()
        return text

    def periods(pairs: Iterable[tuple[date, date]]) -> list[dict[str, str]]:
        return [{"start": iso(start), "end": iso(end)} for start, end in sorted(set(pairs))]

    sl, se, aw = specialist_licences, SpecialistExperience, AvailabilityWindow
    ex, pc = specialist_excluded_cities, specialist_preferred_cities
    for chunk in _chunks(ids):
        wanted = set(chunk)
        people = rows(select(Specialist.id, Specialist.home_city_id, Specialist.employer_city_id,
                             Specialist.days_per_week, Specialist.can_work_onsite, Specialist.can_work_remote,
                             Specialist.max_travel_minutes)
                      .where(_in_chunk(Specialist.id, chunk)).order_by(Specialist.id))
        licences: dict[int, list[str]] = defaultdict(list)
        for s_id, licence_id in rows(select(sl.c.specialist_id, sl.c.licence_id).where(
                _in_chunk(sl.c.specialist_id, chunk), sl.c.status == LicenceStatus.VERIFIED.value)):
            licences[s_id].append(licence_code[licence_id])
        experience: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for s_id, field_id, years in rows(select(se.specialist_id, se.field_id, se.years).where(
                _in_chunk(se.specialist_id, chunk), se.verified_at.is_not(None))):
            experience[s_id].append((field_code[field_id], years))
        windows: dict[int, list[tuple[date, date]]] = defaultdict(list)
        for s_id, start, end in rows(select(aw.specialist_id, aw.start_date, aw.end_date)
                                     .where(_in_chunk(aw.specialist_id, chunk))):
            windows[s_id].append((start, end))
        excluded: dict[int, list[str]] = defaultdict(list)
        for s_id, city_id in rows(select(ex.c.specialist_id, ex.c.city_id).where(_in_chunk(ex.c.specialist_id, chunk))):
            excluded[s_id].append(city_code[city_id])
        preferred: dict[int, list[str]] = defaultdict(list)
        for s_id, city_id in rows(select(pc.c.specialist_id, pc.c.city_id).where(_in_chunk(pc.c.specialist_id, chunk))):
            preferred[s_id].append(city_code[city_id])
        previous = events.previous_cities(chunk)
        trainings: dict[int, dict[str, str]] = {}
        if trained_professions:  # one bulk read per chunk, only when some profession requires it
            for s_id, days in attended_by_profession(chunk, up_to=today).items():
                kept = {code: iso(day) for code, day in sorted(days.items()) if code in trained_professions}
                if kept:
                    trainings[s_id] = kept
        for s_id, home_id, employer_id, days, onsite, remote, max_travel in people:
            if s_id not in wanted:
                continue
            modes = [m for m, ok in (("onsite", onsite), ("remote", remote)) if ok]
            professions = usable_all.get(s_id)
            if not modes or not professions:
                log.warning("specialist %s left out of the round: no work mode or no usable profession", s_id)
                continue
            own_windows, own_offers, away = windows.get(s_id, ()), offered.get(s_id), busy.get(s_id)
            yield {
                "id": str(s_id), "professions": sorted(profession_code[p] for p in professions),
                "licences": sorted(licences.get(s_id, ())),
                "experience": dict(sorted(experience.get(s_id, ()))),
                "home_city": city_code[home_id],
                "employer_city": city_code[employer_id] if employer_id is not None else None,
                "availability": periods([*own_windows, *own_offers] if own_offers else own_windows),
                "days_per_week": days, "modes": modes,
                "max_travel_minutes": max_travel if max_travel is not None else NO_TRAVEL_LIMIT_MINUTES,
                "excluded_cities": sorted(excluded.get(s_id, ())),
                "preferred_cities": sorted(preferred.get(s_id, ())),
                "previous_cities": sorted({city_code[c] for c in previous.get(s_id, ()) if c in city_code}),
                **({"busy": periods(away)} if away else {}),
                **({"trainings": trainings[s_id]} if s_id in trainings else {}),
            }


def city_record(city: City) -> dict[str, Any]:
    """A city as the solver reads it (the round's problem and the need ranking both use it)."""
    return {"code": city.code, "name": city.name_ja, "population": city.population,
            "general_staff": city.general_staff,
            # The registry keeps percent (10 = 10 %); the solver's format is a fraction (0.10).
            "allowance_rate": float(city.allowance_rate) / 100.0, "fiscal_index": float(city.fiscal_index),
            "is_member": city.is_member}


def build_snapshot(rule_set: RuleSetVersion, profession_code: str | None = None,
                   time_limit_s: float | None = None) -> Snapshot:
    """Read today's requests, specialists, offers, pins and forbidden pairs into one problem.

    The registry is read as rows in chunks of ids (``_specialist_records``), never as ORM objects:
    memory holds the problem being built, not the registry. Python's cyclic garbage collector is paused
    meanwhile: the problem is hundreds of thousands of small dicts and lists without cycles, and the
    collector's repeated passes over them took half the time at 50,000 specialists."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_snapshot(rule_set, profession_code, time_limit_s)
    finally:
        if was_enabled:
            gc.enable()


def _build_snapshot(rule_set: RuleSetVersion, profession_code: str | None, time_limit_s: float | None) -> Snapshot:
    today = clock.today_tokyo()
    requests = [r for r in open_requests_for_matching(today)
                if profession_code is None or r.profession.code == profession_code]
    candidates = set(_candidate_ids(profession_code))
    kept_rings = rings.holding_rings_until(today)
    away = rings.officers_away(kept_rings)
    offers: list[ExchangeOffer] = []
    if profession_code is None:
        held = {o for cycle in kept_rings for o in cycle.offers}
        offers = [o for o in open_offers_for_matching(today)
                  if not o.is_one_way and o.wants_profession_id is not None and o.id not in held]
    offered_periods: dict[int, list[tuple[date, date]]] = {}
    for offer in offers:  # an offer's officer must be in the problem even if the registry paused them
        candidates.add(offer.officer_id)
        offered_periods.setdefault(offer.officer_id, []).append((offer.start_date, offer.end_date))

    accepted, pending = holding_pins()
    live = {r.id: r for r in requests}
    kept_pins = sorted(p for p in accepted | pending if p[0] in candidates)
    # Requests outside the live set that hold a kept pin: sent with exactly their pins as slots.
    missing = sorted({r for _s, r in kept_pins} - set(live))
    holding_requests = {r.id: r for r in db.session.scalars(
        select(StaffingRequest).where(StaffingRequest.id.in_(missing)).options(*_request_options()))} \
        if missing else {}

    accepted_kept = Counter(r for s, r in accepted if s in candidates)
    pending_dropped = Counter(r for s, r in pending if s not in candidates)
    slots: dict[int, int] = {req.id: req.open_slots + accepted_kept[req.id] - pending_dropped[req.id]
                             for req in requests}
    for s_id, r_id in kept_pins:
        if r_id in holding_requests:
            slots[r_id] = slots.get(r_id, 0) + 1
    all_requests = {**live, **holding_requests}
    # A live request whose every open slot is reserved by a pending offer of someone left out: skip it.
    pinned_requests = {r for _s, r in kept_pins}
    all_requests = {rid: r for rid, r in all_requests.items() if slots[rid] > 0 or rid in pinned_requests}
    kept_pins = [p for p in kept_pins if p[1] in all_requests]

    city_by_id = {c.id: c for c in db.session.scalars(select(City))}
    city_code = {cid: c.code for cid, c in city_by_id.items()}
    training_months = training_requirements()
    specialist_records = list(_specialist_records(sorted(candidates), city_code, offered_periods, away,
                                                  frozenset(training_months), today))
    included = {int(record["id"]) for record in specialist_records}
    kept_pins = [p for p in kept_pins if p[0] in included]
    offers = [o for o in offers if o.officer_id in included]
    pinned_set = set(kept_pins)

    forbidden = sorted(
        (s, r) for s, r in db.session.execute(select(ForbiddenPair.specialist_id, ForbiddenPair.request_id))
        if s in included and r in all_requests and (s, r) not in pinned_set)

    used_codes = {r.city.code for r in all_requests.values()}
    for record in specialist_records:
        used_codes.add(record["home_city"])
        used_codes.update(c for c in (record["employer_city"],) if c)
        used_codes.update(record["excluded_cities"], record["preferred_cities"], record["previous_cities"])
    used_codes.update(o.city.code for o in offers)
    cities = sorted((c for c in city_by_id.values() if c.is_member or c.code in used_codes), key=lambda c: c.code)
    city_ids = {c.id for c in cities}
    travel = [{"from": city_code[from_id], "to": city_code[to_id], "minutes": minutes}
              for from_id, to_id, minutes in db.session.execute(
                  select(TravelTime.from_city_id, TravelTime.to_city_id, TravelTime.minutes)
                  .order_by(TravelTime.from_city_id, TravelTime.to_city_id))
              if from_id in city_ids and to_id in city_ids]

    problem: dict[str, Any] = {
        "cities": [city_record(c) for c in cities],
        "travel_minutes": travel,
        "specialists": specialist_records,
        "requests": [_request_record(all_requests[rid], slots[rid]) for rid in sorted(all_requests)],
        "exchange_offers": [
            {"id": str(o.id), "city": o.city.code, "officer": str(o.officer_id),
             "wants": {"profession": o.wants_profession.code,
                       "required_licences": sorted(lic.code for lic in o.wants_licences)},
             "start": _iso(o.start_date), "end": _iso(o.end_date)}
            for o in offers],
        "rule_set": rule_set.to_solver(),
        "pinned": [{"specialist": str(s), "request": str(r)} for s, r in kept_pins],
        "forbidden": [{"specialist": str(s), "request": str(r)} for s, r in forbidden],
        **({"disaster_training_months": dict(sorted(training_months.items()))} if training_months else {}),
        "time_limit_s": float(time_limit_s or current_app.config.get("SOLVER_TIME_LIMIT_S", 30)),
    }
    return Snapshot(problem=problem, request_city={rid: r.city_id for rid, r in all_requests.items()},
                    live_request_ids=set(live) & set(all_requests), specialist_ids=included,
                    kept_ring_ids=[c.id for c in kept_rings])


# Items of a long list encoded per write: the text in memory at once stays small.
WRITE_BATCH = 500


def iter_problem_json(problem: dict[str, Any]) -> Iterator[str]:
    """The problem as JSON text in pieces; joined, exactly ``json.dumps(problem, ensure_ascii=False)``.

    Each record is encoded by the C encoder (``json.JSONEncoder.iterencode`` of the whole problem
    would use the slow pure-Python one), and the long lists are given out a batch of records at a time."""
    encoder = json.JSONEncoder(ensure_ascii=False)
    encode = encoder.encode
    yield "{"
    for n, (key, value) in enumerate(problem.items()):
        yield (", " if n else "") + encode(key) + ": "
        if isinstance(value, list) and value:
            for start in range(0, len(value), WRITE_BATCH):
                yield ("[" if start == 0 else ", ") + ", ".join(
                    encode(item) for item in value[start:start + WRITE_BATCH])
            yield "]"
        else:
            yield from encoder.iterencode(value, _one_shot=True)
    yield "}"


def write_problem(snapshot: Snapshot | dict[str, Any], fp: IO[Any]) -> int:
    """Write the problem as JSON to ``fp`` piece by piece (UTF-8 if ``fp`` is binary, e.g. a child's stdin);
    returns the characters written. The text equals ``json.dumps(problem, ensure_ascii=False)``."""
    problem = snapshot.problem if isinstance(snapshot, Snapshot) else snapshot
    binary = isinstance(fp, (io.RawIOBase, io.BufferedIOBase)) or "b" in getattr(fp, "mode", "")
    written = 0
    for piece in iter_problem_json(problem):
        fp.write(piece.encode("utf-8") if binary else piece)
        written += len(piece)
    return written


def build_problem(rule_set_version: RuleSetVersion, profession_code: str | None = None) -> dict[str, Any]:
    """The solver input for a round on today's data (see the module docstring for the choices)."""
    return build_snapshot(rule_set_version, profession_code).problem


def problem_counts(problem: dict[str, Any]) -> dict[str, int]:
    """How big a problem is, for the round's summary."""
    counts: dict[str, int] = defaultdict(int)
    counts["requests"] = len(problem.get("requests", []))
    counts["slots"] = sum(int(r.get("slots", 1)) for r in problem.get("requests", []))
    counts["specialists"] = len(problem.get("specialists", []))
    counts["exchange_offers"] = len(problem.get("exchange_offers", []))
    counts["pinned"] = len(problem.get("pinned", []))
    counts["forbidden"] = len(problem.get("forbidden", []))
    return dict(counts)
