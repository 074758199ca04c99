"""What each role's home page shows first: the work waiting for them, counted, each linked to the screen that clears it.

Three readers, three functions (the view picks one by role):

- the coordinating city: pairings and rings waiting for review, profiles waiting for a check, requests
  that start soon with empty slots (which city, which profession, and the last round's reason), failed
  jobs and failed mail (nothing of consultations or training: the cities act on those, the coordinating
  city only reads them);
- an HR officer: their own city only — requests by state, what is coming for them (proposals under
  review, offers waiting for the specialist, dispatches about to start), rings waiting for their
  confirmation, offers about to lapse, arrival details to enter, evaluations to write; consultation
  threads with a message they have not read, the city's open consultations nobody fits or about to
  expire (``consultations/todos.py``); their staff on a training waiting list or whose session was
  cancelled or place removed, the city's past sessions without attendance (``training/todos.py``);
- a specialist: their pending offers with the deadline, consultation offers waiting for an answer,
  threads with an unread message (a delegate also what they posted that nobody fits or is about to
  expire), training sessions of the coming week, coming and current dispatches with the receiving
  city's contact person and first-day details, what is left to do before they can be matched, and open
  requests that fit their profile.

Every count is one SQL aggregate (the coordinator's page runs on 50,000 specialists and 20,000
requests: scripts/bench_dashboard.py); lists are capped at ``LIST_LIMIT`` rows, the count says how many
there are in all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import Index, and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from ..cities.models import City
from ..consultations import delegates as consultation_delegates
from ..consultations import todos as consultation_todos
from ..cities.services import city_rows
from ..core import clock
from ..core.permissions import Role, may
from ..dispatches import arrival as arrivals
from ..dispatches.models import Dispatch, DispatchEvaluation, Offer
from ..dispatches.services import EVALUATION_OPENS_DAYS_BEFORE_END, REMINDER_BEFORE_DEADLINE
from ..exchange.rings.models import ExchangeCycle, ExchangeCycleConfirmation, ExchangeCycleMember
from ..i18n import show_time
from ..matching.models import ForbiddenPair, MatchingRound, Proposal, UnfilledSlot
from ..matching.reasons import ReasonContext, describe_unfilled
from ..matching.text import translator
from ..notifications.kinds import localise
from ..notifications.models import OutboxMessage, OutboxStatus
from ..reports.tables import Table
from ..requests.escalation import escalation_days, unfilled_soon_clause
from ..requests.models import LIVE_STATUSES, STATUS_LABELS, STATUSES, StaffingRequest, staffing_request_licences
from ..scheduler.models import JobRun, RunStatus
from ..scheduler.services import job_titles
from ..specialists.models import LicenceStatus, Specialist, SpecialistKind, SpecialistLicence
from ..specialists.verification import readiness, usable_profession_ids
from ..training import todos as training_todos
from ..training.readiness import lacking_training_clause
from ..extensions import db
from ..vocabulary.models import Profession
from ..vocabulary.services import terms_by_id
from .navigation import menu_count

LIST_LIMIT = 20
CHART_ROWS = 12  # bars in the chart of open slots by city and profession (the most open first)


@dataclass
class Todo:
    """One piece of waiting work: what, how many, where to clear it (``url`` None: nothing to open)."""

    key: str
    label: str
    count: int
    url: str | None = None
    hint: str = ""
    is_urgent: bool = False


@dataclass
class EscalationRow:
    request: StaffingRequest
    open_slots: int
    days_left: int
    reason: str  # the last round's reason, or that no round has looked at it yet
    reason_kind: str


@dataclass
class Dashboard:
    role: str
    todos: list[Todo] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def waiting(self) -> list[Todo]:
        return [t for t in self.todos if t.count]

    @property
    def clear(self) -> list[Todo]:
        return [t for t in self.todos if not t.count]


def _count(query: Any) -> int:
    return int(db.session.scalar(query) or 0)


def _total(first_rows: list[Any], count_query: Any) -> int:
    """How many there are in all: the rows already read when they were fewer than the cap, else counted."""
    return len(first_rows) if len(first_rows) < LIST_LIMIT else _count(count_query)


# The home pages count pairings waiting for review (per city for HR officers) and find the newest round
# with some: a few thousand rows among the hundreds of thousands that past rounds leave (migration 0015).
Index("ix_proposals_waiting_city_round", Proposal.city_id, Proposal.round_id,
      postgresql_where=Proposal.status == "proposed", sqlite_where=Proposal.status == "proposed")


# ----------------------------------------------------------------------------- shared pieces


def _last_reasons(requests: list[StaffingRequest]) -> dict[int, UnfilledSlot]:
    """The most recent round's empty-slot row of each request (reviewable rounds only)."""
    ids = [r.id for r in requests]
    if not ids:
        return {}
    rows = db.session.execute(
        select(UnfilledSlot).join(MatchingRound, MatchingRound.id == UnfilledSlot.round_id)
        .where(UnfilledSlot.request_id.in_(ids), MatchingRound.kind != "what_if")
        .order_by(UnfilledSlot.request_id, UnfilledSlot.round_id.desc())).scalars()
    latest: dict[int, UnfilledSlot] = {}
    for row in rows:
        latest.setdefault(row.request_id, row)
    return latest


