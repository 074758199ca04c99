"""Deciding on proposals: approval keeps capacity exact, rejection forbids the pair, re-solve and decline."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.extensions import db
from talentbank.matching import events, services
from talentbank.matching.models import ForbiddenPair, Proposal
from talentbank.requests import services as requests_services

from .builders import matching_app, scenario, specialist


@pytest.fixture
def world(app, make):
    matching_app(app)
    return scenario(make)


def _proposal(request, person) -> Proposal:
    return db.session.scalar(select(Proposal).where(Proposal.request_id == request.id,
                                                    Proposal.specialist_id == person.id)
                             .order_by(Proposal.id.desc()))


def test_approval_is_audited_runs_the_hooks_and_freezes_the_request(world, monkeypatch):
    seen = []

    def note(p, actor):
        seen.append((p.id, actor.id))

    services.start_round(world.coordinator)
    proposal = _proposal(world.zushi_request, world.engineer_licensed)
    assert requests_services.has_proposals(world.zushi_request.id), "a pending proposal freezes the request"
    with events.proposal_approved.connected_to(note):
        services.approve_proposal(world.coordinator, proposal.id)
    # Approved, then offered to the specialist by the dispatch domain's subscriber.
    assert proposal.status == "offered" and proposal.decided_by_id == world.coordinator.id
    assert seen == [(proposal.id, world.coordinator.id)]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "proposal.approved"))
    assert entry.entity_id == str(proposal.id) and entry.actor_id == world.coordinator.id
    assert entry.city_id == world.zushi_request.city_id


def test_a_hook_refusing_the_approval_undoes_it(world, monkeypatch):
    def refuse(proposal, actor):
        raise UserError("本人の日数が足りません。")

    services.start_round(world.coordinator)
    proposal = _proposal(world.zushi_request, world.engineer_licensed)
    with events.proposal_approved.connected_to(refuse), pytest.raises(UserError, match="日数"):
        services.approve_proposal(world.coordinator, proposal.id)
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).status == "proposed"
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "proposal.approved")) == 0


def test_rejection_needs_a_reason_and_forbids_the_pair(world):
    services.start_round(world.coordinator)
    proposal = _proposal(world.zushi_request, world.engineer_licensed)
    with pytest.raises(UserError, match="理由"):
        services.reject_proposal(world.coordinator, proposal.id, "   ")
    assert proposal.status == "proposed"
    services.reject_proposal(world.coordinator, proposal.id, "現地の業務経験が不足")
    assert proposal.status == "rejected" and proposal.decision_reason == "現地の業務経験が不足"
    pair = db.session.scalar(select(ForbiddenPair))
    assert (pair.specialist_id, pair.request_id, pair.reason_kind) == (world.engineer_licensed.id,
                                                                      world.zushi_request.id, "rejected")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "proposal.rejected"))
    assert entry.reason == "現地の業務経験が不足"
    with pytest.raises(UserError) as refused:
        services.approve_proposal(world.coordinator, proposal.id)
    assert refused.value.message_id == "この提案はすでに「%(status)s」です。"


def test_only_the_coordinating_city_decides(world, make):
    services.start_round(world.coordinator)
    proposal = _proposal(world.zushi_request, world.engineer_licensed)
    hr = make.user(Role.CITY_HR, city=world.cities["142085"])
    with pytest.raises(PermissionDenied):
        services.approve_proposal(hr, proposal.id)
    with pytest.raises(PermissionDenied):
        services.reject_proposal(hr, proposal.id, "理由")
    with pytest.raises(PermissionDenied):
        services.start_round(hr)
    with pytest.raises(PermissionDenied):
        services.resolve(hr, proposal.round_id)
    assert proposal.status == "proposed"


def test_a_resolve_keeps_approvals_never_brings_back_rejections_and_fills_the_gap(world, make):
    first = services.start_round(world.coordinator)
    kamakura = world.kamakura_request
    keep = _proposal(world.zushi_request, world.engineer_licensed)
    reject_a, reject_b = (_proposal(kamakura, e) for e in world.engineers[1:])
    services.approve_proposal(world.coordinator, keep.id)
    services.reject_proposal(world.coordinator, reject_a.id, "週の勤務日数が業務に合わない")
    newcomer = specialist(make, world.cities["142042"], fields={"roads": 20})
    second = services.resolve(world.coordinator, first.id)
    assert second.status == "succeeded" and second.kind == "resolve" and second.parent_round_id == first.id
    new = {(p.request_id, p.specialist_id) for p in db.session.scalars(select(Proposal).where(
        Proposal.round_id == second.id))}
    # The rejected pair is not back; the free slot goes to the newcomer; the approved pair is kept, not re-proposed.
    assert (kamakura.id, reject_a.specialist_id) not in new
    assert new == {(kamakura.id, reject_b.specialist_id), (kamakura.id, newcomer.id)}
    assert (world.zushi_request.id, world.engineer_licensed.id) not in new
    import json

    kept = [(a["specialist"], a["request"]) for a in json.loads(second.result_json)["assignments"] if a["pinned"]]
    assert kept == [(str(world.engineer_licensed.id), str(world.zushi_request.id))]
    db.session.expire_all()
    assert db.session.get(Proposal, reject_b.id).status == "superseded"  # the older pending one is replaced
    assert db.session.get(Proposal, keep.id).status in ("approved", "offered")
    assert db.session.get(Proposal, reject_a.id).status == "rejected"


def test_decline_forbids_the_pair_and_returns_the_slot_to_the_next_round(world):
    first = services.start_round(world.coordinator)
    proposal = _proposal(world.zushi_request, world.engineer_licensed)
    services.approve_proposal(world.coordinator, proposal.id)
    services.record_decline(proposal.id, None, "家族の事情")
    db.session.commit()
    assert proposal.status == "declined"
    assert db.session.scalar(select(ForbiddenPair.reason_kind)) == "declined"
    second = services.resolve(world.coordinator, first.id)
    import json

    result = json.loads(second.result_json)
    assert result["unfilled"][0]["request"] == str(world.zushi_request.id)  # the slot is open again…
    assert result["unfilled"][0]["reason"]["ruled_out"]["forbidden"] == 1  # …and the decliner is not proposed
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "proposal.declined"))
    assert audit.reason == "家族の事情"


def test_a_lapsed_offer_frees_the_slot_without_forbidding_the_pair(world):
    first = services.start_round(world.coordinator)
    proposal = _proposal(world.zushi_request, world.engineer_licensed)
    services.approve_proposal(world.coordinator, proposal.id)
    services.record_lapse(proposal.id)
    db.session.commit()
    assert proposal.status == "lapsed"
    assert db.session.scalar(select(func.count(ForbiddenPair.id))) == 0
    second = services.resolve(world.coordinator, first.id)
    assert _proposal(world.zushi_request, world.engineer_licensed).round_id == second.id


def test_approval_refuses_a_full_request_and_overbooked_days(world, make):
    services.start_round(world.coordinator)
    first, second = (_proposal(world.kamakura_request, e) for e in world.engineers[1:])
    world.kamakura_request.people = 1  # the city lowered the count after the round (coordinator's correction)
    db.session.commit()
    services.approve_proposal(world.coordinator, first.id)
    with pytest.raises(UserError, match="埋まっています"):
        services.approve_proposal(world.coordinator, second.id)


def test_approval_counts_days_already_held_in_overlapping_periods(world, make):
    busy = specialist(make, world.cities["142042"], days_per_week=3)
    other = make.staffing_request(world.cities["142085"], people=1, days_per_week=2, section="公園課")
    services.start_round(world.coordinator)
    # Hold two of busy's three days elsewhere, by hand: an approval in an earlier round.
    from talentbank.matching.models import MatchingRound

    rnd = db.session.scalar(select(MatchingRound))
    db.session.add(Proposal(round_id=rnd.id, request_id=other.id, specialist_id=busy.id, city_id=other.city_id,
                            status="approved", score={"total": 1}, priority_position=9))
    target = _proposal(world.kamakura_request, busy) or Proposal(
        round_id=rnd.id, request_id=world.kamakura_request.id, specialist_id=busy.id,
        city_id=world.kamakura_request.city_id, status="proposed", score={"total": 1}, priority_position=1)
    db.session.add(target)
    db.session.commit()
    with pytest.raises(UserError, match="週2日の派遣が承認されている"):
        services.approve_proposal(world.coordinator, target.id)


def test_bulk_approval_goes_in_priority_order_and_reports_each_refusal(world):
    services.start_round(world.coordinator)
    ids = [p.id for p in db.session.scalars(select(Proposal))]
    zushi = _proposal(world.zushi_request, world.engineer_licensed)
    services.reject_proposal(world.coordinator, zushi.id, "別の候補を探す")
    outcome = services.approve_proposals(world.coordinator, ids)
    assert len(outcome.done) == 2
    assert [pid for pid, _msg in outcome.refused] == [zushi.id]
    assert outcome.refused[0][1].message_id == "この提案はすでに「%(status)s」です。"
    with pytest.raises(UserError):
        services.approve_proposals(world.coordinator, [])


def test_bulk_rejection_needs_one_reason_for_all(world):
    services.start_round(world.coordinator)
    ids = [p.id for p in db.session.scalars(select(Proposal))]
    with pytest.raises(UserError, match="理由"):
        services.reject_proposals(world.coordinator, ids, "")
    outcome = services.reject_proposals(world.coordinator, ids, "今回は見送り")
    assert sorted(outcome.done) == sorted(ids)
    assert db.session.scalar(select(func.count(ForbiddenPair.id))) == 3


def test_a_withdrawn_request_takes_its_pending_proposals_with_it(world, make):
    services.start_round(world.coordinator)
    hr = make.user(Role.CITY_HR, city=world.cities["142018"])
    licensed_only_kamakura = _proposal(world.kamakura_request, world.engineers[1])
    coordinator = world.coordinator
    requests_services.withdraw_request(coordinator, world.kamakura_request.id, "事業の中止")
    db.session.expire_all()
    assert db.session.get(Proposal, licensed_only_kamakura.id).status == "superseded"
    assert hr.city_id  # the HR account exists to show the request was not theirs to withdraw


def test_a_what_if_solves_the_same_input_under_another_rule_set_without_deciding_anything(world):
    from talentbank.matching import review

    base = services.start_round(world.coordinator)
    version = services.save_rule_set(world.coordinator, services.RuleSetValues(
        method="weighted", criteria=[{"indicator": "fiscal_index", "weight": 1.0}], max_cycle_length=2,
        note="財政力指数だけで比べる試算"))
    assert not version.is_published
    trial = services.what_if(world.coordinator, base.id, version.id)
    assert trial.status == "succeeded" and trial.kind == "what_if"
    assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.round_id == trial.id)) == 0
    import json

    base_problem, trial_problem = json.loads(base.problem_json), json.loads(trial.problem_json)
    assert trial_problem["rule_set"]["version"] == str(version.version)
    assert {k: v for k, v in trial_problem.items() if k != "rule_set"} == \
        {k: v for k, v in base_problem.items() if k != "rule_set"}
    comparison = review.compare_rounds(world.coordinator, trial.id)
    assert comparison.base.id == base.id and comparison.other.id == trial.id
    assert services.current_rule_set().version == 1, "a what-if publishes nothing"
    with pytest.raises(UserError):
        services.what_if(world.coordinator, base.id, base.rule_set_version_id)
