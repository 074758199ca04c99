"""Reading a round for people: the review screen, a city's own view, the what-if comparison.

One query per table, whatever the number of proposals (the review of 2,000 proposals must open in
under a second: ``scripts/bench_review_screen.py``); the all-cities review shows the cities a page at a
time (about ``MATCHING_REVIEW_PAGE_ROWS`` rows a page), with every city's counts on each page. What the
pages read of the solver's answer is the round's small digest (digest.py), never the stored problem or
result (only the what-if comparison reads those); the candidate cards come from specialists/cards.py,
the words of the rows from labels.py.
"""
from __future__ import annotations

import re
import unicodedata
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from ..cities.models import City
from ..core import clock, permissions
from ..core.errors import N_, UserError
from ..core.bounds import has_control_characters, parse_int
from ..core.pagination import paginate
from ..core.query_args import TEXT_ARG_MAX
from ..exchange.models import LIVE_STATUSES as OFFER_LIVE
from ..exchange.models import ExchangeOffer
from ..exchange.rings.models import ExchangeCycle
from ..extensions import db
from ..requests.models import LIVE_STATUSES as REQUEST_LIVE
from ..requests.models import StaffingRequest
from ..specialists.cards import candidate_cards
from ..specialists.models import Specialist, SpecialistStatus
from ..vocabulary.models import Licence, Profession
from .models import (
    HOLDING_PROPOSAL_STATUSES,
    REVIEWABLE_KINDS,
    ROUND_KIND_LABELS,
    ROUND_PHASE_LABELS,
    ROUND_STATUS_LABELS,
    ForbiddenPair,
    PROPOSAL_STATUSES,
    MatchingRound,
    Proposal,
    RuleSetVersion,
    UnfilledSlot,
)
from .cache import parsed
from ..scheduler.services import scheduler_state
from .digest import review_digest
from .runner import fail_stale_rounds
from .drawing import ring_geometry
from .labels import card_summaries, score_parts_text
from .reasons import ReasonContext, ReasonText, describe_unfilled, describe_unmatched_offer
from .text import current_locale, translator


def get_round(actor: Any, round_id: int) -> MatchingRound:
    """A round for the coordinating city's screens."""
    permissions.check(actor, "round.review")
    rnd = db.session.scalar(select(MatchingRound).where(MatchingRound.id == round_id)
                            .options(joinedload(MatchingRound.rule_set_version), joinedload(MatchingRound.started_by)))
    if rnd is None:
        raise UserError("マッチングが見つかりません。")
    return rnd


@dataclass(frozen=True)
class RoundListRow:
    round: MatchingRound
    counts: dict[str, int]


def list_rounds(actor: Any, page: int, per_page: int) -> Pagination:
    """A page of rounds (``RoundListRow``) newest first with their decision counts (one grouped query)."""
    permissions.check(actor, "round.review")
    # Paged by id (the count then never names the stored problem and result), then the page's rounds with
    # their small columns only: a few milliseconds whatever the number and size of the stored rounds.
    found = paginate(select(MatchingRound.id).order_by(MatchingRound.id.desc()), page, per_page)
    ids = list(found.items)
    rounds = list(db.session.scalars(
        select(MatchingRound).where(MatchingRound.id.in_(ids))
        .options(joinedload(MatchingRound.rule_set_version), joinedload(MatchingRound.started_by))
        .order_by(MatchingRound.id.desc()))) if ids else []
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if rounds:
        for round_id, status, n in db.session.execute(
                select(Proposal.round_id, Proposal.status, func.count())
                .where(Proposal.round_id.in_([r.id for r in rounds])).group_by(Proposal.round_id, Proposal.status)):
            counts[round_id][status] = n
    found.items = [RoundListRow(r, counts.get(r.id, {})) for r in rounds]
    return found


def status_of(actor: Any, round_id: int) -> dict[str, Any]:
    """The progress of a round for the polling page: status, phase, elapsed seconds; for a queued round,
    whether the scheduler process that will start it is running (the page says so plainly when not).

    Reads the round's small columns only (the stored problem and result are deferred). A round whose
    process has died is failed here too, so the page never shows it running forever."""
    permissions.check(actor, "round.review")
    if db.session.scalar(select(MatchingRound.status).where(MatchingRound.id == round_id)) in ("queued", "running"):
        fail_stale_rounds()
    rnd = get_round(actor, round_id)
    begun = rnd.started_at or rnd.created_at
    end = rnd.finished_at or clock.utcnow()
    summary = (rnd.stats or {}).get("summary", {})
    data = {
        "id": rnd.id, "kind": rnd.kind, "kind_label": _(ROUND_KIND_LABELS[rnd.kind]),
        "status": rnd.status, "status_label": _(ROUND_STATUS_LABELS[rnd.status]),
        "phase": rnd.phase, "phase_label": _(ROUND_PHASE_LABELS[rnd.phase]) if rnd.phase else "",
        "elapsed_seconds": round(max(0.0, (end - begun).total_seconds()), 1),
        "is_finished": rnd.is_finished, "solver_status": rnd.solver_status,
        "error_kind": (rnd.stats or {}).get("error_kind"),
        "summary": summary,
    }
    if rnd.status == "queued":
        alive = scheduler_state().is_alive
        data["scheduler_running"] = alive
        data["phase_label"] = (_("スケジューラーが数秒以内に計算を始めます。") if alive else
                               _("スケジューラーが停止しているため、このマッチングは始まりません。"
                                 "管理者にスケジューラー（flask scheduler）の起動を依頼してください。"))
    return data


# ----------------------------------------------------------------------------- the review screen


@dataclass
class ProposalRow:
    proposal: Proposal
    card: Any  # CardSummary in lists, the registry's CandidateCard on a request's own page
    parts: str = ""  # the score parts in SCORE_PARTS order, "(12・2・17・0・0)", under the list's legend
    change: str = ""  # since the previous round: "new" pairing, another "person", or "" (unchanged or no round)


@dataclass
class KeptRow:
    """A pairing approved earlier that this round kept as it was (pinned)."""

    specialist_id: int
    card: Any
    proposal: Proposal | None  # None: held by a dispatch, not by a proposal
    score: dict[str, Any]


