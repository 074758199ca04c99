"""The city registry screens: list, edit indicators, travel-time matrix; municipality suggestions."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..core.bounds import parse_int
from ..core.errors import UserError
from ..core.permissions import may, public, requires
from ..core.query_args import text_arg
from . import official, services
from .forms import CityForm, TravelForm

bp = Blueprint("cities", __name__, url_prefix="/cities")


def _values(form: CityForm) -> services.CityValues:
    return services.CityValues(
        code=form.code.data.strip(), name_ja=form.name_ja.data.strip(), name_en=form.name_en.data.strip(),
        prefecture=form.prefecture.data.strip(), population=form.population.data,
        general_staff=form.general_staff.data, allowance_rate=form.allowance_rate.data,
        fiscal_index=form.fiscal_index.data, indicators_year=form.indicators_year.data,
        is_sample_indicators=form.is_sample_indicators.data, is_member=form.is_member.data,
    )


def _prefill_from_official(form: CityForm, code: str) -> None:
    """Fill the names and prefecture left blank from the official list (the service still checks them)."""
    found = official.lookup(code.strip())
    if found is None:
        return
    form.code.data = found.code  # typed in full-width digits: the validator wants half-width ones
    for field, value in ((form.name_ja, found.name_ja), (form.name_en, found.name_en),
                         (form.prefecture, found.prefecture)):
        if not (field.data or "").strip():
            field.data = value


@bp.route("/")
@requires("city.view")
def index():
    can_edit = may(current_user, "city.edit")
    # Non-members are specialists' home towns: only the coordinating city needs to see them.
    return render_template("cities/index.html", cities=services.list_cities(current_user, members_only=not can_edit),
                           can_edit=can_edit)


@bp.route("/new", methods=["GET", "POST"])
@requires("city.edit")
def create():
    form = CityForm()
    if request.method == "GET":
        form.is_member.data = True
        form.code.data = text_arg("code") or None
    _prefill_from_official(form, form.code.data or "")
    if form.validate_on_submit():
        try:
            city = services.create_city(current_user, _values(form), form.reason.data)
        except UserError as exc:
            getattr(form, exc.field or "code").errors.append(exc.translated())
        else:
            flash(_("%(name)sを登録しました。", name=city.display_name(str(get_locale() or "ja"))), "success")
            return redirect(url_for("cities.index"))
    return render_template("cities/edit.html", form=form, city=None)


@bp.route("/<int:city_id>/edit", methods=["GET", "POST"])
@requires("city.edit")
def edit(city_id: int):
    try:
        city = services.get_city(current_user, city_id)
    except UserError:
        abort(404)
    form = CityForm(obj=city if request.method == "GET" else None)
    _prefill_from_official(form, form.code.data or "")
    if form.validate_on_submit():
        try:
            services.update_city(current_user, city_id, _values(form), form.reason.data)
        except UserError as exc:
            getattr(form, exc.field or "reason").errors.append(exc.translated())
        else:
            flash(_("%(name)sの指標を更新しました。", name=city.display_name(str(get_locale() or "ja"))), "success")
            return redirect(url_for("cities.index"))
    return render_template("cities/edit.html", form=form, city=city)


@bp.route("/travel", methods=["GET", "POST"])
@requires("travel.view")
def travel():
    cities, minutes = services.travel_matrix(current_user)
    form = TravelForm()
    can_edit = may(current_user, "travel.edit")
    errors: list[str] = []
    if request.method == "POST":
        if not can_edit:
            abort(403)
        submitted: dict[tuple[int, int], int | None] = {}
        ids = {c.id for c in cities}
        for key, raw in request.form.items():
            if not key.startswith("t-"):
                continue
            try:
                _prefix, a, b = key.split("-")
                pair = (int(a), int(b))
            except ValueError:
                continue
            if pair[0] not in ids or pair[1] not in ids:
                continue
            raw = raw.strip()
            if raw == "":
                submitted[pair] = None
            elif parse_int(raw, 0, 1440) is not None:
                submitted[pair] = parse_int(raw, 0, 1440)
            else:
                errors.append(_("移動時間は0〜1440分の整数で入力してください（入力値: %(value)s）。", value=raw))
        if form.validate_on_submit() and not errors:
            try:
                count = services.set_travel_times(current_user, submitted, form.reason.data)
            except UserError as exc:
                errors.append(exc.translated())
            else:
                flash(ngettext("移動時間を%(num)s件更新しました。", "移動時間を%(num)s件更新しました。", count), "success")
                return redirect(url_for("cities.travel"))
        errors.extend(e for errs in form.errors.values() for e in errs)
    return render_template("cities/travel.html", cities=cities, minutes=minutes, form=form,
                           can_edit=can_edit, errors=errors)


@bp.route("/municipalities/search")
@public
def municipality_search():
    """Suggestions from the official list for ``?q=`` (a code, name or reading): at most 20 ``{code, label}``
    (and the names, for filling in a form) in the user's language. No query, or one holding control characters,
    gives none; ``text_arg`` cuts a long one to 100 characters, which then matches nothing."""
    locale = str(get_locale() or "ja")
    found = official.search(text_arg("q"))
    return jsonify([{"code": m.code, "label": m.label(locale), "name_ja": m.name_ja, "name_en": m.name_en,
                     "prefecture": m.prefecture} for m in found])
