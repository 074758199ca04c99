"""Reading a round for people: the review screen, a city's own view, the what-if comparison.

One query per table, whatever the number of proposals (the review of 2,000 proposals must open in
under a second: ``scripts/bench_review_screen.py``). The parsed solver answer of a finished round
never changes, so it is kept in a small cache keyed by round and fingerprint.
"""
from __future__ import annotations

import json
import math
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..cities.models import City
from ..core import permissions
from ..core.errors import N_, UserError
from ..exchange.models import ExchangeOffer
from ..extensions import db
from ..requests.models import URGENCY_LABELS, StaffingRequest
from ..specialists.cards import candidate_cards
from ..specialists.models import Specialist, SpecialistExperience
from ..vocabulary.models import Licence
from ..exchange.rings.models import ExchangeCycle
from .models import HOLDING_PROPOSAL_STATUSES, REVIEWABLE_KINDS, MatchingRound, Proposal, \
    RuleSetVersion, UnfilledSlot
from .reasons import ReasonContext, ReasonText, describe_unfilled, describe_unmatched_offer
from .text import current_locale, translator

SCORE_PARTS = ("experience", "extra_licences", "travel", "preferred_city", "continuity")
SCORE_PART_LABELS = {"experience": N_("経験年数"), "extra_licences": N_("追加の資格"), "travel": N_("移動時間"),
                     "preferred_city": N_("希望の市"), "continuity": N_("継続性")}
_CACHE: OrderedDict[tuple[int, str, str], Any] = OrderedDict()
_CACHE_SIZE = 8


def _parsed(rnd: MatchingRound, which: str) -> dict[str, Any]:
    """The round's stored problem or result as a dict (cached: a finished round never changes)."""
    text = rnd.result_json if which == "result" else rnd.problem_json
    if not text:
        return {}
    key = (rnd.id, which, rnd.input_fingerprint or str(len(text)))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    value = json.loads(text)
    _CACHE[key] = value
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return value


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


def list_rounds(actor: Any, page: int, per_page: int) -> tuple[list[RoundListRow], int]:
    """Rounds newest first with their decision counts (one grouped query for the counts)."""
    permissions.check(actor, "round.review")
    total = db.session.scalar(select(func.count(MatchingRound.id))) or 0
    rounds = list(db.session.scalars(
        select(MatchingRound).options(joinedload(MatchingRound.rule_set_version), joinedload(MatchingRound.started_by))
        .order_by(MatchingRound.id.desc()).limit(per_page).offset((max(page, 1) - 1) * per_page)))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if rounds:
        for round_id, status, n in db.session.execute(
                select(Proposal.round_id, Proposal.status, func.count())
                .where(Proposal.round_id.in_([r.id for r in rounds])).group_by(Proposal.round_id, Proposal.status)):
            counts[round_id][status] = n
    return [RoundListRow(r, counts.get(r.id, {})) for r in rounds], total


def status_of(actor: Any, round_id: int) -> dict[str, Any]:
    """The progress of a round for the polling page: status, phase, elapsed seconds."""
    from ..core import clock
    from .models import ROUND_KIND_LABELS, ROUND_PHASE_LABELS, ROUND_STATUS_LABELS

    rnd = get_round(actor, round_id)
    begun = rnd.started_at or rnd.created_at
    end = rnd.finished_at or clock.utcnow()
    summary = (rnd.stats or {}).get("summary", {})
    return {
        "id": rnd.id, "kind": rnd.kind, "kind_label": _(ROUND_KIND_LABELS[rnd.kind]),
        "status": rnd.status, "status_label": _(ROUND_STATUS_LABELS[rnd.status]),
        "phase": rnd.phase, "phase_label": _(ROUND_PHASE_LABELS[rnd.phase]) if rnd.phase else "",
        "elapsed_seconds": round(max(0.0, (end - begun).total_seconds()), 1),
        "is_finished": rnd.is_finished, "solver_status": rnd.solver_status,
        "error_kind": (rnd.stats or {}).get("error_kind"),
        "summary": summary,
    }


# ----------------------------------------------------------------------------- the review screen


