"""The review of a round and the candidate search show one card: the same facts for the same person and viewer."""
from __future__ import annotations

from datetime import timedelta

import pytest

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.matching import review, services
from talentbank.matching.labels import card_summaries
from talentbank.specialists.search import SearchFilter, search_candidates

from .builders import matching_app, scenario


@pytest.fixture
def world(app, make):
    matching_app(app)
    world = scenario(make)
    person = world.engineer_licensed
    zushi = world.cities["142085"]
    today = clock.today_tokyo()
    # Everything a card shows, and something that depends on the viewer (Zushi is preferred).
    person.preferred_cities = [zushi]
    person.can_work_remote = True
    person.max_travel_minutes = None
    person.availability_windows[0].end_date = today + timedelta(days=400)
    db.session.commit()
    return world


def _card_in_search(actor, specialist_id):
    cards = [card for card in search_candidates(actor, SearchFilter(per_page=200)).items
             if card.specialist_id == specialist_id]
    assert len(cards) == 1
    return cards[0]


def test_a_city_sees_the_same_card_in_its_round_results_and_in_the_candidate_search(world, make):
    zushi = world.cities["142085"]
    hr = make.user(Role.CITY_HR, city=zushi)
    person = world.engineer_licensed
    services.start_round(world.coordinator)

    searched = _card_in_search(hr, person.id)
    assert searched.prefers_viewer_city and searched.can_work_remote and searched.max_travel_minutes is None
    view = review.city_results(hr, zushi.id)
    shown = [row.card for group in view.group.requests for row in group.proposals
             if row.card.specialist_id == person.id]
    assert shown, "the licensed engineer is proposed for Zushi's request"
    assert shown[0] == card_summaries({person.id: searched})[person.id]
    assert shown[0].prefers_viewer_city and "技術士" in shown[0].licences


def test_the_review_of_a_request_shows_the_card_the_search_shows(world):
    person = world.engineer_licensed
    rnd = services.start_round(world.coordinator)

    _review, group = review.review_request(world.coordinator, rnd.id, world.zushi_request.id)
    shown = [row.card for row in group.proposals if row.card.specialist_id == person.id]
    assert shown == [_card_in_search(world.coordinator, person.id)]
    card = shown[0]
    assert card.reference == person.reference and [p.code for p in card.professions] == ["civil"]
    assert [(f.code, years) for f, years in card.experiences] == [("slopes", 12)]
    assert card.windows == tuple((w.start_date, w.end_date) for w in person.availability_windows)
    assert not hasattr(card, "name_kanji") and not hasattr(card, "email")
