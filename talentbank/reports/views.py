"""The report screens: the list, the alliance picture, a round's and a fiscal year's report, their workbooks."""
from __future__ import annotations

from flask import Blueprint, Response, render_template
from flask_babel import gettext as _
from flask_login import current_user

from ..core.permissions import requires
from ..core.query_args import page_arg
from ..matching.models import ROUND_KIND_LABELS
from ..matching.text import current_locale
from . import export, figures, services
from .services import ReportNotFound
from .tables import REASON_GROUP_LABELS

bp = Blueprint("reports", __name__, url_prefix="/reports")

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _not_found(message: str):
    return render_template("reports/not_found.html", message=message), 404


def _xlsx(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response


@bp.route("/")
@requires("report.view")
def index():
    listing = services.report_list(current_user, page_arg())
    return render_template("reports/index.html", listing=listing, kind_labels=ROUND_KIND_LABELS,
                           current_year=figures.current_fiscal_year())


@bp.route("/alliance")
@requires("report.view")
def alliance():
    picture = services.alliance_picture(current_user, current_locale())
    return render_template("reports/alliance.html", picture=picture, reason_labels=REASON_GROUP_LABELS)


@bp.route("/alliance.xlsx")
@requires("report.view")
def alliance_xlsx():
    picture = services.alliance_picture(current_user, current_locale())
    return _xlsx(export.workbook(*picture.tables()), "alliance-picture.xlsx")


def _year_missing(year: int):
    return _not_found(_("%(year)s年度の報告はありません。%(first)s年度から%(last)s年度までの報告を表示できます。",
                        year=year, first=figures.FIRST_FISCAL_YEAR, last=figures.current_fiscal_year() + 1))


def _round_missing(round_id: int):
    return _not_found(_("マッチング No.%(id)s の報告はありません。報告があるのは、完了したマッチング（試算を除く）です。",
                        id=round_id))


@bp.route("/rounds/<int:round_id>")
@requires("report.view")
def round_report(round_id: int):
    try:
        report = services.round_report(current_user, round_id, current_locale())
    except ReportNotFound:
        return _round_missing(round_id)
    return render_template("reports/round.html", report=report, kind_labels=ROUND_KIND_LABELS)


@bp.route("/rounds/<int:round_id>.xlsx")
@requires("report.view")
def round_xlsx(round_id: int):
    try:
        report = services.round_report(current_user, round_id, current_locale())
    except ReportNotFound:
        return _round_missing(round_id)
    return _xlsx(export.workbook(*report.tables()), f"round-{round_id}-report.xlsx")


@bp.route("/fiscal-year/<int:year>")
@requires("report.view")
def fiscal_year(year: int):
    try:
        report = services.fiscal_report(current_user, year, current_locale())
    except ReportNotFound:
        return _year_missing(year)
    return render_template("reports/fiscal_year.html", report=report, first_year=figures.FIRST_FISCAL_YEAR,
                           last_year=figures.current_fiscal_year() + 1)


@bp.route("/fiscal-year/<int:year>.xlsx")
@requires("report.view")
def fiscal_year_xlsx(year: int):
    try:
        report = services.fiscal_report(current_user, year, current_locale())
    except ReportNotFound:
        return _year_missing(year)
    return _xlsx(export.workbook(*report.tables()), f"fiscal-year-{year}-report.xlsx")
