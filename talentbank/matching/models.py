"""Matching rounds and what they produce: rule-set versions, proposals, empty slots, exchange rings.

A round keeps the exact solver input (``problem_json``) and answer (``result_json``) so anyone can
replay it with ``python -m talentbank.solver``; both are deferred (loaded only when read), and the
rows below, with the small ``review_json``, are the reviewable form of that answer. Status and kind names are shared with the dispatch domain (offers, dispatches), which moves
proposals from ``approved`` on to ``offered``, ``accepted``, ``declined`` or ``lapsed``.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.clock import utcnow
from ..core.constraints import one_of
from ..core.errors import N_
from ..extensions import db
from ..lifecycle.transitions import PROPOSAL, ROUND, ProposalStatus, RoundStatus


RULE_SET_METHODS = ("lexicographic", "weighted")
RULE_SET_METHOD_LABELS = {"lexicographic": N_("順序による比較（第1指標から順に比べる）"),
                          "weighted": N_("重み付け合計（正規化した指標の加重和）")}
INDICATORS = ("staff_per_10k", "allowance_rate", "fiscal_index")
INDICATOR_LABELS = {"staff_per_10k": N_("人口1万人あたり職員数"), "allowance_rate": N_("地域手当支給率"),
                    "fiscal_index": N_("財政力指数")}

# Where the exchange market stands among the urgency classes (the solver's ``exchange_priority``).
EXCHANGE_PRIORITIES = ("first", "after_disaster", "after_statutory", "last")
EXCHANGE_PRIORITY_LABELS = {"first": N_("災害復旧の要請よりも先"), "after_disaster": N_("災害復旧の次（法定業務より先）"),
                            "after_statutory": N_("災害復旧・法定業務の次（通常の要請より先）"),
                            "last": N_("すべての派遣要請の後")}
DEFAULT_EXCHANGE_PRIORITY = "after_statutory"

# Statuses and the moves between them are the lifecycle tables' (core/lifecycle.py).
ROUND_STATUSES = tuple(s.value for s in RoundStatus)
ROUND_STATUS_LABELS = ROUND.labels
ROUND_KINDS = ("manual", "scheduled", "fast_track", "what_if", "resolve")
ROUND_KIND_LABELS = {"manual": N_("手動実行"), "scheduled": N_("定期実行"), "fast_track": N_("災害時の緊急実行"),
                     "what_if": N_("試算（規則の比較）"), "resolve": N_("再計算")}
# Rounds whose proposals people decide on; a what-if round is only looked at.
REVIEWABLE_KINDS = ("manual", "scheduled", "fast_track", "resolve")
ROUND_PHASES = ("snapshot", "solving", "storing")
ROUND_PHASE_LABELS = {"snapshot": N_("入力データを作成しています"), "solving": N_("最適な組み合わせを計算しています"),
                      "storing": N_("結果を保存しています")}

PROPOSAL_STATUSES = tuple(s.value for s in ProposalStatus)
PROPOSAL_STATUS_LABELS = PROPOSAL.labels
# A pairing the next round must keep (it holds a slot and the specialist's days).
HOLDING_PROPOSAL_STATUSES = ("approved", "offered", "accepted")
# Proposals that freeze their request for the requesting city (see requests.services.PROPOSAL_CHECKS).
LIVE_PROPOSAL_STATUSES = ("proposed", "approved", "offered", "accepted")

FORBIDDEN_KINDS = ("rejected", "declined")


class RuleSetVersion(db.Model):
    """One saved version of the priority rule; a round records the version it used. Never edited."""

    __tablename__ = "rule_set_versions"
    __table_args__ = (
        CheckConstraint(one_of("method", RULE_SET_METHODS), name="method_known"),
        CheckConstraint("max_cycle_length >= 2 AND max_cycle_length <= 6", name="max_cycle_range"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint(one_of("exchange_priority", EXCHANGE_PRIORITIES), name="exchange_priority_known"),
        # Exactly one version is the current one: at most one here, at least one kept by the services.
        Index("uq_rule_set_versions_published", "is_published", unique=True,
              sqlite_where=text("is_published"), postgresql_where=text("is_published")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    method: Mapped[str] = mapped_column(String(20))
    # [{"indicator": "staff_per_10k", "weight": 1.0}, ...] in the order they are compared.
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    max_cycle_length: Mapped[int] = mapped_column(default=3)
    exchange_priority: Mapped[str] = mapped_column(String(20), default=DEFAULT_EXCHANGE_PRIORITY,
                                                   server_default=DEFAULT_EXCHANGE_PRIORITY)
    is_published: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()

    def to_solver(self) -> dict[str, Any]:
        """The ``rule_set`` record of the solver's problem format."""
        return {"version": str(self.version), "method": self.method,
                "criteria": [{"indicator": c["indicator"], "weight": float(c.get("weight", 1.0))}
                             for c in self.criteria],
                "max_cycle_length": self.max_cycle_length, "exchange_priority": self.exchange_priority}

    def __repr__(self) -> str:
        return f"<RuleSetVersion {self.version} {self.method}{' published' if self.is_published else ''}>"


