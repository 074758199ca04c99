"""Exchange offer screens: a city's offers, the form and the detail page (the board is the demand board's)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..cities.models import City
from ..core import clock
from ..core.bounds import parse_int
from ..core.errors import UserError
from ..core.forms import attach_errors
from ..core.permissions import Role, may, requires
from ..core.query_args import int_arg, page_arg
from ..extensions import db
from ..lifecycle.postings import is_correction
from ..requests.forms import OpenOfferForm, ReasonForm, WithdrawForm
from ..requests.views import press_button
from ..vocabulary.models import Licence, Profession
from ..vocabulary.services import active_terms, group_by_profession
from . import services
from .forms import OfferForm
from .models import STATUS_LABELS, STATUSES, ExchangeOffer

bp = Blueprint("exchange", __name__, url_prefix="/exchange")


@bp.app_context_processor
def labels() -> dict[str, object]:
    return {"offer_status_labels": STATUS_LABELS}


def _values(form: OfferForm) -> services.OfferValues:
    one_way = bool(form.is_one_way.data)
    return services.OfferValues(
        officer_id=form.officer_id.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        is_one_way=one_way,
        # A one-way secondment wants nothing back, whatever was left selected before ticking it.
        wants_profession_id=None if one_way else form.wants_profession_id.data,
        wants_licence_ids=() if one_way else tuple(form.wants_licence_ids.data or ()),
        notes=form.notes.data or "",
    )


def _officer_label(officer) -> str:
    locale = str(get_locale() or "ja")
    professions = _("、").join(p.display_name(locale) for p in officer.professions)
    return _("%(reference)s %(name)s（%(professions)s）", reference=officer.reference, name=officer.name_kanji or "",
             professions=professions)


def _render_form(form: OfferForm, city_id: int, offer=None, correcting: bool = False):
    locale = str(get_locale() or "ja")
    officers = services.serving_officers(current_user, city_id)
    if offer is not None and offer.officer not in officers:
        officers.append(offer.officer)
    form.officer_id.choices = [("", _("選んでください"))] + [(o.id, _officer_label(o)) for o in officers]
    professions = active_terms(Profession)
    if offer is not None and offer.wants_profession and offer.wants_profession not in professions:
        professions.append(offer.wants_profession)
    form.wants_profession_id.choices = [("", _("選んでください"))] + [(p.id, p.display_name(locale))
                                                                   for p in professions]
    licences = active_terms(Licence)
    if offer is not None:
        licences += [t for t in offer.wants_licences if t not in licences]
    return render_template("exchange/form.html", form=form, offer=offer, correcting=correcting,
                           has_officers=bool(officers), licence_groups=group_by_profession(licences, professions),
                           chosen_licences=set(form.wants_licence_ids.data or ()), today=clock.today_tokyo())


@bp.route("/")
@requires("offer.list")
def index():
    status = request.args.get("status") if request.args.get("status") in STATUSES else None
    city_id = int_arg("city_id")
    page = page_arg()
    per_page = current_app.config["PAGE_SIZE"]
    listing, counts = services.list_offers(current_user, services.OfferListFilter(status=status, city_id=city_id),
                                               page, per_page)
    is_hr = current_user.role == Role.CITY_HR
    cities = [] if is_hr else db.session.scalars(db.select(City).where(City.is_member.is_(True))
                                                 .order_by(City.code)).all()
    return render_template("exchange/index.html", rows=listing.items, counts=counts, status=status,
                           city_id=city_id, cities=cities, page=listing, is_hr=is_hr,
                           statuses=STATUSES, can_create=may(current_user, "offer.create"))


@bp.route("/new", methods=["GET", "POST"])
@requires("offer.create")
def create():
    form = OfferForm()
    if form.is_submitted() and form.validate():
        try:
            offer = services.create_offer(current_user, _values(form))
        except UserError as exc:
            db.session.rollback()
            attach_errors(form, exc)
        else:
            flash(_("交流職員の提供を下書きとして保存しました。内容を確認して「公開する」を押してください。"), "success")
            return redirect(url_for("exchange.detail", offer_id=offer.id))
    return _render_form(form, current_user.city_id)


@bp.route("/<int:offer_id>")
@requires("offer.view")
def detail(offer_id: int):
    try:
        offer = services.get_offer(current_user, offer_id)
    except UserError:
        abort(404)
    return render_template("exchange/detail.html", offer=offer,
                           actions=services.allowed_offer_actions(current_user, offer),
                           correcting=is_correction(current_user),
                           ring=services.ring_holding_offer(offer.id),
                           history=services.offer_history(current_user, offer_id),
                           action_form=OpenOfferForm(), reason_form=ReasonForm())


@bp.route("/<int:offer_id>/edit", methods=["GET", "POST"])
@requires("offer.manage")
def edit(offer_id: int):
    try:
        offer = services.get_offer(current_user, offer_id)
    except UserError:
        abort(404)
    if not may(current_user, "offer.manage", offer.city_id):
        abort(403)
    correcting = is_correction(current_user)
    if "edit" not in services.allowed_offer_actions(current_user, offer):
        flash(_("この交流職員の提供は現在の状態では変更できません。"), "error")
        return redirect(url_for("exchange.detail", offer_id=offer.id))
    if request.method == "GET":
        form = OfferForm(obj=offer)
        form.wants_licence_ids.data = [t.id for t in offer.wants_licences]
        form.lock_version.data = str(offer.lock_version)
    else:
        form = OfferForm()
        if form.validate():
            version = form.lock_version.data
            try:
                services.update_offer(current_user, offer.id, _values(form), reason=form.reason.data or "",
                                      expected_version=parse_int(version, 0))
            except UserError as exc:
                db.session.rollback()
                attach_errors(form, exc)
            else:
                flash(_("交流職員の提供を訂正しました。") if correcting else _("交流職員の提供を更新しました。"), "success")
                return redirect(url_for("exchange.detail", offer_id=offer.id))
    return _render_form(form, offer.city_id, offer, correcting)


@bp.route("/<int:offer_id>/open", methods=["POST"])
@requires("offer.manage")
def open_(offer_id: int):
    def act(_reason: str) -> None:
        services.open_offer(current_user, offer_id)
        flash(_("交流職員の提供を公開しました。次のマッチングで交流の相手を探します。"), "success")

    offer = db.session.get(ExchangeOffer, offer_id) or abort(404)
    return press_button(act, url_for("exchange.detail", offer_id=offer_id), OpenOfferForm, offer.city_id,
                        "offer.manage")


@bp.route("/<int:offer_id>/withdraw", methods=["POST"])
@requires("offer.manage")
def withdraw(offer_id: int):
    def act(reason: str) -> None:
        services.withdraw_offer(current_user, offer_id, reason)
        flash(_("交流職員の提供を取り下げました。"), "success")

    offer = db.session.get(ExchangeOffer, offer_id) or abort(404)
    return press_button(act, url_for("exchange.detail", offer_id=offer_id), WithdrawForm, offer.city_id,
                        "offer.manage")


@bp.route("/<int:offer_id>/reopen", methods=["POST"])
@requires("offer.correct")
def reopen(offer_id: int):
    def act(reason: str) -> None:
        services.reopen_offer(current_user, offer_id, reason)
        flash(_("交流職員の提供を再公開しました。"), "success")

    return press_button(act, url_for("exchange.detail", offer_id=offer_id))
