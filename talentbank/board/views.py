"""The demand board's screens: the board, one request as every city sees it, the CSV and Excel export."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_login import current_user

from ..cities.services import member_city_rows
from ..core import clock
from ..core.errors import UserError
from ..core.permissions import may, requires
from ..core.query_args import date_arg, int_arg, page_arg
from ..exchange.services import offer_board
from ..requests.models import URGENCIES, WORK_MODES
from ..vocabulary.models import Profession
from ..vocabulary.services import active_terms
from . import export
from .services import BoardFilter, board_rows_for_export, demand_board, get_board_entry

# The board keeps its addresses under /requests/ (bookmarks and operators' scripts use them).
bp = Blueprint("board", __name__, url_prefix="/requests")


def _board_filter() -> BoardFilter:
    urgency = request.args.get("urgency")
    work_mode = request.args.get("work_mode")
    return BoardFilter(
        city_id=int_arg("city_id"), profession_id=int_arg("profession_id"),
        urgency=urgency if urgency in URGENCIES else None,
        work_mode=work_mode if work_mode in WORK_MODES else None,
        period_from=date_arg("period_from"), period_to=date_arg("period_to"))


@bp.route("/board")
@requires("request.view_board")
def show():
    flt = _board_filter()
    data = demand_board(current_user, flt, page_arg(), current_app.config["PAGE_SIZE"])
    cities = member_city_rows()
    return render_template("board/board.html", board=data, flt=flt, cities=cities,
                           professions=active_terms(Profession), urgencies=URGENCIES, work_modes=WORK_MODES,
                           offers=offer_board(current_user, flt.city_id, flt.profession_id),
                           can_export=may(current_user, "demand.export"),
                           can_view_full=lambda city_id: may(current_user, "request.view", city_id))


@bp.route("/board/<int:request_id>")
@requires("request.view_board")
def entry(request_id: int):
    try:
        req = get_board_entry(current_user, request_id)
    except UserError:
        abort(404)
    return render_template("board/entry.html", req=req,
                           can_view_full=may(current_user, "request.view", req.city_id))


def _export_name(extension: str) -> str:
    return f"demand-board-{clock.today_tokyo():%Y%m%d}.{extension}"


@bp.route("/board.csv")
@requires("demand.export")
def export_csv():
    rows = board_rows_for_export(current_user, _board_filter())
    response = Response(stream_with_context(export.csv_chunks(rows)), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f"attachment; filename={_export_name('csv')}"
    return response


@bp.route("/board.xlsx")
@requires("demand.export")
def export_xlsx():
    content = export.xlsx_bytes(board_rows_for_export(current_user, _board_filter()))
    response = Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f"attachment; filename={_export_name('xlsx')}"
    return response
