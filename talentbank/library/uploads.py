"""Documents the cities upload to the library (good practices, manuals): checked, stored outside the web
root, downloaded by the library's readers only (each download audited), edited or withdrawn by the owner
city or the coordinating city (audited).

A file is accepted when its extension is on the allow-list and its content is that type: a PDF starts with
``%PDF-``; a .docx/.xlsx/.pptx is a zip holding its Office part, within an unpacked size; a .txt is UTF-8
without NUL bytes. Anything else (an .exe renamed .pdf, a zip renamed .docx) is refused.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..audit import services as audit
from ..core import clock, files, permissions
from ..core.errors import UserError
from ..core.permissions import PermissionDenied
from ..extensions import db
from .models import FILE_TYPES, LibraryEntry
from .services import ENTRY_ENTITY, EntryNotFound, _check_vocabulary, _clean_text, may_manage, may_read, \
    publish_entry, refresh_search_text

MIMETYPES = {kind: files.MIME[kind] for kind in ("pdf", "docx", "xlsx", "pptx", "txt")}
# The part each Office format must hold.
OFFICE_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml", "pptx": "ppt/presentation.xml"}
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
STORE = files.Store(max_bytes_key="LIBRARY_UPLOAD_MAX_BYTES", default_max_bytes=10 * 1024 * 1024,
                    folder_key="LIBRARY_FILES_DIR", folder_name="library-files", kinds=tuple(FILE_TYPES))


def max_upload_bytes() -> int:
    return STORE.max_bytes()


def files_folder() -> Path:
    """Where uploaded documents live: outside the web root, ``instance/library-files`` by default."""
    return STORE.folder()


def clean_file_name(filename: str | None) -> str:
    return files.clean_name(filename, drop="")


def file_type_of(filename: str, content: bytes) -> str:
    """The allowed type the file is (by extension and by its content), else a clear ``UserError``."""
    if not content:
        raise UserError("ファイルを選んでください。", field="file")
    limit = max_upload_bytes()
    if STORE.too_big(content):
        raise UserError("ファイルが大きすぎます（%(mb)sMBまで）。", field="file", mb=max(1, limit // (1024 * 1024)))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in FILE_TYPES:
        raise UserError("この種類のファイルは登録できません（PDF、Word、Excel、PowerPoint、テキストのみ）。", field="file")
    if extension == "pdf":
        if not files.starts_as(content, "pdf"):
            raise UserError("ファイルの中身が拡張子と一致しません。", field="file")
    elif extension == "txt":
        if b"\x00" in content:
            raise UserError("ファイルの中身が拡張子と一致しません。", field="file")
        if files.text_of(content, ("utf-8-sig",)) is None:
            raise UserError("テキストファイルはUTF-8で保存してください。", field="file")
    else:
        found = files.zip_contents(content)
        if found is None or not found.holds_office_part(OFFICE_PARTS[extension]):
            raise UserError("ファイルの中身が拡張子と一致しません。", field="file")
        if found.unpacked > MAX_UNPACKED_BYTES:
            raise UserError("ファイルが大きすぎます（%(mb)sMBまで）。", field="file", mb=max(1, limit // (1024 * 1024)))
    return extension


def _store(content: bytes, extension: str) -> str:
    return STORE.save(content, extension)


def upload_document(actor: Any, *, title: str, summary: str, profession_id: int | None, field_id: int | None,
                    filename: str, content: bytes) -> LibraryEntry:
    """An HR officer (for their city) or the coordinating city adds a checked document to the library; audited."""
    permissions.check(actor, "library.upload")
    _clean_text(title, summary)
    _check_vocabulary(profession_id, field_id, None)
    name = clean_file_name(filename)
    extension = file_type_of(name, content)
    key = _store(content, extension)
    try:
        entry = publish_entry(kind="document", title=title, body=summary, profession_id=profession_id,
                              field_id=field_id, city_id=actor.city_id, source_key=None, actor=actor)
        entry.file_key, entry.file_name, entry.file_type = key, name or f"document.{extension}", extension
        entry.file_size, entry.file_sha256 = len(content), hashlib.sha256(content).hexdigest()
        refresh_search_text(entry)
        db.session.commit()
    except Exception:
        db.session.rollback()
        STORE.erase(key)
        raise
    return entry


def download(actor: Any, entry_id: int) -> tuple[LibraryEntry, bytes]:
    """The file of a document the actor may read; the download is written to the audit log."""
    permissions.check(actor, "library.view")
    entry = db.session.get(LibraryEntry, entry_id)
    if entry is None or entry.file_key is None or not may_read(actor, entry):
        raise EntryNotFound(entry_id)
    path = STORE.path_of(entry.file_key)
    if path is None:
        raise EntryNotFound(entry_id)
    data = path.read_bytes()
    audit.record(actor, "library.downloaded", ENTRY_ENTITY, entry.id, city_id=entry.city_id,
                 summary=f"{entry.file_name} ({entry.file_size} bytes)")
    db.session.commit()
    return entry, data


def edit_entry(actor: Any, entry_id: int, *, title: str, body: str, profession_id: int | None,
               field_id: int | None) -> LibraryEntry:
    """The owner city (or author) or the coordinating city corrects an entry's words; audited."""
    permissions.check(actor, "library.view")
    entry = db.session.get(LibraryEntry, entry_id)
    if entry is None or not may_read(actor, entry):
        raise EntryNotFound(entry_id)
    if not may_manage(actor, entry):
        raise PermissionDenied("library.manage")
    title, body = _clean_text(title, body)
    _check_vocabulary(profession_id, field_id, None)
    before = {"title": entry.title, "body": entry.body, "profession_id": entry.profession_id,
              "field_id": entry.field_id}
    entry.title, entry.body, entry.profession_id, entry.field_id = title, body, profession_id, field_id
    entry.updated_at = clock.utcnow()
    refresh_search_text(entry)
    audit.record(actor, "library.edited", ENTRY_ENTITY, entry.id, city_id=entry.city_id,
                 changes=audit.diff(before, {"title": title, "body": body, "profession_id": profession_id,
                                             "field_id": field_id}),
                 summary=f"{entry.kind}: {title[:80]}")
    db.session.commit()
    return entry
