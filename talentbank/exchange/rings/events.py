"""What a ring's life tells the other domains (blinker signals, connected in ``talentbank.wiring``).

Each signal is sent inside the deciding transaction, before its commit; a subscriber adds rows and
audit entries but never commits, and a ``UserError`` it raises refuses the whole decision.
"""
from __future__ import annotations

from ...core.events import signals as _signals

ring_approving = _signals.signal("ring-approving", doc="""
Sent with the ring (``actor=``) before the coordinating city's approval is written: a domain that
holds one of the ring's officers for an overlapping period raises ``UserError`` to refuse it.""")

ring_agreed = _signals.signal("ring-agreed", doc="""
Sent with the ring (``actor=``) when its last city confirmed: the dispatch domain makes one
dispatch per leg; a ``UserError`` refuses the confirmation.""")
