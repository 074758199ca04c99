"""Two coordinators approving clashing proposals at the same moment: one succeeds, one is refused clearly.

Runs on both databases: row locks on PostgreSQL, the write lock taken first on SQLite (core.transactions).
"""
from __future__ import annotations

import threading

from sqlalchemy import select

from talentbank.accounts.models import User
from talentbank.core.errors import UserError
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.matching import services
from talentbank.matching.models import MatchingRound, Proposal

from .builders import matching_app, specialist


def _race(app, user_ids: list[int], proposal_ids: list[int]) -> list[str]:
    barrier = threading.Barrier(len(proposal_ids))
    outcomes: list[str] = [""] * len(proposal_ids)

    def approve(i: int) -> None:
        with app.app_context():
            try:
                actor = db.session.get(User, user_ids[i])
                barrier.wait(timeout=10)
                services.approve_proposal(actor, proposal_ids[i])
                outcomes[i] = "approved"
            except UserError as exc:
                outcomes[i] = exc.message_id
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(len(proposal_ids))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def _round() -> MatchingRound:
    rule_set = services.ensure_rule_set()
    rnd = MatchingRound(kind="manual", status="succeeded", rule_set_version_id=rule_set.id, stats={})
    db.session.add(rnd)
    db.session.commit()
    return rnd


def _proposal(rnd, request, person) -> Proposal:
    proposal = Proposal(round_id=rnd.id, request_id=request.id, specialist_id=person.id, city_id=request.city_id,
                        status="proposed", score={"total": 10}, priority_position=0)
    db.session.add(proposal)
    db.session.commit()
    return proposal


def test_one_specialist_approved_twice_in_overlapping_periods_at_once(app, make):
    matching_app(app)
    cities = make.demo_cities()
    make.vocabulary()
    coordinators = [make.user(Role.COORDINATOR), make.user(Role.COORDINATOR)]
    person = specialist(make, cities["142042"], days_per_week=3)
    rnd = _round()
    first = _proposal(rnd, make.staffing_request(cities["142085"], people=1, days_per_week=2), person)
    second = _proposal(rnd, make.staffing_request(cities["142042"], people=1, days_per_week=2), person)
    outcomes = _race(app, [u.id for u in coordinators], [first.id, second.id])
    assert sorted(outcomes) == sorted(["approved", "%(ref)s は同じ期間にすでに週%(used)s日の派遣が承認されているため、"
                                                   "週%(days)s日のこの要請は承認できません（本人の上限は週%(limit)s日）。"]), outcomes
    db.session.expire_all()
    statuses = sorted(p.status for p in db.session.scalars(select(Proposal)))
    assert statuses[0] in ("approved", "offered") and statuses[1] == "proposed"


def test_two_people_approved_for_the_last_slot_at_once(app, make):
    matching_app(app)
    cities = make.demo_cities()
    make.vocabulary()
    coordinators = [make.user(Role.COORDINATOR), make.user(Role.COORDINATOR)]
    request = make.staffing_request(cities["142085"], people=1, days_per_week=2)
    rnd = _round()
    a = _proposal(rnd, request, specialist(make, cities["142042"]))
    b = _proposal(rnd, request, specialist(make, cities["142018"]))
    outcomes = _race(app, [u.id for u in coordinators], [a.id, b.id])
    assert sorted(outcomes) == sorted(["approved", "派遣要請 No.%(id)s の%(people)s人の枠は、承認済みの提案ですでに埋まっています。"]), outcomes
