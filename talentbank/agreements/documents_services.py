"""Who may have a dispatch's documents, downloading them (audited), writing them for printing, and
replacing a template (validated, versioned, audited).

Download rule: HR officers of the receiving city and, for a serving officer, of the sending city
(the parties of the edition's terms); the coordinating city and administrators; the specialist
only their own cover letter (送付状), which is addressed to them. Everybody else is refused.
"""
from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from ..audit import services as audit
from ..core import permissions
from ..core.errors import UserError
from ..core.permissions import PermissionDenied, Role
from ..dispatches.models import Dispatch
from ..extensions import db
from . import documents
from .documents import Edition, RenderedDocument
from .documents_models import DOCUMENT_KINDS, DocumentTemplate

DOCUMENT_ENTITY = "dispatch"
TEMPLATE_ENTITY = "document_template"
# A .docx is a zip: refuse uploads whose parts unpack to more than this, whatever the file declares.
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
KIND_LABELS = {kind: title for kind, title in documents.KIND_TITLES.items()}


class DocumentNotFound(Exception):
    """No such dispatch, edition, kind or format: the page answers 404."""


def _dispatch(dispatch_id: int) -> Dispatch:
    dispatch = db.session.get(Dispatch, dispatch_id)
    if dispatch is None:
        raise DocumentNotFound(dispatch_id)
    return dispatch


def may_download(actor: Any, dispatch: Dispatch, ed: Edition, kind: str) -> bool:
    """The two cities' HR, the coordinating city and administrators; the specialist their own cover letter."""
    if not permissions.may(actor, "document.download"):
        return False
    if actor.role in (Role.COORDINATOR, Role.ADMIN):
        return True
    if actor.role == Role.CITY_HR:
        return actor.city_id in (ed.terms.receiving_city_id, ed.terms.sending_city_id, dispatch.city_id)
    if actor.role == Role.SPECIALIST:
        return kind == "cover" and dispatch.specialist is not None and dispatch.specialist.user_id == actor.id
    return False


@dataclass(frozen=True)
class EditionDocuments:
    """One edition and the document kinds the viewer may download."""

    edition: Edition
    kinds: tuple[str, ...]


def documents_for(actor: Any, dispatch: Dispatch) -> list[EditionDocuments]:
    """The editions of a dispatch, newest first, with what ``actor`` may download of each."""
    shown = []
    for ed in reversed(documents.editions(dispatch.id)):
        kinds = tuple(kind for kind in ed.kinds if may_download(actor, dispatch, ed, kind))
        if kinds:
            shown.append(EditionDocuments(ed, kinds))
    return shown


def download(actor: Any, dispatch_id: int, kind: str, number: int, fmt: str) -> RenderedDocument:
    """One document of one edition, rendered; the download is written to the audit log."""
    if kind not in DOCUMENT_KINDS or fmt not in documents.FORMATS:
        raise DocumentNotFound(kind)
    dispatch = _dispatch(dispatch_id)
    ed = documents.edition(dispatch_id, number)
    if ed is None or kind not in ed.kinds:
        raise DocumentNotFound(number)
    if not may_download(actor, dispatch, ed, kind):
        raise PermissionDenied("document.download")
    rendered = documents.render(dispatch, ed, kind, fmt)
    audit.record(actor, "document.download", DOCUMENT_ENTITY, dispatch.id, city_id=dispatch.city_id,
                 changes={"kind": [None, kind], "edition": [None, ed.number], "format": [None, fmt]},
                 summary=f"{documents.KIND_TITLES[kind]} {ed.label} ({fmt})")
    db.session.commit()
    return rendered


def write_current_documents(dispatch_id: int, folder: Path) -> list[Path]:
    """Every document of the dispatch's newest edition, DOCX and PDF, written into ``folder``."""
    dispatch = _dispatch(dispatch_id)
    all_editions = documents.editions(dispatch_id)
    if not all_editions:
        raise UserError("この派遣には両市が確認した条件がまだありません。")
    current = all_editions[-1]
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in current.kinds:
        for fmt in documents.FORMATS:
            rendered = documents.render(dispatch, current, kind, fmt)
            path = folder / rendered.filename
            path.write_bytes(rendered.data)
            written.append(path)
    audit.record(None, "document.write", DOCUMENT_ENTITY, dispatch.id, city_id=dispatch.city_id,
                 summary=f"{current.label}: {len(written)} files")
    db.session.commit()
    return written


