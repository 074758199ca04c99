"""The terms screens of a dispatch, the defaults per legal form, the ledger and its workbooks."""
from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core import permissions
from ..core.fiscal import fiscal_year_of
from ..core.forms import attach_errors
from ..core.errors import UserError
from ..core.permissions import Role, requires
from ..core import clock
from ..core.spreadsheets import xlsx_bytes
from ..dispatches.services import may_see_dispatch
from ..matching.text import current_locale
from . import defaults as defaults_service
from . import ledger as ledger_service
from . import terms as terms_service
from .forms import ConfirmForm, DefaultsForm, TermsForm
from .models import (BEARER_LABELS, COST_ITEM_LABELS, COST_ITEMS, LEGAL_FORM_LABELS, LEGAL_FORMS, RATE_UNIT_LABELS,
                     TRAVEL_UNIT_LABELS)

bp = Blueprint("agreements", __name__)

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def labels() -> dict[str, object]:
    return {"legal_form_labels": LEGAL_FORM_LABELS, "cost_item_labels": COST_ITEM_LABELS,
            "bearer_labels": BEARER_LABELS, "rate_unit_labels": RATE_UNIT_LABELS,
            "travel_unit_labels": TRAVEL_UNIT_LABELS, "cost_items": COST_ITEMS}


# ----------------------------------------------------------------------------- estimates (requests, offers)

def _estimate_text(est: ledger_service.Estimate) -> dict[str, Any]:
    unit = _(RATE_UNIT_LABELS[est.rate_unit])
    return {"amount": est.amount,
            "rate_label": _("%(unit)s %(amount)s円", unit=unit, amount=f"{est.rate_amount:,}"),
            "explanation": _("週%(days)s日 × %(weeks)s週 × %(unit)s %(amount)s円", days=est.days_per_week,
                             weeks=f"{float(est.weeks):.1f}", unit=unit, amount=f"{est.rate_amount:,}")
            + ((" " + _("（1日7時間45分）")) if est.rate_unit == "hour" else "")}


@bp.app_template_global()
def estimate_of_values(start, end, days_per_week, rate_amount, rate_unit) -> dict[str, Any] | None:
    """The estimated cost of values typed in a form (None until all are there and sensible)."""
    try:
        est = ledger_service.estimate(start, end, days_per_week, rate_amount, rate_unit or None)
    except (TypeError, ValueError):
        return None
    return _estimate_text(est) if est else None


@bp.app_template_global()
def estimate_for(source: Any) -> dict[str, Any] | None:
    """The offered rate and estimated cost of a request or of an offer (its request's rate)."""
    req = getattr(source, "request", None) if not hasattr(source, "offered_rate_amount") else source
    if req is None:
        return None
    return estimate_of_values(source.start_date, source.end_date, source.days_per_week, req.offered_rate_amount,
                              req.offered_rate_unit)


# ----------------------------------------------------------------------------- terms of one dispatch

@bp.app_template_global()
def terms_panel(dispatch: Any) -> dict[str, Any] | None:
    """What the dispatch page shows of the terms to the current user (None when they may not see them)."""
    if not current_user.is_authenticated or not terms_service.may_view_terms(current_user, dispatch):
        return None
    history = terms_service.terms_history(dispatch.id)
    current = history[-1] if history else None
    party = terms_service.party_of(current_user, current) if current is not None else None
    return {"current": terms_service.TermsView(current) if current else None,
            "history": [terms_service.TermsView(t) for t in reversed(history)],
            "may_edit": terms_service.may_edit_terms(current_user, dispatch) and dispatch.status != "cancelled",
            "confirm_party": party if current is not None and current.confirmation_by(party or "") is None else None,
            "confirm_form": ConfirmForm() if party else None,
            "is_sending_city": current is not None and party == "sending"}


def _render_terms_form(dispatch, form, status=200):
    current = terms_service.current_terms(dispatch.id)
    return render_template("agreements/terms_form.html", d=dispatch, form=form,
                           current=terms_service.TermsView(current) if current else None), status


@bp.route("/dispatches/<int:dispatch_id>/terms", methods=["GET", "POST"])
@requires("terms.edit")
def edit_terms(dispatch_id: int):
    try:
        dispatch = terms_service.dispatch_for_terms(current_user, dispatch_id)
    except UserError:
        return render_template("errors/error.html", status=404, message=_("派遣が見つかりません。")), 404
    if not terms_service.may_edit_terms(current_user, dispatch):
        raise permissions.PermissionDenied("terms.edit")
    if request.method == "GET":
        current = terms_service.current_terms(dispatch.id)
        form = TermsForm(obj=current, formdata=None)
        form.reason.data = ""
        if current is None:
            form.start_date.data, form.end_date.data = dispatch.start_date, dispatch.end_date
            form.days_per_week.data = dispatch.days_per_week
            form.legal_form.data = terms_service.legal_form_for(dispatch)
        return _render_terms_form(dispatch, form)
    form = TermsForm()
    if form.validate_on_submit():
        try:
            terms = terms_service.amend_terms(current_user, dispatch_id, form.values())
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("条件の第%(version)s版を保存しました。両市の確認を待っています。", version=terms.version), "success")
            return redirect(url_for("dispatches.detail", dispatch_id=dispatch_id) + "#terms")
    return _render_terms_form(dispatch, form, 400)


def _may_see_dispatch(dispatch_id: int) -> bool:
    return may_see_dispatch(current_user, terms_service.dispatch_for_terms(current_user, dispatch_id))


