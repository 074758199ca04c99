"""Bulk import: the preview names every bad row in Japanese and nothing is saved unless all rows are valid."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.cities.models import City
from talentbank.core import clock
from talentbank.core.errors import UserError
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.specialists import imports
from talentbank.specialists.models import Specialist

HEADERS = list(imports.COLUMNS)
KANA_NUMBERS = ["れい", "いち", "じ", "さぶ", "し", "ご", "ろく", "しち", "はち", "く", "じゅう", "じゅういち"]


def row(n: int, **overrides) -> dict[str, str]:
    start = clock.today_tokyo() + timedelta(days=30)
    values = {
        "氏名": f"取込 {n}郎", "ふりがな": f"とりこみ {KANA_NUMBERS[n]}ろう", "メールアドレス": f"import{n}@example.jp",
        "電話番号": "046-873-1111", "居住地の団体コード": "142018", "居住地の市区町村名": "", "元の勤務先": "横須賀市 土木部",
        "退職年": "2022", "職種": "土木", "資格": "技術士（建設部門）、測量士", "経験分野": "道路:20、法面・崖地:8",
        "勤務可能期間": f"{start}～{start + timedelta(days=300)}", "週あたり日数": "3", "現地勤務": "可",
        "在宅勤務": "不可", "移動時間の上限（分）": "60", "除外する市": "", "希望する市": "逗子市、142042", "備考": "",
        "同意日": "2026-10-01",
    }
    values.update(overrides)
    return values


def csv_bytes(rows: list[dict[str, str]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADERS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for r in rows:
        sheet.append([int(v) if v.isdigit() and h in ("退職年", "週あたり日数") else v for h, v in r.items()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def coordinator(make):
    clock.freeze(None)
    make.vocabulary()
    make.demo_cities()
    return make.user(Role.COORDINATOR)


def count() -> int:
    return db.session.scalar(select(func.count(Specialist.id))) or 0


def test_a_valid_csv_is_previewed_then_saved(coordinator):
    content = csv_bytes([row(1), row(2)])
    preview = imports.preview_import(coordinator, "yokosuka-retirees.csv", content)
    assert preview.is_valid and [r.row for r in preview.new_rows] == [2, 3] and preview.problems == []
    assert count() == 0  # the preview saves nothing
    result = imports.run_import(coordinator, "yokosuka-retirees.csv", content, preview.sha256)
    assert result.created == 2
    saved = db.session.scalars(select(Specialist).order_by(Specialist.id)).all()
    first = saved[0]
    assert first.name_kanji == "取込 1郎" and first.home_city.code == "142018"
    assert {t.code for t in first.licences} == {"gijutsushi_construction", "surveyor"}
    assert sorted((e.field.code, e.years) for e in first.experiences) == [("roads", 20), ("slopes", 8)]
    assert [c.code for c in first.preferred_cities] == ["142042", "142085"]
    assert first.registration_source == "import" and first.consented_at.date().isoformat() == "2026-09-30"
    assert first.user_id is None and first.registered_by_id == coordinator.id
    summary = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "specialist.imported")).one()
    assert summary.changes["created"] == [None, 2]


def test_one_bad_row_rejects_the_whole_file_and_saves_nothing(coordinator):
    rows = [row(1), row(2), row(3, **{"週あたり日数": "7", "資格": "一級建築士、宇宙飛行士"}), row(4)]
    content = csv_bytes(rows)
    preview = imports.preview_import(coordinator, "list.csv", content)
    assert not preview.is_valid and preview.invalid_rows == 1
    assert [(p.row, p.column, p.message) for p in preview.problems] == [
        (4, "資格", "資格「宇宙飛行士」は登録されていません。"),
        (4, "週あたり日数", "週あたりの勤務可能日数は1〜5日で入力してください。"),
    ]
    with pytest.raises(UserError) as raised:
        imports.run_import(coordinator, "list.csv", content, preview.sha256)
    assert str(raised.value) == "ファイルに誤りがあるため、取り込みませんでした。プレビューの内容を確認してください。"
    assert count() == 0
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action.like("specialist.%"))) == 0


def test_every_kind_of_bad_cell_gets_its_own_japanese_message(coordinator):
    bad = [
        row(1, **{"氏名": ""}),
        row(2, **{"居住地の団体コード": "142086"}),
        row(3, **{"居住地の団体コード": "142212"}),  # a valid check digit, but no such municipality
        row(4, **{"経験分野": "道路20年"}),
        row(5, **{"勤務可能期間": "2027/04/01から2027/09/30"}),
        row(6, **{"現地勤務": "たぶん"}),
        row(7, **{"同意日": ""}),
        row(8, **{"職種": ""}),
        row(9, **{"勤務可能期間": "2027-09-30～2027-04-01"}),
        row(10, **{"希望する市": "横浜市、火星市"}),
    ]
    preview = imports.preview_import(coordinator, "bad.csv", csv_bytes(bad))
    messages = {p.row: p.message for p in preview.problems}
    assert messages == {
        2: "氏名を入力してください。",
        3: "団体コード 142086 の検査数字が正しくありません。先頭5桁 14208 の検査数字は 5 です。",
        4: "団体コード 142212 の市区町村は全国地方公共団体コードの一覧にありません。",
        5: "経験分野「道路20年」は「分野:年数」の形で入力してください（例: 道路:12）。",
        6: "勤務可能期間「2027/04/01から2027/09/30」は「開始日～終了日」の形で入力してください（例: 2027-04-01～2028-03-31）。",
        7: "「たぶん」は「可」または「不可」で入力してください。",
        8: "同意日を入力してください。本人の同意が確認できた人だけを取り込めます。",
        9: "職種を1つ以上選んでください。",
        10: "勤務可能期間の終了日は開始日以降の日付にしてください（1件目の期間）。",
        11: "市「火星市」は市の一覧にありません。市名または団体コードで入力してください。",
    }
    assert count() == 0


def test_duplicates_are_reported_and_not_doubled(coordinator, make):
    existing = make.specialist(db.session.scalar(select(City).where(City.code == "142085")),
                               email="import1@example.jp")
    content = csv_bytes([row(1), row(2), row(3, **{"メールアドレス": "IMPORT2@example.jp"})])
    preview = imports.preview_import(coordinator, "dups.csv", content)
    assert preview.is_valid and [r.row for r in preview.new_rows] == [3]
    assert [(p.row, p.message) for p in preview.duplicates] == [
        (2, "メールアドレス import1@example.jp は既に登録されています。この行は取り込みません。"),
        (4, "3行目と同じメールアドレス（import2@example.jp）です。この行は取り込みません。"),
    ]
    result = imports.run_import(coordinator, "dups.csv", content, preview.sha256)
    assert (result.created, result.skipped) == (1, 2)
    assert count() == 2 and db.session.get(Specialist, existing.id).name_kanji == existing.name_kanji


def test_xlsx_and_shift_jis_csv_are_read_like_utf8(coordinator):
    xlsx = imports.preview_import(coordinator, "list.xlsx", xlsx_bytes([row(1), row(2)]))
    sjis = imports.preview_import(coordinator, "list.csv", csv_bytes([row(1), row(2)], encoding="cp932"))
    assert xlsx.is_valid and sjis.is_valid
    assert [r.values.name_kanji for r in xlsx.new_rows] == [r.values.name_kanji for r in sjis.new_rows] == [
        "取込 1郎", "取込 2郎"]
    assert xlsx.new_rows[0].values.retirement_year == 2022


def test_files_that_are_not_lists_are_refused_clearly(coordinator):
    with pytest.raises(UserError, match="CSV（.csv）またはExcel（.xlsx）のファイルを選んでください。"):
        imports.preview_import(coordinator, "photo.png", b"\x89PNG....")
    with pytest.raises(UserError, match="Excelファイルを読み取れません。"):
        imports.preview_import(coordinator, "broken.xlsx", b"PK\x03\x04broken")
    preview = imports.preview_import(coordinator, "short.csv", "氏名,メールアドレス,趣味\n".encode())
    assert [p.message for p in preview.problems] == [
        "必須の列がありません: ふりがな、電話番号、居住地の団体コード、職種、週あたり日数、同意日",
        "不明な列があります: 趣味（列名はテンプレートに合わせてください）"]


def test_only_the_coordinating_city_may_import(make, client, auth):
    make.vocabulary()
    zushi = make.demo_cities()["142085"]
    auth.login(make.user(Role.CITY_HR, city=zushi).email)
    assert client.get("/specialists/import").status_code == 403
    response = client.post("/specialists/import", data={"file": (io.BytesIO(csv_bytes([row(1)])), "a.csv")})
    assert response.status_code == 403
    assert count() == 0


def test_the_import_screens_preview_then_confirm(coordinator, client, auth):
    auth.login(coordinator.email)
    bad = client.post("/specialists/import", data={"file": (io.BytesIO(csv_bytes([row(1), row(2, **{"職種": "宇宙"})])),
                                                            "list.csv")}, content_type="multipart/form-data")
    assert "職種「宇宙」は登録されていません。" in bad.text and "何も保存されていません" in bad.text
    assert "人を登録する" not in bad.text
    good = client.post("/specialists/import", data={"file": (io.BytesIO(csv_bytes([row(1), row(2)])), "list.csv")},
                       content_type="multipart/form-data")
    assert "2人を登録する" in good.text and count() == 0
    sha = re.search(r'name="sha256" value="([0-9a-f]+)"', good.text).group(1)
    done = client.post("/specialists/import/confirm", data={"sha256": sha}, follow_redirects=True)
    assert "list.csv から2人を登録しました（重複のため取り込まなかった行: 0）。" in done.text
    assert count() == 2
    again = client.post("/specialists/import/confirm", data={"sha256": sha}, follow_redirects=True)
    assert "確認中のファイルが見つかりません。" in again.text and count() == 2


def test_the_template_has_every_column_and_an_example_that_imports(coordinator, client, auth):
    auth.login(coordinator.email)
    response = client.get("/specialists/import/template.csv")
    assert response.data.startswith("\ufeff".encode())
    preview = imports.preview_import(coordinator, "template.csv", response.data)
    assert preview.problems == [] and len(preview.new_rows) == 1