# ----------------------------------------------------------------------------- replacing a template


def templates_by_kind() -> dict[str, list[DocumentTemplate]]:
    """Every uploaded template, newest first, per kind (an empty list: the shipped default is in force)."""
    found: dict[str, list[DocumentTemplate]] = {kind: [] for kind in DOCUMENT_KINDS}
    for template in db.session.scalars(select(DocumentTemplate).order_by(DocumentTemplate.version.desc())):
        found[template.kind].append(template)
    return found


def max_template_bytes() -> int:
    return int(current_app.config.get("DOCUMENT_TEMPLATE_MAX_BYTES") or 2 * 1024 * 1024)


def check_template(kind: str, content: bytes) -> None:
    """A real .docx within the limits that renders with a full sample context; a clear error otherwise."""
    if not content:
        raise UserError("ファイルを選んでください。")
    limit = max_template_bytes()
    if len(content) > limit:
        raise UserError("ファイルが大きすぎます（%(mb)sMBまで）。", mb=max(1, limit // (1024 * 1024)))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UserError("Wordの文書（.docx）ではありません。") from None
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise UserError("Wordの文書（.docx）ではありません。")
    if unpacked > MAX_UNPACKED_BYTES:
        raise UserError("ファイルが大きすぎます（%(mb)sMBまで）。", mb=max(1, limit // (1024 * 1024)))
    try:
        rendered = documents.render_docx(content, documents.sample_context(kind))
        documents.docx_blocks(rendered)
    except Exception as exc:  # a template error of any kind (Jinja syntax, undefined filter, broken XML)
        current_app.logger.info("document template refused: %s", exc)
        raise UserError("このテンプレートでは文書を作れません（差し込み項目の書き方を確認してください）: %(error)s",
                        error=str(exc)[:200]) from None


def upload_template(actor: Any, kind: str, filename: str, content: bytes) -> DocumentTemplate:
    """Store a checked replacement template as the next version of ``kind``; audited."""
    permissions.check(actor, "document.templates")
    if kind not in DOCUMENT_KINDS:
        raise UserError("文書の種類を選んでください。", field="kind")
    check_template(kind, content)
    key = f"{kind}-{secrets.token_hex(16)}.docx"
    target = documents.templates_folder() / key
    temporary = target.with_suffix(".part")
    temporary.write_bytes(content)
    os.chmod(temporary, 0o600)
    os.replace(temporary, target)
    version = (db.session.scalar(select(func.max(DocumentTemplate.version))
                                 .where(DocumentTemplate.kind == kind)) or 0) + 1
    name = os.path.basename((filename or "").replace("\\", "/"))
    name = "".join(ch for ch in name if ord(ch) >= 32 and ord(ch) != 127)[:200] or "template.docx"
    template = DocumentTemplate(kind=kind, version=version, file_key=key, size_bytes=len(content),
                                sha256=hashlib.sha256(content).hexdigest(), original_name=name,
                                uploaded_by_id=getattr(actor, "id", None))
    db.session.add(template)
    db.session.flush()
    audit.record(actor, "document.template_upload", TEMPLATE_ENTITY, template.id,
                 changes={"kind": [None, kind], "version": [None, version]},
                 summary=f"{documents.KIND_TITLES[kind]} v{version} ({name})")
    db.session.commit()
    return template


def current_template(actor: Any, kind: str) -> tuple[str, bytes]:
    """The template in force now (uploaded or shipped), for the coordinating city to start from."""
    permissions.check(actor, "document.templates")
    if kind not in DOCUMENT_KINDS:
        raise DocumentNotFound(kind)
    uploaded = documents.template_in_force(kind, None)
    suffix = f"v{uploaded.version}" if uploaded is not None else "default"
    return f"template-{kind}-{suffix}.docx", documents.template_bytes(kind, None)
