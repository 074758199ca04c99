"""The shared export writer: what every CSV/XLSX export relies on."""
import io
from datetime import date

from openpyxl import load_workbook

from talentbank.core.spreadsheets import Sheet, csv_text, xlsx_bytes


def test_csv_has_a_bom_and_never_lets_typed_text_run_as_a_formula():
    text = csv_text(["市", "業務内容"], [["逗子市", "=HYPERLINK(\"http://x\")"], ["鎌倉市", "-1+2"], ["横浜市", 3]])
    assert text.startswith("\ufeff市,業務内容\r\n")
    assert "'=HYPERLINK" in text and "'-1+2" in text
    assert text.rstrip().endswith("横浜市,3")


def test_csv_writes_dates_as_iso():
    assert "2027-04-01" in csv_text(["開始日"], [[date(2027, 4, 1)]])


def test_workbook_has_bold_frozen_headers_text_as_text_and_dates_as_dates():
    content = xlsx_bytes(Sheet("需要ボード", ["市", "開始日", "内容"], [["逗子市", date(2027, 4, 1), "=1+1"]], {3: 40}))
    sheet = load_workbook(io.BytesIO(content))["需要ボード"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "市" and sheet["A1"].font.bold
    assert sheet["B2"].value.date() == date(2027, 4, 1)
    assert sheet["C2"].value == "=1+1" and sheet["C2"].data_type == "s"
