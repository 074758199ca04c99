"""Who reacts to what: every domain event and its subscribers, connected in one place at start-up.

Domains declare their events (blinker signals, ``<domain>/events.py``) beside their code and never
connect to each other on import; ``connect_subscribers`` (called by ``create_app``) is the one list
of connections, and ``tests/test_wiring.py`` checks it, so a missing connection fails a test rather
than production. Connecting twice is harmless (blinker keeps one connection per receiver).
"""
from __future__ import annotations

from blinker import Signal

from .accounts import events as account_events
from .accounts import jobs as account_jobs
from .agreements import terms as agreement_terms
from .dispatches import answers as dispatch_answers
from .dispatches import jobs as dispatch_jobs
from .dispatches import cycles as dispatch_rings
from .dispatches import events as dispatch_events
from .dispatches import services as dispatches
from .exchange import jobs as exchange_jobs
from .exchange.rings import events as ring_events
from .consultations import jobs as consultation_jobs
from .consultations import services as consultations
from .library import jobs as library_jobs
from .library import notes as library_notes
from .matching import erasure as round_erasure
from .matching import events as matching_events
from .matching import jobs as matching_jobs
from .matching import schedule as round_schedule
from .matching import services as matching
from .notifications import account_mail
from .notifications import jobs as notification_jobs
from .notifications import services as notifications
from .requests import events as request_events
from .requests import jobs as request_jobs
from .specialists import events as specialist_events
from .specialists import jobs as specialist_jobs
from .specialists import term_usage
from .specialists import sections as profile_sections
from .training import jobs as training_jobs
from .training import readiness as training_readiness
from .training import records as training_records
from .training import services as training
from .vocabulary import events as vocabulary_events

# (signal, subscriber), read as "when ..., then ...". Order matters only within one signal.
SUBSCRIPTIONS: tuple[tuple[Signal, object], ...] = (
    # A request is frozen for its city while a pairing is pending or agreed for it.
    (request_events.request_frozen, matching.has_live_proposals),
    # A request opened: a disaster-recovery request gets a fast-track round within minutes.
    (request_events.request_opened, round_schedule.schedule_fast_track),
    # A request is withdrawn: its pending proposals end, and its pending offers are taken back.
    (request_events.request_withdrawing, matching.on_request_withdrawn),
    (request_events.request_withdrawing, dispatches.cancel_for_withdrawn_request),
    # A specialist withdraws: pending proposals end, offers and coming dispatches are called off,
    # mail and notices addressed to them are erased, and the rounds' stored problems keep only a
    # placeholder of them (matching.erasure).
    (specialist_events.specialist_withdrawing, matching.on_specialist_withdrawn),
    (specialist_events.specialist_withdrawing, round_erasure.forget_in_rounds),
    (specialist_events.specialist_withdrawing, dispatches.cancel_for_withdrawing_specialist),
    (specialist_events.specialist_withdrawing, dispatches.forget_withdrawing_words),
    (specialist_events.specialist_withdrawing, notifications.forget_withdrawing_specialist),
    (specialist_events.specialist_withdrawing, consultations.forget_withdrawing_specialist),
    (specialist_events.specialist_withdrawing, library_notes.forget_withdrawing_specialist),
    (specialist_events.specialist_withdrawing, training.cancel_for_withdrawing_specialist),
    # May a city see a person's name? Yes once a dispatch there is agreed.
    (specialist_events.agreed_dispatch, dispatch_answers.is_dispatch_agreed),
    # A pairing approved: the specialist gets an offer with a deadline.
    (matching_events.proposal_approved, dispatches.offer_for_approved_proposal),
    # A round asks what holds slots outside proposals, and where people served before.
    (matching_events.pins_wanted, dispatch_answers.dispatch_pins),
    (matching_events.previous_cities_wanted, dispatches.previous_cities),
    # Before a ring is approved: an officer approved for an overlapping dispatch refuses it.
    (ring_events.ring_approving, matching.refuse_ring_with_held_dispatch),
    # When the last city confirms a ring: one dispatch per leg.
    (ring_events.ring_agreed, dispatch_rings.dispatches_for_agreed_ring),
    # ... then each leg's terms (version 1, legal form: exchange); an accepted offer's dispatch gets its
    # terms version 1 too (252-17 secondment for a serving officer, appointment for a retiree).
    (ring_events.ring_agreed, agreement_terms.terms_for_agreed_ring),
    (dispatch_events.dispatch_agreed, agreement_terms.terms_for_agreed_dispatch),
    # A dispatch lengthened after agreement: its terms get the next version (an amendment to confirm).
    (dispatch_events.dispatch_extended, agreement_terms.terms_for_extended_dispatch),
    # How many profiles use a vocabulary term (the coordinator's vocabulary lists).
    (vocabulary_events.term_usage_wanted, term_usage.profiles_using_terms),
    # Someone asked for a forgotten-password link, or an account was locked: its owner is e-mailed the link.
    (account_events.password_reset_requested, account_mail.send_password_reset),
    (account_events.account_locked, account_mail.send_unlock_link),
    # A person's profile pages show the sessions they attended (training record).
    (profile_sections.profile_sections_wanted, training_records.profile_section),
    # The candidate search for a disaster-recovery request leaves out people without the recent training
    # the profession requires (the rounds' hard rule ``training``).
    (specialist_events.candidate_requirements_wanted, training_readiness.candidate_requirement),
)


# The modules whose ``@scheduled_job`` functions the scheduler runs: importing them registers the jobs
# (core.jobs.JOBS), here, once, for every app and the ``flask scheduler`` process alike.
JOB_MODULES = (account_jobs, dispatch_jobs, exchange_jobs, matching_jobs, notification_jobs, request_jobs,
               specialist_jobs)
JOB_MODULES = JOB_MODULES + (library_jobs,)
JOB_MODULES = JOB_MODULES + (training_jobs,)
JOB_MODULES = JOB_MODULES + (consultation_jobs,)


def connect_subscribers() -> None:
    """Connect every subscriber to its event (strong references: they live as long as the process)."""
    for signal, subscriber in SUBSCRIPTIONS:
        signal.connect(subscriber, weak=False)
