"""Escalation: the coordinating city is warned when an urgent request is still unfilled shortly before it starts.

A disaster-recovery or statutory request that still has empty slots ``ESCALATION_DAYS`` days (or
fewer) before its first day is put in front of the coordinating city once (inbox and e-mail), so it
can run a round, approve a pairing or ask the cities for help. Each warning is recorded per request
and threshold (``escalation_warnings``): the job may run any number of times a day, and a later
change of the setting warns again at the new threshold, never twice at the same one.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import ForeignKey, Index, UniqueConstraint, exists, select
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import today_tokyo, utcnow
from ..core.errors import N_
from ..core.permissions import Role
from ..extensions import db
from ..notifications.kinds import register_kind
from ..notifications.services import link_to, notify_users, users_with_role
from .models import LIVE_STATUSES, URGENCIES_NEEDING_REASON, URGENCY_LABELS, StaffingRequest

# The urgency classes that are escalated: those the matching engine serves first.
ESCALATED_URGENCIES = tuple(sorted(URGENCIES_NEEDING_REASON))

register_kind(
    "request.escalation",
    N_("【要対応】開始%(days)s日前で未充足の派遣要請（%(city)s %(profession)s）"),
    N_("%(city)s の派遣要請「%(profession)s %(people)s名（%(urgency)s、%(start_date)s〜%(end_date)s）」は、"
       "開始まで%(days)s日ですが、まだ%(open)s名分が決まっていません。"
       "マッチングの実行、提案の承認、または各市への協力の呼びかけを検討してください。"),
    {"city": {"ja": "逗子市", "en": "Zushi"}, "profession": {"ja": "土木職", "en": "Civil engineer"}, "people": 2,
     "urgency": {"ja": "災害復旧", "en": "Disaster recovery"}, "start_date": "2027-04-01",
     "end_date": "2027-09-30", "days": 14, "open": 2},
)


# This job and the home pages' lists of requests starting soon read live requests by their first day: a
# range of a few hundred among 20,000 (declared beside the queries that need it; migration 0015).
Index("ix_staffing_requests_start_date_status", StaffingRequest.start_date, StaffingRequest.status)


class EscalationWarning(db.Model):
    """One warning sent about one request at one threshold (days before its start)."""

    __tablename__ = "escalation_warnings"
    __table_args__ = (UniqueConstraint("request_id", "threshold_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("staffing_requests.id", ondelete="CASCADE"))
    threshold_days: Mapped[int]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


def escalation_days() -> int:
    """The threshold from the configuration (TALENTBANK_ESCALATION_DAYS), never negative."""
    return max(0, int(current_app.config.get("ESCALATION_DAYS", 14)))


def unfilled_soon_clause(today: date, days: int, city_id: int | None = None) -> list[Any]:
    """SQL: a live request with empty slots whose first day is from today to ``days`` days ahead (of one city).
    The home pages list these; the urgent ones among them are escalated."""
    clause = [StaffingRequest.status.in_(LIVE_STATUSES), StaffingRequest.filled_count < StaffingRequest.people,
              StaffingRequest.start_date >= today, StaffingRequest.start_date <= today + timedelta(days=days)]
    if city_id is not None:
        clause.append(StaffingRequest.city_id == city_id)
    return clause


def due_requests(today: date, days: int) -> list[StaffingRequest]:
    """Urgent requests within the threshold that have not been warned about at this threshold."""
    warned = exists().where(EscalationWarning.request_id == StaffingRequest.id,
                            EscalationWarning.threshold_days == days)
    return list(db.session.scalars(
        select(StaffingRequest)
        .where(*unfilled_soon_clause(today, days), StaffingRequest.urgency.in_(ESCALATED_URGENCIES), ~warned)
        .order_by(StaffingRequest.start_date, StaffingRequest.id)))


def _params(request: StaffingRequest, today: date) -> dict:
    with force_locale("en"):  # the label is a message id; both languages go in the notice
        urgency_en = gettext(URGENCY_LABELS[request.urgency])
    return {"city": {"ja": request.city.name_ja, "en": request.city.name_en},
            "profession": {"ja": request.profession.name_ja, "en": request.profession.name_en},
            "people": request.people, "urgency": {"ja": URGENCY_LABELS[request.urgency], "en": urgency_en},
            "start_date": request.start_date.isoformat(), "end_date": request.end_date.isoformat(),
            "days": (request.start_date - today).days, "open": request.people - request.filled_count}


def warn_unfilled_urgent_requests(today: date | None = None) -> int:
    """Warn the coordinating city once per request and threshold; returns how many requests were warned about."""
    today = today or today_tokyo()
    days = escalation_days()
    due = due_requests(today, days)
    coordinators = users_with_role(Role.COORDINATOR)
    for request in due:
        db.session.add(EscalationWarning(request_id=request.id, threshold_days=days, sent_at=utcnow()))
        notify_users(coordinators, "request.escalation", _params(request, today),
                     link=link_to("requests.detail", request_id=request.id),
                     dedupe_key=f"request.escalation:{request.id}:{days}")
    db.session.commit()
    return len(due)