def escalation_rows(today: date, days: int, city_id: int | None = None,
                    limit: int = LIST_LIMIT) -> tuple[int, list[EscalationRow], list[dict[str, Any]]]:
    """Requests starting within ``days`` with empty slots: the count, the first rows (most urgent, soonest first)
    with the last round's reason, and the open slots grouped by city and profession."""
    clause = unfilled_soon_clause(today, days, city_id)
    total = _count(select(func.count()).select_from(StaffingRequest).where(*clause))
    if not total:
        return 0, [], []
    rank = case({"disaster": 0, "statutory": 1}, value=StaffingRequest.urgency, else_=2)
    requests = list(db.session.scalars(
        select(StaffingRequest).where(*clause)
        .options(joinedload(StaffingRequest.city), joinedload(StaffingRequest.profession),
                 selectinload(StaffingRequest.required_licences))
        .order_by(rank, StaffingRequest.start_date, StaffingRequest.id).limit(limit)))
    locale = _locale()
    t = translator(locale)
    cities = city_rows()  # cached (core/cache.py)
    ctx = ReasonContext(city_names={c.code: c.display_name(locale) for c in cities},
                        licence_names={lic.code: lic.display_name(locale) for r in requests
                                       for lic in r.required_licences},
                        request_urgency={}, t=t)
    last = _last_reasons(requests)
    rows = []
    for r in requests:
        slot = last.get(r.id)
        if slot is None:
            text, kind = _("まだマッチングの対象になっていません（次のマッチングで検討されます）。"), "not_yet"
        else:
            described = describe_unfilled(slot.reason, r.profession.display_name(locale),
                                          [lic.code for lic in r.required_licences], ctx)
            text, kind = described.headline, described.kind
        rows.append(EscalationRow(r, r.people - r.filled_count, (r.start_date - today).days, text, kind))
    groups = db.session.execute(
        select(StaffingRequest.city_id, StaffingRequest.profession_id, func.count(),
               func.sum(StaffingRequest.people - StaffingRequest.filled_count))
        .where(*clause).group_by(StaffingRequest.city_id, StaffingRequest.profession_id)).all()
    city_by_id = {c.id: c for c in cities}
    professions = terms_by_id(Profession)
    grouped = sorted(({"city": city_by_id[c], "profession": professions[p], "requests": n, "slots": int(s or 0)}
                      for c, p, n, s in groups), key=lambda g: (-g["slots"], g["city"].code, g["profession"].id))
    return total, rows, grouped


def escalation_chart(grouped: list[dict[str, Any]], days: int) -> Table:
    """The open slots of requests starting soon by city and profession, as the reports' chart-and-table draws it."""
    locale = _locale()
    caption = _("%(days)s日以内に始まる要請の空き枠（市・職種別）", days=days)
    if len(grouped) > CHART_ROWS:
        caption += _("：空き枠の多い順に%(n)s組（全%(total)s組）", n=CHART_ROWS, total=len(grouped))
    return Table("escalation_slots", caption, [_("市・職種"), _("空き枠"), _("要請数")],
                 [[f"{g['city'].display_name(locale)} {g['profession'].display_name(locale)}", g["slots"], g["requests"]]
                  for g in grouped[:CHART_ROWS]])