@dataclass
class ProposalRow:
    proposal: Proposal
    card: Any  # CardSummary in lists, the registry's CandidateCard on a request's own page
    parts: str = ""  # the score parts in SCORE_PARTS order, "(12・2・17・0・0)", under the list's legend


def score_parts_text(score: dict[str, Any]) -> str:
    """The score parts as the review list prints them, in the order of its legend."""
    return "(" + "・".join(str(score.get(part, 0)) for part in SCORE_PARTS) + ")"


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


def ring_geometry(n: int, cx: float = 120, cy: float = 100, r: float = 62) -> list[dict[str, Any]]:
    """Where each city of an n-city ring sits on the drawing, and the arrow to the next one (clockwise)."""
    points = []
    gap = math.radians(14)  # keep arrow heads clear of the city markers
    for i in range(n):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        nxt = -math.pi / 2 + 2 * math.pi * (i + 1) / n
        start, end = angle + gap, nxt - gap
        large = 1 if (end - start) > math.pi else 0
        points.append({
            "x": round(cx + r * math.cos(angle), 1), "y": round(cy + r * math.sin(angle), 1),
            "lx": round(cx + (r + 24) * math.cos(angle), 1), "ly": round(cy + (r + 24) * math.sin(angle) + 5, 1),
            "arc": (f"M {cx + r * math.cos(start):.1f} {cy + r * math.sin(start):.1f} "
                    f"A {r} {r} 0 {large} 1 {cx + r * math.cos(end):.1f} {cy + r * math.sin(end):.1f}"),
        })
    return points


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


@dataclass(frozen=True)
class CardSummary:
    """A candidate as one line of the review list: the pseudonymised facts of the registry's card, as text."""

    specialist_id: int
    reference: str
    kind: str
    professions: str
    licences: str
    details: str
    prefers_viewer_city: bool

    @property
    def qualifications(self) -> str:
        """Professions, then licences: the card's first line."""
        return f"{self.professions} ／ {self.licences}" if self.licences else self.professions


def _in_chunks(ids: list[int], size: int = 2000) -> list[list[int]]:
    return [ids[i:i + size] for i in range(0, len(ids), size)]


def _id_filters(column: Any, ids: set[int], source: Any = None) -> list[Any]:
    """Conditions selecting ``column`` in ``source`` (a subquery: one short statement, however many rows)
    plus the few ``ids`` it does not cover; without a source, the ids in chunks."""
    if source is not None:
        return [or_(column.in_(source), column.in_(sorted(ids))) if ids else column.in_(source)]
    return [column.in_(chunk) for chunk in _in_chunks(sorted(ids))]


