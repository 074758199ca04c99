"""Downloading a dispatch's documents, and the coordinating city's page of replacement templates."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from ..core.errors import UserError
from ..core.forms import BoundedForm
from ..core.permissions import requires
from . import documents_services as services
from .documents import KIND_TITLES, DocumentsUnavailable
from .documents_models import DOCUMENT_KINDS

bp = Blueprint("documents", __name__)


class TemplateUploadForm(BoundedForm):
    kind = SelectField(_l("文書の種類"), choices=[SelectChoice(kind, _l(KIND_TITLES[kind])) for kind in DOCUMENT_KINDS])
    file = FileField(_l("テンプレート（Word .docx）"))


@bp.app_context_processor
def document_helpers() -> dict[str, object]:
    """``dispatch_documents(d)`` for the dispatch page's include: the editions the viewer may download."""
    def dispatch_documents(dispatch):
        return services.documents_for(current_user, dispatch)

    return {"dispatch_documents": dispatch_documents, "document_kind_titles": KIND_TITLES}


def _send(name: str, mimetype: str, data: bytes):
    response = send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/dispatches/<int:dispatch_id>/documents/<doc_kind>/<int:edition>.<fmt>")
@requires("document.download")
def download(dispatch_id: int, doc_kind: str, edition: int, fmt: str):
    try:
        rendered = services.download(current_user, dispatch_id, doc_kind, edition, fmt)
    except services.DocumentNotFound:
        abort(404)
    except DocumentsUnavailable:
        return render_template("errors/error.html", status=503,
                               message=_("この文書は今は作れません（PDF用の日本語フォントがありません）。")), 503
    return _send(rendered.filename, rendered.mimetype, rendered.data)


def _render_templates(form: TemplateUploadForm, status: int = 200):
    return render_template("agreements/templates.html", form=form, by_kind=services.templates_by_kind(),
                           kind_titles=KIND_TITLES, max_mb=max(1, services.max_template_bytes() // (1024 * 1024))), status


@bp.route("/agreements/templates", methods=["GET", "POST"])
@requires("document.templates")
def templates():
    form = TemplateUploadForm()
    if not form.is_submitted():
        return _render_templates(form)
    if not form.validate():
        return _render_templates(form, 400)
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("ファイルを選んでください。")]
        return _render_templates(form, 400)
    content = upload.read(services.max_template_bytes() + 1)
    try:
        template = services.upload_template(current_user, form.kind.data, upload.filename, content)
    except UserError as exc:
        form.file.errors = [exc.translated()]
        return _render_templates(form, 400)
    flash(_("%(kind)sのテンプレートを第%(version)s版として登録しました。以後に確認される条件の文書に使われます。",
            kind=_(KIND_TITLES[template.kind]), version=template.version), "success")
    return redirect(url_for("documents.templates"))


@bp.route("/agreements/templates/<doc_kind>.docx")
@requires("document.templates")
def current_template(doc_kind: str):
    try:
        name, data = services.current_template(current_user, doc_kind)
    except services.DocumentNotFound:
        abort(404)
    return _send(name, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", data)
