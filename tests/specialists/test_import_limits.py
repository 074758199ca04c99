"""Import limits: hostile files are refused by caps that ignore what the file declares; a preview's file does not outlive it."""
from __future__ import annotations

import io
import os
import time
import zipfile

import pytest

from talentbank.core.errors import UserError
from talentbank.scheduler.runner import run_job
from talentbank.specialists import imports

from .test_import import HEADERS, coordinator, count, csv_bytes, row  # noqa: F401 (coordinator is a fixture)

MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
PACKAGE = "http://schemas.openxmlformats.org/package/2006"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{PACKAGE}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels": f'<Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{OFFICE}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook {MAIN} xmlns:r="{OFFICE}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
    '</sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{PACKAGE}/relationships">'
    f'<Relationship Id="rId1" Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{OFFICE}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
}


def hand_made_xlsx(cells: dict[str, str], dimension: str, strings: list[str] | None = None,
                   extra_parts: int = 0) -> bytes:
    """An .xlsx written by hand, saying what a hostile file may say: ``cells`` maps "B7" to a shared string."""
    strings = list(strings or [])
    rows: dict[int, list[str]] = {}
    for ref, text in cells.items():
        number = int("".join(c for c in ref if c.isdigit()))
        if text not in strings:
            strings.append(text)
        rows.setdefault(number, []).append(f'<c r="{ref}" t="s"><v>{strings.index(text)}</v></c>')
    sheet_data = "".join(f'<row r="{n}">{"".join(cs)}</row>' for n, cs in sorted(rows.items()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml",
                         f'<worksheet {MAIN}><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>')
        archive.writestr("xl/sharedStrings.xml",
                         f'<sst {MAIN}>{"".join(f"<si><t>{s}</t></si>" for s in strings)}</sst>')
        for n in range(extra_parts):
            archive.writestr(f"xl/media/{n}.xml", "<x/>")
    return out.getvalue()


def letters(column: int) -> str:
    name = ""
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


def header_cells(row_number: int = 1) -> dict[str, str]:
    return {f"{letters(i)}{row_number}": h for i, h in enumerate(HEADERS, start=1)}


def test_a_declared_sheet_of_a_million_rows_by_16384_columns_costs_only_what_it_holds(monkeypatch):
    consumed = []
    capped = imports._capped
    monkeypatch.setattr(imports, "_capped", lambda rows: capped(consumed.append(r) or r for r in rows))
    content = hand_made_xlsx({**header_cells(), "A2": "逗子 太郎"}, "A1:XFD1048576")
    table = imports.read_table("list.xlsx", content)
    assert table == [HEADERS, ["逗子 太郎"]]
    assert len(consumed) == 2 and all(len(r) <= imports.MAX_COLUMNS + 1 for r in consumed)


def test_a_value_past_the_column_cap_is_refused():
    last = letters(imports.MAX_COLUMNS + 1)
    with pytest.raises(UserError, match=r"列が多すぎます（2行目、上限40列）"):
        imports.read_table("list.xlsx", hand_made_xlsx({**header_cells(), f"{last}2": "x"}, "A1:XFD2"))
    too_wide = "\n".join([",".join(HEADERS), ",".join(["x"] * (imports.MAX_COLUMNS + 1))]).encode()
    with pytest.raises(UserError, match="列が多すぎます"):
        imports.read_table("list.csv", too_wide)


def test_a_cell_past_the_size_cap_is_refused():
    huge = "あ" * (imports.MAX_CELL_CHARS + 1)
    with pytest.raises(UserError, match=r"2行目に長すぎるセルがあります（上限10000文字）"):
        imports.read_table("list.xlsx", hand_made_xlsx({**header_cells(), "S2": huge}, "A1:T2"))
    with pytest.raises(UserError, match="長すぎるセル"):
        imports.read_table("list.csv", csv_bytes([row(1, **{"備考": huge})]))


def test_more_rows_than_the_cap_are_refused_whatever_the_format():
    with pytest.raises(UserError, match="1回に取り込めるのは5000行までです。"):
        imports.read_table("list.csv", csv_bytes([row(1)] * (imports.MAX_ROWS + 1)))
    cells = header_cells()
    cells.update({f"A{n}": "x" for n in range(2, imports.MAX_ROWS + 3)})
    with pytest.raises(UserError, match="1回に取り込めるのは5000行までです。"):
        imports.read_table("list.xlsx", hand_made_xlsx(cells, "A1:A2"))
    blank_lines = csv_bytes([row(1)]) + b"\r\n" * (imports.MAX_ROWS * 2)
    assert len(imports.read_table("list.csv", blank_lines)) == 2  # blank rows are not rows


def test_a_shared_strings_bomb_is_refused_before_it_is_inflated():
    bomb = "a" * (imports.MAX_UNPACKED_BYTES + 1)  # 20 MB of one letter: about 20 KB compressed
    content = hand_made_xlsx(header_cells(), "A1:T1", strings=[bomb])
    assert len(content) < 100_000
    started = time.perf_counter()
    with pytest.raises(UserError, match=r"Excelファイルの中身が大きすぎます（展開後の上限20MB）"):
        imports.read_table("list.xlsx", content)
    assert time.perf_counter() - started < 1  # inflating and parsing it would take seconds
    with pytest.raises(UserError, match="Excelファイルの中身が大きすぎます"):
        imports.read_table("list.xlsx", hand_made_xlsx(header_cells(), "A1:T1", extra_parts=imports.MAX_XLSX_PARTS))


def test_an_impossible_consent_date_is_refused_in_the_preview(coordinator):
    content = csv_bytes([row(1, **{"同意日": "0001-01-01"})])
    preview = imports.preview_import(coordinator, "list.csv", content)
    assert not preview.is_valid
    assert [(p.column, p.message) for p in preview.problems] == [("同意日", "同意日「0001-01-01」はありえない日付です。")]
    with pytest.raises(UserError, match="ファイルに誤りがあるため"):
        imports.run_import(coordinator, "list.csv", content, preview.sha256)
    assert count() == 0


def test_unicode_digits_are_a_message_not_an_error(coordinator):
    preview = imports.preview_import(coordinator, "list.csv", csv_bytes([row(1, **{"退職年": "²"})]))
    assert [p.message for p in preview.problems] == ["「²」は整数ではありません。半角数字で入力してください。"]


# ---------------------------------------------------------------- the preview's file

@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "imports"


def upload(client, rows) -> str:
    response = client.post("/specialists/import", data={"file": (io.BytesIO(csv_bytes(rows)), "list.csv")},
                           content_type="multipart/form-data")
    assert "人を登録する" in response.text
    return response.text


def kept(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_the_preview_file_is_deleted_on_cancel_and_on_confirm(coordinator, client, auth, folder):
    auth.login(coordinator.email)
    upload(client, [row(1)])
    assert len(kept(folder)) == 1
    cancelled = client.post("/specialists/import/cancel", follow_redirects=True)
    assert "取り込みを取りやめました。" in cancelled.text
    assert kept(folder) == [] and count() == 0
    page = upload(client, [row(1)])
    assert len(kept(folder)) == 1
    sha = page.split('name="sha256" value="')[1].split('"')[0]
    client.post("/specialists/import/confirm", data={"sha256": sha})
    assert kept(folder) == [] and count() == 1


def test_stale_previews_are_deleted_by_the_hourly_job_and_at_each_upload(coordinator, client, auth, folder):
    folder.mkdir(parents=True)
    old = time.time() - imports.PREVIEW_MAX_AGE.total_seconds() - 60
    stale, fresh = folder / ("a" * 32), folder / ("b" * 32)
    for path in (stale, fresh):
        path.write_bytes(csv_bytes([row(1)]))
    os.utime(stale, (old, old))
    run = run_job("specialists.import_previews_cleanup")
    assert run.status == "succeeded", run.error
    assert run.summary_params == {"count": 1}
    assert kept(folder) == ["b" * 32]
    os.utime(fresh, (old, old))
    auth.login(coordinator.email)
    upload(client, [row(2)])
    assert "b" * 32 not in kept(folder) and len(kept(folder)) == 1
