"""Screens of consultations (相談): the list, posting, one consultation with its thread, and the advice option."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..cities.services import city_rows
from ..core import clock
from ..core.errors import UserError
from ..core.forms import attach_errors, flash_form_errors
from ..core.permissions import Role, requires
from ..extensions import db
from ..requests.models import URGENCY_LABELS
from ..specialists.forms import AdviceForm
from ..specialists.profiles import get_for_edit
from ..vocabulary.models import ExperienceField, Licence, Profession
from . import labels as _labels  # noqa: F401  (audit log wording)
from . import delegates, matching, services
from .forms import (
    ActionForm,
    CloseForm,
    ConsultationForm,
    DelegateForm,
    MessageForm,
    RevokeDelegateForm,
    TimeForm,
    WithdrawForm,
)
from .models import OFFER_STATUS_LABELS, SIDE_LABELS, STATUS_LABELS, WORK_MODE_LABELS

bp = Blueprint("consultations", __name__, url_prefix="/consultations")


@bp.app_context_processor
def labels() -> dict[str, object]:
    return {"consultation_status_labels": STATUS_LABELS, "consultation_offer_status_labels": OFFER_STATUS_LABELS,
            "consultation_mode_labels": WORK_MODE_LABELS, "consultation_side_labels": SIDE_LABELS,
            "consultation_urgency_labels": URGENCY_LABELS}


def _locale() -> str:
    return str(get_locale() or "ja")


def _not_found(message: str | None = None):
    return render_template("errors/error.html", status=404, message=message or _("相談が見つかりません。")), 404


# ----------------------------------------------------------------------------- the list


@bp.route("/")
@requires("consultation.list")
def index():
    status = request.args.get("status")
    status = status if status in STATUS_LABELS else None
    listing = services.list_for(current_user, status)
    return render_template("consultations/index.html", listing=listing, status=status,
                           is_specialist=current_user.role == Role.SPECIALIST,
                           can_post=delegates.posting_city(current_user) is not None,
                           me=services.specialist_of(current_user))


# ----------------------------------------------------------------------------- posting


def _render_form(form: ConsultationForm, status: int = 200):
    professions = list(db.session.scalars(select(Profession).where(Profession.is_active.is_(True))
                                          .order_by(Profession.sort_order, Profession.id)))
    fields = list(db.session.scalars(select(ExperienceField).where(ExperienceField.is_active.is_(True))
                                     .order_by(ExperienceField.sort_order, ExperienceField.id)))
    licences = list(db.session.scalars(select(Licence).where(Licence.is_active.is_(True))
                                       .order_by(Licence.sort_order, Licence.id)))
    locale = _locale()
    form.profession_id.choices = [("", _("選んでください"))] + [(p.id, p.display_name(locale)) for p in professions]
    form.field_id.choices = [("", _("指定なし"))] + [(f.id, f.display_name(locale)) for f in fields]
    form.licence_ids.choices = [(lic.id, lic.display_name(locale)) for lic in licences]
    return render_template("consultations/new.html", form=form, today=clock.today_tokyo(),
                           offer_count=matching.offer_count()), status


@bp.route("/new", methods=["GET", "POST"])
@requires("consultation.post")
def new():
    if delegates.posting_city(current_user) is None:
        # A specialist account posts only when its city's HR officer authorised it (delegates.py).
        if request.method != "GET":
            abort(403)
        return render_template("consultations/not_delegate.html")
    form = ConsultationForm()
    if form.is_submitted():
        if form.validate():
            values = services.ConsultationValues(
                profession_id=form.profession_id.data, field_id=form.field_id.data,
                licence_ids=list(form.licence_ids.data or []), urgency=form.urgency.data or "",
                title=form.title.data or "", question=form.question.data or "",
                hours_needed=form.hours_needed.data or "", work_mode=form.work_mode.data or "",
                wanted_by=form.wanted_by.data)
            try:
                c = services.post(current_user, values)
            except UserError as exc:
                attach_errors(form, exc)
            else:
                if c.pending_offers:
                    flash(_("相談を登録し、%(num)s人の専門人材に打診しました。", num=len(c.pending_offers)), "success")
                else:
                    flash(_("相談を登録しましたが、打診できる専門人材がいません。理由を確認してください。"), "error")
                return redirect(url_for("consultations.detail", consultation_id=c.id))
        return _render_form(form, 400)
    return _render_form(form)


# ----------------------------------------------------------------------------- one consultation


def _render_detail(c, status: int = 200, message_form=None, time_form=None, close_form=None, withdraw_form=None):
    me = services.specialist_of(current_user)
    my_offer = next((o for o in c.offers if me is not None and o.specialist_id == me.id), None)
    side = services.side_of(current_user, c)
    honorarium = services.honorarium_for(c.specialist_id if c.specialist_id else (me.id if me else None))
    hours_needed = Decimal(str(c.hours_needed))
    time_form = time_form or TimeForm(data={"hours_spent": f"{c.hours_spent:g}" if c.hours_spent else ""})
    return render_template(
        "consultations/detail.html", c=c, me=me, my_offer=my_offer, side=side,
        show_thread=services.may_see_thread(current_user, c),
        is_staff=current_user.role != Role.SPECIALIST or side == "city",
        reasons=services.reason_lines(c.no_fit_counts), honorarium=honorarium,
        estimated=honorarium.amount(hours_needed), recorded=honorarium.amount(c.hours_spent),
        remaining=matching.remaining_hours(me) if me is not None else None,
        action_form=ActionForm(), message_form=message_form or MessageForm(), time_form=time_form,
        close_form=close_form or CloseForm(), withdraw_form=withdraw_form or WithdrawForm(),
        hours_text=lambda h: f"{Decimal(str(h)):g}"), status


def _load(consultation_id: int):
    try:
        return services.get(current_user, consultation_id)
    except UserError:
        return None


@bp.route("/<int:consultation_id>")
@requires("consultation.view")
def detail(consultation_id: int):
    c = _load(consultation_id)
    if c is None:
        return _not_found()
    services.read_notices(current_user, c)
    return _render_detail(c)


def _back(consultation_id: int):
    return redirect(url_for("consultations.detail", consultation_id=consultation_id))


def _button(consultation_id: int, action, done: str):
    """A button with only the CSRF token: run the service, say what happened, go back to the page."""
    form = ActionForm()
    if not form.validate_on_submit():
        flash_form_errors(form)
        return _back(consultation_id)
    try:
        action(current_user, consultation_id)
    except UserError as exc:
        flash(exc.translated(), "error")
    else:
        flash(done, "success")
    return _back(consultation_id)


@bp.route("/<int:consultation_id>/accept", methods=["POST"])
@requires("consultation.answer")
def accept(consultation_id: int):
    return _button(consultation_id, services.accept, _("相談を引き受けました。相談した市とのやり取りを始めてください。"))


@bp.route("/<int:consultation_id>/decline", methods=["POST"])
@requires("consultation.answer")
def decline(consultation_id: int):
    return _button(consultation_id, services.decline, _("この相談を辞退しました。"))


@bp.route("/<int:consultation_id>/offer-again", methods=["POST"])
@requires("consultation.post")
def offer_again(consultation_id: int):
    return _button(consultation_id, services.offer_again, _("次の候補者への打診を確認しました。"))


@bp.route("/<int:consultation_id>/withdraw", methods=["POST"])
@requires("consultation.post")
def withdraw(consultation_id: int):
    c = _load(consultation_id)
    if c is None:
        return _not_found()
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw(current_user, consultation_id, form.reason.data or "")
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("相談を取り下げました。"), "success")
            return _back(consultation_id)
    return _render_detail(c, 400, withdraw_form=form)


@bp.route("/<int:consultation_id>/messages", methods=["POST"])
@requires("consultation.message")
def message(consultation_id: int):
    c = _load(consultation_id)
    if c is None:
        return _not_found()
    form = MessageForm()
    if form.validate_on_submit():
        upload = request.files.get("attachment")
        try:
            services.post_message(current_user, consultation_id, form.body.data or "", upload)
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("メッセージを送りました。"), "success")
            return redirect(url_for("consultations.detail", consultation_id=consultation_id) + "#thread")
    return _render_detail(c, 400, message_form=form)


@bp.route("/<int:consultation_id>/files/<int:file_id>")
@requires("consultation.view")
def attachment(consultation_id: int, file_id: int):
    try:
        message, path = services.open_attachment(current_user, consultation_id, file_id)
    except UserError:
        return _not_found(_("ファイルが見つかりません。"))
    response = send_file(path, mimetype=message.file_type or "application/octet-stream", as_attachment=True,
                         download_name=message.file_name or path.name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/<int:consultation_id>/time", methods=["POST"])
@requires("consultation.close")
def record_time(consultation_id: int):
    c = _load(consultation_id)
    if c is None:
        return _not_found()
    form = TimeForm()
    if form.validate_on_submit():
        try:
            services.record_time(current_user, consultation_id, form.hours_spent.data or "")
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("かかった時間を記録しました。"), "success")
            return _back(consultation_id)
    return _render_detail(c, 400, time_form=form)


@bp.route("/<int:consultation_id>/close", methods=["POST"])
@requires("consultation.close")
def close(consultation_id: int):
    c = _load(consultation_id)
    if c is None:
        return _not_found()
    form = CloseForm()
    if form.validate_on_submit():
        try:
            services.close(current_user, consultation_id, form.summary.data or "", form.close_hours.data or "",
                           bool(form.publish.data))
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("相談を完了にしました。") + (_("要約をライブラリに公開しました。") if form.publish.data else ""),
                  "success")
            return _back(consultation_id)
    return _render_detail(c, 400, close_form=form)


@bp.route("/<int:consultation_id>/publish", methods=["POST"])
@requires("consultation.close")
def publish(consultation_id: int):
    return _button(consultation_id, services.publish, _("要約をライブラリに公開しました。"))


# ----------------------------------------------------------------------------- the advice option


@bp.route("/advice", methods=["GET", "POST"])
@requires("profile.own")
def advice_own():
    """The signed-in specialist's own advice option."""
    me = services.specialist_of(current_user)
    if me is None:
        return _not_found(_("登録が見つかりません。"))
    return _advice(me.id)