@dataclass
class RequestGroup:
    request: StaffingRequest
    priority_position: int | None
    priority: dict[str, Any]
    proposals: list[ProposalRow] = field(default_factory=list)
    kept: list[KeptRow] = field(default_factory=list)
    unfilled: UnfilledSlot | None = None
    reason: ReasonText | None = None
    before: list[str] = field(default_factory=list)  # who the previous round proposed, when it was someone else
    is_newly_empty: bool = False  # more empty slots than in the previous round


@dataclass
class CityGroup:
    city: City
    requests: list[RequestGroup] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass
class CycleView:
    cycle: ExchangeCycle
    steps: list[dict[str, Any]]  # [{offer, from_city, to_city, card}]
    geometry: list[dict[str, Any]] = field(default_factory=list)
    is_kept: bool = False  # approved or agreed in an earlier round and kept by this one


@dataclass
class RoundReview:
    round: MatchingRound
    cities: list[CityGroup]
    all_cities: list[City]
    cycles: list[CycleView]
    priority_total: int
    counts: dict[str, int]
    selected_city_id: int | None
    rule_sets: list[RuleSetVersion] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Two-way exchange offers in no ring of this round, and why: [(offer id, city name, sentence)].
    unmatched_offers: list[tuple[int, str, str]] = field(default_factory=list)
    # Every city's counts (``CityGroup`` without requests), whichever cities this page shows.
    summary: list[CityGroup] = field(default_factory=list)
    # The all-cities review a few cities at a time: the page shown and the cities on each page.
    page: int = 1
    pages: list[list[City]] = field(default_factory=list)
    filters: ReviewFilters | None = None
    found: int | None = None  # proposals the filters kept (None: no filter)
    changes: Changes | None = None


def _in_chunks(ids: list[int], size: int = 2000) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


@dataclass(frozen=True)
class RequestSummary:
    """What the review list shows of a request, read as a plain row (the full request is one click away)."""

    id: int
    city_id: int
    department: str
    section: str
    profession: Any  # the Profession term (names in both languages)
    people: int
    days_per_week: int
    start_date: Any
    end_date: Any
    urgency: str
    work_mode: str


def _request_summaries(request_ids: set[int], sources: tuple[Any, ...] = ()) -> dict[int, RequestSummary]:
    if not request_ids and not sources:
        return {}
    professions = {p.id: p for p in db.session.scalars(select(Profession))}
    t = StaffingRequest.__table__.c
    summaries = {}
    conditions = ([or_(*(t.id.in_(source) for source in sources), t.id.in_(sorted(request_ids)))] if sources
                  else [t.id.in_(chunk) for chunk in _in_chunks(sorted(request_ids))])
    for condition in conditions:
        for row in db.session.execute(select(
                t.id, t.city_id, t.department, t.section, t.profession_id, t.people, t.days_per_week, t.start_date,
                t.end_date, t.urgency, t.work_mode).where(condition)):
            summaries[row.id] = RequestSummary(row.id, row.city_id, row.department, row.section,
                                               professions[row.profession_id], row.people, row.days_per_week,
                                               row.start_date, row.end_date, row.urgency, row.work_mode)
    return summaries


def _proposal_rows(*conditions: Any) -> list[Any]:
    """Proposals as plain rows (attribute access like the model, without an object per row)."""
    return list(db.session.execute(select(*Proposal.__table__.c).where(*conditions)))


def _requests(request_ids: set[int]) -> dict[int, StaffingRequest]:
    if not request_ids:
        return {}
    return {r.id: r for r in db.session.scalars(
        select(StaffingRequest).where(StaffingRequest.id.in_(sorted(request_ids)))
        .options(joinedload(StaffingRequest.profession), joinedload(StaffingRequest.city),
                 selectinload(StaffingRequest.required_licences)))}


def reason_context(rnd: MatchingRound, cities: list[City]) -> ReasonContext:
    """Names for the reasons of one round: city names, licence names, each request's urgency."""
    result = review_digest(rnd)
    locale = current_locale()
    return ReasonContext(
        city_names={c.code: c.display_name(locale) for c in cities},
        licence_names={t.code: t.display_name(locale) for t in db.session.scalars(select(Licence))},
        request_urgency={str(p["request"]): p.get("urgency") for p in result.get("priority_order", [])},
        t=translator(locale))


def _unmatched_offers(rnd: MatchingRound, cities: list[City], city_id: int | None) -> list[tuple[int, str, str]]:
    ctx = reason_context(rnd, cities)
    code_of = {c.id: c.code for c in cities}
    rows = []
    for entry in review_digest(rnd).get("unmatched_offers", []):
        code = str(entry.get("city", ""))
        if city_id is not None and code != code_of.get(city_id):
            continue
        rows.append((int(entry["offer"]), ctx.city_names.get(code, code), describe_unmatched_offer(entry.get("reason", {}), ctx)))
    return rows


def _priority_info(result: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(p["request"]): p for p in result.get("priority_order", [])}


def _snapshot_licences(rnd: MatchingRound) -> dict[int, list[str]]:
    """Required licences of each request left with empty slots, as the round saw them (a request may change
    afterwards)."""
    return {int(k): list(v) for k, v in review_digest(rnd).get("licences", {}).items()}


