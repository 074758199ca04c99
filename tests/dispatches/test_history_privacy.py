"""A request's history names the specialist who acted on it only while the city may see them."""
from __future__ import annotations

from talentbank.core.permissions import Role
from talentbank.dispatches import services
from talentbank.extensions import db


def test_after_a_cancelled_dispatch_the_request_history_shows_the_reference_not_the_name(make, client, auth):
    cities = make.demo_cities()
    zushi = cities["142085"]
    make.vocabulary()
    coordinator = make.user(Role.COORDINATOR)
    hr = make.user(Role.CITY_HR, city=zushi)
    person = make.specialist(cities["142042"], user=make.user(Role.SPECIALIST, name="保健 花子"))
    request = make.staffing_request(zushi, people=1)
    offer = make.dispatch_offer(person, request)
    dispatch = services.accept_offer(person.user, offer.id)  # the request's fill changes, by the specialist
    reference, request_id = person.reference, request.id

    auth.login(hr.email)
    agreed = client.get(f"/requests/{request_id}").text
    assert "保健 花子" in agreed  # agreed: the city may see who filled its request

    services.cancel_dispatch(db.session.merge(coordinator), dispatch.id, "本人の都合")
    cancelled = client.get(f"/requests/{request_id}").text
    assert "保健 花子" not in cancelled and reference in cancelled

    auth.logout()
    auth.login(coordinator.email)
    assert "保健 花子" in client.get(f"/requests/{request_id}").text  # the coordinating city sees everyone
