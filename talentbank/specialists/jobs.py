"""Scheduled work on the registry: asking specialists to re-confirm their availability.

A profile counts as confirmed for ``AVAILABILITY_FRESH_DAYS`` after its last confirmation (or
its registration). Then, one stage a day at most:

1. a reminder;
2. ``AVAILABILITY_GRACE_DAYS`` after the reminder, a second one naming the pause date;
3. as long again after that, the profile is paused (not matched) and the person is told.

A person with an account hears it themselves; a profile kept by staff (a serving officer,
or a retired specialist registered without an account) is brought to its keepers: the
employer city's HR officers, or the coordinating city. Each stage is written to
``ReminderLog`` keyed by the confirmation it counts from, so running the job twice does
each stage once, and a new confirmation starts a new series.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select

from ..accounts.models import User
from ..audit import services as audit
from ..core.clock import utcnow
from ..core.errors import N_
from ..core.permissions import Role
from ..extensions import db
from ..i18n import show_time
from ..notifications.models import ReminderLog
from ..notifications.services import link_to, notify, notify_users, users_with_role
from ..core.jobs import JobResult, RunContext, daily, every, scheduled_job
from . import imports
from .models import Specialist, SpecialistKind, SpecialistStatus
from .cards import AVAILABILITY_FRESH_DAYS

SUBJECT = "specialist.availability"


def _stages_done(specialist_id: int, basis_at: datetime) -> dict[int, datetime]:
    return dict(db.session.execute(select(ReminderLog.stage, ReminderLog.done_at).where(
        ReminderLog.subject_type == SUBJECT, ReminderLog.subject_id == specialist_id,
        ReminderLog.basis_at == basis_at)).all())


def _keepers(specialist: Specialist) -> tuple[list[User], str]:
    """Who looks after a profile the person cannot confirm themselves, and the page they do it on."""
    if specialist.kind == SpecialistKind.SERVING.value and specialist.employer_city_id is not None:
        return (users_with_role(Role.CITY_HR, city_id=specialist.employer_city_id),
                link_to("specialists.officer_edit", specialist_id=specialist.id))
    return users_with_role(Role.COORDINATOR), link_to("specialists.edit", specialist_id=specialist.id)


def _own_account(specialist: Specialist) -> User | None:
    user = specialist.user
    return user if user is not None and user.is_enabled else None


def _remind(specialist: Specialist, stage: int, basis_at: datetime, now: datetime, grace: timedelta) -> None:
    key = f"{SUBJECT}:{specialist.id}:{basis_at.isoformat()}:{stage}"
    pause_on = show_time(now + grace, "date")
    user = _own_account(specialist)
    if user is not None:
        if stage == 1:
            notify(user, "availability.reminder", {"days": AVAILABILITY_FRESH_DAYS}, link=link_to("specialists.me"),
                   dedupe_key=key)
        else:
            notify(user, "availability.final_reminder", {"pause_on": pause_on}, link=link_to("specialists.me"),
                   dedupe_key=key)
        return
    keepers, link = _keepers(specialist)
    notify_users(keepers, "availability.managed_reminder",
                 {"reference": specialist.reference, "days": AVAILABILITY_FRESH_DAYS, "pause_on": pause_on},
                 link=link, dedupe_key=key)


def _pause(specialist: Specialist, basis_at: datetime, now: datetime) -> None:
    """Pause as the system, audited like a pause by hand, and say so to the person or their keepers."""
    specialist.status = SpecialistStatus.PAUSED.value
    specialist.paused_at = now
    audit.record(None, "specialist.paused", "specialist", specialist.id, city_id=specialist.home_city_id,
                 changes={"status": ["active", "paused"]},
                 reason="活動条件の確認がなかったため自動で一時停止（2回の確認依頼に回答なし）",
                 summary=specialist.reference)
    key = f"{SUBJECT}:{specialist.id}:{basis_at.isoformat()}:paused"
    user = _own_account(specialist)
    if user is not None:
        notify(user, "availability.paused", {}, link=link_to("specialists.me"), dedupe_key=key)
    else:
        keepers, link = _keepers(specialist)
        notify_users(keepers, "availability.managed_paused", {"reference": specialist.reference}, link=link,
                     dedupe_key=key)


@scheduled_job("specialists.availability_reminders", trigger=daily(9, 0), title=N_("活動条件の再確認の依頼と一時停止"),
               schedule=N_("毎日 9:00"), misfire_grace_time=23 * 3600)
def remind_to_reconfirm(run: RunContext) -> JobResult:
    """Send the due reminders and pause the profiles left unconfirmed after two."""
    now = utcnow()
    grace = timedelta(days=current_app.config["AVAILABILITY_GRACE_DAYS"])
    stale_before = now - timedelta(days=AVAILABILITY_FRESH_DAYS)
    basis = func.coalesce(Specialist.availability_confirmed_at, Specialist.created_at)
    stale = list(db.session.scalars(select(Specialist).where(
        Specialist.status == SpecialistStatus.ACTIVE.value, basis <= stale_before).order_by(Specialist.id)))
    counts = {1: 0, 2: 0, 3: 0}
    for specialist in stale:
        basis_at = specialist.availability_confirmed_at or specialist.created_at
        done = _stages_done(specialist.id, basis_at)
        if 1 not in done:
            stage = 1
        elif 2 not in done and now >= done[1] + grace:
            stage = 2
        elif 2 in done and 3 not in done and now >= done[2] + grace:
            stage = 3
        else:
            continue
        if stage == 3:
            _pause(specialist, basis_at, now)
        else:
            _remind(specialist, stage, basis_at, now, grace)
        db.session.add(ReminderLog(subject_type=SUBJECT, subject_id=specialist.id, stage=stage, basis_at=basis_at,
                                   done_at=now))
        # One commit per profile: the stage, its notices and (for stage 3) the pause go together.
        db.session.commit()
        counts[stage] += 1
    return JobResult(N_("確認依頼%(first)s件、再通知%(second)s件、一時停止%(paused)s件。"),
                     {"first": counts[1], "second": counts[2], "paused": counts[3]})


@scheduled_job("specialists.import_previews_cleanup", trigger=every(hours=1), title=N_("確認されなかった一括登録ファイルの削除"),
               schedule=N_("1時間ごと"), misfire_grace_time=3600)
def delete_stale_import_previews(run: RunContext) -> JobResult:
    """Uploaded lists hold names and addresses: a preview never confirmed nor cancelled is not kept."""
    deleted = imports.delete_stale_previews(imports.preview_folder())
    return JobResult(N_("確認されなかった一括登録ファイル%(count)s件を削除しました。"), {"count": deleted})