def _build_groups(rnd: MatchingRound, proposals: list[Proposal], unfilled: list[UnfilledSlot],
                  kept_pairs: list[dict[str, Any]], viewer_city_id: int | None,
                  cities: list[City], *, city_ids: list[int] | None = None,
                  full_cards: bool = False, exact: bool = False) -> list[CityGroup]:
    """Group a round's rows by city and request. ``full_cards``: the registry's cards (a few rows); otherwise
    summaries read with subqueries on the round (``city_ids`` narrows them), however many rows there are;
    ``exact``: summaries of exactly the rows given (a filtered review shows a few rows of many cities)."""
    priority = _priority_info(review_digest(rnd))
    kept_specialists = {int(a["specialist"]) for a in kept_pairs}
    kept_requests = {int(a["request"]) for a in kept_pairs}
    requests: dict[int, Any]
    if full_cards:
        requests = _requests({p.request_id for p in proposals} | {u.request_id for u in unfilled} | kept_requests)
        cards = candidate_cards({p.specialist_id for p in proposals} | kept_specialists, viewer_city_id)
    elif exact:
        requests = _request_summaries({p.request_id for p in proposals} | {u.request_id for u in unfilled}
                                      | kept_requests)
        cards = card_summaries(candidate_cards({p.specialist_id for p in proposals} | kept_specialists,
                                               viewer_city_id))
    else:
        in_proposals = [Proposal.round_id == rnd.id] + ([Proposal.city_id.in_(city_ids)] if city_ids is not None
                                                        else [])
        in_unfilled = [UnfilledSlot.round_id == rnd.id] + ([UnfilledSlot.city_id.in_(city_ids)]
                                                          if city_ids is not None else [])
        requests = _request_summaries(kept_requests, (select(Proposal.request_id).where(*in_proposals),
                                                      select(UnfilledSlot.request_id).where(*in_unfilled)))
        cards = card_summaries(candidate_cards(kept_specialists, viewer_city_id,
                                               select(Proposal.specialist_id).where(*in_proposals)))
    holding: dict[tuple[int, int], Proposal] = {}
    if kept_pairs:
        for proposal in db.session.scalars(select(Proposal).where(
                Proposal.specialist_id.in_(sorted(kept_specialists)), Proposal.status.in_(HOLDING_PROPOSAL_STATUSES))
                .order_by(Proposal.id)):
            holding[(proposal.specialist_id, proposal.request_id)] = proposal

    groups: dict[int, RequestGroup] = {}

    def group(request_id: int) -> RequestGroup:
        if request_id not in groups:
            info = priority.get(request_id, {})
            groups[request_id] = RequestGroup(requests[request_id], info.get("position"), info)
        return groups[request_id]

    dot = translator()(N_("・"))
    for p in proposals:
        group(p.request_id).proposals.append(ProposalRow(p, cards.get(p.specialist_id), score_parts_text(p.score, dot)))
    for a in kept_pairs:
        pair = (int(a["specialist"]), int(a["request"]))
        group(pair[1]).kept.append(KeptRow(pair[0], cards.get(pair[0]), holding.get(pair), a.get("score", {})))
    if unfilled:
        ctx = reason_context(rnd, cities)
        locale = current_locale()
        licences = _snapshot_licences(rnd)
        for u in unfilled:
            g = group(u.request_id)
            g.unfilled = u
            g.reason = describe_unfilled(u.reason, g.request.profession.display_name(locale),
                                         licences.get(u.request_id, [lic.code for lic in
                                                                     getattr(g.request, "required_licences", [])]),
                                         ctx)
    by_city: dict[int, CityGroup] = {}
    city_by_id = {c.id: c for c in cities}
    for g in sorted(groups.values(), key=lambda g: (g.priority_position if g.priority_position is not None
                                                    else 10 ** 9, g.request.id)):
        g.proposals.sort(key=lambda row: (-int(row.proposal.score.get("total", 0)), row.proposal.specialist_id))
        cg = by_city.setdefault(g.request.city_id, CityGroup(city_by_id[g.request.city_id]))
        cg.requests.append(g)
        cg.counts["requests"] += 1
        cg.counts["proposals"] += len(g.proposals)
        cg.counts["pending"] += sum(1 for row in g.proposals if row.proposal.status == "proposed")
        cg.counts["approved"] += sum(1 for row in g.proposals if row.proposal.status in HOLDING_PROPOSAL_STATUSES)
        cg.counts["kept"] += len(g.kept)
        cg.counts["unfilled"] += g.unfilled.slots if g.unfilled else 0
    return [by_city[c.id] for c in cities if c.id in by_city]


def _cycle_views(rnd: MatchingRound, cities: list[City], viewer_city_id: int | None,
                 only_city_id: int | None = None) -> list[CycleView]:
    # The round's own rings, then the approved or agreed rings of earlier rounds it kept (their officers
    # were away for this round).
    kept = [int(i) for i in (rnd.stats or {}).get("kept_rings", [])]
    cycles = list(db.session.scalars(select(ExchangeCycle).where(
        (ExchangeCycle.round_id == rnd.id) | ExchangeCycle.id.in_(kept))
        .options(selectinload(ExchangeCycle.confirmations))
        .order_by((ExchangeCycle.round_id == rnd.id).desc(), ExchangeCycle.round_id, ExchangeCycle.position)))
    if only_city_id is not None:
        cycles = [c for c in cycles if only_city_id in c.cities]
    if not cycles:
        return []
    offer_ids = {int(o) for c in cycles for o in c.offers}
    offers = {o.id: o for o in db.session.scalars(select(ExchangeOffer).where(ExchangeOffer.id.in_(sorted(offer_ids)))
                                                  .options(joinedload(ExchangeOffer.wants_profession)))}
    cards = candidate_cards({o.officer_id for o in offers.values()}, viewer_city_id)
    city_by_id = {c.id: c for c in cities}
    views = []
    for cycle in cycles:
        steps = []
        n = len(cycle.offers)
        for i, offer_id in enumerate(cycle.offers):
            offer = offers.get(int(offer_id))
            steps.append({"offer": offer, "from_city": city_by_id.get(cycle.cities[i]),
                          "to_city": city_by_id.get(cycle.cities[(i + 1) % n]),
                          "card": cards.get(offer.officer_id) if offer else None})
        views.append(CycleView(cycle, steps, ring_geometry(n), is_kept=cycle.round_id != rnd.id))
    return views


def _kept_pairs(rnd: MatchingRound) -> list[dict[str, Any]]:
    return list(review_digest(rnd).get("kept", []))


def _request_cities(request_ids: set[int]) -> dict[int, int]:
    if not request_ids:
        return {}
    return dict(db.session.execute(select(StaffingRequest.id, StaffingRequest.city_id).where(
        StaffingRequest.id.in_(sorted(request_ids)))).all())


