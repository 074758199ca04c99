"""Who reacts to what: every domain event and its subscribers, connected in one place at start-up.

Domains declare their events (blinker signals) beside their code and never connect to each other
on import; ``connect_subscribers`` (called by ``create_app``) is the one list of connections, and
``tests/test_wiring.py`` checks it, so a missing connection fails a test rather than production.
Connecting twice is harmless (blinker keeps one connection per receiver).
"""
from __future__ import annotations

from blinker import Signal

from .dispatches import cycles as dispatch_rings
from .exchange.rings import events as ring_events
from .matching import services as matching

# (signal, subscriber): read top to bottom as "when ..., then ...".
SUBSCRIPTIONS: tuple[tuple[Signal, object], ...] = (
    # Before a ring is approved: an officer approved for an overlapping dispatch refuses it.
    (ring_events.ring_approving, matching.refuse_ring_with_held_dispatch),
    # When the last city confirms a ring: one dispatch per leg.
    (ring_events.ring_agreed, dispatch_rings.dispatches_for_agreed_ring),
)


def connect_subscribers() -> None:
    """Connect every subscriber to its event (strong references: they live as long as the process)."""
    for signal, subscriber in SUBSCRIPTIONS:
        signal.connect(subscriber, weak=False)