def _locale() -> str:
    return str(get_locale() or "ja")


# ----------------------------------------------------------------------------- the coordinating city


def proposals_waiting() -> tuple[int, int | None]:
    """Pairings waiting for the coordinating city's decision, and the newest round that has some."""
    total = _count(select(func.count()).select_from(Proposal).where(Proposal.status == "proposed"))
    round_id = db.session.scalar(select(func.max(Proposal.round_id)).where(Proposal.status == "proposed")) \
        if total else None
    return total, round_id


def rings_waiting() -> tuple[int, int | None]:
    """Exchange rings proposed by a round and not yet approved or rejected, and the newest round with one."""
    total = _count(select(func.count()).select_from(ExchangeCycle).where(ExchangeCycle.status == "proposed"))
    round_id = db.session.scalar(select(func.max(ExchangeCycle.round_id)).where(
        ExchangeCycle.status == "proposed")) if total else None
    return total, round_id


def failed_jobs() -> list[str]:
    """Jobs whose latest finished run failed (a later success clears it)."""
    latest = (select(JobRun.job_name, func.max(JobRun.id).label("last_id"))
              .where(JobRun.status.not_in((RunStatus.QUEUED.value, RunStatus.RUNNING.value)))
              .group_by(JobRun.job_name).subquery())
    return list(db.session.scalars(
        select(JobRun.job_name).join(latest, JobRun.id == latest.c.last_id)
        .where(JobRun.status == RunStatus.FAILED.value).order_by(JobRun.job_name)))


def failed_mail_count() -> int:
    return _count(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.status == OutboxStatus.FAILED.value))


def coordinator_dashboard(actor: Any, today: date | None = None) -> Dashboard:
    """The coordinating city's (and an administrator's) to-dos, the escalation list first among them."""
    today = today or clock.today_tokyo()
    board = Dashboard("coordinator")
    proposals, proposal_round = proposals_waiting()
    board.todos.append(Todo("proposals", _("審査待ちの提案"), proposals,
                            url_for("matching.show", round_id=proposal_round) if proposal_round
                            else url_for("matching.index"),
                            _("マッチングが提案した組み合わせを承認または却下してください。")))
    rings, ring_round = rings_waiting()
    board.todos.append(Todo("rings", _("審査待ちの職員交流（交流の輪）"), rings,
                            url_for("matching.show", round_id=ring_round) if ring_round else url_for("matching.index"),
                            _("マッチングが見つけた交流の輪を承認または却下してください。")))
    board.todos.append(Todo("verification", _("確認待ちの資格・登録内容"),
                            menu_count("specialists.verification_queue"),
                            url_for("specialists.verification_queue"),
                            _("資格の番号・写しや職種・経験を確認すると、マッチングの対象になります。")))
    days = escalation_days()
    total, rows, grouped = escalation_rows(today, days)
    board.todos.append(Todo("escalation", _("%(days)s日以内に始まる未充足の派遣要請", days=days), total,
                            "#escalation", _("下の一覧：どの市の、どの職種が、なぜ埋まっていないか。"),
                            is_urgent=any(r.request.urgency != "ordinary" for r in rows)))
    titles = job_titles()
    jobs = [titles.get(name, name) for name in failed_jobs()]
    if may(actor, "job.view"):
        board.todos.append(Todo("jobs", _("失敗した定期ジョブ"), len(jobs), url_for("scheduler.jobs"),
                                _("、").join(jobs), is_urgent=bool(jobs)))
    if may(actor, "outbox.view"):
        failed = failed_mail_count()
        board.todos.append(Todo("mail", _("送信に失敗したメール"), failed,
                                url_for("notifications.outbox", status="failed"), is_urgent=bool(failed)))
    board.extra.update(escalation=rows, escalation_chart=escalation_chart(grouped, days), escalation_days=days,
                       escalation_total=total)
    return board