def _city_summary(rnd: MatchingRound, cities: list[City], kept: list[dict[str, Any]],
                  kept_city: dict[int, int]) -> list[CityGroup]:
    """Each city's counts for the whole round (grouped queries; no proposal row is read)."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    requests: dict[int, set[int]] = defaultdict(set)
    for city_id, status, n in db.session.execute(
            select(Proposal.city_id, Proposal.status, func.count()).where(Proposal.round_id == rnd.id)
            .group_by(Proposal.city_id, Proposal.status)):
        counts[city_id]["proposals"] += n
        counts[city_id]["pending"] += n if status == "proposed" else 0
        counts[city_id]["approved"] += n if status in HOLDING_PROPOSAL_STATUSES else 0
    for city_id, request_id in db.session.execute(
            select(Proposal.city_id, Proposal.request_id).where(Proposal.round_id == rnd.id).distinct()):
        requests[city_id].add(request_id)
    for city_id, request_id, slots in db.session.execute(
            select(UnfilledSlot.city_id, UnfilledSlot.request_id, UnfilledSlot.slots)
            .where(UnfilledSlot.round_id == rnd.id)):
        requests[city_id].add(request_id)
        counts[city_id]["unfilled"] += slots
        counts[city_id]["unfilled_requests"] += 1
    for a in kept:
        city_id = kept_city.get(int(a["request"]))
        if city_id is not None:
            requests[city_id].add(int(a["request"]))
            counts[city_id]["kept"] += 1
    summary = []
    for city in cities:
        if city.id in requests:
            group = CityGroup(city)
            group.counts.update(counts[city.id])
            group.counts["requests"] = len(requests[city.id])
            summary.append(group)
    return summary


def _split_pages(summary: list[CityGroup], rows_per_page: int,
                 weights: dict[int, int] | None = None) -> list[list[City]]:
    """Consecutive cities, as many per page as fit in ``rows_per_page`` rows (at least one city a page).
    ``weights``: the rows each city shows when filtered (cities with none are left out)."""
    pages: list[list[City]] = []
    rows = 0
    for group in summary:
        if weights is not None:
            weight = weights.get(group.city.id, 0)
            if not weight:
                continue
        else:
            weight = group.counts["proposals"] + group.counts["kept"] + group.counts["unfilled_requests"]
        if pages and rows + weight <= rows_per_page:
            pages[-1].append(group.city)
            rows += weight
        else:
            pages.append([group.city])
            rows = weight
    return pages


def review_round(actor: Any, round_id: int, city_id: int | None = None, page: int | None = None,
                 filters: ReviewFilters | None = None) -> RoundReview:
    """Everything the coordinating city needs to decide on a round, grouped by city and request.

    ``city_id``: that city only. ``page``: the all-cities review a few cities at a time (``None``: every
    city at once, for the exports). ``filters``: only the rows they keep, paged the same way."""
    rnd = get_round(actor, round_id)
    if rnd.status != "succeeded" or rnd.kind not in REVIEWABLE_KINDS:
        raise UserError("このマッチングの結果は審査できません（試算、計算中または失敗）。")
    filters = filters or ReviewFilters()
    cities = list(db.session.scalars(select(City).order_by(City.code)))
    kept = _kept_pairs(rnd)
    kept_city = _request_cities({int(a["request"]) for a in kept})
    summary = _city_summary(rnd, cities, kept, kept_city)
    changes = round_changes(rnd)
    rows_per_page = int(current_app.config.get("MATCHING_REVIEW_PAGE_ROWS", 400))
    pages: list[list[City]] = []
    found: FilteredRows | None = None
    shown: list[int] | None = None
    if filters.is_active:
        found = _filtered_rows(rnd, filters, city_id, kept, kept_city, changes)
    if city_id is not None:
        shown = [city_id]
    elif page is not None:
        pages = _split_pages(summary, rows_per_page, found.weights if found else None)
        page = min(max(page, 1), max(len(pages), 1))
        shown = [c.id for c in pages[page - 1]] if pages else []
    unfilled_query = select(UnfilledSlot).where(UnfilledSlot.round_id == rnd.id)
    if found is not None:
        ids = sorted(i for i, c in found.proposal_city.items() if shown is None or c in shown)
        proposals = [row for chunk in _in_chunks(ids) for row in _proposal_rows(Proposal.id.in_(chunk))]
        unfilled_query = unfilled_query.where(UnfilledSlot.request_id.in_(sorted(found.unfilled_request_ids)))
        kept = found.kept
    elif shown is not None:
        proposals = _proposal_rows(Proposal.round_id == rnd.id, Proposal.city_id.in_(shown))
    else:
        proposals = _proposal_rows(Proposal.round_id == rnd.id)
    if shown is not None:
        unfilled_query = unfilled_query.where(UnfilledSlot.city_id.in_(shown))
        kept = [a for a in kept if kept_city.get(int(a["request"])) in shown]
    unfilled = list(db.session.scalars(unfilled_query))
    groups = _build_groups(rnd, proposals, unfilled, kept, None, cities, city_ids=shown, exact=found is not None)
    if changes.previous is not None:
        for cg in groups:
            for g in cg.requests:
                g.before = changes.before.get(g.request.id, [])
                g.is_newly_empty = g.request.id in changes.newly_empty
                for row in g.proposals:
                    row.change = changes.of(g.request.id, row.proposal.specialist_id)
    counts: dict[str, int] = defaultdict(int)
    for status, n in db.session.execute(select(Proposal.status, func.count()).where(Proposal.round_id == rnd.id)
                                        .group_by(Proposal.status)):
        counts[status] = n
    counts["unfilled"] = db.session.scalar(select(func.coalesce(func.sum(UnfilledSlot.slots), 0))
                                           .where(UnfilledSlot.round_id == rnd.id)) or 0
    digest = review_digest(rnd)
    rule_sets = list(db.session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.version.desc())))
    return RoundReview(rnd, groups, cities, _cycle_views(rnd, cities, None, city_id),
                       len(digest.get("priority_order", [])), dict(counts), city_id, rule_sets,
                       list(digest.get("warnings", [])), _unmatched_offers(rnd, cities, city_id),
                       summary, page or 1, pages, filters, found.total if found else None, changes)


def review_request(actor: Any, round_id: int, request_id: int) -> tuple[RoundReview, RequestGroup | None]:
    """One request of a round: its proposals, kept pairings and empty slots with reasons."""
    rnd = get_round(actor, round_id)
    if rnd.status != "succeeded" or rnd.kind not in REVIEWABLE_KINDS:
        raise UserError("このマッチングの結果は審査できません（試算、計算中または失敗）。")
    if db.session.get(StaffingRequest, request_id) is None:
        raise UserError("派遣要請が見つかりません。")
    cities = list(db.session.scalars(select(City).order_by(City.code)))
    proposals = list(db.session.scalars(select(Proposal).where(Proposal.round_id == rnd.id,
                                                               Proposal.request_id == request_id)))
    unfilled = list(db.session.scalars(select(UnfilledSlot).where(UnfilledSlot.round_id == rnd.id,
                                                                  UnfilledSlot.request_id == request_id)))
    kept = [a for a in _kept_pairs(rnd) if int(a["request"]) == request_id]
    groups = _build_groups(rnd, proposals, unfilled, kept, None, cities, full_cards=True)
    review = RoundReview(rnd, groups, cities, [], len(review_digest(rnd).get("priority_order", [])), {}, None)
    group = groups[0].requests[0] if groups else None
    return review, group


# ----------------------------------------------------------------------------- search and filters of the review

_SPECIALIST_REF = re.compile(r"(?i)^TB[-\s]?0*(\d{1,9})$")
_REQUEST_REF = re.compile(r"(?i)^(?:No\.?\s*|#)?0*(\d{1,9})$")


@dataclass(frozen=True)
class ReviewFilters:
    """What the coordinator narrowed the review to (all from the query string, already checked)."""

    q: str = ""
    profession: str = ""  # a profession code
    status: str = ""  # a proposal status
    is_changed_only: bool = False
    specialist_id: int | None = None  # read from q: a TB number
    request_id: int | None = None  # read from q: a request number
    city_ids: tuple[int, ...] = ()  # read from q: the cities whose name holds it
    # A proposal just decided from this filtered page: still shown where it was, though its new status may
    # no longer match (the page comes back to it without JavaScript: ``#proposal-<id>``).
    decided: int | None = None

    @property
    def is_active(self) -> bool:
        return bool(self.q or self.profession or self.status or self.is_changed_only)

    def query_args(self) -> dict[str, str]:
        """The filters as query-string arguments (for links that keep them)."""
        args = {"q": self.q, "profession": self.profession, "status": self.status,
                "changed": "1" if self.is_changed_only else ""}
        return {k: v for k, v in args.items() if v}


def parse_filters(args: Any, cities: list[City], profession_codes: set[str]) -> tuple[ReviewFilters, list[str]]:
    """The review's filters from ``args`` (a MultiDict). A value that is not one the screen offers is dropped
    with a message saying so (translated), never an error page."""
    errors: list[str] = []
    q = unicodedata.normalize("NFKC", str(args.get("q", ""))).strip()
    if len(q) > TEXT_ARG_MAX or has_control_characters(q):
        errors.append(_("検索語は%(max)s文字以内で、改行や制御文字を含めずに入力してください。", max=TEXT_ARG_MAX))
        q = ""
    specialist_id = request_id = None
    city_ids: tuple[int, ...] = ()
    if q:
        if match := _SPECIALIST_REF.match(q):
            specialist_id = int(match.group(1))
        elif match := _REQUEST_REF.match(q):
            request_id = int(match.group(1))
        else:
            folded = q.casefold()
            city_ids = tuple(c.id for c in cities if folded in c.name_ja.casefold() or folded in c.name_en.casefold()
                             or folded == c.code)
            if not city_ids:
                errors.append(_("「%(q)s」は参照番号（TB-000319 のような候補者番号、派遣要請の番号）にも市の名前にも"
                                "当てはまりません。", q=q))
                q = ""
    profession = str(args.get("profession", ""))
    if profession and profession not in profession_codes:
        errors.append(_("職種の選択肢が正しくありません。選び直してください。"))
        profession = ""
    status = str(args.get("status", ""))
    if status and status not in PROPOSAL_STATUSES:
        errors.append(_("状態の選択肢が正しくありません。選び直してください。"))
        status = ""
    changed = str(args.get("changed", ""))
    if changed not in ("", "1"):
        errors.append(_("「前回から変わったものだけ」の値が正しくありません。"))
        changed = ""
    decided = parse_int(str(args.get("decided", "")), 1) if args.get("decided") else None
    return ReviewFilters(q, profession, status, changed == "1", specialist_id, request_id, city_ids,
                         decided), errors


def previous_round(rnd: MatchingRound) -> MatchingRound | None:
    """The last completed round before ``rnd`` whose proposals people reviewed (what "changed" compares with)."""
    return db.session.scalar(select(MatchingRound).where(
        MatchingRound.id < rnd.id, MatchingRound.status == "succeeded", MatchingRound.kind.in_(REVIEWABLE_KINDS))
        .order_by(MatchingRound.id.desc()).limit(1))


@dataclass
class Changes:
    """How a round differs from the previous completed one, request by request."""

    previous: MatchingRound | None
    # (request id, specialist id) of this round -> "new" (nobody there before) or "person" (someone else before)
    pairs: dict[tuple[int, int], str] = field(default_factory=dict)
    before: dict[int, list[str]] = field(default_factory=dict)  # request id -> references held before
    newly_empty: set[int] = field(default_factory=set)  # requests with more empty slots than before

    def of(self, request_id: int, specialist_id: int) -> str:
        return self.pairs.get((request_id, specialist_id), "")


def _reference(specialist_id: int) -> str:
    return Specialist.reference.fget(SimpleNamespace(id=specialist_id))  # the registry's numbering, from the id


def _pairs_and_empty(rnd: MatchingRound) -> tuple[dict[int, set[int]], dict[int, int]]:
    """A round's answer, request by request: the specialists it proposed or kept, and its empty slots."""
    held: dict[int, set[int]] = defaultdict(set)
    for request_id, specialist_id in db.session.execute(
            select(Proposal.request_id, Proposal.specialist_id).where(Proposal.round_id == rnd.id)):
        held[request_id].add(specialist_id)
    for a in _kept_pairs(rnd):
        held[int(a["request"])].add(int(a["specialist"]))
    empty = dict(db.session.execute(select(UnfilledSlot.request_id, UnfilledSlot.slots)
                                    .where(UnfilledSlot.round_id == rnd.id)).all())
    return held, empty


