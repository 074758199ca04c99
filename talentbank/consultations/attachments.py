"""Attachments of a consultation's thread: safe kinds only, checked by content, stored outside the web root.

Accepted: PDF, PNG, JPEG (by their first bytes), DOCX and XLSX (a ZIP holding the Office part of that kind
and no macros), TXT and CSV (UTF-8 or Shift_JIS text without control characters). The extension must agree
with the content; the browser's type is not trusted. At most ``CONSULTATION_ATTACHMENT_MAX_BYTES``. Files
live in ``CONSULTATION_FILES_DIR`` (default: the instance folder's ``consultation-files``) under random
names; no URL serves that folder: downloads go through ``/consultations/<id>/files/<message id>``, which
checks the reader's role and writes an audit entry.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import files
from ..core.errors import UserError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MIME = {kind: files.MIME[kind] for kind in ("pdf", "png", "jpg", "txt", "csv", "docx", "xlsx")}
EXTENSIONS = {".pdf": "pdf", ".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".txt": "txt", ".csv": "csv",
              ".docx": "docx", ".xlsx": "xlsx"}
OFFICE_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
MAX_ZIP_MEMBERS = 2000
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
STORE = files.Store(max_bytes_key="CONSULTATION_ATTACHMENT_MAX_BYTES", default_max_bytes=DEFAULT_MAX_BYTES,
                    folder_key="CONSULTATION_FILES_DIR", folder_name="consultation-files", kinds=tuple(MIME))


@dataclass(frozen=True)
class CheckedFile:
    content: bytes
    name: str
    kind: str

    @property
    def mime(self) -> str:
        return MIME[self.kind]


def max_bytes() -> int:
    return STORE.max_bytes()


def folder() -> Path:
    return STORE.folder()


def clean_name(name: str) -> str:
    return files.clean_name(name, fallback="file", keep_end=True)


def _is_office(content: bytes, kind: str) -> bool:
    if not content.startswith(b"PK\x03\x04"):
        return False
    found = files.zip_contents(content)
    # Macro-enabled documents renamed to .docx / .xlsx are refused.
    return found is not None and found.members <= MAX_ZIP_MEMBERS and found.unpacked <= MAX_UNPACKED_BYTES \
        and found.holds_office_part(OFFICE_PART[kind]) and not found.has_macros


def content_matches(content: bytes, kind: str) -> bool:
    """True when the bytes are really a file of ``kind`` (the extension's kind)."""
    if kind in files.MAGIC:
        return files.starts_as(content, kind)
    if kind in OFFICE_PART:
        return _is_office(content, kind)
    if kind in ("txt", "csv"):
        text = files.text_of(content, ("utf-8-sig", "cp932"))
        return text is not None and not files.has_control_characters(text)
    return False


def check_upload(upload: Any) -> CheckedFile | None:
    """The upload checked (None when no file was chosen); a clear error for a wrong kind or size."""
    stream = getattr(upload, "stream", None)
    filename = getattr(upload, "filename", "") or ""
    if stream is None or not filename:
        return None
    content = STORE.read(stream)
    if STORE.too_big(content):
        raise UserError("添付ファイルが大きすぎます（%(mb)sMBまで）。", field="attachment",
                        mb=f"{STORE.max_bytes() / (1024 * 1024):g}")
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
    return STORE.save(checked.content, checked.kind)


def path_of(key: str | None) -> Path | None:
    return STORE.path_of(key)


def mime_of(key: str) -> str:
    return MIME.get(key.rsplit(".", 1)[-1], "application/octet-stream")


def erase(key: str | None) -> None:
    STORE.erase(key)
