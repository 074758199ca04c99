"""The scheduler's own jobs: the regular matching round and the disaster fast track."""
from __future__ import annotations

from datetime import UTC, datetime

from ..core.clock import TOKYO, utcnow
from ..core.errors import N_
from .models import TriggerStatus
from .registry import JobResult, RunContext, every, scheduled_job
from .rounds import (
    RoundOrder,
    claim_fast_track,
    claim_trigger,
    describe_scheduled_round,
    due_fast_track_professions,
    latest_fire_time,
    run_round,
    scheduled_round_trigger,
)

# A regular round missed while the scheduler was down still runs if it comes back the same day.
SCHEDULED_ROUND_GRACE_SECONDS = 12 * 3600


def _tokyo(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")


@scheduled_job("rounds.scheduled", trigger=scheduled_round_trigger, title=N_("定期マッチング"),
               schedule=describe_scheduled_round, misfire_grace_time=SCHEDULED_ROUND_GRACE_SECONDS)
def run_scheduled_round(run: RunContext) -> JobResult:
    """Run the round of the coordinator's rhythm once per occurrence; "run now" runs an extra one."""
    now = utcnow()
    if run.is_manual:
        key, kind, due_at = f"manual:run:{run.run_id}", "manual", now
    else:
        trigger = scheduled_round_trigger()
        occurrence = latest_fire_time(trigger, now) if trigger is not None else None
        if occurrence is None:
            return JobResult(N_("定期マッチングは停止中のため、実行しませんでした。"), is_skipped=True)
        key, kind, due_at = f"scheduled:{occurrence:%Y-%m-%dT%H:%M}", "scheduled", occurrence
    trigger_row = claim_trigger(key, kind, due_at)
    if trigger_row is None:
        return JobResult(N_("%(at)sの回のマッチングは実行済みです。"), {"at": _tokyo(due_at)}, is_skipped=True)
    outcome = run_round(RoundOrder(kind, None, (), (trigger_row.id,), due_at))
    if outcome.status == TriggerStatus.SKIPPED.value:
        return JobResult(N_("マッチング機能が組み込まれていないため、実行しませんでした。"), is_skipped=True)
    return JobResult(N_("マッチングを実行しました：%(summary)s"), {"summary": outcome.summary})


@scheduled_job("rounds.fast_track", trigger=every(minutes=1), title=N_("災害復旧の緊急マッチング"),
               schedule=N_("1分ごとに確認"), misfire_grace_time=120)
def run_fast_tracks(run: RunContext) -> JobResult:
    """Run one round per profession whose disaster requests have waited their few minutes."""
    now = utcnow()
    # "Run now" does not wait for the delay: whatever is waiting runs at once.
    horizon = datetime.max if run.is_manual else now
    professions = due_fast_track_professions(horizon)
    if not professions:
        return JobResult(N_("実行を待つ緊急マッチングはありません。"))
    ran, skipped, failures = 0, 0, []
    for profession_id in professions:
        rows = claim_fast_track(profession_id)
        if not rows:
            continue
        order = RoundOrder("fast_track", profession_id, tuple(r.request_id for r in rows if r.request_id),
                           tuple(r.id for r in rows), min(r.due_at for r in rows))
        try:
            outcome = run_round(order)
        except Exception as exc:  # one profession failing must not hold up the others
            failures.append(f"profession {profession_id}: {type(exc).__name__}: {exc}")
            continue
        if outcome.status == TriggerStatus.SKIPPED.value:
            skipped += 1
        else:
            ran += 1
    if failures:
        raise RuntimeError("fast-track round failed for " + "; ".join(failures))
    if skipped and not ran:
        return JobResult(N_("マッチング機能が組み込まれていないため、緊急マッチング%(count)s件を実行しませんでした。"),
                         {"count": skipped}, is_skipped=True)
    return JobResult(N_("緊急マッチングを%(count)s件実行しました。"), {"count": ran})