def card_summaries(specialist_ids: set[int], viewer_city_id: int | None, source: Any = None) -> dict[int, CardSummary]:
    """Cards for a list of thousands: plain rows and names looked up once, no objects per licence or field.

    ``source``: a subquery of specialist ids (the round's proposals); ``specialist_ids``: any others.
    """
    from types import SimpleNamespace

    from ..specialists.models import specialist_licences, specialist_preferred_cities, specialist_professions
    from ..vocabulary.models import ExperienceField, Profession

    if not specialist_ids and source is None:
        return {}
    locale, t = current_locale(), translator()
    cities = {c.id: c.display_name(locale) for c in db.session.scalars(select(City))}
    terms = {model: {term.id: (term.sort_order, term.display_name(locale)) for term in db.session.scalars(select(model))}
             for model in (Profession, Licence, ExperienceField)}
    people: dict[int, Any] = {}
    professions: dict[int, list[tuple[int, str]]] = defaultdict(list)
    licences: dict[int, list[tuple[int, str]]] = defaultdict(list)
    experiences: dict[int, list[str]] = defaultdict(list)
    preferred: set[int] = set()
    years_label = t(N_("%(field)s %(years)s年"))
    sp = Specialist.__table__.c  # table columns: plain rows, no ORM loading for thousands of cards
    ex = SpecialistExperience.__table__.c
    for condition in _id_filters(sp.id, specialist_ids, source):
        for row in db.session.execute(select(
                sp.id, sp.kind, sp.home_city_id, sp.employer_city_id, sp.days_per_week, sp.can_work_onsite,
                sp.can_work_remote, sp.max_travel_minutes).where(condition)):
            people[row.id] = row
    for condition in _id_filters(specialist_professions.c.specialist_id, specialist_ids, source):
        for sid, pid in db.session.execute(select(specialist_professions.c.specialist_id,
                                                  specialist_professions.c.profession_id).where(condition)):
            professions[sid].append(terms[Profession][pid])
    for condition in _id_filters(specialist_licences.c.specialist_id, specialist_ids, source):
        for sid, lid in db.session.execute(select(specialist_licences.c.specialist_id,
                                                  specialist_licences.c.licence_id).where(condition)):
            licences[sid].append(terms[Licence][lid])
    for condition in _id_filters(ex.specialist_id, specialist_ids, source):
        for sid, fid, years in db.session.execute(
                select(ex.specialist_id, ex.field_id, ex.years).where(condition).order_by(ex.id)):
            experiences[sid].append(years_label % {"field": terms[ExperienceField][fid][1], "years": years})
    if viewer_city_id is not None:
        for condition in _id_filters(specialist_preferred_cities.c.specialist_id, specialist_ids, source):
            preferred.update(db.session.scalars(select(specialist_preferred_cities.c.specialist_id).where(
                condition, specialist_preferred_cities.c.city_id == viewer_city_id)))
    days, onsite, remote = t(N_("週%(n)s日")), t(N_("現地")), t(N_("在宅"))
    travel, no_limit, employer = t(N_("片道%(minutes)s分まで")), t(N_("移動時間の制限なし")), t(N_("所属: %(city)s"))
    reference = Specialist.reference.fget  # the registry's numbering, without loading whole profiles
    cards = {}
    for sid, row in people.items():
        where = cities.get(row.home_city_id, "")
        if row.employer_city_id is not None:
            where += "（" + employer % {"city": cities.get(row.employer_city_id, "")} + "）"
        parts = ["、".join(experiences[sid])] if experiences[sid] else []
        parts += [where, days % {"n": row.days_per_week}]
        if row.can_work_onsite:
            parts.append(onsite + " " + (travel % {"minutes": row.max_travel_minutes}
                                         if row.max_travel_minutes is not None else no_limit))
        if row.can_work_remote:
            parts.append(remote)
        cards[sid] = CardSummary(
            specialist_id=sid, reference=reference(SimpleNamespace(id=sid)), kind=row.kind,
            professions="・".join(name for _order, name in sorted(professions[sid])),
            licences="、".join(name for _order, name in sorted(licences[sid])),
            details=" ・ ".join(parts), prefers_viewer_city=sid in preferred)
    return cards


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
    from ..vocabulary.models import Profession

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
    result = _parsed(rnd, "result")
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
    for entry in _parsed(rnd, "result").get("unmatched_offers", []):
        code = str(entry.get("city", ""))
        if city_id is not None and code != code_of.get(city_id):
            continue
        rows.append((int(entry["offer"]), ctx.city_names.get(code, code), describe_unmatched_offer(entry.get("reason", {}), ctx)))
    return rows


def _priority_info(result: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(p["request"]): p for p in result.get("priority_order", [])}


def _snapshot_licences(rnd: MatchingRound) -> dict[int, list[str]]:
    """Required licences of each request as the round saw them (a request may change afterwards)."""
    problem = _parsed(rnd, "problem")
    return {int(r["id"]): list(r.get("required_licences", [])) for r in problem.get("requests", [])}