_CHANGES: OrderedDict[tuple[Any, ...], Changes] = OrderedDict()
_CHANGES_KEPT = 8


def round_changes(rnd: MatchingRound) -> Changes:
    """What changed since the previous completed round: a new pairing (nobody was proposed for the request
    before), a changed person (someone else was), or a request newly left with empty slots.

    Two stored rounds' pairings and empty slots never change (only the proposals' statuses do), so the
    comparison is kept per pair of rounds in this process, like the rounds' digests."""
    prev = previous_round(rnd)
    if prev is None:
        return Changes(None)
    # The finish times tell apart two rounds that share an id (a database rebuilt while the process ran).
    key = (rnd.id, str(rnd.finished_at), rnd.input_fingerprint, prev.id, str(prev.finished_at), prev.input_fingerprint)
    if key in _CHANGES:
        _CHANGES.move_to_end(key)
        return replace(_CHANGES[key], previous=prev)
    changes = Changes(prev)
    before, empty_before = _pairs_and_empty(prev)
    empty = dict(db.session.execute(select(UnfilledSlot.request_id, UnfilledSlot.slots)
                                    .where(UnfilledSlot.round_id == rnd.id)).all())
    proposed = db.session.execute(select(Proposal.request_id, Proposal.specialist_id)
                                  .where(Proposal.round_id == rnd.id))
    for request_id, specialist_id in proposed:
        held = before.get(request_id)
        if not held:
            changes.pairs[(request_id, specialist_id)] = "new"
        elif specialist_id not in held:
            changes.pairs[(request_id, specialist_id)] = "person"
            changes.before[request_id] = [_reference(s) for s in sorted(held)]
    changes.newly_empty = {r for r, slots in empty.items() if slots > int(empty_before.get(r, 0))}
    _CHANGES[key] = changes
    while len(_CHANGES) > _CHANGES_KEPT:
        _CHANGES.popitem(last=False)
    return changes


