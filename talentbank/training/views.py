"""The training screens: the list, one session, posting and changing, cancelling, registering, attendance."""
from __future__ import annotations

from typing import Any, Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..cities.services import member_city_rows
from ..core.cache import Row
from ..core.errors import UserError
from ..core.forms import attach_errors, flash_form_errors
from ..core.permissions import PermissionDenied, may, requires
from ..core.query_args import int_arg, page_arg
from ..vocabulary.models import Profession
from ..vocabulary.services import active_terms
from . import services
from .forms import ButtonForm, CancelSessionForm, RemoveForm, SessionForm, StaffForm
from .models import (
    ATTENDANCE_LABELS,
    AUDIENCE_LABELS,
    REGISTRATION_STATUS_LABELS,
    SESSION_STATUS_LABELS,
    RegistrationStatus,
)

bp = Blueprint("training", __name__, url_prefix="/training")


def _locale() -> str:
    return str(get_locale() or "ja")


def _member_cities() -> list[Row]:
    return member_city_rows()  # cached read-only rows (core/cache.py), code order


def _labels() -> dict:
    return dict(audience_labels=AUDIENCE_LABELS, session_status_labels=SESSION_STATUS_LABELS,
                registration_status_labels=REGISTRATION_STATUS_LABELS, attendance_labels=ATTENDANCE_LABELS,
                in_tokyo=services.in_tokyo)


def _session_or_404(session_id: int):
    try:
        return services.get_session(current_user, session_id)
    except services.SessionNotFound:
        abort(404)


@bp.route("/")
@requires("training.view")
def index():
    when = request.args.get("when")
    flt = services.SessionFilters(profession_id=int_arg("profession_id"), city_id=int_arg("city_id"),
                                  when="past" if when == "past" else "upcoming")
    found = services.list_sessions(current_user, flt, page_arg())
    return render_template("training/index.html", found=found, flt=flt,
                           counts=services.counts([s.id for s in found.items]), cities=_member_cities(),
                           professions=active_terms(Profession), may_post=may(current_user, "training.post"),
                           **_labels())


@bp.route("/mine")
@requires("training.register")
def mine():
    return render_template("training/mine.html", registrations=services.my_registrations(current_user),
                           **_labels())


@bp.route("/<int:session_id>")
@requires("training.view")
def show(session_id: int):
    session = _session_or_404(session_id)
    manages = services.may_manage(current_user, session)
    own = services.own_registration(current_user, session)
    staff_form = None
    staff_registrations = []
    if may(current_user, "training.register_staff"):
        staff_form = StaffForm()
        staff_form.fill_choices(*services.city_staff(current_user))
        staff_registrations = [r for r in services.registrations(session.id)
                               if r.status in (RegistrationStatus.CONFIRMED.value, RegistrationStatus.WAITING.value)
                               and services.may_cancel_registration(current_user, r)]
    return render_template(
        "training/show.html", session=session, manages=manages, own=own,
        registrations=services.registrations(session.id) if manages else [],
        waiting_ids=[r.id for r in services.waiting_list(session.id)],
        count=services.counts([session.id])[session.id],
        may_register_self=services.may_register_self(current_user, session),
        staff_form=staff_form, staff_registrations=staff_registrations, button_form=ButtonForm(),
        remove_form=RemoveForm(), has_started=session.starts_at <= services.utcnow(), **_labels())


def _all_problems(form: SessionForm, session=None) -> None:
    """A form with unreadable fields also shows what the service finds in the others, all at once."""
    try:
        services.check_session_input(form.values(), existing=session)
    except UserError as exc:
        for error in getattr(exc, "errors", [exc]):
            target = getattr(form, error.field, None) if error.field else None
            if target is not None and not target.errors:
                target.errors = [error.translated()]


def _session_form(session=None) -> SessionForm:
    form = SessionForm()
    form.fill_choices(active_terms(Profession), _member_cities(), _locale())
    if session is not None and request.method == "GET":
        start, end = services.in_tokyo(session.starts_at), services.in_tokyo(session.ends_at)
        form.title.data, form.description.data = session.title, session.description
        form.day.data, form.start_time.data, form.end_time.data = start.date(), start.time(), end.time()
        form.mode.data = "online" if session.is_online else "onsite"
        form.place.data, form.online_url.data = session.place or "", session.online_url or ""
        form.capacity.data, form.audience.data = session.capacity, session.audience
        form.profession_ids.data = [p.id for p in session.professions]
        form.registration_deadline.data = session.registration_deadline
        form.city_id.data = str(session.city_id)
    return form


