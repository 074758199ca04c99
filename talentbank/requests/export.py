"""The demand board as files for the cities' own spreadsheets: CSV (UTF-8 with BOM) and XLSX.

Headers and labels are Japanese whatever the screen language: the files go to Japanese HR
offices and are compared with their own lists.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC
from typing import Any

from ..core.clock import TOKYO
from .models import URGENCY_LABELS, WORK_MODE_LABELS
from .services import ExportRow

HEADERS = ["要請番号", "団体コード", "市", "部署", "課・係", "職種", "必要な資格", "望ましい経験分野",
           "募集人数", "未充足人数", "開始日", "終了日", "週あたり勤務日数", "勤務形態", "緊急度", "緊急度の理由",
           "業務内容", "公開日時"]
# Spreadsheets run a cell that starts with these as a formula; a leading quote keeps it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text that a spreadsheet shows as typed, never evaluates (CSV/formula injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def export_values(item: ExportRow, text: Any = safe_text) -> list[Any]:
    """One board row as spreadsheet cells, in the order of ``HEADERS``; ``text`` guards typed-in text."""
    row = item.row
    posted = (row.posted_at.replace(tzinfo=UTC).astimezone(TOKYO).strftime("%Y-%m-%d %H:%M")
              if row.posted_at else "")
    return [
        row.id, row.city_code, row.city_name_ja, text(row.department), text(row.section),
        row.profession_name_ja, item.required_licences, item.desired_fields, row.people, row.open_slots,
        row.start_date, row.end_date, row.days_per_week, WORK_MODE_LABELS[row.work_mode],
        URGENCY_LABELS[row.urgency], text(item.urgency_reason), text(item.description), posted,
    ]


def csv_chunks(rows: Iterable[ExportRow]) -> Iterator[str]:
    """The CSV text in pieces (first the BOM, so Excel reads UTF-8), for a streamed response."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow(HEADERS)
    for count, item in enumerate(rows, start=1):
        writer.writerow([v.isoformat() if hasattr(v, "isoformat") else v for v in export_values(item)])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(rows: Iterable[ExportRow]) -> bytes:
    """The board as an Excel workbook with one sheet, headers frozen, dates as dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("需要ボード")
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHIJKLMNOPQR", (9, 9, 10, 18, 18, 12, 28, 24, 8, 9, 11, 11, 9, 14, 10, 30,
                                                   40, 16)):
        sheet.column_dimensions[column].width = width
    header_cells = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for item in rows:
        cells = []
        # In a workbook a cell can be typed as text outright, so nothing needs quoting.
        for value in export_values(item, text=str):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif hasattr(value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
