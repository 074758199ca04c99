"""Staffing request screens: a city's own requests, the form, the detail page (the board is ``talentbank.board``)."""
from __future__ import annotations

from collections.abc import Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..cities.models import City
from ..core import clock
from ..core.bounds import parse_int
from ..core.errors import UserError
from ..core.forms import attach_errors, flash_form_errors
from ..core.permissions import Role, may, requires
from ..core.permissions import check as check_permission
from ..core.query_args import int_arg, page_arg
from ..extensions import db
from ..specialists.privacy import hidden_actors
from ..vocabulary.services import group_by_profession
from . import services
from .forms import ActionForm, ReasonForm, RequestForm, WithdrawForm
from .models import (
    STATUS_LABELS,
    STATUSES,
    URGENCY_LABELS,
    WORK_MODE_LABELS,
    StaffingRequest,
)

bp = Blueprint("requests", __name__, url_prefix="/requests")


@bp.app_context_processor
def labels() -> dict[str, object]:
    return {"request_status_labels": STATUS_LABELS, "urgency_labels": URGENCY_LABELS,
            "work_mode_labels": WORK_MODE_LABELS}


def _values(form: RequestForm) -> services.RequestValues:
    return services.RequestValues(
        department=form.department.data or "",
        section=form.section.data or "",
        profession_id=form.profession_id.data,
        required_licence_ids=tuple(form.required_licence_ids.data or ()),
        desired_field_ids=tuple(form.desired_field_ids.data or ()),
        people=form.people.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        days_per_week=form.days_per_week.data,
        work_mode=form.work_mode.data or "",
        urgency=form.urgency.data or "",
        urgency_reason=form.urgency_reason.data or "",
        description=form.description.data or "",
        internal_notes=form.internal_notes.data or "",
        offered_rate_amount=form.offered_rate_amount.data,
        offered_rate_unit=form.offered_rate_unit.data or "",
    )


def _render_form(form: RequestForm, req=None, correcting: bool = False):
    professions, licences, fields = services.form_terms(req)
    form.profession_id.choices = [("", _("選んでください"))] + [(p.id, p.display_name(_locale())) for p in professions]
    return render_template(
        "requests/form.html", form=form, req=req, correcting=correcting, professions=professions,
        licence_groups=group_by_profession(licences, professions),
        field_groups=group_by_profession(fields, professions),
        chosen_licences=set(form.required_licence_ids.data or ()),
        chosen_fields=set(form.desired_field_ids.data or ()),
        today=clock.today_tokyo(),
    )


def _locale() -> str:
    return str(get_locale() or "ja")


# ----------------------------------------------------------------------------- a city's requests


@bp.route("/")
@requires("request.list")
def index():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    city_id = int_arg("city_id")
    page = page_arg()
    per_page = current_app.config["PAGE_SIZE"]
    listing, counts = services.list_requests(current_user, services.ListFilter(status=status, city_id=city_id),
                                                 page, per_page)
    is_hr = current_user.role == Role.CITY_HR
    cities = [] if is_hr else db.session.scalars(db.select(City).where(City.is_member.is_(True))
                                                 .order_by(City.code)).all()
    return render_template("requests/index.html", rows=listing.items, counts=counts, status=status,
                           city_id=city_id, cities=cities, page=listing, is_hr=is_hr,
                           statuses=STATUSES, can_create=may(current_user, "request.create"))


@bp.route("/new", methods=["GET", "POST"])
@requires("request.create")
def create():
    form = RequestForm()
    if form.is_submitted() and form.validate():
        try:
            req = services.create_request(current_user, _values(form))
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("派遣要請を下書きとして保存しました。内容を確認して「公開する」を押すと、需要ボードに載ります。"),
                  "success")
            return redirect(url_for("requests.detail", request_id=req.id))
    return _render_form(form)


@bp.route("/<int:request_id>")
@requires("request.view")
def detail(request_id: int):
    try:
        req = services.get_request(current_user, request_id)
    except UserError:
        abort(404)
    history = services.request_history(current_user, request_id)
    return render_template("requests/detail.html", req=req,
                           actions=services.allowed_actions(current_user, req),
                           correcting=services.is_correction(current_user),
                           has_proposals=services.has_proposals(req.id),
                           history=history, hidden_actors=hidden_actors(current_user, history),
                           action_form=ActionForm(), reason_form=ReasonForm())


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@requires("request.manage")
def edit(request_id: int):
    try:
        req = services.get_request(current_user, request_id)
    except UserError:
        abort(404)
    if not may(current_user, "request.manage", req.city_id):
        abort(403)
    correcting = services.is_correction(current_user)
    if "edit" not in services.allowed_actions(current_user, req):
        flash(_("この派遣要請は現在の状態では変更できません。"), "error")
        return redirect(url_for("requests.detail", request_id=req.id))
    if request.method == "GET":
        form = RequestForm(obj=req)
        form.required_licence_ids.data = [t.id for t in req.required_licences]
        form.desired_field_ids.data = [t.id for t in req.desired_fields]
        form.lock_version.data = str(req.lock_version)
    else:
        form = RequestForm()
        if form.validate():
            version = form.lock_version.data
            try:
                services.update_request(current_user, req.id, _values(form), reason=form.reason.data or "",
                                        expected_version=parse_int(version, 0))
            except UserError as exc:
                db.session.rollback()
                attach_errors(form, exc)
            else:
                flash(_("派遣要請を訂正しました。") if correcting else _("派遣要請を更新しました。"), "success")
                return redirect(url_for("requests.detail", request_id=req.id))
    return _render_form(form, req, correcting)


def press_button(action: Callable[[str], None], back: str, form_class: type[ReasonForm] = ReasonForm,
                 city_id: int | None = None, permission: str = "") -> Response:
    """Run a lifecycle button (open, withdraw, reopen) with its reason, show the outcome on ``back``.

    A form that does not pass (a reason too long, a confirmation not ticked) changes nothing and says why;
    another city's officer is refused (403) before that, as the service would refuse them."""
    if permission:
        check_permission(current_user, permission, city_id)
    form = form_class()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(back)
    try:
        action(form.reason.data or "")
    except UserError as exc:
        db.session.rollback()
        for error in getattr(exc, "errors", [exc]):
            flash(error.translated(), "error")
    return redirect(back)


@bp.route("/<int:request_id>/open", methods=["POST"])
@requires("request.manage")
def open_(request_id: int):
    def act(_reason: str) -> None:
        services.open_request(current_user, request_id)
        flash(_("派遣要請を公開しました。需要ボードに載り、次のマッチングの対象になります。"), "success")

    return press_button(act, url_for("requests.detail", request_id=request_id))


@bp.route("/<int:request_id>/withdraw", methods=["POST"])
@requires("request.manage")
def withdraw(request_id: int):
    def act(reason: str) -> None:
        services.withdraw_request(current_user, request_id, reason)
        flash(_("派遣要請を取り下げました。"), "success")

    req = db.session.get(StaffingRequest, request_id) or abort(404)
    return press_button(act, url_for("requests.detail", request_id=request_id), WithdrawForm, req.city_id,
                        "request.manage")


@bp.route("/<int:request_id>/reopen", methods=["POST"])
@requires("request.correct")
def reopen(request_id: int):
    def act(reason: str) -> None:
        services.reopen_request(current_user, request_id, reason)
        flash(_("派遣要請を再公開しました。"), "success")

    return press_button(act, url_for("requests.detail", request_id=request_id))