@dataclass
class FilteredRows:
    proposal_city: dict[int, int]  # proposal id -> its city
    unfilled_request_ids: set[int]
    kept: list[dict[str, Any]]
    weights: dict[int, int]  # city id -> rows shown for it
    total: int  # proposals found


def _filtered_rows(rnd: MatchingRound, filters: ReviewFilters, city_id: int | None, kept: list[dict[str, Any]],
                   kept_city: dict[int, int], changes: Changes) -> FilteredRows:
    """The rows of the round that the filters keep: proposals, empty slots, kept pairings (ids only)."""
    profession_id = (db.session.scalar(select(Profession.id).where(Profession.code == filters.profession))
                     if filters.profession else None)
    conditions: list[Any] = []
    empty_query = select(UnfilledSlot.city_id, UnfilledSlot.request_id).where(UnfilledSlot.round_id == rnd.id)
    if city_id is not None:
        conditions.append(Proposal.city_id == city_id)
        empty_query = empty_query.where(UnfilledSlot.city_id == city_id)
    if filters.status:
        conditions.append(Proposal.status == filters.status)
    if profession_id is not None:
        of_profession = select(StaffingRequest.id).where(StaffingRequest.profession_id == profession_id)
        conditions.append(Proposal.request_id.in_(of_profession))
        empty_query = empty_query.where(UnfilledSlot.request_id.in_(of_profession))
    if filters.specialist_id is not None:
        conditions.append(Proposal.specialist_id == filters.specialist_id)
    if filters.request_id is not None:
        conditions.append(Proposal.request_id == filters.request_id)
        empty_query = empty_query.where(UnfilledSlot.request_id == filters.request_id)
    if filters.city_ids:
        conditions.append(Proposal.city_id.in_(filters.city_ids))
        empty_query = empty_query.where(UnfilledSlot.city_id.in_(filters.city_ids))
    matches = and_(true(), *conditions)
    query = select(Proposal.id, Proposal.city_id, Proposal.request_id, Proposal.specialist_id,
                   matches.label("matches")).where(Proposal.round_id == rnd.id)
    query = query.where(or_(matches, Proposal.id == filters.decided) if filters.decided else matches)
    weights: dict[int, int] = defaultdict(int)
    ids: dict[int, int] = {}
    total = 0
    for proposal_id, row_city, request_id, specialist_id, is_match in db.session.execute(query):
        is_match = bool(is_match) and (not filters.is_changed_only or bool(changes.of(request_id, specialist_id)))
        if not is_match and proposal_id != filters.decided:
            continue
        total += is_match
        ids[proposal_id] = row_city
        weights[row_city] += 1
    empty: set[int] = set()
    # Empty slots are no proposal: a status or a candidate asked for leaves them out.
    if not filters.status and filters.specialist_id is None:
        for row_city, request_id in db.session.execute(empty_query):
            if filters.is_changed_only and request_id not in changes.newly_empty:
                continue
            empty.add(request_id)
            weights[row_city] += 1
    shown_kept = []
    if not filters.status and not filters.is_changed_only and kept:
        professions = dict(db.session.execute(select(StaffingRequest.id, StaffingRequest.profession_id).where(
            StaffingRequest.id.in_(sorted({int(a["request"]) for a in kept})))).all())
        for a in kept:
            request_id, specialist_id = int(a["request"]), int(a["specialist"])
            row_city = kept_city.get(request_id)
            if ((city_id is not None and row_city != city_id)
                    or (profession_id is not None and professions.get(request_id) != profession_id)
                    or (filters.specialist_id is not None and specialist_id != filters.specialist_id)
                    or (filters.request_id is not None and request_id != filters.request_id)
                    or (filters.city_ids and row_city not in filters.city_ids)):
                continue
            shown_kept.append(a)
            weights[row_city] += 1
    return FilteredRows(ids, empty, shown_kept, dict(weights), total)


@dataclass(frozen=True)
class SelectedRow:
    proposal_id: int
    reference: str
    request_id: int
    city: City


@dataclass
class Selection:
    """Proposals chosen for a bulk decision, as the confirmation shows them: how many, which cities."""

    round: MatchingRound
    rows: list[SelectedRow]  # still waiting for a decision, in priority order
    by_city: list[tuple[City, int]]
    not_pending: int  # chosen but decided meanwhile (or not of this round): left out