def _build_groups(rnd: MatchingRound, proposals: list[Proposal], unfilled: list[UnfilledSlot],
                  kept_pairs: list[dict[str, Any]], viewer_city_id: int | None,
                  cities: list[City], *, city_id: int | None = None, full_cards: bool = False) -> list[CityGroup]:
    """Group a round's rows by city and request. ``full_cards``: the registry's cards (a few rows); otherwise
    summaries read with subqueries on the round (``city_id`` narrows them), however many rows there are."""
    result = _parsed(rnd, "result")
    priority = _priority_info(result)
    kept_specialists = {int(a["specialist"]) for a in kept_pairs}
    kept_requests = {int(a["request"]) for a in kept_pairs}
    requests: dict[int, Any]
    if full_cards:
        requests = _requests({p.request_id for p in proposals} | {u.request_id for u in unfilled} | kept_requests)
        cards = candidate_cards({p.specialist_id for p in proposals} | kept_specialists, viewer_city_id)
    else:
        in_proposals = [Proposal.round_id == rnd.id] + ([Proposal.city_id == city_id] if city_id else [])
        in_unfilled = [UnfilledSlot.round_id == rnd.id] + ([UnfilledSlot.city_id == city_id] if city_id else [])
        requests = _request_summaries(kept_requests, (select(Proposal.request_id).where(*in_proposals),
                                                      select(UnfilledSlot.request_id).where(*in_unfilled)))
        cards = card_summaries(kept_specialists, viewer_city_id,
                               select(Proposal.specialist_id).where(*in_proposals))
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

    for p in proposals:
        group(p.request_id).proposals.append(ProposalRow(p, cards.get(p.specialist_id), score_parts_text(p.score)))
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
    return [a for a in _parsed(rnd, "result").get("assignments", []) if a.get("pinned")]


def review_round(actor: Any, round_id: int, city_id: int | None = None) -> RoundReview:
    """Everything the coordinating city needs to decide on a round, grouped by city and request."""
    rnd = get_round(actor, round_id)
    if rnd.status != "succeeded" or rnd.kind not in REVIEWABLE_KINDS:
        raise UserError("このマッチングの結果は審査できません（試算、計算中または失敗）。")
    cities = list(db.session.scalars(select(City).order_by(City.code)))
    unfilled_query = select(UnfilledSlot).where(UnfilledSlot.round_id == rnd.id)
    if city_id is not None:
        proposals = _proposal_rows(Proposal.round_id == rnd.id, Proposal.city_id == city_id)
        unfilled_query = unfilled_query.where(UnfilledSlot.city_id == city_id)
    else:
        proposals = _proposal_rows(Proposal.round_id == rnd.id)
    unfilled = list(db.session.scalars(unfilled_query))
    kept = _kept_pairs(rnd)
    if city_id is not None and kept:
        request_city = dict(db.session.execute(select(StaffingRequest.id, StaffingRequest.city_id).where(
            StaffingRequest.id.in_(sorted({int(a["request"]) for a in kept})))).all())
        kept = [a for a in kept if request_city.get(int(a["request"])) == city_id]
    groups = _build_groups(rnd, proposals, unfilled, kept, None, cities, city_id=city_id)
    counts: dict[str, int] = defaultdict(int)
    for status, n in db.session.execute(select(Proposal.status, func.count()).where(Proposal.round_id == rnd.id)
                                        .group_by(Proposal.status)):
        counts[status] = n
    counts["unfilled"] = db.session.scalar(select(func.coalesce(func.sum(UnfilledSlot.slots), 0))
                                           .where(UnfilledSlot.round_id == rnd.id)) or 0
    result = _parsed(rnd, "result")
    rule_sets = list(db.session.scalars(select(RuleSetVersion).order_by(RuleSetVersion.version.desc())))
    return RoundReview(rnd, groups, cities, _cycle_views(rnd, cities, None, city_id),
                       len(result.get("priority_order", [])), dict(counts), city_id, rule_sets,
                       list(result.get("warnings", [])), _unmatched_offers(rnd, cities, city_id))


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
    result = _parsed(rnd, "result")
    review = RoundReview(rnd, groups, cities, [], len(result.get("priority_order", [])), {}, None)
    group = groups[0].requests[0] if groups else None
    return review, group


def priority_explainer() -> Any:
    """``explain(info)``: why a request stands where it does in the priority order, in the reader's words."""
    t = translator()

    def explain(info: dict[str, Any]) -> str:
        if not info:
            return ""
        parts = [t(URGENCY_LABELS.get(info.get("urgency"), "通常"))]
        if info.get("city_need_rank") is not None:
            parts.append(t(N_("市の必要度 %(rank)s位"), rank=int(info["city_need_rank"]) + 1))
        if info.get("carry_over"):
            parts.append(t(N_("繰り越し%(n)s回"), n=info["carry_over"]))
        return "・".join(parts)

    return explain


