"""What a dispatch's life tells the other domains (blinker signals, connected in ``talentbank.wiring``)."""
from __future__ import annotations

from ..core.events import signals

dispatch_agreed = signals.signal("dispatch-agreed", doc="""
Sent with the new dispatch (``actor=``) when a specialist accepted an offer, inside the accepting
transaction before its commit: the agreements domain writes the dispatch's terms version 1. (A ring's
legs are announced by ``ring_agreed``.) A subscriber adds rows but never commits.""")

dispatch_extended = signals.signal("dispatch-extended", doc="""
Sent with the dispatch (``actor=``, ``reason=``) when the coordinating city lengthened it, inside the
extending transaction before its commit, the new end date already set: the agreements domain writes the
next terms version (a change of period after agreement is an amendment both cities confirm). A subscriber
adds rows but never commits.""")
