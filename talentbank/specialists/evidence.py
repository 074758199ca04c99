"""Copies of licences: checked, stored outside the web root under random names, erased with the person.

A copy is a PDF, PNG or JPEG recognised by its first bytes (the name and the browser's type are not
trusted), at most ``LICENCE_DOCUMENT_MAX_BYTES``. Files live in ``EVIDENCE_DIR`` (default: the
instance folder's ``licence-evidence``), which no URL serves: the coordinating city opens one
through ``/specialists/<id>/licences/<licence id>/document``, and each opening is audited.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..core import files
from ..core.errors import UserError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
KINDS = ("pdf", "png", "jpg")  # recognised by their first bytes (core.files.MAGIC)
STORE = files.Store(max_bytes_key="LICENCE_DOCUMENT_MAX_BYTES", default_max_bytes=DEFAULT_MAX_BYTES,
                    folder_key="EVIDENCE_DIR", folder_name="licence-evidence", kinds=KINDS)


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    name: str
    mime: str
    extension: str


def max_bytes() -> int:
    return STORE.max_bytes()


def folder() -> Path:
    return STORE.folder()


def _clean_name(name: str) -> str:
    return files.clean_name(name, fallback="document")


def check_upload(upload: Any) -> CheckedUpload:
    """The upload's bytes when it is an accepted kind within the size limit; a clear error otherwise."""
    stream = getattr(upload, "stream", None)
    if stream is None:
        raise UserError("ファイルを選んでください。")
    content = STORE.read(stream)
    if not content:
        raise UserError("ファイルが空です。")
    if STORE.too_big(content):
        raise UserError("ファイルが大きすぎます（%(mb)sMBまで）。", mb=STORE.max_bytes() // (1024 * 1024))
    kind = files.sniff(content, KINDS)
    if kind is None:
        raise UserError("写しはPDF、PNG、JPEGのいずれかにしてください。")
    return CheckedUpload(content, _clean_name(getattr(upload, "filename", "") or ""), files.MIME[kind], "." + kind)


def store(checked: CheckedUpload) -> tuple[str, str, str, int]:
    """Write the file under a random name; returns (key, original name, type, size) for the licence row."""
    key = STORE.save(checked.content, checked.extension.lstrip("."))
    return key, checked.name, checked.mime, len(checked.content)


def path_of(key: str | None) -> Path | None:
    """Where a stored copy is, or ``None`` when the key is not one of ours or the file is gone."""
    return STORE.path_of(key)


def erase(key: str | None) -> None:
    STORE.erase(key)