def page_labels() -> dict[str, Any]:
    """Every label the rows of a review repeat, translated once per page (2,000 rows, no lookups inside)."""
    from .models import PROPOSAL_STATUS_LABELS

    t = translator()
    return {
        "status": {k: t(v) for k, v in PROPOSAL_STATUS_LABELS.items()},
        "urgency": {k: t(v) for k, v in URGENCY_LABELS.items()},
        "score_legend": t(N_("合計（%(parts)s）"), parts="・".join(t(SCORE_PART_LABELS[part]) for part in SCORE_PARTS)),
        "kind": {"retired": t(N_("退職専門人材")), "serving": t(N_("現職職員"))},
        "remote_served": t(N_("リモート勤務")), "prefers": t(N_("貴市での勤務を希望")),
        "request_no": t(N_("派遣要請 No.%(id)s")), "people": t(N_("%(n)s人")), "days": t(N_("週%(n)s日")),
        "position": t(N_("優先順位 %(pos)s位（全%(total)s件中）")), "kept": t(N_("承認済み（固定）")),
        "dispatched": t(N_("派遣中")), "empty": t(N_("空いた枠 %(n)s人")), "approve": t(N_("承認")),
        "reject": t(N_("却下")), "candidate": t(N_("候補者")), "score": t(N_("点数の内訳")), "state": t(N_("状態")),
        "decision": t(N_("審査")), "choose": t(N_("選択")),
        "city_counts": t(N_("要請 %(r)s件・新規の提案 %(p)s件・空いた枠 %(u)s人")),
    }


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
    groups = _build_groups(rnd, proposals, unfilled, kept, city_id, cities, city_id=city_id)
    result = _parsed(rnd, "result")
    return CityView(city, rnd, rounds, groups[0] if groups else None, _cycle_views(rnd, cities, city_id, city_id),
                    len(result.get("priority_order", [])))


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


def compare_rounds(actor: Any, round_id: int) -> Comparison:
    """Side by side: which slots would change hands under the what-if round's rule set."""
    other = get_round(actor, round_id)
    if other.kind != "what_if" or other.parent_round_id is None:
        raise UserError("比較できるのは試算（規則の比較）のマッチングだけです。")
    if other.status != "succeeded":
        raise UserError("試算はまだ完了していません。")
    base = get_round(actor, other.parent_round_id)
    base_result, other_result = _parsed(base, "result"), _parsed(other, "result")

    def held(result: dict[str, Any]) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        for a in result.get("assignments", []):
            out[int(a["request"])].add(int(a["specialist"]))
        return out

    def empty(result: dict[str, Any]) -> dict[int, int]:
        return {int(u["request"]): int(u["slots"]) for u in result.get("unfilled", [])}

    base_held, other_held = held(base_result), held(other_result)
    base_empty, other_empty = empty(base_result), empty(other_result)
    base_pos = {int(p["request"]): p["position"] for p in base_result.get("priority_order", [])}
    other_pos = {int(p["request"]): p["position"] for p in other_result.get("priority_order", [])}
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
    base_rank = base_result.get("city_need_rank", {})
    other_rank = other_result.get("city_need_rank", {})
    by_city = [{"city": cities[cid], "base_rank": base_rank.get(cities[cid].code),
                "other_rank": other_rank.get(cities[cid].code), **counts}
               for cid, counts in sorted(by_city_counts.items(), key=lambda kv: cities[kv[0]].code)]
    return Comparison(base, other, rows, by_city, len(request_ids) - len(changed), moved)


# ----------------------------------------------------------------------------- the start page, a request's history


def next_round_outlook(actor: Any) -> dict[str, int]:
    """What the next round would look at, counted now (shown beside the start button)."""
    from ..exchange.models import LIVE_STATUSES as OFFER_LIVE
    from ..requests.models import LIVE_STATUSES as REQUEST_LIVE
    from ..specialists.models import SpecialistStatus

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
    from .models import ForbiddenPair

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
