"""When matching rounds run by themselves: on the coordinator's schedule, and fast for disasters.

The scheduler decides *when*; the matching domain decides *how*. It plugs in by appending a
function to ``RUN_ROUND_HOOKS``::

    def run_round_for_scheduler(order: RoundOrder) -> str:
        round_ = start_round(kind=order.kind, profession_id=order.profession_id, ...)
        return f"round {round_.id}: {len(round_.proposals)} proposals"   # for the run record

    RUN_ROUND_HOOKS.append(run_round_for_scheduler)

The hook commits its own work and raises on failure. Each occasion is recorded once as a
``RoundTrigger`` with a unique key, so a job that runs twice starts one round.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from flask_babel import gettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..core.clock import TOKYO, utcnow
from ..core.errors import N_
from ..core.permissions import Role
from ..extensions import db
from .models import RoundTrigger, ScheduleSetting, TriggerStatus

log = logging.getLogger(__name__)

WEEKDAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_LABELS = (N_("月曜日"), N_("火曜日"), N_("水曜日"), N_("木曜日"), N_("金曜日"), N_("土曜日"), N_("日曜日"))
NTH_CODES = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 5: "last"}
WEEK_OF_MONTH_LABELS = {None: N_("毎週"), 1: N_("毎月第1"), 2: N_("毎月第2"), 3: N_("毎月第3"), 4: N_("毎月第4"),
                        5: N_("毎月最終")}


@dataclass(frozen=True)
class RoundOrder:
    """What the matching engine is asked to run."""

    kind: str  # "scheduled" (the coordinator's rhythm), "fast_track" (disaster), "manual" (run now)
    profession_id: int | None  # None: every profession
    request_ids: tuple[int, ...]  # the disaster requests that asked for a fast track
    trigger_ids: tuple[int, ...]
    due_at: datetime  # naive UTC: the moment the round was due


# Filled by the matching domain: each takes a RoundOrder, runs a round, returns a summary.
RUN_ROUND_HOOKS: list[Callable[[RoundOrder], str]] = []


# The schedule setting --------------------------------------------------------------------------


def current_setting() -> ScheduleSetting:
    """The stored schedule, or the default (first Monday of the month, 09:00) before anyone set one."""
    setting = db.session.get(ScheduleSetting, 1)
    if setting is None:
        setting = ScheduleSetting(id=1, is_regular_enabled=True, weekday=0, week_of_month=1, hour=9, minute=0,
                                  is_fast_track_enabled=True, fast_track_delay_minutes=10)
    return setting


def cron_for(weekday: int, week_of_month: int | None, hour: int, minute: int) -> CronTrigger:
    """The APScheduler trigger for "the n-th (or every) weekday at hour:minute", Japan time."""
    day_code = WEEKDAY_CODES[weekday]
    if week_of_month is None:
        return CronTrigger(day_of_week=day_code, hour=hour, minute=minute, timezone=TOKYO)
    return CronTrigger(day=f"{NTH_CODES[week_of_month]} {day_code}", hour=hour, minute=minute, timezone=TOKYO)


def scheduled_round_trigger() -> CronTrigger | None:
    """The trigger of the regular round now in force; ``None`` when the coordinator switched it off."""
    setting = current_setting()
    if not setting.is_regular_enabled:
        return None
    return cron_for(setting.weekday, setting.week_of_month, setting.hour, setting.minute)


def describe_schedule(weekday: int, week_of_month: int | None, hour: int, minute: int) -> str:
    """In words, in the reader's language: 「毎月第1月曜日 9:00」."""
    return gettext("%(when)s%(day)s %(time)s", when=gettext(WEEK_OF_MONTH_LABELS[week_of_month]),
                   day=gettext(WEEKDAY_LABELS[weekday]), time=f"{hour}:{minute:02d}")


def describe_scheduled_round() -> str:
    """The regular round's schedule in words, or that it is off."""
    setting = current_setting()
    if not setting.is_regular_enabled:
        return gettext("停止中")
    return describe_schedule(setting.weekday, setting.week_of_month, setting.hour, setting.minute)


def next_fire_times(trigger: CronTrigger | None, count: int, after: datetime | None = None) -> list[datetime]:
    """The next ``count`` run times (naive UTC) after ``after`` (default now)."""
    if trigger is None:
        return []
    moment = (after or utcnow()).replace(tzinfo=UTC)
    times: list[datetime] = []
    previous = None
    while len(times) < count:
        fire = trigger.get_next_fire_time(previous, moment)
        if fire is None:
            break
        times.append(fire.astimezone(UTC).replace(tzinfo=None))
        previous, moment = fire, fire + timedelta(seconds=1)
    return times


def latest_fire_time(trigger: CronTrigger, now: datetime, lookback_days: int = 40) -> datetime | None:
    """The last moment (naive UTC) at or before ``now`` the trigger fired: the occurrence being run."""
    latest = None
    for fire in next_fire_times(trigger, 64, after=now - timedelta(days=lookback_days)):
        if fire > now:
            break
        latest = fire
    return latest


# Running a round -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundOutcome:
    status: str  # a TriggerStatus value
    summary: str


def run_round(order: RoundOrder) -> RoundOutcome:
    """Call the matching engine for ``order`` and record the outcome on its triggers (commits)."""
    if not RUN_ROUND_HOOKS:
        outcome = RoundOutcome(TriggerStatus.SKIPPED.value,
                               "no matching engine is installed (RUN_ROUND_HOOKS is empty)")
    else:
        try:
            summaries = [hook(order) for hook in list(RUN_ROUND_HOOKS)]
        except Exception as exc:
            db.session.rollback()
            _finish(order, TriggerStatus.FAILED.value, f"{type(exc).__name__}: {exc}")
            _tell_coordinators(order, failed=True)
            db.session.commit()
            raise
        outcome = RoundOutcome(TriggerStatus.DONE.value, "; ".join(s for s in summaries if s))
    _finish(order, outcome.status, outcome.summary)
    if outcome.status == TriggerStatus.SKIPPED.value:
        _tell_coordinators(order, failed=False)
    db.session.commit()
    return outcome


