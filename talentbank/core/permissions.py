"""Who may do what: the one table every view and service consults.

A permission names an action. ``ROLE_PERMISSIONS`` says which roles hold it, and
``CITY_SCOPED`` marks the actions an HR officer may only take on their own city's data.
Views declare their permission with ``@requires(...)``; the URL-walk test reads the same
declarations, so the table and the app cannot drift apart.
"""
from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from .extensions_access import login_required_response


class Role(StrEnum):
    SPECIALIST = "specialist"
    CITY_HR = "city_hr"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


S, H, C, A = Role.SPECIALIST, Role.CITY_HR, Role.COORDINATOR, Role.ADMIN
STAFF = frozenset({H, C, A})
COORDINATION = frozenset({C, A})
EVERYONE = frozenset(Role)

ROLE_PERMISSIONS: dict[str, frozenset[Role]] = {
    "account.use": EVERYONE,
    "city.view": STAFF,
    "city.edit": COORDINATION,
    "travel.view": STAFF,
    "travel.edit": COORDINATION,
    "audit.view": COORDINATION,
    "user.view": COORDINATION,
    "user.invite": COORDINATION,
    "user.manage": COORDINATION,
    # The talent registry (sign-up itself is public): specialists see only themselves, HR officers a
    # pseudonymised card, the coordinating city everything (each view of personal data is audited).
    "profile.own": frozenset({S}),
    "candidate.view": STAFF,
    "specialist.view_full": COORDINATION,
    "specialist.manage": COORDINATION,
    "specialist.import": COORDINATION,
    # Checking licences, professions and experience before anyone is matched (specialists/verification.py).
    "specialist.verify": COORDINATION,
    "officer.list": STAFF,
    "officer.register": STAFF,
    "vocabulary.edit": COORDINATION,
    # Staffing requests and exchange offers: HR officers for their own city, coordinating city for all.
    "request.view_board": STAFF,
    "request.list": STAFF,
    "request.view": STAFF,
    "request.create": frozenset({H}),
    "request.manage": STAFF,
    "request.correct": COORDINATION,
    "offer.list": STAFF,
    "offer.view": STAFF,
    "offer.create": frozenset({H}),
    "offer.manage": STAFF,
    "offer.correct": COORDINATION,
    "demand.export": STAFF,
    # Notifications and the scheduler: everyone reads their own inbox; the coordinating city sets
    # the round schedule and watches the jobs; only administrators run jobs and see e-mails.
    "inbox.use": EVERYONE,
    "schedule.view": STAFF,
    "schedule.edit": COORDINATION,
    "job.view": COORDINATION,
    "job.run": frozenset({A}),
    "outbox.view": frozenset({A}),
    "outbox.manage": frozenset({A}),
    # Matching rounds: the coordinating city runs and reviews them and keeps the priority rule;
    # every staff member may read the rule, and HR officers see their own city's results (pseudonymised).
    "round.run": COORDINATION,
    "round.review": COORDINATION,
    "proposal.decide": COORDINATION,
    "ruleset.view": STAFF,
    "ruleset.edit": COORDINATION,
    "round.view_own_city": STAFF,
    "round.results": frozenset({H}),
    # Offers and dispatches (派遣): the specialist answers their own offers; everyone sees the
    # dispatches that concern them (the coordinating city all, HR officers their city's, a specialist
    # their own); the coordinating city cancels and extends; both sides evaluate at the end; each
    # city of an exchange ring confirms its part.
    "offer.answer": frozenset({S}),
    "dispatch.list": EVERYONE,
    "dispatch.view": EVERYONE,
    "dispatch.export": STAFF,
    "dispatch.manage": COORDINATION,
    "dispatch.evaluate": frozenset({S, H}),
    "cycle.list": STAFF,
    "cycle.view": STAFF,
    "cycle.confirm": frozenset({H}),
    # Whom to contact and where to go on the first day: the receiving city's HR officers enter it.
    "dispatch.arrival": STAFF,
    # Reports (figures, never people): the alliance picture, round and fiscal-year reports, their workbooks.
    "report.view": STAFF,
    # Terms of a dispatch (agreements/): whoever sees the dispatch (dispatch.view) reads them; HR officers of the two
    # cities (and the coordinating city) change them, each city's HR confirms each version; the
    # coordinating city keeps the defaults per legal form; staff read the ledger (HR their own city).
    "terms.edit": STAFF,
    "terms.confirm": frozenset({H}),
    "terms.defaults_view": STAFF,
    "terms.defaults_edit": COORDINATION,
    "ledger.view": STAFF,
    "ledger.export": STAFF,
}

# Actions an HR officer may take only on data of the city they belong to.
CITY_SCOPED: frozenset[str] = frozenset({
    "request.view", "request.manage", "offer.view", "offer.manage",
})


# The registry: an HR officer registers and manages only their own city's serving officers.
CITY_SCOPED = CITY_SCOPED | frozenset({"officer.register"})

