"""Files for the cities' own spreadsheets: CSV that Excel opens as UTF-8, and XLSX workbooks.

Every export (demand board, round results, dispatch roster) writes through these functions, so
the same guards apply everywhere: a BOM for Excel, typed-in text that can never run as a formula,
dates as dates, bold frozen headers.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# Spreadsheets run a cell that starts with these as a formula; a leading quote keeps it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text that a spreadsheet shows as typed, never evaluates (CSV/formula injection)."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return value


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence[Any]], chunk_rows: int = 500) -> Iterator[str]:
    """CSV text in pieces for a streamed response: the BOM first, then headers and rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow(headers)
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(v) for v in row])
        if count % chunk_rows == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The whole CSV as one string (BOM, headers, rows)."""
    return "".join(csv_chunks(headers, rows))


@dataclass
class Sheet:
    """One worksheet: its tab name, header row, data rows and optional column widths (1-based)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: dict[int, int] = field(default_factory=dict)


def xlsx_bytes(*sheets: Sheet) -> bytes:
    """A workbook with one sheet per ``Sheet``: bold frozen headers, text as text, dates as dates."""
    import openpyxl  # ~0.1 s to import: paid when a workbook is written, not at every start of the app

    workbook = openpyxl.Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title)
        sheet.freeze_panes = "A2"
        for column, width in spec.widths.items():
            sheet.column_dimensions[openpyxl.utils.get_column_letter(column)].width = width
        header = []
        for title in spec.headers:
            cell = openpyxl.cell.WriteOnlyCell(sheet, value=title)
            cell.font = openpyxl.styles.Font(bold=True)
            header.append(cell)
        sheet.append(header)
        for row in spec.rows:
            cells = []
            for value in row:
                cell = openpyxl.cell.WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # typed as text outright: nothing is evaluated, nothing to quote
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                cells.append(cell)
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
