"""The demand board as files for the cities' own spreadsheets: CSV (UTF-8 with BOM) and XLSX.

Headers and labels are Japanese whatever the screen language: the files go to Japanese HR
offices and are compared with their own lists.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ..core import spreadsheets
from ..core.spreadsheets import safe_text
from ..i18n import show_time
from ..requests.models import URGENCY_LABELS, WORK_MODE_LABELS
from .services import ExportRow

HEADERS = ["要請番号", "団体コード", "市", "部署", "課・係", "職種", "必要な資格", "望ましい経験分野",
           "募集人数", "未充足人数", "開始日", "終了日", "週あたり勤務日数", "勤務形態", "緊急度", "緊急度の理由",
           "業務内容", "公開日時"]
def export_values(item: ExportRow, text: Any = safe_text) -> list[Any]:
    """One board row as spreadsheet cells, in the order of ``HEADERS``; ``text`` guards typed-in text."""
    row = item.row
    return [
        row.id, row.city_code, row.city_name_ja, text(row.department), text(row.section),
        row.profession_name_ja, item.required_licences, item.desired_fields, row.people, row.open_slots,
        row.start_date, row.end_date, row.days_per_week, WORK_MODE_LABELS[row.work_mode],
        URGENCY_LABELS[row.urgency], text(item.urgency_reason), text(item.description), show_time(row.posted_at),
    ]


def csv_chunks(rows: Iterable[ExportRow]) -> Iterator[str]:
    """The CSV text in pieces (first the BOM, so Excel reads UTF-8), for a streamed response."""
    return spreadsheets.csv_chunks(HEADERS, (export_values(item, text=str) for item in rows))


# Column widths of the workbook, by column number.
XLSX_WIDTHS = dict(enumerate((9, 9, 10, 18, 18, 12, 28, 24, 8, 9, 11, 11, 9, 14, 10, 30, 40, 16), start=1))


def xlsx_bytes(rows: Iterable[ExportRow]) -> bytes:
    """The board as an Excel workbook with one sheet, headers frozen, dates as dates."""
    return spreadsheets.xlsx_bytes(
        spreadsheets.Sheet("需要ボード", HEADERS, (export_values(item, text=str) for item in rows), XLSX_WIDTHS))
