"""Each role's home page: every to-do's count computed again here from the database, its link, and who sees what."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import and_, exists, func, or_, select

from talentbank.core import clock
from talentbank.core.clock import TOKYO
from talentbank.core.permissions import Role
from talentbank.dispatches.arrival import ArrivalValues, save_arrival
from talentbank.dispatches.models import Dispatch, DispatchEvaluation, Offer
from talentbank.exchange.rings.models import ExchangeCycle, ExchangeCycleConfirmation, ExchangeCycleMember
from talentbank.extensions import db
from talentbank.matching.models import Proposal, UnfilledSlot
from talentbank.notifications.models import OutboxMessage
from talentbank.requests.models import STATUSES, StaffingRequest
from talentbank.scheduler.models import JobRun
from talentbank.specialists.models import (
    Specialist,
    SpecialistExperience,
    specialist_licences,
    specialist_professions,
)

TODO = re.compile(r'<li class="todo[^"]*" data-todo="(?P<key>[a-z_]+)" data-count="(?P<count>\d+)">\s*'
                  r'(?:<a href="(?P<url>[^"]*)">)?')


def todos(html: str) -> dict[str, tuple[int, str | None]]:
    return {m["key"]: (int(m["count"]), m["url"]) for m in TODO.finditer(html)}


def home(client, auth, email: str) -> str:
    auth.login(email)
    response = client.get("/")
    assert response.status_code == 200
    auth.logout()
    return response.get_data(as_text=True)


@pytest.fixture
def world(make):
    cities = make.demo_cities()
    zushi, kamakura, yokosuka = cities["142085"], cities["142042"], cities["142018"]
    today = clock.today_tokyo()

    def request(city, days, **fields):
        start = today + timedelta(days=days)
        fields.setdefault("days_per_week", 1)  # the people below take several at once (days-per-week rule)
        return make.staffing_request(city, start_date=start, end_date=start + timedelta(days=120), **fields)

    w = {"zushi": zushi, "kamakura": kamakura, "today": today,
         "coordinator": make.user(Role.COORDINATOR, email="coord@test.example"),
         "admin": make.user(Role.ADMIN, email="admin@test.example"),
         "zushi_hr": make.user(Role.CITY_HR, city=zushi, email="hr.zushi@test.example"),
         "kamakura_hr": make.user(Role.CITY_HR, city=kamakura, email="hr.kamakura@test.example")}
    # Requests: two start within 14 days with empty slots (one disaster, one ordinary partly filled), one
    # starts later, one is filled, one withdrawn; Kamakura has its own.
    w["soon_disaster"] = request(zushi, 5, urgency="disaster")
    w["soon_partly"] = request(zushi, 12, status="partly_filled", filled_count=1, profession="public_health_nurse")
    w["later"] = request(zushi, 40)
    w["filled"] = request(zushi, 3, status="filled", filled_count=2)
    w["withdrawn"] = request(zushi, 8, status="withdrawn")
    w["draft"] = request(zushi, 50, status="draft")
    w["kamakura_soon"] = request(kamakura, 2, urgency="statutory", department="健康福祉部", section="鎌倉だけの課")
    # People: the one with an account, another, and a fresh sign-up waiting for the check.
    w["person_user"] = make.user(Role.SPECIALIST, email="person@test.example")
    w["person"] = make.specialist(yokosuka, user=w["person_user"], email="person@test.example",
                                  windows=((today, today + timedelta(days=400)),), days_per_week=5)
    w["other"] = make.specialist(yokosuka, days_per_week=5)
    make.specialist(yokosuka, verified=False, email_confirmed_at=clock.utcnow())
    # A round that proposed two pairings (one still waiting) and left the disaster request empty.
    rnd = make.dispatch_round()
    w["round"] = rnd
    make.approved_proposal(w["other"], w["later"], status="proposed", rnd=rnd)
    make.approved_proposal(w["other"], w["kamakura_soon"], status="proposed", rnd=rnd)
    db.session.add(UnfilledSlot(round_id=rnd.id, request_id=w["soon_disaster"].id, city_id=zushi.id, slots=2,
                                priority_position=0,
                                reason={"kind": "no_eligible", "total": 4, "ruled_out": {"profession": 4}}))
    # Offers: one to the person lapsing tomorrow (Zushi), one in five days (Kamakura).
    w["offer_soon"] = make.dispatch_offer(w["person"], w["later"], days_left=1)
    w["offer_kamakura"] = make.dispatch_offer(w["other"], w["kamakura_soon"], days_left=5)
    # Dispatches: the person's coming one in Zushi, a completed one in Zushi to evaluate, one in Kamakura.
    w["coming"] = make.dispatch(w["person"], w["filled"])
    w["done"] = make.dispatch(w["other"], w["withdrawn"], status="completed")
    w["kamakura_dispatch"] = make.dispatch(w["other"], w["kamakura_soon"], status="scheduled")
    # Jobs: one whose last run failed, one that failed and then succeeded; one mail given up.
    now = clock.utcnow()
    db.session.add_all([
        JobRun(job_name="mail.send", status="failed", source="schedule", started_at=now, finished_at=now),
        JobRun(job_name="requests.expire", status="failed", source="schedule", started_at=now, finished_at=now),
        JobRun(job_name="requests.expire", status="succeeded", source="schedule", started_at=now, finished_at=now),
        OutboxMessage(kind="request.expired", to_address="x@test.example", subject="s", body="b", status="failed"),
    ])
    db.session.commit()
    return w


def test_the_coordinators_counts_are_the_databases(world, client, auth):
    today = world["today"]
    found = todos(home(client, auth, "coord@test.example"))
    proposed = db.session.scalar(select(func.count()).select_from(Proposal).where(Proposal.status == "proposed"))
    rings = db.session.scalar(select(func.count()).select_from(ExchangeCycle).where(ExchangeCycle.status == "proposed"))
    # People waiting for the check: address confirmed, something declared and not yet verified.
    waiting = db.session.scalar(select(func.count()).select_from(Specialist).where(
        Specialist.email_confirmed_at.is_not(None), Specialist.status != "withdrawn",
        or_(exists().where(specialist_licences.c.specialist_id == Specialist.id,
                           specialist_licences.c.status == "pending"),
            exists().where(specialist_professions.c.specialist_id == Specialist.id,
                           specialist_professions.c.verified_at.is_(None)),
            exists().where(SpecialistExperience.specialist_id == Specialist.id,
                           SpecialistExperience.verified_at.is_(None)))))
    soon = db.session.scalar(select(func.count()).select_from(StaffingRequest).where(
        StaffingRequest.status.in_(("open", "partly_filled")), StaffingRequest.people > StaffingRequest.filled_count,
        StaffingRequest.start_date >= today, StaffingRequest.start_date <= today + timedelta(days=14)))
    assert found["proposals"] == (proposed, f"/matching/rounds/{world['round'].id}") and proposed == 2
    assert found["rings"][0] == rings == 0
    assert found["verification"] == (waiting, "/specialists/verification/") and waiting == 1
    assert found["escalation"] == (soon, "#escalation") and soon == 3
    assert found["jobs"] == (1, "/admin/jobs")  # mail.send; requests.expire succeeded afterwards
    assert "mail" not in found  # only administrators open the outbox


def test_the_escalation_list_names_cities_professions_and_the_last_reason(world, client, auth):
    html = home(client, auth, "coord@test.example")
    section = html[html.index('id="escalation"'):]
    rows = re.findall(r'<tr data-request="(\d+)" data-reason="([a-z_]+)">', section)
    # Urgent first (disaster, statutory), then by start date.
    assert rows == [(str(world["soon_disaster"].id), "no_eligible"), (str(world["kamakura_soon"].id), "not_yet"),
                    (str(world["soon_partly"].id), "not_yet")]
    assert "土木の候補者がいません。" in section
    chart = section[section.index('id="figure-escalation_slots"'):section.index('id="escalation-rows"')]
    assert "<svg" in chart and chart.count('<th scope="row">') == 3
    assert "逗子市 土木" in chart and "鎌倉市 土木" in chart and "逗子市 保健師" in chart


def test_the_administrator_also_sees_failed_mail(world, client, auth):
    found = todos(home(client, auth, "admin@test.example"))
    failed = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "failed"))
    assert found["mail"] == (failed, "/admin/outbox?status=failed") and failed == 1


def test_the_hr_officers_counts_are_their_citys_only(world, client, auth):
    zushi, today, now = world["zushi"], world["today"], clock.utcnow()
    html = home(client, auth, "hr.zushi@test.example")
    found = todos(html)
    by_status = dict(db.session.execute(select(StaffingRequest.status, func.count()).where(
        StaffingRequest.city_id == zushi.id).group_by(StaffingRequest.status)).all())
    for status in STATUSES:
        assert re.search(rf'data-status="{status}" data-count="{by_status.get(status, 0)}"><a href="/requests/\?status='
                         rf'{status}"', html), status
    expiring = db.session.scalar(select(func.count()).select_from(Offer).where(
        Offer.city_id == zushi.id, Offer.status == "pending", Offer.deadline_at <= now + timedelta(days=2)))
    assert found["expiring"] == (expiring, "/dispatches/") and expiring == 1
    pending = db.session.scalar(select(func.count()).select_from(Offer).where(
        Offer.city_id == zushi.id, Offer.status == "pending"))
    assert found["offers"][0] == pending == 1
    no_arrival = db.session.scalar(select(func.count()).select_from(Dispatch).where(
        Dispatch.city_id == zushi.id, Dispatch.status.in_(("scheduled", "active"))))
    assert found["arrivals"] == (no_arrival, f"/dispatches/{world['coming'].id}/arrival") and no_arrival == 1
    to_evaluate = db.session.scalar(select(func.count()).select_from(Dispatch).where(
        Dispatch.city_id == zushi.id, Dispatch.status == "completed",
        ~exists().where(DispatchEvaluation.dispatch_id == Dispatch.id, DispatchEvaluation.party == "city")))
    assert found["evaluations"] == (to_evaluate, f"/dispatches/{world['done'].id}#evaluations") and to_evaluate == 1
    assert found["proposals"] == (1, "/matching/results")  # the pairing for "later"; Kamakura's is not counted
    assert found["coming"] == (1, "/dispatches/?status=scheduled")
    assert found["unfilled_soon"] == (2, "#escalation")
    assert found["rings"][0] == 0
    # Nothing of Kamakura's: its department, its request, its dispatch.
    assert "鎌倉だけの課" not in html and f"/dispatches/{world['kamakura_dispatch'].id}\"" not in html
    rows = {int(i) for i in re.findall(r'<tr data-request="(\d+)"', html[html.index('id="escalation-rows"'):])}
    assert rows == {world["soon_disaster"].id, world["soon_partly"].id}  # not Kamakura's, starting sooner


def test_arrival_details_and_evaluations_leave_the_hr_list_when_done(world, client, auth):
    coming = world["coming"]
    save_arrival(world["zushi_hr"], coming.id, ArrivalValues("逗子 太郎", "046-873-1111", "", "市役所 3階",
                                                             coming.start_date, None, ""))
    db.session.add(DispatchEvaluation(dispatch_id=world["done"].id, party="city", rating=4, comment=""))
    db.session.commit()
    found = todos(home(client, auth, "hr.zushi@test.example"))
    assert found["arrivals"][0] == 0 and found["evaluations"][0] == 0


def test_a_ring_waiting_for_the_citys_confirmation_is_counted_until_it_confirms(world, make, client, auth):
    zushi, kamakura = world["zushi"], world["kamakura"]
    offers = [make.exchange_offer(zushi, wants="social_welfare"),
              make.exchange_offer(kamakura, make.serving_officer(kamakura, professions=("social_welfare",)),
                                  wants="civil")]
    ring = make.exchange_ring(offers, status="approved")
    waiting = db.session.scalar(select(func.count()).select_from(ExchangeCycle).where(
        ExchangeCycle.status == "approved",
        exists().where(ExchangeCycleMember.cycle_id == ExchangeCycle.id, ExchangeCycleMember.city_id == zushi.id),
        ~exists().where(ExchangeCycleConfirmation.cycle_id == ExchangeCycle.id,
                        ExchangeCycleConfirmation.city_id == zushi.id)))
    assert todos(home(client, auth, "hr.zushi@test.example"))["rings"] == (waiting, "/exchange-rings/") and waiting == 1
    db.session.add(ExchangeCycleConfirmation(cycle_id=ring.id, city_id=zushi.id,
                                             confirmed_by_id=world["zushi_hr"].id))
    db.session.commit()
    assert todos(home(client, auth, "hr.zushi@test.example"))["rings"][0] == 0
    assert todos(home(client, auth, "hr.kamakura@test.example"))["rings"][0] == 1


def test_rings_proposed_by_a_round_wait_for_the_coordinating_city(world, make, client, auth):
    zushi, kamakura = world["zushi"], world["kamakura"]
    offers = [make.exchange_offer(zushi, wants="social_welfare"),
              make.exchange_offer(kamakura, make.serving_officer(kamakura, professions=("social_welfare",)),
                                  wants="civil")]
    ring = make.exchange_ring(offers, status="proposed")
    proposed = db.session.scalar(select(func.count()).select_from(ExchangeCycle).where(
        ExchangeCycle.status == "proposed"))
    assert todos(home(client, auth, "coord@test.example"))["rings"] == (proposed, f"/matching/rounds/{ring.round_id}")
    assert proposed == 1
    assert todos(home(client, auth, "hr.zushi@test.example"))["rings"][0] == 0  # not approved yet


def test_the_specialist_sees_their_offers_dispatches_and_arrival_details_only(world, client, auth):
    coming = world["coming"]
    save_arrival(world["zushi_hr"], coming.id, ArrivalValues("逗子 太郎", "046-873-1111", "road@zushi.example",
                                                             "逗子市役所 3階 道路課", coming.start_date,
                                                             datetime(2000, 1, 1, 8, 30).time(), "作業着"))
    html = home(client, auth, "person@test.example")
    found = todos(html)
    person = world["person"]
    pending = db.session.scalar(select(func.count()).select_from(Offer).where(
        Offer.specialist_id == person.id, Offer.status == "pending"))
    assert found["offers"] == (pending, "/offers/") and pending == 1
    offer = world["offer_soon"]
    local = offer.deadline_at.replace(tzinfo=timezone.utc).astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
    assert f"回答期限：{local}（日本時間）" in html
    section = html[html.index('id="my-dispatches"'):]
    assert f'data-dispatch="{coming.id}"' in section
    assert "逗子 太郎" in section and "逗子市役所 3階 道路課" in section and "08:30" in section and "作業着" in section
    # Another person's offer and dispatches are not there.
    assert f'data-offer="{world["offer_kamakura"].id}"' not in html
    assert f'data-dispatch="{world["kamakura_dispatch"].id}"' not in html and "鎌倉だけの課" not in html


def test_open_requests_that_fit_the_profile_by_profession_period_and_licences(world, make, client, auth):
    person, today = world["person"], world["today"]
    zushi = world["zushi"]
    needs_licence = make.staffing_request(zushi, licences=("civil_works_manager_1",), start_date=today + timedelta(days=20),
                                          end_date=today + timedelta(days=60))
    outside = make.staffing_request(zushi, start_date=today + timedelta(days=500), end_date=today + timedelta(days=560))
    remote = make.staffing_request(zushi, work_mode="remote", days_per_week=1)  # the person works on site only
    person.days_per_week = 2
    person.excluded_cities = [world["kamakura"]]
    db.session.commit()
    too_many_days = make.staffing_request(zushi, days_per_week=3)
    html = home(client, auth, "person@test.example")
    section = html[html.index('id="fitting-requests"'):]
    shown = {int(i) for i in re.findall(r'<tr data-request="(\d+)">', section)}
    windows = [(w.start_date, w.end_date) for w in person.availability_windows]
    fitting = set(db.session.scalars(select(StaffingRequest.id).where(
        StaffingRequest.status.in_(("open", "partly_filled")), StaffingRequest.filled_count < StaffingRequest.people,
        StaffingRequest.end_date >= today, StaffingRequest.profession.has(code="civil"),
        or_(*[and_(StaffingRequest.start_date <= e, StaffingRequest.end_date >= s) for s, e in windows]),
        ~StaffingRequest.required_licences.any(), StaffingRequest.days_per_week <= person.days_per_week,
        StaffingRequest.work_mode.in_(("onsite", "either")), StaffingRequest.city_id != world["kamakura"].id,
        ~exists().where(Offer.request_id == StaffingRequest.id, Offer.specialist_id == person.id))))
    assert shown == fitting and fitting
    assert needs_licence.id not in shown and outside.id not in shown
    assert remote.id not in shown and too_many_days.id not in shown
    assert world["kamakura_soon"].id not in shown  # a city the person excluded
    assert world["later"].id not in shown  # offered to the person already
    assert world["soon_partly"].id not in shown  # a nurse's request
    assert re.search(rf'id="fitting-requests"[^>]*data-count="{len(fitting)}"', html)
    assert "登録内容だけで判断できるもので絞り込んでいます" in section
    # A pairing the person declined before is not offered again, so it is not shown either.
    from talentbank.matching.models import ForbiddenPair
    first = min(shown)
    db.session.add(ForbiddenPair(specialist_id=person.id, request_id=first, reason_kind="declined"))
    db.session.commit()
    again = home(client, auth, "person@test.example")
    assert f'<tr data-request="{first}">' not in again[again.index('id="fitting-requests"'):]


def test_readiness_to_dos_of_an_unverified_person(make, client, auth):
    cities = make.demo_cities()
    user = make.user(Role.SPECIALIST, email="fresh@test.example")
    make.specialist(cities["142085"], user=user, email="fresh@test.example", verified=False)
    html = home(client, auth, "fresh@test.example")
    found = todos(html)
    assert found["readiness"][1] == "/me#readiness" and found["readiness"][0] >= 2
    assert 'data-item="email"' in html and 'data-item="profession"' in html
    assert 'data-count="0"' in html[html.index('id="fitting-requests"'):][:200]


def test_the_menu_is_still_there_after_the_to_dos(world, client, auth):
    html = home(client, auth, "hr.zushi@test.example")
    assert html.index('id="todos"') < html.index('id="menu"')
    assert 'href="/requests/"' in html[html.index('id="menu"'):]
