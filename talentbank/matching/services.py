"""The matching domain's services in one place to import from: rule sets, rounds and decisions.

Each lives in its own module (``rule_sets``, ``rounds``, ``decisions``); this module only gathers
their public functions so views, commands and other domains have one name to call.
"""
from __future__ import annotations

from .decisions import (  # noqa: F401  (the public API)
    BulkOutcome,
    approve_cycle,
    approve_proposal,
    approve_proposals,
    has_live_proposals,
    mark_offered,
    on_request_withdrawn,
    on_specialist_withdrawn,
    record_acceptance,
    record_decline,
    record_lapse,
    refuse_ring_with_held_dispatch,
    reject_cycle,
    reject_proposal,
    reject_proposals,
)
from .rounds import (  # noqa: F401
    active_round,
    queue_round,
    resolve,
    run_round_now,
    start_round,
    what_if,
)
from .rule_sets import (  # noqa: F401
    RuleSetValues,
    city_ranking,
    current_rule_set,
    ensure_rule_set,
    get_rule_set,
    list_rule_sets,
    publish_rule_set,
    save_rule_set,
    validate_rule_set,
)
