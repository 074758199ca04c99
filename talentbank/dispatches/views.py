"""Screens of offers, dispatches and exchange rings: the specialist answers, cities follow, the coordinator manages."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import clock
from ..core.errors import UserError
from ..core.forms import act_with_reason, attach_errors, flash_form_errors
from ..core.permissions import may, requires
from ..core.query_args import date_arg, int_arg, page_arg, text_arg
from ..exchange.rings.models import CYCLE_STATUS_LABELS
from ..matching.models import PROPOSAL_STATUS_LABELS
from . import arrival, roster, services
from .arrival_forms import ArrivalForm
from .forms import ActionForm, DeclineForm, EvaluationForm, ExtendForm, ReasonForm
from .models import (
    DISPATCH_STATUS_LABELS,
    EVALUATION_PARTY_LABELS,
    OFFER_STATUS_LABELS,
    SERVED_MODE_LABELS,
)

bp = Blueprint("dispatches", __name__)


@bp.app_context_processor
def labels() -> dict[str, object]:
    return {"dispatch_status_labels": DISPATCH_STATUS_LABELS, "dispatch_offer_status_labels": OFFER_STATUS_LABELS,
            "cycle_status_labels": CYCLE_STATUS_LABELS,
            "served_mode_labels": SERVED_MODE_LABELS, "evaluation_party_labels": EVALUATION_PARTY_LABELS,
            "history_status_labels": {"dispatch": DISPATCH_STATUS_LABELS, "dispatch_offer": OFFER_STATUS_LABELS,
                                      "proposal": PROPOSAL_STATUS_LABELS}}


# ----------------------------------------------------------------------------- the specialist's offers


@bp.route("/offers/")
@requires("offer.answer")
def offers():
    pending, answered = services.my_offers(current_user)
    return render_template("dispatches/offers.html", pending=pending, answered=answered,
                           dispatches=services.my_dispatches(current_user), now=clock.utcnow())


def _render_offer(offer, decline_form=None, status: int = 200):
    return render_template("dispatches/offer.html", offer=offer, accept_form=ActionForm(),
                           decline_form=decline_form or DeclineForm(), now=clock.utcnow()), status


@bp.route("/offers/<int:dispatch_offer_id>")
@requires("offer.answer")
def offer(dispatch_offer_id: int):
    try:
        found = services.get_own_offer(current_user, dispatch_offer_id)
    except UserError:
        return render_template("errors/error.html", status=404, message=_("打診が見つかりません。")), 404
    return _render_offer(found)


@bp.route("/offers/<int:dispatch_offer_id>/accept", methods=["POST"])
@requires("offer.answer")
def accept(dispatch_offer_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(url_for("dispatches.offer", dispatch_offer_id=dispatch_offer_id))
    try:
        dispatch = services.accept_offer(current_user, dispatch_offer_id)
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("dispatches.offer", dispatch_offer_id=dispatch_offer_id))
    flash(_("打診を承諾しました。派遣が決まりました（%(start)s〜%(end)s）。", start=dispatch.start_date.isoformat(),
            end=dispatch.end_date.isoformat()), "success")
    return redirect(url_for("dispatches.detail", dispatch_id=dispatch.id))


@bp.route("/offers/<int:dispatch_offer_id>/decline", methods=["POST"])
@requires("offer.answer")
def decline(dispatch_offer_id: int):
    try:
        found = services.get_own_offer(current_user, dispatch_offer_id)
    except UserError:
        return render_template("errors/error.html", status=404, message=_("打診が見つかりません。")), 404
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            services.decline_offer(current_user, dispatch_offer_id, form.decline_reason.data or "")
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("打診を辞退しました。ご回答ありがとうございました。"), "success")
            return redirect(url_for("dispatches.offers"))
    return _render_offer(found, decline_form=form, status=400)


# ----------------------------------------------------------------------------- the roster


def _roster_filter() -> roster.RosterFilter:
    status = (text_arg("status") or "current")
    return roster.RosterFilter(status=status if status in roster.STATUS_CHOICES else "current",
                               city_id=int_arg("city_id"), on_date=date_arg("on_date"),
                               q=text_arg("q"))


@bp.route("/dispatches/")
@requires("dispatch.list")
def index():
    flt = _roster_filter()
    page = roster.roster(current_user, flt, page_arg(), current_app.config["PAGE_SIZE"])
    # Staff: the first page of offers still waiting for the specialist's answer, and how many there are.
    waiting = services.pending_offers(current_user) if may(current_user, "dispatch.export") else None
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("dispatches/index.html", page=page, flt=flt, args=args,
                           cities=roster.filter_cities(current_user), waiting=waiting)


def _export(extension: str) -> Response:
    try:
        rows = roster.export_rows(current_user, _roster_filter())
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("dispatches.index", **request.args))
    filename = roster.export_filename(extension)
    if extension == "csv":
        body, mimetype = roster.csv_text(rows).encode("utf-8"), "text/csv; charset=utf-8"
    else:
        body = roster.xlsx_bytes(rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename={filename}", "Cache-Control": "no-store"})


@bp.route("/dispatches/export.csv")
@requires("dispatch.export")
def export_csv():
    return _export("csv")


@bp.route("/dispatches/export.xlsx")
@requires("dispatch.export")
def export_xlsx():
    return _export("xlsx")


# ----------------------------------------------------------------------------- one dispatch


def _render_detail(dispatch_id: int, *, cancel_form=None, extend_form=None, evaluation_form=None,
                   status: int = 200):
    try:
        page = services.view_dispatch(current_user, dispatch_id)
    except UserError:
        return render_template("errors/error.html", status=404, message=_("派遣が見つかりません。")), 404
    if evaluation_form is None and page.evaluation_party:
        mine = page.dispatch.evaluation_by(page.evaluation_party)
        evaluation_form = EvaluationForm(data={"rating": str(mine.rating), "comment": mine.comment} if mine else None)
    return render_template("dispatches/detail.html", page=page, d=page.dispatch,
                           cancel_form=cancel_form or ReasonForm(), extend_form=extend_form or ExtendForm(),
                           evaluation_form=evaluation_form, today=clock.today_tokyo(),
                           arrival=arrival.arrival_for(dispatch_id),
                           may_edit_arrival=arrival.may_edit_arrival(current_user, page.dispatch)), status


@bp.route("/dispatches/<int:dispatch_id>")
@requires("dispatch.view")
def detail(dispatch_id: int):
    return _render_detail(dispatch_id)


@bp.route("/dispatches/<int:dispatch_id>/cancel", methods=["POST"])
@requires("dispatch.manage")
def cancel(dispatch_id: int):
    return act_with_reason(
        ReasonForm(), lambda reason: services.cancel_dispatch(current_user, dispatch_id, reason),
        _("派遣を中止しました。関係者に通知しました。"), url_for("dispatches.detail", dispatch_id=dispatch_id),
        lambda form: _render_detail(dispatch_id, cancel_form=form, status=400))


@bp.route("/dispatches/<int:dispatch_id>/extend", methods=["POST"])
@requires("dispatch.manage")
def extend(dispatch_id: int):
    form = ExtendForm()
    if form.validate_on_submit():
        try:
            services.extend_dispatch(current_user, dispatch_id, form.new_end_date.data, form.reason.data)
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("派遣の期間を%(end)sまで延長しました。", end=form.new_end_date.data.isoformat()), "success")
            return redirect(url_for("dispatches.detail", dispatch_id=dispatch_id))
    return _render_detail(dispatch_id, extend_form=form, status=400)


@bp.route("/dispatches/<int:dispatch_id>/evaluation", methods=["POST"])
@requires("dispatch.evaluate")
def evaluation(dispatch_id: int):
    try:
        services.check_may_evaluate(current_user, dispatch_id)  # another city's HR: 403 before anything else
    except UserError:
        return render_template("errors/error.html", status=404, message=_("派遣が見つかりません。")), 404
    form = EvaluationForm()
    if form.validate_on_submit():
        try:
            services.evaluate(current_user, dispatch_id, int(form.rating.data), form.comment.data or "")
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("評価を保存しました。ありがとうございました。"), "success")
            return redirect(url_for("dispatches.detail", dispatch_id=dispatch_id))
    return _render_detail(dispatch_id, evaluation_form=form, status=400)


# ----------------------------------------------------------------------------- arrival details (dispatches/arrival.py)


@bp.route("/dispatches/<int:dispatch_id>/arrival", methods=["GET", "POST"])
@requires("dispatch.arrival")
def arrival_form(dispatch_id: int):
    try:
        dispatch = arrival.check_may_edit(current_user, dispatch_id)  # another city's HR: 403
    except UserError:
        return render_template("errors/error.html", status=404, message=_("派遣が見つかりません。")), 404
    stored = arrival.arrival_for(dispatch_id)
    form = ArrivalForm(obj=stored)
    if form.validate_on_submit():
        try:
            arrival.save_arrival(current_user, dispatch_id, form.values())
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("初日の案内を保存しました。") if stored else _("初日の案内を登録しました。本人に通知しました。"), "success")
            return redirect(url_for("dispatches.detail", dispatch_id=dispatch_id))
    status = 400 if request.method == "POST" else 200
    return render_template("dispatches/arrival_form.html", d=dispatch, form=form, stored=stored), status
