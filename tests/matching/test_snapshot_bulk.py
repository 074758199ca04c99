"""The snapshot read in bulk (rows in chunks of ids) gives byte for byte the problem the ORM-based
snapshot gave: a copy of that implementation is kept here as the reference, and both are run on a
varied world (pins, holding requests, kept rings, offers of officers the registry would not match,
unverified professions, licences and years, people left out, previous cities, forbidden pairs)."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update

from talentbank.cities.models import City, TravelTime
from talentbank.core import clock
from talentbank.exchange.models import ExchangeOffer
from talentbank.exchange.rings import services as rings
from talentbank.exchange.services import open_offers_for_matching
from talentbank.extensions import db
from talentbank.matching import events, snapshot
from talentbank.matching.models import ForbiddenPair
from talentbank.matching.rule_sets import ensure_rule_set
from talentbank.matching.snapshot import (
    NO_TRAVEL_LIMIT_MINUTES,
    Snapshot,
    _iso,
    _request_options,
    _request_record,
    build_snapshot,
    city_record,
    holding_pins,
    iter_problem_json,
    write_problem,
)
from talentbank.requests.models import StaffingRequest
from talentbank.requests.services import open_requests_for_matching
from talentbank.specialists.models import (
    Specialist,
    SpecialistExperience,
    specialist_licences,
    specialist_professions,
)
from talentbank.specialists.registry import matchable_specialists
from talentbank.specialists.verification import usable_professions_by_specialist

from .builders import matching_app, specialist

# ----------------------------------------------------------------------------- the reference (before issue 14)


def _reference_record(s: Specialist, previous: set[str], offered: list[tuple[date, date]] | None = None,
                      busy: list[tuple[date, date]] | None = None, usable: set[int] | None = None
                      ) -> dict[str, Any] | None:
    modes = [m for m, ok in (("onsite", s.can_work_onsite), ("remote", s.can_work_remote)) if ok]
    professions = [p for p in s.professions if usable is None or p.id in usable]
    if not modes or not professions:
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


def reference_snapshot(rule_set, profession_code: str | None = None, time_limit_s: float | None = None) -> Snapshot:
    """build_snapshot as it was before issue 14: the whole registry as ORM objects."""
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
    for offer in offers:
        by_specialist.setdefault(offer.officer_id, offer.officer)
        offered_periods.setdefault(offer.officer_id, []).append((offer.start_date, offer.end_date))
    accepted, pending = holding_pins()
    live = {r.id: r for r in requests}
    kept_pins = sorted(p for p in accepted | pending if p[0] in by_specialist)
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
    pinned_requests = {r for _s, r in kept_pins}
    all_requests = {rid: r for rid, r in all_requests.items() if slots[rid] > 0 or rid in pinned_requests}
    kept_pins = [p for p in kept_pins if p[1] in all_requests]
    city_by_id = {c.id: c for c in db.session.scalars(select(City))}
    previous = events.previous_cities(sorted(by_specialist))
    usable = usable_professions_by_specialist(by_specialist)
    specialist_records = []
    included: set[int] = set()
    for s_id in sorted(by_specialist):
        record = _reference_record(
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
        "time_limit_s": float(time_limit_s or 30),
    }
    return Snapshot(problem=problem, request_city={rid: r.city_id for rid, r in all_requests.items()},
                    live_request_ids=set(live) & set(all_requests), specialist_ids=included,
                    kept_ring_ids=[c.id for c in kept_rings])


# ----------------------------------------------------------------------------- a varied world


def _licence_status(person, code: str, status: str) -> None:
    from talentbank.vocabulary.models import Licence

    licence_id = db.session.scalar(select(Licence.id).where(Licence.code == code))
    db.session.execute(update(specialist_licences).where(
        specialist_licences.c.specialist_id == person.id, specialist_licences.c.licence_id == licence_id)
        .values(status=status, checked_by=None if status == "pending" else "coordinator"))


def _unverify_professions(person) -> None:
    db.session.execute(update(specialist_professions).where(specialist_professions.c.specialist_id == person.id)
                       .values(verified_at=None, checked_by=None))


def varied_world(make) -> dict[str, Any]:
    from talentbank.demo.specialists import bulk_pool

    cities = make.demo_cities()
    make.vocabulary()
    zushi, kamakura, yokosuka, fujisawa = cities["142085"], cities["142042"], cities["142018"], cities["142051"]
    outside = make.city("142107", "三浦市", "Miura", is_member=False)
    bulk_pool(60, seed=7)
    today = clock.today_tokyo()
    people = {
        "rich": specialist(make, kamakura, professions=("civil", "sewerage"),
                           licences=("gijutsushi_construction", "civil_works_manager_1", "surveyor"),
                           fields={"roads": 12, "bridges": 4, "slopes": 30}, excluded=(yokosuka,),
                           preferred=(zushi, kamakura), max_travel_minutes=None, can_work_remote=True,
                           windows=((today, today + timedelta(days=200)), (today + timedelta(days=300),
                                                                            today + timedelta(days=700)))),
        "outsider": specialist(make, outside, professions=("public_health_nurse",),
                               licences=("public_health_nurse_licence",), fields={"maternal_child_health": 8}),
        "unconfirmed": specialist(make, zushi, verified=False),
        "paused": specialist(make, zushi, status="paused"),
        "no_mode": specialist(make, yokosuka, can_work_onsite=False, can_work_remote=False),
        "remote_only": specialist(make, fujisawa, can_work_onsite=False, can_work_remote=True,
                                  professions=("information",), fields={"information_systems": 6}),
        "licence_backed": specialist(make, fujisawa, professions=("civil", "parks"),
                                     licences=("gijutsushi_construction", "landscape_works_manager_1")),
        "nothing_usable": specialist(make, zushi, professions=("parks",), licences=("landscape_works_manager_1",)),
        "half_checked": specialist(make, kamakura, licences=("civil_works_manager_1", "surveyor"),
                                   fields={"roads": 9, "rivers": 3}),
    }
    # Declared professions count only when verified or backed by a verified licence.
    _unverify_professions(people["licence_backed"])  # civil backed by 技術士, parks by a pending licence
    _licence_status(people["licence_backed"], "landscape_works_manager_1", "pending")
    _unverify_professions(people["nothing_usable"])
    _licence_status(people["nothing_usable"], "landscape_works_manager_1", "rejected")
    _licence_status(people["half_checked"], "surveyor", "pending")
    db.session.execute(update(SpecialistExperience).where(
        SpecialistExperience.specialist_id == people["half_checked"].id,
        SpecialistExperience.years == 3).values(verified_at=None))
    db.session.commit()

    # Officers: not consented (so not matchable), yet in the problem through their two-way offers.
    # The ring's officers are matchable: in the problem as dispatch candidates, busy for the ring's period.
    consented = {"consented_at": clock.utcnow(), "consent_version": "2026-11-v1"}
    officers = [make.serving_officer(city, professions=(prof,), **extra) for city, prof, extra in
                ((zushi, "social_welfare", {}), (kamakura, "civil", {}), (yokosuka, "social_welfare", consented),
                 (fujisawa, "civil", consented))]
    offer_a = make.exchange_offer(zushi, officers[0], wants="civil")
    offer_b = make.exchange_offer(kamakura, officers[1], wants="social_welfare")
    ring_a = make.exchange_offer(yokosuka, officers[2], wants="civil")
    ring_b = make.exchange_offer(fujisawa, officers[3], wants="social_welfare")
    make.exchange_ring([ring_a, ring_b], status="approved")  # busy periods and kept rings
    make.exchange_offer(zushi, make.serving_officer(zushi), wants=None)  # one-way: never in the problem

    r_zushi = make.staffing_request(zushi, people=3, licences=("gijutsushi_construction",), fields=("slopes",),
                                    urgency="disaster")
    r_kama = make.staffing_request(kamakura, people=2, days_per_week=2, work_mode="either")
    r_nurse = make.staffing_request(fujisawa, profession="public_health_nurse", people=1,
                                    fields=("maternal_child_health",))
    make.staffing_request(yokosuka, profession="parks", people=1, work_mode="remote")
    r_filled = make.staffing_request(kamakura, people=1, status="filled", filled_count=1)
    r_reserved = make.staffing_request(fujisawa, people=1)
    r_past = make.staffing_request(zushi, people=1, start_date=today - timedelta(days=1))
    bulk = list(db.session.scalars(select(Specialist.id).where(Specialist.registration_source == "demo")
                                   .order_by(Specialist.id)))
    bulk_people = [db.session.get(Specialist, i) for i in bulk[:6]]
    make.approved_proposal(people["rich"], r_zushi)  # pending pin
    make.approved_proposal(people["half_checked"], r_filled, status="accepted")  # holding request
    make.approved_proposal(people["paused"], r_reserved)  # pending pin of someone left out: slot reduced
    make.approved_proposal(people["paused"], r_kama, status="accepted")  # accepted pin dropped
    make.dispatch(bulk_people[0], r_kama, status="scheduled")  # a dispatch pin
    make.dispatch(bulk_people[1], r_past, status="completed")  # previous city
    make.dispatch(bulk_people[2], r_nurse, status="active")
    for person, req, kind in ((bulk_people[3], r_zushi, "rejected"), (bulk_people[4], r_kama, "declined"),
                              (people["rich"], r_kama, "rejected"), (people["paused"], r_zushi, "declined")):
        db.session.add(ForbiddenPair(specialist_id=person.id, request_id=req.id, reason_kind=kind))
    db.session.commit()
    return {"people": people, "offers": (offer_a, offer_b)}


def _text(problem: dict[str, Any]) -> str:
    return json.dumps(problem, ensure_ascii=False)


def _assert_same(old: Snapshot, new: Snapshot) -> None:
    assert _text(new.problem) == _text(old.problem)
    assert new.request_city == old.request_city
    assert new.live_request_ids == old.live_request_ids
    assert new.specialist_ids == old.specialist_ids
    assert new.kept_ring_ids == old.kept_ring_ids


@pytest.mark.parametrize("chunk", [5000, 7])
def test_bulk_snapshot_equals_the_orm_snapshot(app, make, monkeypatch, chunk):
    matching_app(app)
    app.config["SOLVER_TIME_LIMIT_S"] = 30
    world = varied_world(make)
    monkeypatch.setattr(snapshot, "CHUNK", chunk)
    rule_set = ensure_rule_set()
    for profession in (None, "civil", "parks", "public_health_nurse", "information", "no_such_profession"):
        db.session.expire_all()
        old = reference_snapshot(rule_set, profession)
        db.session.expire_all()
        new = build_snapshot(rule_set, profession)
        _assert_same(old, new)
    problem = build_snapshot(rule_set).problem
    # The world is as varied as it claims: every part of the format is exercised.
    records = {s["id"]: s for s in problem["specialists"]}
    people = world["people"]
    assert str(people["no_mode"].id) not in records and str(people["nothing_usable"].id) not in records
    assert str(people["unconfirmed"].id) not in records and str(people["paused"].id) not in records
    assert records[str(people["licence_backed"].id)]["professions"] == ["civil"]
    assert records[str(people["half_checked"].id)]["licences"] == ["civil_works_manager_1"]
    assert records[str(people["half_checked"].id)]["experience"] == {"roads": 9}
    assert len(records[str(people["rich"].id)]["availability"]) == 2
    assert any("busy" in s for s in problem["specialists"])
    assert any(s["previous_cities"] for s in problem["specialists"])
    assert any(s["employer_city"] for s in problem["specialists"])
    assert {o["id"] for o in problem["exchange_offers"]} == {str(o.id) for o in world["offers"]}
    assert problem["pinned"] and problem["forbidden"]
    assert any(not c["is_member"] for c in problem["cities"])


def test_write_problem_streams_the_same_text(app, make):
    matching_app(app)
    varied_world(make)
    snap = build_snapshot(ensure_rule_set(), time_limit_s=12.5)
    expected = _text(snap.problem)
    assert "".join(iter_problem_json(snap.problem)) == expected
    text, binary = io.StringIO(), io.BytesIO()
    assert write_problem(snap, text) == len(expected)
    write_problem(snap.problem, binary)
    assert text.getvalue() == expected
    assert binary.getvalue() == expected.encode("utf-8")
    empty = {"cities": [], "rule_set": {"a": [1, 2]}, "time_limit_s": 3.0, "pinned": [{"x": "é"}]}
    assert "".join(iter_problem_json(empty)) == _text(empty)


def test_statements_do_not_grow_with_the_registry(app, make, monkeypatch):
    """A fixed number of queries per chunk of ids: one more person costs no query."""
    from talentbank.demo.specialists import bulk_pool

    matching_app(app)
    varied_world(make)
    rule_set = ensure_rule_set()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def measured() -> int:
        db.session.expire_all()
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            build_snapshot(rule_set)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    before = measured()
    bulk_pool(150, seed=11)
    assert measured() == before