# Matching: an HR officer sees the round results of their own city only.
CITY_SCOPED = CITY_SCOPED | frozenset({"round.view_own_city"})

# Dispatches: an HR officer sees, evaluates and confirms only what concerns their own city.
CITY_SCOPED = CITY_SCOPED | frozenset({"dispatch.view", "dispatch.evaluate", "cycle.view", "cycle.confirm"})
CITY_SCOPED = CITY_SCOPED | frozenset({"dispatch.arrival"})
# Terms and settlement: an HR officer changes and confirms the terms of their city's dispatches (receiving or
# sending: the services check both) and downloads their own city's workbooks.
CITY_SCOPED = CITY_SCOPED | frozenset({"terms.edit", "terms.confirm", "ledger.export"})

# Documents of an agreed dispatch (agreements/documents_services.py checks the dispatch's two cities and,
# for a specialist, their own cover letter); the coordinating city replaces the templates.
ROLE_PERMISSIONS["document.download"] = EVERYONE
ROLE_PERMISSIONS["document.templates"] = COORDINATION
CITY_SCOPED = CITY_SCOPED | frozenset({"document.download"})

# The lessons library (library/services.py checks who reads a private after-action note and who withdraws an
# entry): staff and registered specialists read and publish (the calling domain decides who publishes what);
# staff upload documents; the two sides of an ended dispatch write its after-action note.
ROLE_PERMISSIONS["library.view"] = EVERYONE
ROLE_PERMISSIONS["library.upload"] = STAFF
ROLE_PERMISSIONS["library.note"] = frozenset({S, H})

# Training across cities (training/services.py checks the organising city and whose registration it is): everyone
# reads the sessions open to them; staff post; the organising city's HR officers (and the coordinating city) change,
# cancel and record attendance; specialists and HR officers register (HR officers also their city's staff).
ROLE_PERMISSIONS["training.view"] = EVERYONE
ROLE_PERMISSIONS["training.post"] = STAFF
ROLE_PERMISSIONS["training.manage"] = STAFF
ROLE_PERMISSIONS["training.register"] = frozenset({S, H})
ROLE_PERMISSIONS["training.register_staff"] = frozenset({H})
CITY_SCOPED = CITY_SCOPED | frozenset({"training.manage"})
ROLE_PERMISSIONS["library.my_notes"] = frozenset({S, H})
ROLE_PERMISSIONS["library.manage"] = STAFF
CITY_SCOPED = CITY_SCOPED | frozenset({"library.note", "library.manage"})

# Consultations (consultations/services.py checks the city and the person again): HR officers post for their own
# city; a specialist answers the offers made to them; the posting city and the specialist who took one write in
# its thread and close it; everyone lists what concerns them (the coordinating city all).
ROLE_PERMISSIONS["consultation.list"] = frozenset({S, H, C})
ROLE_PERMISSIONS["consultation.view"] = frozenset({S, H, C})
# A specialist account posts only as a delegate its city's HR officer authorised (consultations/delegates.py checks).
ROLE_PERMISSIONS["consultation.post"] = frozenset({H, S})
ROLE_PERMISSIONS["consultation.delegates"] = frozenset({H, C})
ROLE_PERMISSIONS["consultation.answer"] = frozenset({S})
ROLE_PERMISSIONS["consultation.message"] = frozenset({S, H})
ROLE_PERMISSIONS["consultation.close"] = frozenset({S, H})
CITY_SCOPED = CITY_SCOPED | frozenset({"consultation.view", "consultation.message", "consultation.close"})


class PermissionDenied(Exception):
    """Raised by services when the actor's role or city does not allow the action."""


def role_may(role: Role | str | None, action: str) -> bool:
    """True when ``role`` holds ``action`` in the table (city scope not considered)."""
    if role is None:
        return False
    return Role(role) in ROLE_PERMISSIONS[action]


def may(user: Any, action: str, city_id: int | None = None) -> bool:
    """True when ``user`` may take ``action``, on ``city_id``'s data when the action is scoped."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not role_may(user.role, action):
        return False
    if action in CITY_SCOPED and user.role == Role.CITY_HR and city_id is not None:
        return user.city_id == city_id
    return True


def check(user: Any, action: str, city_id: int | None = None) -> None:
    """Raise ``PermissionDenied`` unless ``may(user, action, city_id)``: services call this first."""
    if not may(user, action, city_id):
        raise PermissionDenied(action)


F = TypeVar("F", bound=Callable[..., Any])
ENDPOINT_PERMISSIONS: dict[str, str | None] = {}


def requires(action: str) -> Callable[[F], F]:
    """Mark a view as needing ``action``: anonymous users go to log in, others get 403."""
    if action not in ROLE_PERMISSIONS:
        raise KeyError(f"unknown permission {action!r}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_required_response()
            if not may(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        wrapper.permission = action  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a view as open to anyone, logged in or not (log-in page, sign-up, invitations)."""
    view.permission = None  # type: ignore[attr-defined]
    return view
