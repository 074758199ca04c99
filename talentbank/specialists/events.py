"""What happens to a registered person that other domains react to, and what they are asked about them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..core.events import signals

specialist_withdrawing = signals.signal("specialist-withdrawing", doc="""
Sent with the specialist (``actor=``) before their personal data is erased, in the same
transaction: matching, dispatches and notifications cancel or erase what is pending with them.""")

agreed_dispatch = signals.signal("agreed-dispatch", doc="""
Sent with a specialist id (``city_id=``); a subscriber answers True when a dispatch of that person to
that city is agreed: the city may then see the name and contact.""")

candidate_requirements_wanted = signals.signal("candidate-requirements-wanted", doc="""
Sent with the candidate search's filter (``today=``); a subscriber answers a ``CandidateRequirement`` a
candidate must also meet for what the filter asks (training: a disaster-recovery request of a profession
that requires a recent training), or None. The search applies each and counts who it left out.""")


@dataclass(frozen=True)
class CandidateRequirement:
    """A rule of the rounds the search applies for another domain: an SQL condition on ``Specialist.id``."""

    clause: Any
    months: int
    since: date
    profession_id: int
