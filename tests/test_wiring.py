"""Who reacts to what: each domain event has exactly the subscribers the wiring lists, once the app exists."""
from __future__ import annotations

from talentbank import wiring
from talentbank.accounts import events as account_events
from talentbank.dispatches import events as dispatch_events
from talentbank.exchange.rings import events as ring_events
from talentbank.matching import events as matching_events
from talentbank.requests import events as request_events
from talentbank.specialists import events as specialist_events
from talentbank.specialists import sections as profile_sections
from talentbank.vocabulary import events as vocabulary_events

# Event -> the qualified names of its subscribers. A connection dropped from (or added to) the wiring
# fails here, not in production.
EXPECTED = {
    request_events.request_frozen: {"talentbank.matching.decisions.has_live_proposals"},
    request_events.request_opened: {"talentbank.matching.schedule.schedule_fast_track"},
    request_events.request_withdrawing: {"talentbank.matching.decisions.on_request_withdrawn",
                                         "talentbank.dispatches.services.cancel_for_withdrawn_request"},
    specialist_events.specialist_withdrawing: {
        "talentbank.matching.decisions.on_specialist_withdrawn",
        "talentbank.matching.erasure.forget_in_rounds",
        "talentbank.dispatches.services.cancel_for_withdrawing_specialist",
        "talentbank.dispatches.services.forget_withdrawing_words",
        "talentbank.notifications.services.forget_withdrawing_specialist",
        "talentbank.consultations.services.forget_withdrawing_specialist",
        "talentbank.library.notes.forget_withdrawing_specialist",
        "talentbank.training.services.cancel_for_withdrawing_specialist"},
    specialist_events.agreed_dispatch: {"talentbank.dispatches.answers.is_dispatch_agreed"},
    matching_events.proposal_approved: {"talentbank.dispatches.services.offer_for_approved_proposal"},
    matching_events.pins_wanted: {"talentbank.dispatches.answers.dispatch_pins"},
    matching_events.previous_cities_wanted: {"talentbank.dispatches.services.previous_cities"},
    ring_events.ring_approving: {"talentbank.matching.decisions.refuse_ring_with_held_dispatch"},
    ring_events.ring_agreed: {"talentbank.dispatches.cycles.dispatches_for_agreed_ring",
                              "talentbank.agreements.terms.terms_for_agreed_ring"},
    dispatch_events.dispatch_agreed: {"talentbank.agreements.terms.terms_for_agreed_dispatch"},
    dispatch_events.dispatch_extended: {"talentbank.agreements.terms.terms_for_extended_dispatch"},
    vocabulary_events.term_usage_wanted: {"talentbank.specialists.term_usage.profiles_using_terms"},
    account_events.password_reset_requested: {"talentbank.notifications.account_mail.send_password_reset"},
    account_events.account_locked: {"talentbank.notifications.account_mail.send_unlock_link"},
    profile_sections.profile_sections_wanted: {"talentbank.training.records.profile_section"},
    specialist_events.candidate_requirements_wanted: {"talentbank.training.readiness.candidate_requirement"},
}


def _connected(signal) -> set[str]:
    return {f"{r.__module__}.{r.__qualname__}" for r in signal.receivers.values()}


def test_every_event_has_its_subscribers(app):
    for signal, subscribers in EXPECTED.items():
        assert _connected(signal) == subscribers, signal.name


def test_the_wiring_lists_every_declared_event():
    declared = {signal for signal, _subscriber in wiring.SUBSCRIPTIONS}
    assert declared == set(EXPECTED)


def test_connecting_twice_connects_once(app):
    wiring.connect_subscribers()
    wiring.connect_subscribers()
    for signal, subscribers in EXPECTED.items():
        assert len(signal.receivers) == len(subscribers)



def test_every_jobs_module_is_listed_and_every_job_comes_from_one(app):
    from pathlib import Path

    import talentbank
    from talentbank.core.jobs import load_jobs

    root = Path(talentbank.__file__).parent
    on_disk = {f"talentbank.{path.parent.name}.jobs" for path in root.glob("*/jobs.py")} - {"talentbank.core.jobs"}
    listed = {module.__name__ for module in wiring.JOB_MODULES}
    assert listed == on_disk
    assert {spec.func.__module__ for spec in load_jobs().values()} <= listed
