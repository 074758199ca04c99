"""What happens to a registered person that other domains react to, and what they are asked about them."""
from __future__ import annotations

from ..core.events import signals

specialist_withdrawing = signals.signal("specialist-withdrawing", doc="""
Sent with the specialist (``actor=``) before their personal data is erased, in the same
transaction: matching, dispatches and notifications cancel or erase what is pending with them.""")

agreed_dispatch = signals.signal("agreed-dispatch", doc="""
Sent with a specialist id (``city_id=``); a subscriber answers True when a dispatch of that person to
that city is agreed: the city may then see the name and contact.""")
