"""What a dispatch's life tells the other domains (blinker signals, connected in ``talentbank.wiring``)."""
from __future__ import annotations

from ..core.events import signals

dispatch_agreed = signals.signal("dispatch-agreed", doc="""
Sent with the new dispatch (``actor=``) when a specialist accepted an offer, inside the accepting
transaction before its commit: the agreements domain writes the dispatch's terms version 1. (A ring's
legs are announced by ``ring_agreed``.) A subscriber adds rows but never commits.""")
