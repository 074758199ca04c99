"""Bulk import of retired specialists from a city's CSV or Excel list of retirees who consented.

The file is read and every row checked by the same rules as the sign-up form; the preview lists
each invalid row with its reason in Japanese, and nothing is saved unless every row is valid.
Rows whose email is already registered (or repeated in the file) are reported and skipped, never
doubled. The file sits in a private folder between the preview and the confirmation, and is
checked again when confirmed.
"""
from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
import time as _wall_clock
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from collections.abc import Iterable, Sequence
from typing import Any

from flask import current_app
from sqlalchemy import select

from ..accounts.models import User
from ..audit import services as audit
from ..cities.models import City
from ..core import permissions
from ..core.clock import today_tokyo, tokyo_day_start, utcnow
from ..core.errors import N_, UserError
from ..extensions import db
from ..vocabulary.models import ExperienceField, Licence, Profession
from .consent import CONSENT_VERSION
from .models import CheckedBy, Specialist, SpecialistKind, SpecialistStatus
from .profiles import add_new, resolve_home_city
from .validation import ProfileInvalid, ProfileValues, validate_profile
from .verification import vouch

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# Caps on what a file holds, whatever it declares: a small .xlsx can declare 16,384 columns by a
# million rows, or a shared-strings part that inflates a thousandfold.
MAX_COLUMNS = 40  # the list has 20 columns
# A cell past the profile's own limits (備考 2,000, 氏名 100...) is reported on its row by the profile
# rules, never cut; only a cell past this outer cap (the longest text any form takes) refuses the file.
MAX_CELL_CHARS = 10_000  # as core.forms.TEXT_MAX, the longest text any form takes
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # all parts of an .xlsx, decompressed; 5,000 rows take about 5 MB
MAX_XLSX_PARTS = 500
EARLIEST_CONSENT = date(1900, 1, 1)  # before it a date is a typo (and 0001-01-01 cannot even be stored in UTC)
PREVIEW_MAX_AGE = timedelta(hours=2)  # an unconfirmed preview's file is deleted after this

# Column header → what it holds. Headers are matched after removing spaces; order is free.
COLUMNS: dict[str, str] = {
    "氏名": "name_kanji",
    "ふりがな": "name_kana",
    "メールアドレス": "email",
    "電話番号": "phone",
    "居住地の団体コード": "home_city_code",
    "居住地の市区町村名": "home_city_name",
    "元の勤務先": "former_employer",
    "退職年": "retirement_year",
    "職種": "professions",
    "資格": "licences",
    "経験分野": "experiences",
    "勤務可能期間": "windows",
    "週あたり日数": "days_per_week",
    "現地勤務": "can_work_onsite",
    "在宅勤務": "can_work_remote",
    "移動時間の上限（分）": "max_travel_minutes",
    "除外する市": "excluded_cities",
    "希望する市": "preferred_cities",
    "備考": "notes",
    "同意日": "consented_on",
}
REQUIRED_COLUMNS = ("氏名", "ふりがな", "メールアドレス", "電話番号", "居住地の団体コード", "職種", "週あたり日数", "同意日")
HEADER_OF = {key: header for header, key in COLUMNS.items()}
# Validation fields → the column a message is about.
FIELD_COLUMN = {
    "name_kanji": "氏名", "name_kana": "ふりがな", "email": "メールアドレス", "phone": "電話番号",
    "home_city_id": "居住地の団体コード", "home_city_code": "居住地の団体コード", "home_city_name": "居住地の市区町村名",
    "former_employer": "元の勤務先", "retirement_year": "退職年", "profession_ids": "職種", "licence_ids": "資格",
    "experiences": "経験分野", "windows": "勤務可能期間", "days_per_week": "週あたり日数",
    "can_work_onsite": "現地勤務", "max_travel_minutes": "移動時間の上限（分）", "excluded_city_ids": "除外する市",
    "notes": "備考", "consented_on": "同意日",
}
SPLIT = re.compile(r"[、,，;；\n]+")
RANGE = re.compile(r"^\s*(\d{4}[-/]\d{1,2}[-/]\d{1,2})\s*[~～〜]\s*(\d{4}[-/]\d{1,2}[-/]\d{1,2})\s*$")
YES = {"可", "○", "〇", "はい", "yes", "y", "true", "1"}
NO = {"不可", "×", "✕", "いいえ", "no", "n", "false", "0"}

