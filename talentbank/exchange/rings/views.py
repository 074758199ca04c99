"""The rings' screens: the list of approved rings, one ring with its legs and history, each city's answer,
and the coordinating city's release."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...core.errors import UserError
from ...core.forms import act_with_reason, flash_form_errors
from ...core.permissions import requires
from . import services as rings
from .forms import RingConfirmForm, RingReasonForm

bp = Blueprint("rings", __name__)


@bp.route("/exchange-rings/")
@requires("cycle.list")
def index():
    return render_template("exchange/rings.html", views=rings.list_rings(current_user))


def _render_cycle(exchange_cycle_id: int, refuse_form=None, status: int = 200):
    try:
        view = rings.view_ring(current_user, exchange_cycle_id)
    except UserError:
        return render_template("errors/error.html", status=404, message=_("職員交流が見つかりません。")), 404
    return render_template("exchange/ring.html", view=view, confirm_form=RingConfirmForm(),
                           refuse_form=refuse_form or RingReasonForm()), status


@bp.route("/exchange-rings/<int:exchange_cycle_id>")
@requires("cycle.view")
def show(exchange_cycle_id: int):
    return _render_cycle(exchange_cycle_id)


@bp.route("/exchange-rings/<int:exchange_cycle_id>/confirm", methods=["POST"])
@requires("cycle.confirm")
def confirm(exchange_cycle_id: int):
    try:
        rings.check_may_answer(current_user, exchange_cycle_id)  # another city's HR: 403 before the form
    except UserError:
        return render_template("errors/error.html", status=404, message=_("職員交流が見つかりません。")), 404
    form = RingConfirmForm()  # a year-long commitment of an officer: refused unless the box naming it is ticked
    if form.validate_on_submit():
        try:
            ring = rings.confirm_ring(current_user, exchange_cycle_id)
        except UserError as exc:
            flash(exc.translated(), "error")
        else:
            if ring.status == "confirmed":
                flash(_("すべての市が確認したため、職員交流が成立しました。派遣一覧に登録されました。"), "success")
            else:
                flash(_("貴市の確認を記録しました。ほかの市の確認を待っています。"), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("rings.show", exchange_cycle_id=exchange_cycle_id))


@bp.route("/exchange-rings/<int:exchange_cycle_id>/release", methods=["POST"])
@requires("proposal.decide")
def release(exchange_cycle_id: int):
    return act_with_reason(
        RingReasonForm(), lambda reason: rings.release_ring(current_user, exchange_cycle_id, reason),
        _("交流の輪を解除しました。含まれていた交流職員の提供は、次のマッチングの対象に戻ります。"),
        url_for("rings.show", exchange_cycle_id=exchange_cycle_id),
        lambda form: _render_cycle(exchange_cycle_id, refuse_form=form, status=400))


@bp.route("/exchange-rings/<int:exchange_cycle_id>/refuse", methods=["POST"])
@requires("cycle.confirm")
def refuse(exchange_cycle_id: int):
    try:
        rings.check_may_answer(current_user, exchange_cycle_id)  # another city's HR: 403 before anything else
    except UserError:
        return render_template("errors/error.html", status=404, message=_("職員交流が見つかりません。")), 404
    return act_with_reason(
        RingReasonForm(), lambda reason: rings.refuse_ring(current_user, exchange_cycle_id, reason),
        _("職員交流を辞退しました。関係する市と幹事市に通知しました。"),
        url_for("rings.show", exchange_cycle_id=exchange_cycle_id),
        lambda form: _render_cycle(exchange_cycle_id, refuse_form=form, status=400))
