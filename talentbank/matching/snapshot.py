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
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..cities.models import City, TravelTime
from ..core import clock
from ..exchange.models import ExchangeOffer
from ..exchange.rings import services as rings
from ..exchange.services import open_offers_for_matching
from ..extensions import db
from ..requests.models import StaffingRequest
from ..requests.services import open_requests_for_matching
from ..specialists.models import Specialist
from ..specialists.registry import matchable_specialists
from ..specialists.verification import usable_professions_by_specialist
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


def _specialist_record(s: Specialist, previous: set[str], offered: list[tuple[date, date]] | None = None,
                       busy: list[tuple[date, date]] | None = None,
                       usable: set[int] | None = None) -> dict[str, Any] | None:
    """The solver's view of a person: only what has been verified counts (specialists/verification.py):
    usable professions, verified licences, verified years of experience."""
    modes = [m for m, ok in (("onsite", s.can_work_onsite), ("remote", s.can_work_remote)) if ok]
    professions = [p for p in s.professions if usable is None or p.id in usable]
    if not modes or not professions:
        log.warning("specialist %s left out of the round: no work mode or no usable profession", s.id)
        return None
    return {
        "id": str(s.id), "professions": sorted(p.code for p in professions),
        "licences": sorted(r.licence.code for r in s.licence_records if r.is_verified),
        "experience": {e.field.code: e.years for e in sorted(s.experiences, key=lambda e: e.field.code)
                       if e.verified_at is not None},
        "home_city": s.home_city.code,
        "employer_city": s.employer_city.code if s.employer_city is not None else None,
        "availability": [{"start": _iso(start), "end": _iso(end)} for start, end in sorted(
            {(w.start_date, w.end_date) for w in s.availability_windows} | set(offered or ()))],
        "days_per_week": s.days_per_week, "modes": modes,
        "max_travel_minutes": s.max_travel_minutes if s.max_travel_minutes is not None else NO_TRAVEL_LIMIT_MINUTES,
        "excluded_cities": sorted(c.code for c in s.excluded_cities),
        "preferred_cities": sorted(c.code for c in s.preferred_cities),
        "previous_cities": sorted(previous),
        **({"busy": [{"start": _iso(start), "end": _iso(end)} for start, end in sorted(set(busy))]} if busy else {}),
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
    """Read today's requests, specialists, offers, pins and forbidden pairs into one problem."""
    today = clock.today_tokyo()
    requests = [r for r in open_requests_for_matching(today)
                if profession_code is None or r.profession.code == profession_code]
    specialists = [s for s in matchable_specialists()
                   if profession_code is None or any(p.code == profession_code for p in s.professions)]
    kept_rings = rings.holding_rings_until(today)
    away = rings.officers_away(kept_rings)
    offers: list[ExchangeOffer] = []
    if profession_code is None:
        held = {o for cycle in kept_rings for o in cycle.offers}
        offers = [o for o in open_offers_for_matching(today)
                  if not o.is_one_way and o.wants_profession_id is not None and o.id not in held]
    by_specialist = {s.id: s for s in specialists}
    offered_periods: dict[int, list[tuple[date, date]]] = {}
    for offer in offers:  # an offer's officer must be in the problem even if the registry paused them
        by_specialist.setdefault(offer.officer_id, offer.officer)
        offered_periods.setdefault(offer.officer_id, []).append((offer.start_date, offer.end_date))

    accepted, pending = holding_pins()
    live = {r.id: r for r in requests}
    kept_pins = sorted(p for p in accepted | pending if p[0] in by_specialist)
    # Requests outside the live set that hold a kept pin: sent with exactly their pins as slots.
    missing = sorted({r for _s, r in kept_pins} - set(live))
    holding_requests = {r.id: r for r in db.session.scalars(
        select(StaffingRequest).where(StaffingRequest.id.in_(missing)).options(*_request_options()))} \
        if missing else {}

    slots: dict[int, int] = {}
    for req in requests:
        accepted_kept = sum(1 for s, r in accepted if r == req.id and s in by_specialist)
        pending_dropped = sum(1 for s, r in pending if r == req.id and s not in by_specialist)
        slots[req.id] = req.open_slots + accepted_kept - pending_dropped
    for s_id, r_id in kept_pins:
        if r_id in holding_requests:
            slots[r_id] = slots.get(r_id, 0) + 1
    all_requests = {**live, **holding_requests}
    # A live request whose every open slot is reserved by a pending offer of someone left out: skip it.
    pinned_requests = {r for _s, r in kept_pins}
    all_requests = {rid: r for rid, r in all_requests.items() if slots[rid] > 0 or rid in pinned_requests}
    kept_pins = [p for p in kept_pins if p[1] in all_requests]

    city_by_id = {c.id: c for c in db.session.scalars(select(City))}
    previous = events.previous_cities(sorted(by_specialist))
    usable = usable_professions_by_specialist(by_specialist)
    specialist_records = []
    included: set[int] = set()
    for s_id in sorted(by_specialist):
        record = _specialist_record(
            by_specialist[s_id], {city_by_id[c].code for c in previous.get(s_id, ()) if c in city_by_id},
            offered_periods.get(s_id, []), away.get(s_id), usable.get(s_id, set()))
        if record is not None:
            specialist_records.append(record)
            included.add(s_id)
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
    travel = [{"from": city_by_id[t.from_city_id].code, "to": city_by_id[t.to_city_id].code, "minutes": t.minutes}
              for t in db.session.scalars(select(TravelTime).order_by(TravelTime.from_city_id, TravelTime.to_city_id))
              if t.from_city_id in city_ids and t.to_city_id in city_ids]

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
        "time_limit_s": float(time_limit_s or current_app.config.get("SOLVER_TIME_LIMIT_S", 30)),
    }
    return Snapshot(problem=problem, request_city={rid: r.city_id for rid, r in all_requests.items()},
                    live_request_ids=set(live) & set(all_requests), specialist_ids=included,
                    kept_ring_ids=[c.id for c in kept_rings])


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