@bp.route("/advice/<int:specialist_id>", methods=["GET", "POST"])
@requires("officer.register")
def advice(specialist_id: int):
    """Staff who edit a profile (the coordinating city; HR officers for their own serving officers)."""
    return _advice(specialist_id)


def _advice(specialist_id: int):
    """Whether a profile takes consultations and its cap of hours (whoever may edit the profile)."""
    try:
        specialist = get_for_edit(current_user, specialist_id)
    except UserError:
        return _not_found(_("登録が見つかりません。"))
    form = AdviceForm(data={"accepts_advice": specialist.accepts_advice,
                            "advice_hours_per_month": str(specialist.advice_hours_per_month or "")})
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                services.update_advice(current_user, specialist_id, bool(form.accepts_advice.data),
                                       form.advice_hours_per_month.data or "")
            except UserError as exc:
                attach_errors(form, exc)
            else:
                flash(_("相談の受付の設定を保存しました。"), "success")
                back = url_for("specialists.me") if current_user.role == Role.SPECIALIST else \
                    url_for("consultations.advice", specialist_id=specialist_id)
                return redirect(back)
        status = 400
    return render_template("consultations/advice.html", form=form, specialist=specialist,
                           remaining=matching.remaining_hours(specialist)), status


# ----------------------------------------------------------------------------- delegates