# ----------------------------------------------------------------------------- an HR officer


def requests_by_status(city_id: int) -> dict[str, int]:
    counts = dict(db.session.execute(select(StaffingRequest.status, func.count()).where(
        StaffingRequest.city_id == city_id).group_by(StaffingRequest.status)).all())
    return {status: int(counts.get(status, 0)) for status in STATUSES}


def rings_to_confirm_clause(city_id: int) -> list[Any]:
    """SQL: an approved ring with a leg in the city, which the city has not confirmed yet."""
    return [ExchangeCycle.status == "approved",
            exists().where(ExchangeCycleMember.cycle_id == ExchangeCycle.id, ExchangeCycleMember.city_id == city_id),
            ~exists().where(ExchangeCycleConfirmation.cycle_id == ExchangeCycle.id,
                            ExchangeCycleConfirmation.city_id == city_id)]


def evaluations_due_clause(city_id: int, today: date, party: str = "city") -> list[Any]:
    """SQL: the city's dispatches whose evaluation is open (ended, or in their last two weeks) and not written."""
    return [Dispatch.city_id == city_id,
            or_(Dispatch.status == "completed",
                and_(Dispatch.status == "active",
                     Dispatch.end_date <= today + timedelta(days=EVALUATION_OPENS_DAYS_BEFORE_END))),
            ~exists().where(DispatchEvaluation.dispatch_id == Dispatch.id, DispatchEvaluation.party == party)]


def arrivals_missing_clause(city_id: int) -> list[Any]:
    """SQL: the city's coming or current dispatches without arrival details."""
    return [Dispatch.city_id == city_id, Dispatch.status.in_(("scheduled", "active")),
            ~exists().where(arrivals.DispatchArrival.dispatch_id == Dispatch.id)]


