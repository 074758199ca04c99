"""Who reacts to what: each domain event has exactly the subscribers the wiring lists, once the app exists."""
from __future__ import annotations

from talentbank import wiring
from talentbank.exchange.rings import events as ring_events

# Event -> the qualified names of its subscribers. A connection dropped from (or added to) the wiring
# fails here, not in production.
EXPECTED = {
    ring_events.ring_approving: {"talentbank.matching.services.refuse_ring_with_held_dispatch"},
    ring_events.ring_agreed: {"talentbank.dispatches.cycles.dispatches_for_agreed_ring"},
}


def test_every_event_has_its_subscribers(app):
    for signal, subscribers in EXPECTED.items():
        connected = {f"{r.__module__}.{r.__qualname__}" for r in signal.receivers.values()}
        assert connected == subscribers, signal.name


def test_the_wiring_lists_every_declared_event():
    declared = {signal for signal, _subscriber in wiring.SUBSCRIPTIONS}
    assert declared == set(EXPECTED)


def test_connecting_twice_connects_once(app):
    wiring.connect_subscribers()
    wiring.connect_subscribers()
    for signal, subscribers in EXPECTED.items():
        assert len(signal.receivers) == len(subscribers)