def selection(actor: Any, round_id: int, proposal_ids: list[int]) -> Selection:
    """What a bulk decision on ``proposal_ids`` would touch (nothing is saved)."""
    rnd = get_round(actor, round_id)
    wanted = sorted(set(proposal_ids))
    cities = {c.id: c for c in db.session.scalars(select(City))}
    rows = []
    for chunk in _in_chunks(wanted):
        for proposal_id, request_id, specialist_id, city_id in db.session.execute(
                select(Proposal.id, Proposal.request_id, Proposal.specialist_id, Proposal.city_id)
                .where(Proposal.id.in_(chunk), Proposal.round_id == rnd.id, Proposal.status == "proposed")
                .order_by(Proposal.priority_position, Proposal.id)):
            rows.append(SelectedRow(proposal_id, _reference(specialist_id), request_id, cities[city_id]))
    per_city: dict[int, int] = defaultdict(int)
    for row in rows:
        per_city[row.city.id] += 1
    by_city = [(cities[c], n) for c, n in sorted(per_city.items(), key=lambda kv: cities[kv[0]].code)]
    return Selection(rnd, rows, by_city, len(wanted) - len(rows))


@dataclass(frozen=True)
class DecisionTarget:
    """What the reason page names: the proposal or ring, its round, and in words which one it is."""

    id: int
    round_id: int
    status: str
    title: str  # "TB-000319 → 派遣要請 No.12（逗子市）" or the ring's cities


def decision_target(actor: Any, proposal_id: int) -> DecisionTarget:
    """The proposal a reason is asked for."""
    permissions.check(actor, "round.review")
    row = db.session.execute(select(Proposal.id, Proposal.round_id, Proposal.status, Proposal.specialist_id,
                                    Proposal.request_id, Proposal.city_id).where(Proposal.id == proposal_id)).first()
    if row is None:
        raise UserError("提案が見つかりません。")
    city = db.session.get(City, row.city_id)
    return DecisionTarget(row.id, row.round_id, row.status, _(
        "%(ref)s → 派遣要請 No.%(request)s（%(city)s）", ref=_reference(row.specialist_id), request=row.request_id,
        city=city.display_name(current_locale()) if city else ""))


def ring_target(actor: Any, cycle_id: int) -> DecisionTarget:
    """The exchange ring a reason is asked for."""
    permissions.check(actor, "round.review")
    cycle = db.session.get(ExchangeCycle, cycle_id)
    if cycle is None:
        raise UserError("交流の輪が見つかりません。")
    return DecisionTarget(cycle.id, cycle.round_id, cycle.status, _("交流の輪：%(ring)s", ring=ring_label(cycle.cities)))


def ring_label(city_ids: list[int]) -> str:
    """逗子市 → 大和市 → 逗子市, in the reader's language."""
    locale = current_locale()
    names = {c.id: c.display_name(locale) for c in db.session.scalars(select(City).where(City.id.in_(city_ids)))}
    order = [names.get(i, "?") for i in city_ids]
    return " → ".join([*order, order[0]]) if order else ""


# ----------------------------------------------------------------------------- a city's own view


@dataclass
class CityView:
    city: City
    round: MatchingRound | None
    rounds: list[MatchingRound]
    group: CityGroup | None
    cycles: list[CycleView]
    priority_total: int


def city_results(actor: Any, city_id: int, round_id: int | None = None) -> CityView:
    """What a city's HR officer sees of a round: their requests, pseudonymised candidates, why slots are empty."""
    permissions.check(actor, "round.view_own_city", city_id)
    city = db.session.get(City, city_id)
    if city is None:
        raise UserError("市が見つかりません。")
    rounds = list(db.session.scalars(
        select(MatchingRound).where(MatchingRound.status == "succeeded", MatchingRound.kind.in_(REVIEWABLE_KINDS))
        .order_by(MatchingRound.id.desc()).limit(20)))
    rnd = None
    if round_id is not None:
        rnd = next((r for r in rounds if r.id == round_id), None) or db.session.get(MatchingRound, round_id)
        if rnd is None or not rnd.is_reviewable:
            raise UserError("マッチングが見つかりません。")
    elif rounds:
        rnd = rounds[0]
    if rnd is None:
        return CityView(city, None, rounds, None, [], 0)
    cities = list(db.session.scalars(select(City).order_by(City.code)))
    proposals = _proposal_rows(Proposal.round_id == rnd.id, Proposal.city_id == city_id)
    unfilled = list(db.session.scalars(select(UnfilledSlot).where(UnfilledSlot.round_id == rnd.id,
                                                                  UnfilledSlot.city_id == city_id)))
    kept = _kept_pairs(rnd)
    if kept:
        own = set(db.session.scalars(select(StaffingRequest.id).where(
            StaffingRequest.id.in_(sorted({int(a["request"]) for a in kept})), StaffingRequest.city_id == city_id)))
        kept = [a for a in kept if int(a["request"]) in own]
    groups = _build_groups(rnd, proposals, unfilled, kept, city_id, cities, city_ids=[city_id])
    return CityView(city, rnd, rounds, groups[0] if groups else None, _cycle_views(rnd, cities, city_id, city_id),
                    len(review_digest(rnd).get("priority_order", [])))


# ----------------------------------------------------------------------------- what-if comparison


@dataclass
class ComparisonRow:
    request: StaffingRequest
    base_refs: list[str]
    other_refs: list[str]
    gained: list[str]
    lost: list[str]
    base_position: int | None
    other_position: int | None
    base_empty: int
    other_empty: int


@dataclass
class Comparison:
    base: MatchingRound
    other: MatchingRound
    rows: list[ComparisonRow]  # only requests whose people change
    by_city: list[dict[str, Any]]
    unchanged_requests: int
    moved_slots: int