SAMPLE_ROW = {
    "氏名": "逗子 太郎", "ふりがな": "ずし たろう", "メールアドレス": "taro.zushi@example.jp", "電話番号": "046-873-1111",
    "居住地の団体コード": "142085", "居住地の市区町村名": "", "元の勤務先": "逗子市 都市整備部", "退職年": "2024",
    "職種": "土木", "資格": "技術士（建設部門）、1級土木施工管理技士", "経験分野": "道路:20、法面・崖地:8",
    "勤務可能期間": "2027-04-01～2028-03-31", "週あたり日数": "3", "現地勤務": "可", "在宅勤務": "不可",
    "移動時間の上限（分）": "60", "除外する市": "", "希望する市": "逗子市、鎌倉市", "備考": "", "同意日": "2026-10-01",
}


@dataclass(frozen=True)
class RowProblem:
    row: int  # the row number as the spreadsheet shows it (header is row 1)
    column: str
    error: UserError

    @property
    def message(self) -> str:
        """The reason in the reader's language (Japanese outside a request)."""
        return str(self.error)


@dataclass
class ParsedRow:
    row: int
    values: ProfileValues
    consented_on: date | None


@dataclass
class ImportPreview:
    filename: str
    sha256: str
    total_rows: int
    new_rows: list[ParsedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    duplicates: list[RowProblem] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.problems and self.total_rows > 0

    @property
    def invalid_rows(self) -> int:
        return len({p.row for p in self.problems if p.row > 0})


# ---------------------------------------------------------------- reading files

def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """Rows of text from a CSV (UTF-8 or Shift_JIS, as Excel saves it) or the first sheet of an .xlsx.

    Blank rows are left out; a file over a cap (bytes, unpacked size, rows, columns, characters in
    a cell) is refused with a message naming the cap, before it costs time or memory.
    """
    if len(content) > MAX_BYTES:
        raise UserError("ファイルが大きすぎます（上限5MB）。分割して取り込んでください。")
    name = (filename or "").lower()
    if name.endswith(".xlsx") or content[:2] == b"PK":
        return _read_xlsx(content)
    if name.endswith(".csv") or name.endswith(".txt"):
        return _read_csv(content)
    raise UserError("CSV（.csv）またはExcel（.xlsx）のファイルを選んでください。")


def _capped(rows: Iterable[Sequence[Any]]) -> list[list[str]]:
    """The non-blank rows as text, refusing a file past the caps on rows, columns and cell size."""
    table: list[list[str]] = []
    for number, row in enumerate(rows, start=1):
        cells = [_cell(v) for v in row]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if len(cells) > MAX_COLUMNS:
            raise UserError(N_("列が多すぎます（%(row)s行目、上限%(max)s列）。テンプレートの列だけにしてください。"),
                            row=number, max=MAX_COLUMNS)
        if any(len(c) > MAX_CELL_CHARS for c in cells):
            raise UserError(N_("%(row)s行目に長すぎるセルがあります（上限%(max)s文字）。"), row=number, max=MAX_CELL_CHARS)
        table.append(cells)
        if len(table) > MAX_ROWS + 1:  # the header and MAX_ROWS rows of data
            raise UserError(N_("1回に取り込めるのは%(max)s行までです。ファイルを分割してください。"), max=MAX_ROWS)
    return table


def _read_csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UserError("ファイルの文字コードを読み取れません。UTF-8またはShift_JISのCSVで保存してください。")
    try:
        return _capped(csv.reader(io.StringIO(text)))
    except csv.Error:
        raise UserError("CSVファイルの形式が正しくありません。") from None


def _check_unpacked_size(content: bytes) -> None:
    """Refuse a zip bomb before openpyxl inflates it: zipfile never inflates a part past its declared size."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UserError("Excelファイルを読み取れません。.xlsx形式で保存し直してください。") from None
    if len(parts) > MAX_XLSX_PARTS or sum(part.file_size for part in parts) > MAX_UNPACKED_BYTES:
        raise UserError(N_("Excelファイルの中身が大きすぎます（展開後の上限%(max)sMB）。CSVで保存するか、分割してください。"),
                        max=MAX_UNPACKED_BYTES // (1024 * 1024))


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # ~0.1 s to import: paid when an Excel list is uploaded, not at every start

    _check_unpacked_size(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise UserError("Excelファイルを読み取れません。.xlsx形式で保存し直してください。") from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # the declared size ("A1:XFD1048576") would pad every row to it
        # One column past the cap: a value there is refused; further columns are never built.
        return _capped(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True))
    finally:
        workbook.close()


# ---------------------------------------------------------------- parsing cells

class _Lookup:
    """Vocabulary and cities by name or code, loaded once per file."""

    def __init__(self) -> None:
        self.terms: dict[type, dict[str, Any]] = {}
        for model in (Profession, Licence, ExperienceField):
            table: dict[str, Any] = {}
            for term in db.session.scalars(select(model)):
                if term.is_active:
                    table[_key(term.name_ja)] = term
                    table[term.code.lower()] = term
            self.terms[model] = table
        self.cities: dict[str, City] = {}
        for city in db.session.scalars(select(City)):
            self.cities[city.code] = city
            self.cities[_key(city.name_ja)] = city

    def term(self, model: type, text: str) -> Any | None:
        return self.terms[model].get(_key(text)) or self.terms[model].get(text.strip().lower())

    def city(self, text: str) -> City | None:
        return self.cities.get(text.strip()) or self.cities.get(_key(text))


def _key(text: str) -> str:
    """Names compared without spaces and with full-width brackets, as people type them."""
    return (text or "").replace(" ", "").replace("\u3000", "").replace("(", "（").replace(")", "）").strip()


def _parse_date(text: str) -> date | None:
    text = text.strip().replace("/", "-")
    try:
        year, month, day = (int(p) for p in text.split("-"))
        return date(year, month, day)
    except ValueError:
        return None


def _int(text: str) -> int | None:
    text = text.strip().translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return int(text) if text.isascii() and text.isdigit() else None  # "²" is a digit to isdigit(), not to int()


def _parse_row(number: int, record: dict[str, str], lookup: _Lookup, problems: list[RowProblem]) -> ParsedRow:
    def problem(column: str, message: str, **params: Any) -> None:
        problems.append(RowProblem(number, column, UserError(message, **params)))

    values = ProfileValues(
        name_kanji=record.get("name_kanji", ""), name_kana=record.get("name_kana", ""),
        email=record.get("email", ""), phone=record.get("phone", ""),
        home_city_code=record.get("home_city_code", ""), home_city_name=record.get("home_city_name", ""),
        former_employer=record.get("former_employer", ""), notes=record.get("notes", ""),
    )
    for key, target in (("retirement_year", "retirement_year"), ("days_per_week", "days_per_week"),
                        ("max_travel_minutes", "max_travel_minutes")):
        raw = record.get(key, "").strip()
        if raw:
            parsed = _int(raw)
            if parsed is None:
                problem(HEADER_OF[key], N_("「%(value)s」は整数ではありません。半角数字で入力してください。"), value=raw)
            setattr(values, target, parsed)
    known = lookup.city(values.home_city_code) if values.home_city_code else None
    if known is not None:
        values.home_city_id = known.id
    for key, model, target, message in (
        ("professions", Profession, "profession_ids", N_("職種「%(value)s」は登録されていません。")),
        ("licences", Licence, "licence_ids", N_("資格「%(value)s」は登録されていません。")),
    ):
        for item in _items(record.get(key, "")):
            term = lookup.term(model, item)
            if term is None:
                problem(HEADER_OF[key], message, value=item)
            elif term.id not in getattr(values, target):
                getattr(values, target).append(term.id)
    for item in _items(record.get("experiences", "")):
        name, _sep, years_text = item.replace("：", ":").rpartition(":")
        term = lookup.term(ExperienceField, name) if name else None
        years = _int(years_text.replace("年", ""))
        if not name or years is None:
            problem("経験分野", N_("経験分野「%(value)s」は「分野:年数」の形で入力してください（例: 道路:12）。"), value=item)
        elif term is None:
            problem("経験分野", N_("経験分野「%(value)s」は登録されていません。"), value=name)
        else:
            values.experiences.append((term.id, years))
    for item in _items(record.get("windows", "")):
        match = RANGE.match(item)
        start = _parse_date(match.group(1)) if match else None
        end = _parse_date(match.group(2)) if match else None
        if start is None or end is None:
            problem("勤務可能期間", N_("勤務可能期間「%(value)s」は「開始日～終了日」の形で入力してください（例: 2027-04-01～2028-03-31）。"),
                    value=item)
        else:
            values.windows.append((start, end))
    for key, target, default in (("can_work_onsite", "can_work_onsite", True),
                                 ("can_work_remote", "can_work_remote", False)):
        raw = record.get(key, "").strip().lower()
        if not raw:
            setattr(values, target, default)
        elif raw in YES:
            setattr(values, target, True)
        elif raw in NO:
            setattr(values, target, False)
        else:
            problem(HEADER_OF[key], N_("「%(value)s」は「可」または「不可」で入力してください。"), value=raw)
    for key, target in (("excluded_cities", "excluded_city_ids"), ("preferred_cities", "preferred_city_ids")):
        for item in _items(record.get(key, "")):
            city = lookup.city(item)
            if city is None:
                problem(HEADER_OF[key], N_("市「%(value)s」は市の一覧にありません。市名または団体コードで入力してください。"),
                        value=item)
            elif city.id not in getattr(values, target):
                getattr(values, target).append(city.id)
    consented_on = None
    raw = record.get("consented_on", "").strip()
    if not raw:
        problem("同意日", N_("同意日を入力してください。本人の同意が確認できた人だけを取り込めます。"))
    else:
        consented_on = _parse_date(raw)
        if consented_on is None:
            problem("同意日", N_("同意日「%(value)s」は日付（YYYY-MM-DD）で入力してください。"), value=raw)
        elif consented_on < EARLIEST_CONSENT:
            problem("同意日", N_("同意日「%(value)s」はありえない日付です。"), value=raw)
        elif consented_on > today_tokyo():
            problem("同意日", N_("同意日が未来の日付です。"))
    return ParsedRow(number, values.normalised(), consented_on)


def _items(text: str) -> list[str]:
    return [item.strip() for item in SPLIT.split(text or "") if item.strip()]


def _error(message: str, params: dict[str, Any]) -> UserError:
    return UserError(message, **params)


# ---------------------------------------------------------------- preview and save

def preview_import(actor: Any, filename: str, content: bytes) -> ImportPreview:
    """Read and check a whole file without saving anything: what would be added, skipped, refused."""
    permissions.check(actor, "specialist.import")
    table = read_table(filename, content)
    preview = ImportPreview(filename=Path(filename or "").name, sha256=hashlib.sha256(content).hexdigest(),
                            total_rows=0)
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        preview.problems.append(RowProblem(0, "", _error(N_("ファイルに見出し行がありません。"), {})))
        return preview
    headers = [_key(h) for h in table[0]]
    known_headers = {_key(h): key for h, key in COLUMNS.items()}
    missing = [h for h in REQUIRED_COLUMNS if _key(h) not in headers]
    unknown = [h for h in table[0] if h.strip() and _key(h) not in known_headers]
    if missing:
        preview.problems.append(RowProblem(1, "", _error(
            N_("必須の列がありません: %(columns)s"), {"columns": "、".join(missing)})))
    if unknown:
        preview.problems.append(RowProblem(1, "", _error(
            N_("不明な列があります: %(columns)s（列名はテンプレートに合わせてください）"), {"columns": "、".join(unknown)})))
    if missing or unknown:
        return preview
    body = table[1:]  # read_table refused more than MAX_ROWS
    preview.total_rows = len(body)
    if not body:
        preview.problems.append(RowProblem(0, "", _error(N_("取り込むデータ行がありません。"), {})))
        return preview
    lookup = _Lookup()
    registered = {e for e in db.session.scalars(select(Specialist.email).where(Specialist.email.is_not(None)))}
    registered |= set(db.session.scalars(select(User.email)))
    first_seen: dict[str, int] = {}
    today = today_tokyo()
    for index, cells in enumerate(body, start=2):
        record = {known_headers[h]: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers)
                  if h in known_headers}
        row_problems: list[RowProblem] = []
        parsed = _parse_row(index, record, lookup, row_problems)
        email = parsed.values.email
        if email and email in first_seen:
            preview.duplicates.append(RowProblem(index, "メールアドレス", _error(
                N_("%(first)s行目と同じメールアドレス（%(email)s）です。この行は取り込みません。"),
                {"first": first_seen[email], "email": email})))
            continue
        if email:
            first_seen[email] = index
        if email and email in registered:
            preview.duplicates.append(RowProblem(index, "メールアドレス", _error(
                N_("メールアドレス %(email)s は既に登録されています。この行は取り込みません。"), {"email": email})))
            continue
        unreadable = {p.column for p in row_problems}
        try:
            validate_profile(parsed.values, today)
        except ProfileInvalid as exc:
            for error in exc.errors:
                column = FIELD_COLUMN.get((error.field or "").split("-")[0], "")
                # A cell that could not be read already has its message; the rule would only repeat it.
                if column not in unreadable:
                    row_problems.append(RowProblem(index, column, error))
        preview.problems.extend(row_problems)
        if not row_problems:
            preview.new_rows.append(parsed)
    return preview


@dataclass(frozen=True)
class ImportResult:
    created: int
    skipped: int
    filename: str


def run_import(actor: Any, filename: str, content: bytes, expected_sha256: str, verified: bool = False,
               basis: str = "") -> ImportResult:
    """Save a previewed file: checked again, and either every new row is saved or none.

    ``verified``: the coordinating city has checked the list's licences, professions and experience
    against ``basis`` (a register, the former employer's records) and marks them verified at import;
    audited with the basis on each profile and on the import."""
    if verified and not (basis or "").strip():
        raise UserError("資格を確認済みとして取り込むときは、確認の根拠（照合した名簿など）を入力してください。",
                        field="reason")
    preview = preview_import(actor, filename, content)
    if preview.sha256 != expected_sha256:
        raise UserError("確認したファイルと内容が異なります。もう一度アップロードしてください。")
    if not preview.is_valid:
        raise UserError("ファイルに誤りがあるため、取り込みませんでした。プレビューの内容を確認してください。")
    now = utcnow()
    try:
        for parsed in preview.new_rows:
            specialist = Specialist(
                kind=SpecialistKind.RETIRED.value, status=SpecialistStatus.ACTIVE.value,
                consent_version=CONSENT_VERSION, consented_at=_start_of_day_utc(parsed.consented_on),
                availability_confirmed_at=now, registered_by_id=actor.id, registration_source="import",
            )
            add_new(specialist, parsed.values, resolve_home_city(actor, parsed.values))
            changes = {"registration_source": [None, "import"], "consent_version": [None, CONSENT_VERSION]}
            if verified:
                vouch(actor, specialist, CheckedBy.IMPORT)
                changes["verified_at_import"] = [None, True]
            audit.record(actor, "specialist.registered", "specialist", specialist.id,
                         city_id=specialist.home_city_id, changes=changes,
                         reason=basis.strip() if verified else None,
                         summary=f"{specialist.reference} ← {preview.filename}:{parsed.row}")
        audit.record(actor, "specialist.imported", "import", None, city_id=getattr(actor, "city_id", None),
                     changes={"created": [None, len(preview.new_rows)], "skipped": [None, len(preview.duplicates)],
                              "verified_at_import": [None, verified]},
                     reason=basis.strip() if verified else None,
                     summary=f"{preview.filename} sha256={preview.sha256[:16]}")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ImportResult(len(preview.new_rows), len(preview.duplicates), preview.filename)


def _start_of_day_utc(day: date | None) -> datetime:
    """Midnight in Japan of the consent date, as naive UTC like every stored time."""
    if day is None:
        return utcnow()
    return tokyo_day_start(day)


def template_csv() -> bytes:
    """An empty list with the right columns and one example row, as Excel opens it (UTF-8 with BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(COLUMNS))
    writer.writerow([SAMPLE_ROW[h] for h in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---------------------------------------------------------------- keeping the file between preview and save

TOKEN = re.compile(r"^[0-9a-f]{32}$")


def preview_folder() -> Path:
    """Where uploaded lists wait between preview and confirmation: private, in the instance folder."""
    return Path(current_app.instance_path) / "imports"


def stash_upload(folder: Path, content: bytes) -> str:
    """Keep an uploaded file privately until it is confirmed; returns its token."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    delete_stale_previews(folder)
    token = secrets.token_hex(16)
    (folder / token).write_bytes(content)
    return token


def load_stash(folder: Path, token: str) -> bytes:
    """The kept file, or a clear error when it expired or never existed."""
    path = folder / token
    if not TOKEN.match(token or "") or not path.is_file():
        raise UserError("確認中のファイルが見つかりません。もう一度アップロードしてください。")
    return path.read_bytes()


def drop_stash(folder: Path, token: str) -> None:
    """Delete a kept file: personal data is not left lying around after the import."""
    if TOKEN.match(token or ""):
        (folder / token).unlink(missing_ok=True)


def delete_stale_previews(folder: Path, max_age: timedelta = PREVIEW_MAX_AGE) -> int:
    """Delete the kept files of previews never confirmed nor cancelled (names and addresses in them); returns how many."""
    if not folder.is_dir():
        return 0
    cutoff = _wall_clock.time() - max_age.total_seconds()  # file ages are the file system's, not business time
    deleted = 0
    for path in folder.iterdir():
        if TOKEN.match(path.name) and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted
