"""Copies of licences: checked, stored outside the web root under random names, erased with the person.

A copy is a PDF, PNG or JPEG recognised by its first bytes (the name and the browser's type are not
trusted), at most ``LICENCE_DOCUMENT_MAX_BYTES``. Files live in ``EVIDENCE_DIR`` (default: the
instance folder's ``licence-evidence``), which no URL serves: the coordinating city opens one
through ``/specialists/<id>/licences/<licence id>/document``, and each opening is audited.
"""
from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app

from ..core.errors import UserError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
KINDS = (  # first bytes, MIME type, extension
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
_KEY = re.compile(r"^[0-9a-f]{32}\.(pdf|png|jpg)$")


@dataclass(frozen=True)
class CheckedUpload:
    content: bytes
    name: str
    mime: str
    extension: str


def max_bytes() -> int:
    return int(current_app.config.get("LICENCE_DOCUMENT_MAX_BYTES") or DEFAULT_MAX_BYTES)


def folder() -> Path:
    configured = current_app.config.get("EVIDENCE_DIR")
    path = Path(configured) if configured else Path(current_app.instance_path) / "licence-evidence"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _clean_name(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ord(ch) >= 32 and ord(ch) != 127 and ch not in '<>"')
    return name[:200] or "document"


def check_upload(upload: Any) -> CheckedUpload:
    """The upload's bytes when it is an accepted kind within the size limit; a clear error otherwise."""
    limit = max_bytes()
    stream = getattr(upload, "stream", None)
    if stream is None:
        raise UserError("ファイルを選んでください。")
    content = stream.read(limit + 1)
    if not content:
        raise UserError("ファイルが空です。")
    if len(content) > limit:
        raise UserError("ファイルが大きすぎます（%(mb)sMBまで）。", mb=limit // (1024 * 1024))
    for magic, mime, extension in KINDS:
        if content.startswith(magic):
            return CheckedUpload(content, _clean_name(getattr(upload, "filename", "") or ""), mime, extension)
    raise UserError("写しはPDF、PNG、JPEGのいずれかにしてください。")


def store(checked: CheckedUpload) -> tuple[str, str, str, int]:
    """Write the file under a random name; returns (key, original name, type, size) for the licence row."""
    key = secrets.token_hex(16) + checked.extension
    target = folder() / key
    temporary = target.with_suffix(target.suffix + ".part")
    with open(temporary, "wb") as handle:
        handle.write(checked.content)
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)
    return key, checked.name, checked.mime, len(checked.content)


def path_of(key: str | None) -> Path | None:
    """Where a stored copy is, or ``None`` when the key is not one of ours or the file is gone."""
    if not key or not _KEY.match(key):
        return None
    path = folder() / key
    return path if path.is_file() else None


def erase(key: str | None) -> None:
    path = path_of(key)
    if path is not None:
        path.unlink(missing_ok=True)
