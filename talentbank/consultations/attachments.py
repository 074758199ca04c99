"""Attachments of a consultation's thread: safe kinds only, checked by content, stored outside the web root.

Accepted: PDF, PNG, JPEG (by their first bytes), DOCX and XLSX (a ZIP holding the Office part of that kind
and no macros), TXT and CSV (UTF-8 or Shift_JIS text without control characters). The extension must agree
with the content; the browser's type is not trusted. At most ``CONSULTATION_ATTACHMENT_MAX_BYTES``. Files
live in ``CONSULTATION_FILES_DIR`` (default: the instance folder's ``consultation-files``) under random
names; no URL serves that folder: downloads go through ``/consultations/<id>/files/<message id>``, which
checks the reader's role and writes an audit entry.
"""
from __future__ import annotations

import io
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from ..core.errors import UserError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MIME = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "txt": "text/plain; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".txt": "txt", ".csv": "csv",
              ".docx": "docx", ".xlsx": "xlsx"}
_KEY = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg|txt|csv|docx|xlsx)$")
OFFICE_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
MAX_ZIP_MEMBERS = 2000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    name: str
    kind: str

    @property
    def mime(self) -> str:
        return MIME[self.kind]


def max_bytes() -> int:
    return int(current_app.config.get("CONSULTATION_ATTACHMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def folder() -> Path:
    configured = current_app.config.get("CONSULTATION_FILES_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "consultation-files"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def clean_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ord(ch) >= 32 and ord(ch) != 127 and ch not in '<>"')
    return name[-200:] or "file"


def _is_text(content: bytes) -> bool:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not any(ord(ch) < 32 and ch not in "\t\r\n" for ch in text)
    return False


def _is_office(content: bytes, kind: str) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ZIP_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                return False
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or OFFICE_PART[kind] not in names:
                return False
            # Macro-enabled documents renamed to .docx / .xlsx are refused.
            return not any(n.lower().endswith("vbaproject.bin") for n in names)
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def content_matches(content: bytes, kind: str) -> bool:
    """True when the bytes are really a file of ``kind`` (the extension's kind)."""
    if kind == "pdf":
        return content.startswith(b"%PDF-")
    if kind == "png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpg":
        return content.startswith(b"\xff\xd8\xff")
    if kind in ("docx", "xlsx"):
        return _is_office(content, kind)
    if kind in ("txt", "csv"):
        return _is_text(content)
    return False


def check_upload(upload: Any) -> CheckedFile | None:
    """The upload checked (None when no file was chosen); a clear error for a wrong kind or size."""
    stream = getattr(upload, "stream", None)
    filename = getattr(upload, "filename", "") or ""
    if stream is None or not filename:
        return None
    limit = max_bytes()
    content = stream.read(limit + 1)
    if len(content) > limit:
        raise UserError("添付ファイルが大きすぎます（%(mb)sMBまで）。", field="attachment",
                        mb=f"{limit / (1024 * 1024):g}")
    if not content:
        raise UserError("添付ファイルが空です。", field="attachment")
    name = clean_name(filename)
    kind = EXTENSIONS.get(os.path.splitext(name)[1].lower())
    if kind is None:
        raise UserError("添付できるのはPDF、PNG、JPEG、TXT、CSV、Word（docx）、Excel（xlsx）のファイルだけです。",
                        field="attachment")
    if not content_matches(content, kind):
        raise UserError("ファイルの中身が拡張子（%(ext)s）と一致しません。別のファイルを選んでください。",
                        field="attachment", ext=os.path.splitext(name)[1].lower())
    return CheckedFile(content, name, kind)


def store(checked: CheckedFile) -> str:
    """Write the file under a random name; returns its key."""
    key = secrets.token_hex(16) + "." + checked.kind
    target = folder() / key
    temporary = target.with_suffix(target.suffix + ".part")
    with open(temporary, "wb") as handle:
        handle.write(checked.content)
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)
    return key


def path_of(key: str | None) -> Path | None:
    if not key or not _KEY.match(key):
        return None
    path = folder() / key
    return path if path.is_file() else None


def mime_of(key: str) -> str:
    return MIME.get(key.rsplit(".", 1)[-1], "application/octet-stream")


def erase(key: str | None) -> None:
    path = path_of(key)
    if path is not None:
        path.unlink(missing_ok=True)