class MatchingRound(db.Model):
    """One run of the solver on a snapshot of requests, specialists, offers and a rule set."""

    __tablename__ = "matching_rounds"
    __table_args__ = (
        CheckConstraint(one_of("status", ROUND_STATUSES), name="status_known"),
        CheckConstraint(one_of("kind", ROUND_KINDS), name="kind_known"),
        CheckConstraint("phase IS NULL OR " + one_of("phase", ROUND_PHASES), name="phase_known"),
        Index("ix_matching_rounds_status_kind", "status", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="manual")
    status: Mapped[str] = mapped_column(String(20), default="queued")
    phase: Mapped[str | None] = mapped_column(String(20))
    # Profession code the disaster fast track limits the round to; None = every profession.
    profession_code: Mapped[str | None] = mapped_column(String(60))
    rule_set_version_id: Mapped[int] = mapped_column(ForeignKey("rule_set_versions.id"), index=True)
    # The round a re-solve continues or a what-if compares against.
    parent_round_id: Mapped[int | None] = mapped_column(ForeignKey("matching_rounds.id", ondelete="SET NULL"),
                                                        index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # The solver's input and answer (megabytes in a large round): deferred, so the round list, the progress
    # poll and the review read neither; export, replay, what-if and the comparison load them when asked.
    problem_json: Mapped[str | None] = mapped_column(Text, deferred=True)
    result_json: Mapped[str | None] = mapped_column(Text, deferred=True)
    # The part of the answer the round's pages show (matching/digest.py): priority order, kept pairings,
    # unmatched offers, warnings, licences of requests left with empty slots. Written with the result.
    review_json: Mapped[str | None] = mapped_column(Text, deferred=True)
    # "host:pid" of the process running the round (the scheduler, ``flask rounds run``): a round whose
    # process has died is failed at once rather than left running (runner.fail_stale_rounds).
    runner: Mapped[str | None] = mapped_column(String(120))
    input_fingerprint: Mapped[str | None] = mapped_column(String(64))
    solver_status: Mapped[str | None] = mapped_column(String(20))
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)

    rule_set_version: Mapped[RuleSetVersion] = relationship()
    parent_round: Mapped[MatchingRound | None] = relationship(remote_side=[id])
    started_by: Mapped[User | None] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in ("succeeded", "failed")

    @property
    def is_reviewable(self) -> bool:
        """A finished round of a kind whose proposals people approve or reject."""
        return self.status == "succeeded" and self.kind in REVIEWABLE_KINDS

    def __repr__(self) -> str:
        return f"<MatchingRound {self.id} {self.kind} {self.status}>"


class Proposal(db.Model):
    """One specialist proposed for one slot of one request by a round, and what people decided."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(one_of("status", PROPOSAL_STATUSES), name="status_known"),
        UniqueConstraint("round_id", "request_id", "specialist_id"),
        Index("ix_proposals_round_id_status", "round_id", "status"),
        Index("ix_proposals_round_id_city_id", "round_id", "city_id"),
        Index("ix_proposals_request_id", "request_id"),
        Index("ix_proposals_specialist_id", "specialist_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("matching_rounds.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("staffing_requests.id"))
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id"))
    # The requesting city, copied so the review screen groups by city without a join.
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    # {"experience": 12, "extra_licences": 2, "travel": 17, "preferred_city": 0, "continuity": 0, "total": 31}
    score: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    priority_position: Mapped[int]
    served_mode: Mapped[str] = mapped_column(String(10), default="onsite")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    round: Mapped[MatchingRound] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def total_score(self) -> int:
        return int(self.score.get("total", 0))

    def __repr__(self) -> str:
        return f"<Proposal {self.id} r{self.round_id} req={self.request_id} sp={self.specialist_id} {self.status}>"


class UnfilledSlot(db.Model):
    """Slots of a request a round left empty, with the solver's reason (shown in plain Japanese)."""

    __tablename__ = "unfilled_slots"
    __table_args__ = (
        UniqueConstraint("round_id", "request_id"),
        CheckConstraint("slots >= 1", name="slots_positive"),
        Index("ix_unfilled_slots_round_id_city_id", "round_id", "city_id"),
        Index("ix_unfilled_slots_request_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("matching_rounds.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("staffing_requests.id"))
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"))
    slots: Mapped[int]
    priority_position: Mapped[int]
    # {"kind": "no_eligible", "total": 42, "ruled_out": {...}} or {"kind": "outranked", "taken_by": [...]}
    reason: Mapped[dict[str, Any]] = mapped_column(JSON)


class ForbiddenPair(db.Model):
    """A specialist–request pair rejected by the coordinating city or declined by the specialist."""

    __tablename__ = "forbidden_pairs"
    __table_args__ = (
        UniqueConstraint("specialist_id", "request_id"),
        CheckConstraint(one_of("reason_kind", FORBIDDEN_KINDS), name="reason_kind_known"),
        Index("ix_forbidden_pairs_request_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    specialist_id: Mapped[int] = mapped_column(ForeignKey("specialists.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("staffing_requests.id", ondelete="CASCADE"))
    reason_kind: Mapped[str] = mapped_column(String(10))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The round schedule and the occasions to run a round (the scheduler process runs the jobs) --------


class ScheduleSetting(db.Model):
    """When the regular matching round runs, and how soon a disaster request triggers one (a single row)."""

    __tablename__ = "schedule_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("weekday >= 0 AND weekday <= 6", name="weekday_range"),
        CheckConstraint("week_of_month IS NULL OR (week_of_month >= 1 AND week_of_month <= 5)",
                        name="week_of_month_range"),
        CheckConstraint("hour >= 0 AND hour <= 23", name="hour_range"),
        CheckConstraint("minute >= 0 AND minute <= 59", name="minute_range"),
        CheckConstraint("fast_track_delay_minutes >= 1 AND fast_track_delay_minutes <= 120",
                        name="fast_track_delay_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    is_regular_enabled: Mapped[bool] = mapped_column(default=True)
    weekday: Mapped[int] = mapped_column(default=0)  # 0 Monday … 6 Sunday
    # 1-4: the n-th such weekday of the month; 5: the last one; None: every week.
    week_of_month: Mapped[int | None]  # no column default: the ORM would put it in place of None
    hour: Mapped[int] = mapped_column(default=9)
    minute: Mapped[int] = mapped_column(default=0)
    is_fast_track_enabled: Mapped[bool] = mapped_column(default=True)
    fast_track_delay_minutes: Mapped[int] = mapped_column(default=10)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    updated_by: Mapped[User | None] = relationship()


class TriggerStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


class RoundTrigger(db.Model):
    """A reason to run a matching round, recorded once: a scheduled date, a disaster request, a button.

    ``key`` makes each occasion unique (``scheduled:2026-12-07T00:00``, ``fast_track:request:12``),
    so a job that runs twice starts one round, not two.
    """

    __tablename__ = "round_triggers"
    __table_args__ = (
        CheckConstraint("kind IN ('scheduled', 'fast_track', 'manual')", name="kind_known"),
        CheckConstraint("status IN ('pending', 'running', 'done', 'skipped', 'failed')", name="status_known"),
        Index("ix_round_triggers_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    profession_id: Mapped[int | None] = mapped_column(ForeignKey("professions.id", ondelete="SET NULL"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("staffing_requests.id", ondelete="SET NULL"),
                                                   index=True)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=TriggerStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    result: Mapped[str | None] = mapped_column(Text)