def _answer_of(rnd: MatchingRound) -> tuple[dict[int, set[int]], dict[int, int], dict[int, int], dict[str, Any]]:
    """Who holds each request's slots, the empty slots, the priority positions and the cities' need ranks of
    a round, from its digest and rows: a reviewable round's proposals and empty slots are rows, a what-if
    round's pairs are in its digest. Only a round stored before the digest had these reads its whole answer."""
    digest = review_digest(rnd)
    held: dict[int, set[int]] = defaultdict(set)
    if "pairs" in digest:
        for request_id, specialist_id in digest["pairs"]:
            held[int(request_id)].add(int(specialist_id))
        empty = {int(r): int(n) for r, n in digest["unfilled"].items()}
    elif "city_need_rank" in digest and rnd.kind in REVIEWABLE_KINDS:
        for request_id, specialist_id in db.session.execute(
                select(Proposal.request_id, Proposal.specialist_id).where(Proposal.round_id == rnd.id)):
            held[request_id].add(specialist_id)
        for a in digest.get("kept", []):
            held[int(a["request"])].add(int(a["specialist"]))
        empty = dict(db.session.execute(select(UnfilledSlot.request_id, UnfilledSlot.slots)
                                        .where(UnfilledSlot.round_id == rnd.id)).tuples().all())
    else:
        result = parsed(rnd, "result")
        digest = {"priority_order": result.get("priority_order", []),
                  "city_need_rank": result.get("city_need_rank", {})}
        for a in result.get("assignments", []):
            held[int(a["request"])].add(int(a["specialist"]))
        empty = {int(u["request"]): int(u["slots"]) for u in result.get("unfilled", [])}
    positions = {int(p["request"]): p["position"] for p in digest.get("priority_order", [])}
    return held, empty, positions, digest.get("city_need_rank", {})


def compare_rounds(actor: Any, round_id: int) -> Comparison:
    """Side by side: which slots would change hands under the what-if round's rule set."""
    other = get_round(actor, round_id)
    if other.kind != "what_if" or other.parent_round_id is None:
        raise UserError("比較できるのは試算（規則の比較）のマッチングだけです。")
    if other.status != "succeeded":
        raise UserError("試算はまだ完了していません。")
    base = get_round(actor, other.parent_round_id)
    base_held, base_empty, base_pos, base_rank = _answer_of(base)
    other_held, other_empty, other_pos, other_rank = _answer_of(other)
    request_ids = set(base_pos) | set(other_pos)
    changed = sorted(r for r in request_ids if base_held.get(r, set()) != other_held.get(r, set()))
    requests = _requests(set(changed) | request_ids)
    moved_people = {s for r in changed for s in base_held.get(r, set()) | other_held.get(r, set())}
    references = {s.id: s.reference for s in db.session.scalars(
        select(Specialist).where(Specialist.id.in_(sorted(moved_people))))} if moved_people else {}

    def refs(ids: set[int]) -> list[str]:
        return [references[s] for s in sorted(ids)]

    rows = []
    moved = 0
    for r in changed:
        b, o = base_held.get(r, set()), other_held.get(r, set())
        moved += len(o - b)
        rows.append(ComparisonRow(requests[r], refs(b), refs(o), refs(o - b), refs(b - o), base_pos.get(r),
                                  other_pos.get(r), base_empty.get(r, 0), other_empty.get(r, 0)))
    rows.sort(key=lambda row: (row.request.city_id, row.other_position if row.other_position is not None else 0))
    cities = {c.id: c for c in db.session.scalars(select(City).order_by(City.code))}
    by_city_counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in request_ids:
        req = requests.get(r)
        if req is None:
            continue
        counts = by_city_counts[req.city_id]
        counts["base_filled"] += len(base_held.get(r, set()))
        counts["other_filled"] += len(other_held.get(r, set()))
        counts["base_empty"] += base_empty.get(r, 0)
        counts["other_empty"] += other_empty.get(r, 0)
    by_city = [{"city": cities[cid], "base_rank": base_rank.get(cities[cid].code),
                "other_rank": other_rank.get(cities[cid].code), **counts}
               for cid, counts in sorted(by_city_counts.items(), key=lambda kv: cities[kv[0]].code)]
    return Comparison(base, other, rows, by_city, len(request_ids) - len(changed), moved)


# ----------------------------------------------------------------------------- the start page, a request's history


def next_round_outlook(actor: Any) -> dict[str, int]:
    """What the next round would look at, counted now (shown beside the start button)."""
    permissions.check(actor, "round.review")
    live = StaffingRequest.status.in_(REQUEST_LIVE)
    requests, slots = db.session.execute(select(
        func.count(StaffingRequest.id),
        func.coalesce(func.sum(StaffingRequest.people - StaffingRequest.filled_count), 0)).where(live)).one()
    return {
        "requests": requests or 0, "slots": int(slots or 0),
        "specialists": db.session.scalar(select(func.count(Specialist.id)).where(
            Specialist.status == SpecialistStatus.ACTIVE.value, Specialist.consented_at.is_not(None))) or 0,
        "offers": db.session.scalar(select(func.count(ExchangeOffer.id)).where(
            ExchangeOffer.status.in_(OFFER_LIVE), ExchangeOffer.is_one_way.is_(False))) or 0,
        "pending": db.session.scalar(select(func.count(Proposal.id)).where(Proposal.status == "proposed")) or 0,
        "holding": db.session.scalar(select(func.count(Proposal.id)).where(
            Proposal.status.in_(HOLDING_PROPOSAL_STATUSES))) or 0,
    }


@dataclass(frozen=True)
class HistoryRow:
    proposal: Proposal
    reference: str
    is_forbidden: bool


def pair_history(actor: Any, request_id: int) -> list[HistoryRow]:
    """Every pairing ever proposed for a request, newest round first, with who decided and why."""
    permissions.check(actor, "round.review")
    proposals = list(db.session.scalars(select(Proposal).where(Proposal.request_id == request_id)
                                        .options(joinedload(Proposal.decided_by))
                                        .order_by(Proposal.round_id.desc(), Proposal.id)))
    specialist_ids = sorted({p.specialist_id for p in proposals})
    references = {s.id: s.reference for s in db.session.scalars(
        select(Specialist).where(Specialist.id.in_(specialist_ids)))} if specialist_ids else {}
    forbidden = set(db.session.scalars(select(ForbiddenPair.specialist_id).where(
        ForbiddenPair.request_id == request_id)))
    return [HistoryRow(p, references.get(p.specialist_id, str(p.specialist_id)), p.specialist_id in forbidden)
            for p in proposals]
