"""Who a consultation is offered to: the dispatch's hard rules, its quality parts, the rounds' priority rule."""
from __future__ import annotations

from datetime import timedelta

from talentbank.consultations import services
from talentbank.consultations.models import Consultation
from talentbank.core import clock
from talentbank.extensions import db
from talentbank.notifications.models import Notification

from .conftest import offered_ids


def test_offered_at_once_to_a_fitting_adviser(world):
    person = world.adviser()
    c = world.post()
    assert offered_ids(c) == [person.id]
    assert c.status == "open" and c.offer_batches == 1
    assert db.session.query(Notification).filter_by(user_id=person.user_id, kind="consultation.offered").count() == 1


def test_hard_rules_leave_people_out_and_are_counted(world):
    today = clock.today_tokyo()
    fits = world.adviser()
    world.adviser(professions=("architecture",), fields={"building_control": 5})  # wrong profession
    world.adviser(verified=False)  # an unverified self sign-up: not even counted
    world.adviser(status="paused")  # paused: not in the pool
    world.adviser(accepts=False)  # does not take advice work
    world.adviser(cap=1)  # 2 hours needed, cap 1
    world.adviser(can_work_remote=False)  # on-site only, the question is remote
    world.adviser(windows=((today + timedelta(days=60), today + timedelta(days=90)),))  # not available in time
    world.adviser(excluded=(world.cities["142085"],))
    c = world.post()
    assert offered_ids(c) == [fits.id]
    fit = services.matching.allocate({c.id}, count=5)[c.id]  # nobody new: every count explained
    assert fit.chosen == []
    assert fit.counts == {"advice_off": 1, "profession": 1, "availability": 1, "mode": 1, "excluded_city": 1,
                          "hour_cap": 1}


def test_licence_and_travel_rules(world):
    has_licence = world.adviser(licences=("gijutsushi_construction",))
    world.adviser()
    c = world.post(licence_ids=[world.make.term(services.Licence, "gijutsushi_construction").id])
    assert offered_ids(c) == [has_licence.id]
    # On site in Zushi: someone from Machida with a 30-minute limit is too far.
    near = world.adviser("142085", can_work_remote=False)
    world.adviser("132098", can_work_remote=False, max_travel_minutes=30)
    onsite = world.post(work_mode="onsite", title="現地での確認")
    assert near.id in offered_ids(onsite)
    counts = services.matching.allocate({onsite.id})[onsite.id].counts
    assert counts.get("travel") == 1


def test_nobody_fits_tells_the_city_why(world):
    world.adviser(professions=("architecture",), fields={"building_control": 5})
    c = world.post()
    assert offered_ids(c) == []
    assert c.no_fit_counts == {"profession": 1}
    notes = db.session.query(Notification).filter_by(user_id=world.zushi_hr.id, kind="consultation.no_fit").all()
    assert len(notes) == 1 and "1" in str(notes[0].params)


def test_ranked_by_quality_and_limited_to_the_offer_count(world, app):
    app.config["CONSULTATION_OFFER_COUNT"] = 2
    few = world.adviser(fields={"slopes": 2})
    most = world.adviser(fields={"slopes": 25})
    middle = world.adviser(fields={"slopes": 12})
    c = world.post()
    assert offered_ids(c) == [most.id, middle.id]
    ranks = {o.specialist_id: (o.rank, o.score["experience"]) for o in c.offers}
    assert ranks[most.id] == (1, 25) and ranks[middle.id] == (2, 12)
    # Nobody answered within the wait: the job offers it to the next one.
    later = clock.utcnow() + timedelta(hours=25)
    clock.freeze(later)
    result = services.offer_overdue()
    assert result["offered_again"] == 1
    assert few.id in offered_ids(c)


def test_contested_person_goes_to_the_higher_priority_consultation(world):
    scarce = world.adviser(cap=3)  # room for one 2-hour consultation only
    ordinary = world.post(world.kamakura_hr, title="通常の相談")
    disaster = world.post(title="災害復旧の相談", urgency="disaster")
    # Posted later, the disaster consultation still gets the person (the ordinary one's pending offer holds nothing
    # against a higher priority) ...
    assert offered_ids(disaster) == [scarce.id]
    # ... and when both wait for their next batch, the rule set's order decides: disaster first.
    for c in (ordinary, disaster):
        c.offers.clear()
        c.last_offered_at = None
    db.session.commit()
    services.offer_overdue()
    assert offered_ids(disaster) == [scarce.id] and offered_ids(ordinary) == []
    assert db.session.get(Consultation, ordinary.id).no_fit_counts == {"held": 1}


def test_same_urgency_city_need_decides(world):
    scarce = world.adviser("142018", cap=2)
    a = world.post(world.kamakura_hr, title="鎌倉の相談")
    b = world.post(title="逗子の相談")
    for c in (a, b):
        c.offers.clear()
        c.last_offered_at = None
    db.session.commit()
    services.offer_overdue()
    # Zushi has fewer staff per 10,000 residents than Kamakura in the demo indicators: it ranks first.
    assert offered_ids(b) == [scarce.id] and offered_ids(a) == []


def test_hours_of_closed_consultations_count_against_the_cap(world):
    person = world.adviser(cap=3)
    c = world.post()
    services.accept(person.user, c.id)
    services.close(world.zushi_hr, c.id, "要約", "2.5", publish=False)
    second = world.post(title="二つ目")
    assert offered_ids(second) == []
    assert second.no_fit_counts == {"hour_cap": 1}


def test_a_serving_officer_is_not_offered_their_own_citys_question(world):
    from talentbank.specialists.models import AvailabilityWindow

    today = clock.today_tokyo()
    own = world.make.serving_officer(world.cities["142085"], consent_version="v1", consented_at=clock.utcnow(),
                                     can_work_remote=True)
    other = world.make.serving_officer(world.cities["142042"], consent_version="v1", consented_at=clock.utcnow(),
                                       can_work_remote=True)
    for officer in (own, other):
        officer.accepts_advice, officer.advice_hours_per_month = True, 5
        officer.availability_windows = [AvailabilityWindow(start_date=today, end_date=today + timedelta(days=90))]
    db.session.commit()
    c = world.post()
    assert offered_ids(c) == [other.id]
    assert services.matching.allocate({c.id})[c.id].counts.get("own_employer") == 1