def _finish(order: RoundOrder, status: str, result: str) -> None:
    db.session.execute(update(RoundTrigger).where(RoundTrigger.id.in_(order.trigger_ids))
                       .values(status=status, result=result[:4000], finished_at=utcnow()))


def _tell_coordinators(order: RoundOrder, failed: bool) -> None:
    from ..notifications.services import link_to, notify_users, users_with_role

    what = {"scheduled": (N_("定期マッチング"), "regular matching round"),
            "fast_track": (N_("災害復旧の緊急マッチング"), "disaster fast-track round"),
            "manual": (N_("手動で指示したマッチング"), "matching round run by hand")}[order.kind]
    reason = ({"ja": "エラーが発生しました", "en": "an error occurred"} if failed else
              {"ja": "マッチング機能が組み込まれていません", "en": "no matching engine is installed"})
    notify_users(users_with_role(Role.COORDINATOR), "round.not_run",
                 {"what": {"ja": what[0], "en": what[1]}, "reason": reason},
                 link=link_to("scheduler.jobs"), dedupe_key=f"round.not_run:{min(order.trigger_ids)}")


def claim_trigger(key: str, kind: str, due_at: datetime, profession_id: int | None = None,
                  request_id: int | None = None) -> RoundTrigger | None:
    """Record an occasion to run a round as running; ``None`` when it was recorded before (commits)."""
    if db.session.scalar(select(RoundTrigger.id).where(RoundTrigger.key == key)) is not None:
        return None
    trigger = RoundTrigger(key=key, kind=kind, due_at=due_at, profession_id=profession_id, request_id=request_id,
                           status=TriggerStatus.RUNNING.value, started_at=utcnow(), created_at=utcnow())
    db.session.add(trigger)
    try:
        db.session.commit()
    except IntegrityError:  # recorded a moment ago by another run
        db.session.rollback()
        return None
    return trigger


# The disaster fast track -----------------------------------------------------------------------


def schedule_fast_track(request: Any) -> RoundTrigger | None:
    """Registered on ``requests.services.ON_REQUEST_OPENED``: a disaster request gets a round within minutes.

    Requests of the same profession opened close together share one round: the new one joins
    the round already waiting. Tells the coordinators when it will run. Commits (the opening is
    committed before the hooks run). Idempotent per request.
    """
    if getattr(request, "urgency", None) != "disaster":
        return None
    setting = current_setting()
    if not setting.is_fast_track_enabled:
        return None
    key = f"fast_track:request:{request.id}"
    if db.session.scalar(select(RoundTrigger.id).where(RoundTrigger.key == key)) is not None:
        return None
    now = utcnow()
    due_at = now + timedelta(minutes=setting.fast_track_delay_minutes)
    waiting = db.session.scalar(select(func.min(RoundTrigger.due_at)).where(
        RoundTrigger.kind == "fast_track", RoundTrigger.status == TriggerStatus.PENDING.value,
        RoundTrigger.profession_id == request.profession_id))
    if waiting is not None and waiting < due_at:
        due_at = waiting
    trigger = RoundTrigger(key=key, kind="fast_track", profession_id=request.profession_id, request_id=request.id,
                           due_at=due_at, status=TriggerStatus.PENDING.value, created_at=now)
    db.session.add(trigger)
    _announce_fast_track(request, due_at, key)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    return trigger


def _announce_fast_track(request: Any, due_at: datetime, key: str) -> None:
    from ..notifications.services import link_to, notify_users, users_with_role

    run_at = due_at.replace(tzinfo=UTC).astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
    city, profession = request.city, request.profession
    params = {
        "city": {"ja": city.name_ja, "en": city.name_en},
        "profession": {"ja": profession.name_ja, "en": profession.name_en},
        "people": request.people,
        "run_at": run_at,
    }
    notify_users(users_with_role(Role.COORDINATOR), "round.fast_track_scheduled", params,
                 link=link_to("requests.detail", request_id=request.id), dedupe_key=key)


def due_fast_track_professions(now: datetime) -> list[int | None]:
    """Professions with a fast-track round whose time has come."""
    return list(db.session.scalars(
        select(RoundTrigger.profession_id).where(
            RoundTrigger.kind == "fast_track", RoundTrigger.status == TriggerStatus.PENDING.value,
            RoundTrigger.due_at <= now).distinct()))


def claim_fast_track(profession_id: int | None) -> list[RoundTrigger]:
    """Take every waiting fast-track trigger of a profession (due or not: one round serves them all)."""
    condition = (RoundTrigger.profession_id == profession_id if profession_id is not None
                 else RoundTrigger.profession_id.is_(None))
    rows = list(db.session.scalars(select(RoundTrigger).where(
        RoundTrigger.kind == "fast_track", RoundTrigger.status == TriggerStatus.PENDING.value, condition)
        .order_by(RoundTrigger.id)))
    now = utcnow()
    claimed = []
    for row in rows:
        # Conditional update: a trigger taken by another run meanwhile is left alone.
        if db.session.execute(update(RoundTrigger).where(RoundTrigger.id == row.id,
                                                          RoundTrigger.status == TriggerStatus.PENDING.value)
                              .values(status=TriggerStatus.RUNNING.value, started_at=now)).rowcount:
            claimed.append(row)
    db.session.commit()
    return claimed