@bp.route("/dispatches/<int:dispatch_id>/terms/<int:version>/confirm", methods=["POST"])
@requires("terms.confirm")
def confirm_terms(dispatch_id: int, version: int):
    try:
        terms_service.check_may_confirm(current_user, dispatch_id, version)  # another city: 403
    except UserError:
        return render_template("errors/error.html", status=404, message=_("この版の条件は見つかりません。")), 404
    form = ConfirmForm()
    # The sending city's HR does not see the receiving city's dispatch page: back to the terms page then.
    back = (url_for("dispatches.detail", dispatch_id=dispatch_id) if _may_see_dispatch(dispatch_id)
            else url_for("agreements.edit_terms", dispatch_id=dispatch_id)) + "#terms"
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(back)
    try:
        terms_service.confirm_terms(current_user, dispatch_id, version)
    except UserError as exc:
        flash(exc.translated(), "error")
    else:
        flash(_("条件の第%(version)s版を自市として確認しました。", version=version), "success")
    return redirect(back)


# ----------------------------------------------------------------------------- defaults per legal form

@bp.route("/agreements/defaults")
@requires("terms.defaults_view")
def defaults():
    return render_template("agreements/defaults.html", forms=LEGAL_FORMS,
                           current=defaults_service.all_current_defaults(),
                           history={f: defaults_service.defaults_history(current_user, f) for f in LEGAL_FORMS},
                           can_edit=permissions.may(current_user, "terms.defaults_edit"))


@bp.route("/agreements/defaults/<legal_form>", methods=["GET", "POST"])
@requires("terms.defaults_edit")
def edit_defaults(legal_form: str):
    if legal_form not in LEGAL_FORMS:
        return render_template("errors/error.html", status=404, message=_("その法的形式はありません。")), 404
    if request.method == "GET":
        form = DefaultsForm(obj=defaults_service.current_defaults(legal_form), formdata=None)
        form.reason.data = ""
        return render_template("agreements/defaults_form.html", legal_form=legal_form, form=form)
    form = DefaultsForm()
    if form.validate_on_submit():
        try:
            row = defaults_service.save_defaults(current_user, legal_form, form.values())
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("既定の条件の第%(version)s版を保存しました。これから決まる派遣に使われます。", version=row.version),
                  "success")
            return redirect(url_for("agreements.defaults") + f"#{legal_form}")
    return render_template("agreements/defaults_form.html", legal_form=legal_form, form=form), 400


# ----------------------------------------------------------------------------- ledger

def _xlsx(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


def _year_or_404(year: int) -> None:
    if not ledger_service.is_ledger_year(year):
        abort(404)


def _city_or_404(code: str | None):
    """A member city by its 団体コード (six ASCII digits); anything else, or an unknown code, is a 404 page
    (never a query: PostgreSQL refuses NUL in a parameter)."""
    if not code:
        return None
    if not re.fullmatch(r"[0-9]{6}", code):
        abort(404)
    city = ledger_service.city_by_code(code)
    if city is None:
        abort(404)
    return city


def _visible_cities(rows) -> list:
    cities = {r.receiving_city.id: r.receiving_city for r in rows}
    cities.update({r.sending_city.id: r.sending_city for r in rows if r.sending_city is not None})
    if current_user.role == Role.CITY_HR:
        return [c for c in cities.values() if c.id == current_user.city_id] or [current_user.city]
    return sorted(cities.values(), key=lambda c: c.code)


def _dispatch_link(row: ledger_service.LedgerRow) -> str:
    """The dispatch page, or its terms page for the sending city's HR (who does not see the dispatch page)."""
    if current_user.role == Role.CITY_HR and current_user.city_id != row.receiving_city.id:
        return url_for("agreements.edit_terms", dispatch_id=row.dispatch_id) + "#terms"
    return url_for("dispatches.detail", dispatch_id=row.dispatch_id) + "#terms"


@bp.route("/agreements/ledger")
@requires("ledger.view")
def ledger_now():
    """The ledger of the current fiscal year."""
    return ledger(fiscal_year_of(clock.today_tokyo()))


@bp.route("/agreements/ledger/<int:year>")
@requires("ledger.view")
def ledger(year: int):
    _year_or_404(year)
    city = _city_or_404(request.args.get("city"))
    rows = ledger_service.ledger(current_user, year, city.id if city else None)
    return render_template("agreements/ledger.html", year=year, rows=rows, city=city, link=_dispatch_link,
                           pairs=ledger_service.pair_totals(rows), cities=_visible_cities(rows),
                           is_hr=current_user.role == Role.CITY_HR)


@bp.route("/agreements/ledger/<int:year>/<city_code>.xlsx")
@requires("ledger.export")
def settlement_xlsx(year: int, city_code: str):
    _year_or_404(year)
    city = _city_or_404(city_code)
    rows = ledger_service.ledger(current_user, year, city.id)
    sheets = ledger_service.settlement_sheets(rows, city, year, current_locale())
    return _xlsx(xlsx_bytes(*sheets), f"settlement-{year}-{city.code}.xlsx")


@bp.route("/agreements/special-grant/<int:year>")
@requires("ledger.view")
def special_grant(year: int):
    _year_or_404(year)
    city = _city_or_404(request.args.get("city"))
    rows = ledger_service.special_grant_rows(current_user, year, city.id if city else None)
    return render_template("agreements/special_grant.html", year=year, rows=rows, city=city, link=_dispatch_link,
                           cities=_visible_cities(ledger_service.ledger(current_user, year)))


@bp.route("/agreements/special-grant/<int:year>/<city_code>.xlsx")
@requires("ledger.export")
def special_grant_xlsx(year: int, city_code: str):
    _year_or_404(year)
    city = _city_or_404(city_code)
    rows = ledger_service.special_grant_rows(current_user, year, city.id)
    return _xlsx(xlsx_bytes(ledger_service.special_grant_sheet(rows, year, current_locale())),
                 f"special-grant-{year}-{city.code}.xlsx")
