"""``flask seed-demo`` adds the cities' demand from their own papers, once."""
from __future__ import annotations

from sqlalchemy import func, select

from talentbank.exchange.models import ExchangeOffer
from talentbank.extensions import db
from talentbank.requests.models import StaffingRequest


def city_code(req) -> str:
    return req.city.code


def test_seed_demo_adds_the_papers_demand_and_is_safe_to_run_again(app, app_ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Demand: " in first.output and "staffing requests" in first.output
    every_request = db.session.scalars(select(StaffingRequest)).all()
    # The agreements demo (demo/agreements.py) adds one request already filled by a retiree's dispatch.
    requests = [r for r in every_request if r.status != "filled"]
    assert len(every_request) - len(requests) == 1
    offers = db.session.scalars(select(ExchangeOffer)).all()

    # Zushi's roads and slopes: two civil engineers with slope experience, disaster recovery, April to March.
    slopes = [r for r in requests if city_code(r) == "142085" and r.urgency == "disaster"]
    assert len(slopes) == 1
    slope = slopes[0]
    assert (slope.profession.code, slope.people, slope.days_per_week, slope.status) == ("civil", 2, 3, "open")
    assert "slopes" in {f.code for f in slope.desired_fields} and "崖崩れ" in slope.urgency_reason
    assert (slope.start_date.month, slope.start_date.day, slope.end_date.month, slope.end_date.day) == (4, 1, 3, 31)
    # Zushi's parks and green space, and the sewerage plant rebuild.
    zushi_professions = {r.profession.code for r in requests if city_code(r) == "142085"}
    assert {"civil", "parks", "sewerage", "electrical_mechanical", "public_health_nurse"} <= zushi_professions
    # Public health nurses for Kamakura, Zushi and Yokosuka.
    nurse_cities = {city_code(r) for r in requests if r.profession.code == "public_health_nurse"}
    assert {"142042", "142085", "142018"} <= nurse_cities
    # Ordinary requests in the larger cities, and a draft and a withdrawn one among them.
    ordinary_cities = {city_code(r) for r in requests if r.urgency == "ordinary"}
    assert {"141003", "141305", "142051", "142131", "132098"} <= ordinary_cities
    assert {r.status for r in requests} == {"open", "draft", "withdrawn"}
    # Every disaster or statutory request says why.
    assert all(r.urgency_reason for r in requests if r.urgency != "ordinary")

    # Exchange offers: every officer is a serving officer of the offering city.
    assert all(o.officer.kind == "serving" and o.officer.employer_city_id == o.city_id for o in offers)
    assert sum(o.is_one_way for o in offers) == 1

    def fits(a: ExchangeOffer, b: ExchangeOffer) -> bool:
        """a's officer is what b wants (profession and licences) and the cities differ."""
        return (a.city_id != b.city_id and not b.is_one_way
                and b.wants_profession in a.officer.professions
                and set(b.wants_licences) <= set(a.officer.licences))

    swaps = [(a, b) for a in offers for b in offers if a.id < b.id and fits(a, b) and fits(b, a)]
    assert [(city_code(a), city_code(b)) for a, b in swaps] == [("142085", "142131")]  # urban planning ⇄ welfare
    assert swaps[0][0].officer.professions[0].code == "civil"
    rings = {frozenset((a.id, b.id, c.id)) for a in offers for b in offers for c in offers
             if len({a.city_id, b.city_id, c.city_id}) == 3 and fits(a, b) and fits(b, c) and fits(c, a)}
    assert len(rings) == 1
    assert {o.city.code for o in offers if o.id in next(iter(rings))} == {"142018", "132098", "142042"}

    counts = (len(every_request), len(offers))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "Demand: demo requests and offers already present" in second.output
    assert (db.session.scalar(select(func.count(StaffingRequest.id))),
            db.session.scalar(select(func.count(ExchangeOffer.id)))) == counts