@bp.route("/new", methods=["GET", "POST"])
@requires("training.post")
def new():
    form = _session_form()
    if form.validate_on_submit():
        try:
            session = services.post_session(current_user, form.values())
        except UserError as exc:
            attach_errors(form, exc)
        except PermissionDenied:
            abort(403)
        else:
            flash(_("研修を登録しました。連携市の職員・専門人材が申し込めます。"), "success")
            return redirect(url_for("training.show", session_id=session.id))
    elif form.is_submitted():
        _all_problems(form)
    status = 400 if form.is_submitted() else 200
    return render_template("training/form.html", form=form, session=None,
                           choose_city=current_user.role != "city_hr"), status


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@requires("training.manage")
def edit(session_id: int):
    session = _session_or_404(session_id)
    if not services.may_manage(current_user, session):
        abort(403)
    form = _session_form(session)
    if form.validate_on_submit():
        try:
            services.edit_session(current_user, session.id, form.values())
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("研修の内容を更新しました。日時・会場を変えた場合は申込者に通知しました。"), "success")
            return redirect(url_for("training.show", session_id=session.id))
    elif form.is_submitted():
        _all_problems(form, session)
    status = 400 if form.is_submitted() else 200
    return render_template("training/form.html", form=form, session=session, choose_city=False), status


@bp.route("/<int:session_id>/cancel", methods=["GET", "POST"])
@requires("training.manage")
def cancel(session_id: int):
    session = _session_or_404(session_id)
    if not services.may_manage(current_user, session):
        abort(403)
    form = CancelSessionForm()
    if form.validate_on_submit():
        try:
            services.cancel_session(current_user, session.id, form.reason.data or "")
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("研修を中止し、申込者に通知しました。"), "success")
            return redirect(url_for("training.show", session_id=session.id))
    status = 400 if form.is_submitted() else 200
    return render_template("training/cancel.html", form=form, session=session,
                           count=services.counts([session.id])[session.id], **_labels()), status


def _back(session_id: int):
    return redirect(url_for("training.show", session_id=session_id))


@bp.route("/<int:session_id>/register", methods=["POST"])
@requires("training.register")
def register(session_id: int):
    session = _session_or_404(session_id)
    form = ButtonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(session.id)
    try:
        registration = services.register_self(current_user, session.id)
    except UserError as exc:
        flash(exc.translated(), "error")
    except PermissionDenied:
        abort(403)
    else:
        _flash_outcome(registration)
    return _back(session.id)


def _flash_outcome(registration) -> None:
    if registration.status == RegistrationStatus.CONFIRMED.value:
        flash(_("参加が確定しました。"), "success")
    else:
        flash(_("定員に達しているため、キャンセル待ちに登録しました。席が空くと順に参加確定になり、お知らせします。"),
              "success")


@bp.route("/<int:session_id>/register-staff", methods=["POST"])
@requires("training.register_staff")
def register_staff(session_id: int):
    session = _session_or_404(session_id)
    form = StaffForm()
    form.fill_choices(*services.city_staff(current_user))
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(session.id)
    specialist_id, user_id = form.chosen()
    try:
        registration = services.register_staff(current_user, session.id, specialist_id=specialist_id,
                                               user_id=user_id)
    except UserError as exc:
        flash(exc.translated(), "error")
    except PermissionDenied:
        abort(403)
    else:
        _flash_outcome(registration)
    return _back(session.id)


@bp.route("/registrations/<int:registration_id>/cancel", methods=["POST"])
@requires("training.register")
def cancel_registration(registration_id: int):
    return _end_registration(registration_id, ButtonForm(),
                             lambda form: services.cancel_registration(current_user, registration_id),
                             _("申込を取り消しました。"))


@bp.route("/registrations/<int:registration_id>/remove", methods=["POST"])
@requires("training.manage")
def remove_registration(registration_id: int):
    return _end_registration(registration_id, RemoveForm(),
                             lambda form: services.remove_registration(current_user, registration_id,
                                                                       form.reason.data or ""),
                             _("申込を取り消し、本人に通知しました。"))


def _end_registration(registration_id: int, form: Any, end: Callable[[Any], Any], done: str):
    """Cancelling or removing a registration: 404 when there is none, the form's errors or ``end(form)``'s
    refusal flashed, ``done`` flashed when it ended; back to the session's page."""
    try:
        registration = services.find_registration(registration_id)
        if not form.validate_on_submit():
            flash_form_errors(form)
        else:
            end(form)
            flash(done, "success")
    except services.SessionNotFound:
        abort(404)
    except PermissionDenied:
        abort(403)
    except UserError as exc:
        flash(exc.translated(), "error")
    return _back(registration.session_id)


@bp.route("/<int:session_id>/attendance", methods=["POST"])
@requires("training.manage")
def attendance(session_id: int):
    session = _session_or_404(session_id)
    if not services.may_manage(current_user, session):
        abort(403)
    form = ButtonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(session.id)
    marks: dict[int, str] = {}
    for key, value in request.form.items():
        if not key.startswith("attendance-"):
            continue
        number = key[len("attendance-"):]
        if not number.isascii() or not number.isdigit() or len(number) > 10 or not isinstance(value, str):
            flash(_("出欠の入力が正しくありません。画面を更新してから、もう一度お試しください。"), "error")
            return _back(session.id)
        marks[int(number)] = value if value in ("attended", "absent") else ("" if value == "" else "?")
    try:
        changed = services.record_attendance(current_user, session.id, marks)
    except UserError as exc:
        flash(exc.translated(), "error")
    else:
        flash(_("出欠を記録しました（%(count)s件を変更）。", count=changed), "success")
    return _back(session.id)