@bp.route("/delegates", methods=["GET", "POST"])
@requires("consultation.delegates")
def delegates_page():
    """HR officers authorise serving officers of their city to post consultations; the coordinating city any city."""
    is_hr = current_user.role == Role.CITY_HR
    chosen = current_user.city_id if is_hr else delegates.safe_id(request.values.get("city_id"))
    form = DelegateForm(data={"city_id": str(chosen or "")})
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                delegates.authorise(current_user, None if is_hr else request.form.get("city_id"),
                                    request.form.get("specialist_id"))
            except UserError as exc:
                attach_errors(form, exc)
            else:
                flash(_("相談の投稿を認めました。"), "success")
                return redirect(url_for("consultations.delegates_page", city_id=None if is_hr else chosen))
        status = 400
    city, rows, officers = delegates.listing(current_user, chosen)
    locale = _locale()
    cities = [] if is_hr else sorted(city_rows(), key=lambda c: c.id)  # cached rows (core/cache.py)
    form.city_id.choices = [("", _("選んでください"))] + [(str(c.id), c.display_name(locale)) for c in cities]
    form.specialist_id.choices = [("", _("選んでください"))] + [
        (str(s.id), f"{s.name_kanji} ({s.reference})") for s in officers]
    return render_template("consultations/delegates.html", form=form, city=city, rows=rows, officers=officers,
                           is_hr=is_hr, revoke_form=RevokeDelegateForm()), status


@bp.route("/delegates/revoke", methods=["POST"])
@requires("consultation.delegates")
def revoke_delegate():
    form = RevokeDelegateForm()
    city_id = None
    if not form.validate_on_submit():
        flash_form_errors(form)
    else:
        try:
            row = delegates.revoke(current_user, form.delegate_id.data)
        except UserError as exc:
            flash(exc.translated(), "error")
        else:
            city_id = row.city_id
            flash(_("相談の投稿の認可を取り消しました。"), "success")
    if current_user.role == Role.CITY_HR:
        city_id = None
    return redirect(url_for("consultations.delegates_page", city_id=city_id))
