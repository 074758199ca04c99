"""Reading the figures back from a report page's tables and from its workbook, to compare with our own counts."""
from __future__ import annotations

import io
from html.parser import HTMLParser
from typing import Any


class _Tables(HTMLParser):
    """Rows of every ``<table data-table=…>``: the row header's text, then each cell's ``data-value``."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[Any]]] = {}
        self.own_rows: dict[str, list[str]] = {}
        self._table: str | None = None
        self._row: list[Any] | None = None
        self._row_is_own = False
        self._in_th = False
        self._th_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("data-table"):
            self._table = a["data-table"]
            self.tables[self._table] = []
            self.own_rows[self._table] = []
        elif self._table and tag == "tr":
            self._row, self._row_is_own = [], "own-city" in (a.get("class") or "")
        elif self._table and self._row is not None and tag == "th" and a.get("scope") == "row":
            self._in_th, self._th_text = True, ""
        elif self._table and self._row is not None and tag == "td":
            value = a.get("data-value")
            self._row.append(None if value in (None, "") else _number(value))
        elif tag == "span" and self._in_th:
            self._in_th = False  # the "(own city)" mark is not part of the label

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._row is not None and self._th_text:
            self._row.insert(0, self._th_text.strip())
            self._th_text = ""
            self._in_th = False
        elif tag == "tr" and self._table and self._row:
            self.tables[self._table].append(self._row)
            if self._row_is_own:
                self.own_rows[self._table].append(self._row[0])
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._in_th:
            self._th_text += data


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def page_tables(html: str) -> tuple[dict[str, list[list[Any]]], dict[str, list[str]]]:
    """{table key: rows as [label, values...]} and {table key: labels of the rows marked as own city}."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables, parser.own_rows


def by_label(rows: list[list[Any]], width: int = 1) -> dict[Any, list[Any]]:
    """Rows keyed by their first ``width`` cells."""
    return {tuple(r[:width]) if width > 1 else r[0]: r[width:] for r in rows}


def workbook_sheets(content: bytes) -> dict[str, list[list[Any]]]:
    """Every sheet of an XLSX as rows of values, header row first."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}
