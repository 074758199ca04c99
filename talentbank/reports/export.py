"""Reports as workbooks: one sheet per table of the page, headers in the reader's language, numbers as numbers."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from ..core import spreadsheets
from .tables import Table


def sheet_titles() -> dict[str, str]:
    """Short tab names (a sheet title holds at most 31 characters)."""
    return {
        "supply_demand": _("供給と需要"),
        "round_by_city": _("市別"),
        "round_by_profession": _("職種別"),
        "round_by_city_profession": _("市・職種別"),
        "reasons": _("空いた理由"),
        "reasons_by_city": _("市別の空いた理由"),
        "trend": _("充足率の推移"),
        "trend_by_city": _("市別の充足率の推移"),
        "trend_by_profession": _("職種別の充足率の推移"),
        "activity": _("派遣と交流"),
        "fiscal_by_city_profession": _("市・職種別"),
        "fiscal_by_city": _("市別"),
        "fiscal_by_profession": _("職種別"),
    }


def _cell(value: Any, is_percent: bool) -> Any:
    if value is None:
        return None  # an empty cell: nothing was asked for
    if is_percent:
        return round(value * 100, 1)
    if isinstance(value, float):
        return round(value, 1)
    return value


def sheet(table: Table) -> spreadsheets.Sheet:
    """A table as a sheet: rates as percentages (a number, the header says %), empty where undefined."""
    headers = [_("%(name)s（%%）", name=h) if i in table.percent_columns else h for i, h in enumerate(table.headers)]
    rows = [[_cell(v, i in table.percent_columns) for i, v in enumerate(row)] for row in table.rows]
    title = sheet_titles().get(table.key, table.key)[:31]
    widths = {1: 22, 2: 18} | {i: 14 for i in range(3, len(headers) + 1)}
    return spreadsheets.Sheet(title, headers, rows, widths)


def workbook(*tables: Table) -> bytes:
    return spreadsheets.xlsx_bytes(*(sheet(t) for t in tables))
