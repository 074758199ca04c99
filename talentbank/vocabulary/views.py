"""The coordinator's screens for the controlled vocabularies."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.errors import UserError
from ..core.permissions import requires
from . import services
from .events import usage_counts
from .forms import TermForm
from .models import Profession

bp = Blueprint("vocabulary", __name__, url_prefix="/vocabulary")

KIND_LABELS = {"professions": _l("職種"), "licences": _l("資格・免許"), "fields": _l("経験分野")}


def _kind_or_404(kind: str) -> str:
    if kind not in KIND_LABELS:
        abort(404)
    return kind


def _prepare(form: TermForm, kind: str) -> TermForm:
    if kind == "professions":
        del form.profession_id
    else:
        del form.disaster_training_months
        form.profession_id.choices = [("", _("（なし）"))] + [
            (str(p.id), p.display_name(str(get_locale() or "ja"))) for p in services.all_terms(Profession)]
    return form


def _values(form: TermForm) -> services.TermValues:
    profession = getattr(form, "profession_id", None)
    months = getattr(form, "disaster_training_months", None)
    return services.TermValues(
        code=(form.code.data or "").strip(), name_ja=(form.name_ja.data or "").strip(),
        name_en=(form.name_en.data or "").strip(), sort_order=form.sort_order.data or 0,
        is_active=bool(form.is_active.data), profession_id=profession.data if profession is not None else None,
        disaster_training_months=months.data if months is not None else None)


@bp.route("/")
@requires("vocabulary.edit")
def index():
    lists = []
    for kind, label in KIND_LABELS.items():
        terms = services.list_terms(current_user, kind)
        lists.append((kind, label, terms, usage_counts(services.model_for(kind))))
    return render_template("vocabulary/index.html", lists=lists)


@bp.route("/<kind>/new", methods=["GET", "POST"])
@requires("vocabulary.edit")
def create(kind: str):
    kind = _kind_or_404(kind)
    form = _prepare(TermForm(), kind)
    if request.method == "GET":
        form.is_active.data = True
    if form.validate_on_submit():
        try:
            term = services.create_term(current_user, kind, _values(form))
        except UserError as exc:
            getattr(form, exc.field or "code").errors.append(exc.translated())
        else:
            flash(_("「%(name)s」を追加しました。", name=term.display_name(str(get_locale() or "ja"))), "success")
            return redirect(url_for("vocabulary.index", _anchor=kind))
    return render_template("vocabulary/edit.html", form=form, kind=kind, kind_label=KIND_LABELS[kind], term=None)


@bp.route("/<kind>/<int:term_id>/edit", methods=["GET", "POST"])
@requires("vocabulary.edit")
def edit(kind: str, term_id: int):
    kind = _kind_or_404(kind)
    try:
        term = services.get_term(current_user, kind, term_id)
    except UserError:
        abort(404)
    form = _prepare(TermForm(obj=term if request.method == "GET" else None), kind)
    if request.method == "GET" and kind != "professions":
        form.profession_id.data = term.profession_id
    if form.validate_on_submit():
        try:
            services.update_term(current_user, kind, term_id, _values(form))
        except UserError as exc:
            getattr(form, exc.field or "code").errors.append(exc.translated())
        else:
            flash(_("「%(name)s」を更新しました。", name=term.display_name(str(get_locale() or "ja"))), "success")
            return redirect(url_for("vocabulary.index", _anchor=kind))
    return render_template("vocabulary/edit.html", form=form, kind=kind, kind_label=KIND_LABELS[kind], term=term)
