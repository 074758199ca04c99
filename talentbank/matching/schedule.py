"""When matching rounds run by themselves: on the coordinator's schedule, and fast for disasters.

The round policy is the matching domain's: the schedule setting (kept by the coordinating city on
``/schedule``), the occasions to run a round (each recorded once as a ``RoundTrigger`` with a
unique key, so a job that runs twice starts one round), the disaster fast track, and running the
round itself. The scheduler process only calls the jobs of ``matching/jobs.py`` at their times.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from flask_babel import force_locale, gettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..audit import services as audit
from ..core import permissions
from ..core.clock import TOKYO, utcnow
from ..core.errors import N_, UserError
from ..core.permissions import Role
from ..extensions import db
from ..i18n import show_time
from ..notifications.services import link_to, notify_users, users_with_role
from ..vocabulary.models import Profession
from . import services
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


class RoundFailed(RuntimeError):
    """A round the scheduler asked for did not succeed."""


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


def run_ordered_round(order: RoundOrder) -> str:
    """Queue and run the round ``order`` asks for, in this process; the summary goes on the run record."""
    profession_code = None
    if order.profession_id is not None:
        profession_code = db.session.scalar(select(Profession.code).where(Profession.id == order.profession_id))
    kind = order.kind if order.kind in ("scheduled", "fast_track") else "manual"
    rnd = services.queue_round(None, kind, profession_code=profession_code, by_operator=True)
    rnd = services.run_round_now(rnd.id)
    summary = (rnd.stats or {}).get("summary", {})
    if rnd.status != "succeeded":
        raise RoundFailed(f"round {rnd.id} failed ({(rnd.stats or {}).get('error_kind', 'unknown')})")
    return (f"round {rnd.id}: {summary.get('proposals', 0)} proposals, {summary.get('unfilled_slots', 0)} empty "
            f"slots, {summary.get('cycles', 0)} rings")


def run_round(order: RoundOrder) -> RoundOutcome:
    """Run the round for ``order`` and record the outcome on its triggers (commits); a failure is told and raised."""
    try:
        summary = run_ordered_round(order)
    except Exception as exc:
        db.session.rollback()
        _finish(order, TriggerStatus.FAILED.value, f"{type(exc).__name__}: {exc}")
        _tell_coordinators_of_failure(order)
        db.session.commit()
        raise
    outcome = RoundOutcome(TriggerStatus.DONE.value, summary)
    _finish(order, outcome.status, outcome.summary)
    db.session.commit()
    return outcome


def _finish(order: RoundOrder, status: str, result: str) -> None:
    db.session.execute(update(RoundTrigger).where(RoundTrigger.id.in_(order.trigger_ids))
                       .values(status=status, result=result[:4000], finished_at=utcnow()))


def _tell_coordinators_of_failure(order: RoundOrder) -> None:
    what = {"scheduled": (N_("定期マッチング"), "regular matching round"),
            "fast_track": (N_("災害復旧の緊急マッチング"), "disaster fast-track round"),
            "manual": (N_("手動で指示したマッチング"), "matching round run by hand")}[order.kind]
    reason = {"ja": "エラーが発生しました", "en": "an error occurred"}
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
    """``requests.events.request_opened``: a disaster request gets a round within minutes.

    Requests of the same profession opened close together share one round: the new one joins
    the round already waiting. Tells the coordinators when it will run. Commits (the opening is
    committed before the event is sent). Idempotent per request.
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
    with force_locale("ja"):  # the same moment for every reader, written once
        run_at = show_time(due_at)
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


# The round schedule ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleValues:
    is_regular_enabled: bool
    weekday: int
    week_of_month: int | None
    hour: int
    minute: int
    is_fast_track_enabled: bool
    fast_track_delay_minutes: int


SCHEDULE_FIELDS = ("is_regular_enabled", "weekday", "week_of_month", "hour", "minute", "is_fast_track_enabled",
                   "fast_track_delay_minutes")


def get_schedule(actor: Any) -> ScheduleSetting:
    """The round schedule in force (the default until the coordinator first saves one)."""
    permissions.check(actor, "schedule.view")
    return current_setting()


def validate_schedule(values: ScheduleValues) -> None:
    """Refuse a schedule that cannot be run, naming the field."""
    if not 0 <= values.weekday <= 6:
        raise UserError("曜日を選んでください。", field="weekday")
    if values.week_of_month is not None and not 1 <= values.week_of_month <= 5:
        raise UserError("実行する週を選んでください。", field="week_of_month")
    if not 0 <= values.hour <= 23:
        raise UserError("時は0〜23の整数で入力してください。", field="hour")
    if not 0 <= values.minute <= 59:
        raise UserError("分は0〜59の整数で入力してください。", field="minute")
    if not 1 <= values.fast_track_delay_minutes <= 120:
        raise UserError("緊急マッチングまでの待ち時間は1〜120分で入力してください。", field="fast_track_delay_minutes")


def update_schedule(actor: Any, values: ScheduleValues, reason: str) -> ScheduleSetting:
    """Change when rounds run; the scheduler picks the change up within seconds. Audited with the reason."""
    permissions.check(actor, "schedule.edit")
    if not reason.strip():
        raise UserError("変更理由を入力してください。", field="reason")
    validate_schedule(values)
    setting = db.session.get(ScheduleSetting, 1)
    if setting is None:
        setting = current_setting()
        db.session.add(setting)
    before = {field: getattr(setting, field) for field in SCHEDULE_FIELDS}
    for field in SCHEDULE_FIELDS:
        setattr(setting, field, getattr(values, field))
    changes = audit.diff(before, {field: getattr(setting, field) for field in SCHEDULE_FIELDS})
    if changes:
        setting.updated_at = utcnow()
        setting.updated_by_id = actor.id
        with force_locale("ja"):  # the log is kept in one language
            summary = describe_schedule(values.weekday, values.week_of_month, values.hour, values.minute)
        audit.record(actor, "schedule.updated", "schedule_setting", 1, changes=changes, reason=reason.strip(),
                     summary=summary)
    db.session.commit()
    return setting


def upcoming_rounds(setting: ScheduleSetting, count: int = 3) -> list[datetime]:
    """The next regular rounds under ``setting`` (naive UTC), for the page to show."""
    if not setting.is_regular_enabled:
        return []
    return next_fire_times(cron_for(setting.weekday, setting.week_of_month, setting.hour, setting.minute), count)
