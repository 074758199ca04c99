"""Where the dispatch domain plugs into the others: one place lists every hook it registers.

- matching ``ON_PROPOSAL_APPROVED``: an approved pairing becomes the specialist's offer;
- matching ``PIN_PROVIDERS``: scheduled and active dispatches keep their slot in later rounds;
- matching ``PREVIOUS_CITY_PROVIDERS``: cities a specialist served before (continuity);
- specialists ``AGREED_DISPATCH_PROVIDERS``: an agreed dispatch lets the receiving city see the name;
- specialists ``ON_WITHDRAW``: a leaving specialist's pending offers and coming dispatches are called off;
- requests ``ON_REQUEST_WITHDRAWN``: a withdrawn request takes back its pending offers.

(A request with an offer or a dispatch is frozen for its city through matching's proposal check:
the proposal behind it stays offered or accepted while the offer or dispatch holds.)

Registration happens once per process (the lists are module globals shared by every app).
"""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..extensions import db
from .models import BOOKED_DISPATCH_STATUSES, Dispatch


def dispatch_pins() -> Iterable[tuple[int, int]]:
    """(specialist_id, request_id) of every scheduled or active dispatch made from a request."""
    return db.session.execute(select(Dispatch.specialist_id, Dispatch.request_id).where(
        Dispatch.status.in_(BOOKED_DISPATCH_STATUSES), Dispatch.request_id.is_not(None))).all()


def _add(hook_list: list, hook) -> None:
    if hook not in hook_list:
        hook_list.append(hook)


def register() -> None:
    """Append this domain's hooks to the other domains' lists (idempotent)."""
    from ..matching import hooks as matching_hooks
    from ..requests import services as requests_services
    from ..specialists import hooks as specialist_hooks
    from . import services

    _add(matching_hooks.ON_PROPOSAL_APPROVED, services.offer_for_approved_proposal)
    _add(matching_hooks.PIN_PROVIDERS, dispatch_pins)
    _add(matching_hooks.PREVIOUS_CITY_PROVIDERS, services.previous_cities)
    _add(specialist_hooks.AGREED_DISPATCH_PROVIDERS, services.has_agreed_dispatch)
    _add(specialist_hooks.ON_WITHDRAW, services.cancel_for_withdrawing_specialist)
    _add(requests_services.ON_REQUEST_WITHDRAWN, services.cancel_for_withdrawn_request)