def hr_dashboard(actor: Any, today: date | None = None) -> Dashboard:
    """An HR officer's to-dos, all about their own city."""
    today = today or clock.today_tokyo()
    now = clock.utcnow()
    city_id = actor.city_id
    board = Dashboard("city_hr")
    if city_id is None:
        return board
    rings = _count(select(func.count()).select_from(ExchangeCycle).where(*rings_to_confirm_clause(city_id)))
    board.todos.append(Todo("rings", _("自市の確認を待っている職員交流"), rings, url_for("rings.index"),
                            _("承認された交流の輪は、関係するすべての市が確認すると成立します。"), is_urgent=bool(rings)))
    offers, expiring = db.session.execute(
        select(func.count(), func.count().filter(Offer.deadline_at <= now + REMINDER_BEFORE_DEADLINE))
        .select_from(Offer).where(Offer.city_id == city_id, Offer.status == "pending")).one()
    board.todos.append(Todo("expiring", _("回答期限が近い打診（%(hours)s時間以内）",
                                          hours=int(REMINDER_BEFORE_DEADLINE.total_seconds() // 3600)),
                            expiring, url_for("dispatches.index"),
                            _("期限までに本人の回答がないと打診は失効し、枠は次のマッチングに戻ります。")))
    missing = list(db.session.scalars(select(Dispatch).where(*arrivals_missing_clause(city_id))
                                      .options(joinedload(Dispatch.specialist))
                                      .order_by(Dispatch.start_date, Dispatch.id).limit(LIST_LIMIT)))
    missing_total = _total(missing, select(func.count()).select_from(Dispatch).where(*arrivals_missing_clause(city_id)))
    board.todos.append(Todo("arrivals", _("初日の案内が未登録の派遣"), missing_total,
                            url_for("dispatches.arrival_form", dispatch_id=missing[0].id) if missing
                            else url_for("dispatches.index"),
                            _("担当者・場所・初日の日時を登録すると、本人に通知されます。")))
    evaluations = list(db.session.scalars(select(Dispatch).where(*evaluations_due_clause(city_id, today))
                                          .options(joinedload(Dispatch.specialist))
                                          .order_by(Dispatch.end_date, Dispatch.id).limit(LIST_LIMIT)))
    evaluations_total = _total(evaluations, select(func.count()).select_from(Dispatch).where(
        *evaluations_due_clause(city_id, today)))
    board.todos.append(Todo("evaluations", _("書いていない派遣の評価"), evaluations_total,
                            url_for("dispatches.detail", dispatch_id=evaluations[0].id) + "#evaluations"
                            if evaluations else url_for("dispatches.index", status="completed")))
    proposals = _count(select(func.count()).select_from(Proposal).where(
        Proposal.city_id == city_id, Proposal.status == "proposed"))
    board.todos.append(Todo("proposals", _("幹事市が審査中の提案（自市の要請）"), proposals,
                            url_for("matching.results")))
    board.todos.append(Todo("offers", _("本人の回答待ちの打診"), offers, url_for("dispatches.index")))
    coming = _count(select(func.count()).select_from(Dispatch).where(
        Dispatch.city_id == city_id, Dispatch.status == "scheduled"))
    board.todos.append(Todo("coming", _("これから始まる派遣"), coming, url_for("dispatches.index", status="scheduled")))
    board.todos.extend(consultation_todos_for(actor, today, city_id=city_id))
    board.todos.extend(training_todos_for_city(city_id, now))
    days = escalation_days()
    soon, soon_rows, _groups = escalation_rows(today, days, city_id)
    board.todos.append(Todo("unfilled_soon", _("%(days)s日以内に始まる未充足の派遣要請", days=days), soon,
                            "#escalation", _("下の一覧：なぜ埋まっていないか（前回のマッチングの理由）。")))
    by_status = requests_by_status(city_id)
    board.extra.update(requests_by_status=[
        {"status": s, "label": STATUS_LABELS[s], "count": by_status[s], "url": url_for("requests.index", status=s)}
        for s in STATUSES], arrivals_missing=missing, evaluations_due=evaluations, escalation=soon_rows,
        escalation_days=days,
        city=db.session.get(City, city_id))
    return board


# ----------------------------------------------------------------------------- consultations and training


def _consultation_url(consultation_id: int | None, fallback: str) -> str:
    return url_for("consultations.detail", consultation_id=consultation_id) if consultation_id else fallback


def _session_url(session_id: int | None, fallback: str, anchor: str = "") -> str:
    return url_for("training.show", session_id=session_id) + anchor if session_id else fallback


def consultation_todos_for(actor: Any, today: date, *, city_id: int | None = None, posted_by_id: int | None = None,
                           posted: bool = True) -> list[Todo]:
    """The posting side's consultation to-dos: threads with a message the reader has not read; and, for an HR
    officer's city (or the consultations a delegate posted), open ones nobody fits and ones about to expire.
    A specialist who is no delegate and has nothing posted open gets only the unread threads."""
    todos = []
    unread, unread_link = consultation_todos.unread_threads(actor.id)
    todos.append(Todo("consultation_unread", _("新しいメッセージがある相談"), unread,
                      unread_link or url_for("consultations.index"),
                      _("相談の画面を開くと、既読になります。")))
    waiting = consultation_todos.city_waiting(today, city_id=city_id, posted_by_id=posted_by_id)
    if not posted and not waiting.no_taker and not waiting.expiring:
        return todos
    open_list = url_for("consultations.index", status="open") if city_id is not None \
        else url_for("consultations.index") + "#posted-consultations"
    todos.append(Todo("consultation_no_taker", _("打診できる専門人材がいない募集中の相談"), waiting.no_taker,
                      _consultation_url(waiting.no_taker_id, open_list),
                      _("理由を確認し、必要な時間・相談の方法・回答の希望日を見直すか、幹事市に相談してください。"),
                      is_urgent=bool(waiting.no_taker)))
    todos.append(Todo("consultation_expiring",
                      _("回答の希望日が近い募集中の相談（%(days)s日以内）", days=consultation_todos.EXPIRY_WARNING_DAYS),
                      waiting.expiring, _consultation_url(waiting.expiring_id, open_list),
                      _("希望日までに引き受ける人がいないと、相談は期限切れになります。")))
    return todos


def training_todos_for_city(city_id: int, now: Any) -> list[Todo]:
    """An HR officer's training to-dos: their staff waiting for a place or whose session changed, and the
    sessions their city held whose attendance is not recorded."""
    fallback = url_for("training.index")
    waiting = training_todos.staff_waiting(city_id, now)
    changed = training_todos.staff_changed(city_id, now)
    attendance = training_todos.attendance_due(city_id, now)
    return [
        Todo("training_attendance", _("出欠を記録していない自市主催の研修"), attendance.count,
             _session_url(attendance.first_session_id, url_for("training.index", when="past"), "#training-manage"),
             _("出欠の記録は受講歴になり、派遣・交流の準備の判断に使われます。"), is_urgent=bool(attendance.count)),
        Todo("training_changed", _("中止・取消になった自市職員の研修申込（%(days)s日以内）",
                                   days=training_todos.CHANGED_DAYS),
             changed.count, _session_url(changed.first_session_id, fallback),
             _("研修が中止されたか、主催者が申込を取り消しました。職員に伝え、必要なら別の研修に申し込んでください。")),
        Todo("training_waiting", _("キャンセル待ちの自市職員の研修申込"), waiting.count,
             _session_url(waiting.first_session_id, fallback, "#training-staff"),
             _("席が空くと順に参加確定になります。参加できない職員の申込は取り消してください。")),
    ]


# ----------------------------------------------------------------------------- a specialist


def fitting_requests_clause(specialist: Specialist, today: date) -> list[Any] | None:
    """SQL for open requests that fit the profile by the matching rules that need nothing but the profile:
    a verified profession, every required licence held and verified, a period that overlaps an
    availability window, the days per week, the work mode, a city not excluded and not the person's own
    employer, a pairing not declined or rejected before (nor already offered). Travel time, days already taken and the priority between cities are left to the round.
    The readiness rule (``training.readiness.lacking_training_clause``) is added by the dashboard, which also
    counts what it leaves out.
    None when nothing can fit (no verified profession, no window ahead or no work mode)."""
    professions = usable_profession_ids(specialist)
    windows = [(w.start_date, w.end_date) for w in specialist.availability_windows if w.end_date >= today]
    modes = ["either"] + [m for m, ok in (("onsite", specialist.can_work_onsite),
                                          ("remote", specialist.can_work_remote)) if ok]
    if not professions or not windows or len(modes) == 1:
        return None
    verified = select(SpecialistLicence.licence_id).where(
        SpecialistLicence.specialist_id == specialist.id, SpecialistLicence.status == LicenceStatus.VERIFIED.value)
    srl = staffing_request_licences
    missing_licence = exists().where(srl.c.request_id == StaffingRequest.id, srl.c.licence_id.not_in(verified))
    overlap = or_(*[and_(StaffingRequest.start_date <= end, StaffingRequest.end_date >= start)
                    for start, end in windows])
    not_theirs = [c.id for c in specialist.excluded_cities]
    if specialist.employer_city_id is not None:
        not_theirs.append(specialist.employer_city_id)
    return [StaffingRequest.status.in_(LIVE_STATUSES), StaffingRequest.filled_count < StaffingRequest.people,
            StaffingRequest.end_date >= today, StaffingRequest.profession_id.in_(professions), ~missing_licence,
            overlap, StaffingRequest.days_per_week <= specialist.days_per_week,
            StaffingRequest.work_mode.in_(modes), StaffingRequest.city_id.not_in(not_theirs or [0]),
            # Not a request the person was already offered, nor a pairing declined or rejected before.
            ~exists().where(Offer.request_id == StaffingRequest.id, Offer.specialist_id == specialist.id),
            ~exists().where(ForbiddenPair.request_id == StaffingRequest.id,
                            ForbiddenPair.specialist_id == specialist.id)]


def specialist_dashboard(actor: Any, today: date | None = None) -> Dashboard:
    """A specialist's offers, dispatches (with the arrival details), readiness to-dos and fitting requests."""
    today = today or clock.today_tokyo()
    board = Dashboard("specialist")
    specialist = db.session.scalar(select(Specialist).where(Specialist.user_id == actor.id))
    board.extra["specialist"] = specialist
    if specialist is None:
        return board
    offers = list(db.session.scalars(select(Offer).where(Offer.specialist_id == specialist.id,
                                                         Offer.status == "pending")
                                     .options(joinedload(Offer.city), joinedload(Offer.request)
                                              .joinedload(StaffingRequest.profession))
                                     .order_by(Offer.deadline_at, Offer.id)))
    board.todos.append(Todo("offers", _("回答を待っている派遣の打診"), len(offers), url_for("dispatches.offers"),
                            _("期限（日本時間）までに承諾または辞退を回答してください。"), is_urgent=bool(offers)))
    consultation_offers = menu_count("consultations.index")
    board.todos.append(Todo("consultation_offers", _("回答を待っている相談の打診"), consultation_offers,
                            url_for("consultations.index") + "#waiting-consultations",
                            _("最初に引き受けた方が担当します。引き受けるか辞退するかを回答してください。"),
                            is_urgent=bool(consultation_offers)))
    delegation = consultation_delegates.active_delegation(actor)
    board.todos.extend(consultation_todos_for(actor, today, posted_by_id=actor.id, posted=delegation is not None))
    coming = training_todos.coming_registrations(clock.utcnow(), specialist_id=specialist.id)
    board.todos.append(Todo("training_coming", _("%(days)s日以内に参加する研修", days=training_todos.COMING_DAYS),
                            coming.count, _session_url(coming.first_session_id, url_for("training.mine")),
                            _("参加できなくなったときは、研修のページから申込を取り消してください。")))
    items = readiness(specialist, today)
    locale = _locale()
    todo_items = [(_(i.message, **localise(i.params, locale)), i) for i in items if not i.done]
    board.todos.append(Todo("readiness", _("マッチングまでの準備で残っていること"), len(todo_items),
                            url_for("specialists.me") + "#readiness",
                            is_urgent=any(i.blocking for _t, i in todo_items)))
    dispatches = list(db.session.scalars(
        select(Dispatch).where(Dispatch.specialist_id == specialist.id, Dispatch.status.in_(("scheduled", "active")))
        .options(joinedload(Dispatch.city), joinedload(Dispatch.request).joinedload(StaffingRequest.profession))
        .order_by(Dispatch.start_date, Dispatch.id)))
    details = arrivals.arrivals_for([d.id for d in dispatches])
    fitting: list[StaffingRequest] = []
    fitting_total = training_left_out = 0
    if specialist.kind == SpecialistKind.RETIRED.value:
        clause = fitting_requests_clause(specialist, today)
        lacking = lacking_training_clause(specialist.id, today) if clause is not None else None
        if lacking is not None:
            # the rounds' hard rule "training": a disaster-recovery request of a profession that requires a
            # recent training is left out (and counted, to say so) when the person has not attended one
            training_left_out = _count(select(func.count()).select_from(StaffingRequest).where(*clause, lacking))
            clause = [*clause, ~lacking]
        if clause is not None:
            fitting_total = _count(select(func.count()).select_from(StaffingRequest).where(*clause))
            fitting = list(db.session.scalars(
                select(StaffingRequest).where(*clause)
                .options(joinedload(StaffingRequest.city), joinedload(StaffingRequest.profession))
                .order_by(StaffingRequest.start_date, StaffingRequest.id).limit(LIST_LIMIT)))
    board.extra.update(offers=offers, dispatches=dispatches, arrivals=details, readiness=todo_items,
                       fitting=fitting, fitting_total=fitting_total, training_left_out=training_left_out,
                       deadline_labels={o.id: show_time(o.deadline_at) for o in offers},
                       is_retired=specialist.kind == SpecialistKind.RETIRED.value)
    return board


def dashboard_for(actor: Any) -> Dashboard | None:
    """The dashboard of ``actor``'s role (None: the role has no dashboard; the menu alone is shown)."""
    if actor.role in (Role.COORDINATOR, Role.ADMIN):
        return coordinator_dashboard(actor)
    if actor.role == Role.CITY_HR:
        return hr_dashboard(actor)
    if actor.role == Role.SPECIALIST:
        return specialist_dashboard(actor)
    return None

