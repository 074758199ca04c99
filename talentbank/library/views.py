"""The library's screens: search, one entry, a document's download, uploading, correcting, withdrawing, and
the after-action notes a side is asked for."""
from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..cities.services import member_city_rows
from ..core.errors import UserError
from ..core.forms import attach_errors
from ..core.permissions import PermissionDenied, may, requires
from ..core.query_args import int_arg, page_arg
from ..vocabulary.models import ExperienceField, Profession
from ..vocabulary.services import active_terms
from . import notes, services, uploads
from .forms import DocumentForm, EditForm, NoteForm, WithdrawForm
from .models import ENTRY_KIND_LABELS, ENTRY_KINDS, NOTE_PARTY_LABELS

bp = Blueprint("library", __name__, url_prefix="/library")


def _locale() -> str:
    return str(get_locale() or "ja")


def _query_text() -> str:
    """The search words: NUL and other control characters become spaces (never an error page)."""
    raw = request.args.get("q", "")
    return raw[:services.search.MAX_QUERY_CHARS * 2] if isinstance(raw, str) else ""


def _filters() -> services.SearchFilters:
    kind = request.args.get("kind")
    return services.SearchFilters(query=_query_text(), kind=kind if kind in ENTRY_KINDS else None,
                                  profession_id=int_arg("profession_id"), field_id=int_arg("field_id"),
                                  city_id=int_arg("city_id"))


@bp.route("/")
@requires("library.view")
def index():
    flt = _filters()
    found = services.search_entries(current_user, flt, page_arg())
    cities = member_city_rows()  # cached rows (core/cache.py)
    pending = [r for r in notes.my_requests(current_user) if not r.is_answered] \
        if may(current_user, "library.my_notes") else []
    return render_template("library/index.html", found=found, flt=flt, q=flt.query, cities=cities,
                           professions=active_terms(Profession), fields=active_terms(ExperienceField),
                           kinds=ENTRY_KINDS, kind_labels=ENTRY_KIND_LABELS, pending=pending,
                           can_upload=may(current_user, "library.upload"),
                           may_note=may(current_user, "library.my_notes"))


def _entry_or_404(entry_id: int):
    try:
        return services.get_entry(current_user, entry_id)
    except services.EntryNotFound:
        abort(404)


@bp.route("/<int:entry_id>")
@requires("library.view")
def show(entry_id: int):
    entry = _entry_or_404(entry_id)
    worked, share = notes.note_parts(entry) if entry.kind == "after_action" else (entry.body, "")
    note_request = notes.request_for_entry(entry)
    return render_template("library/show.html", entry=entry, worked=worked, share=share,
                           kind_labels=ENTRY_KIND_LABELS, party_labels=NOTE_PARTY_LABELS,
                           note_request=note_request, can_manage=services.may_manage(current_user, entry),
                           can_rewrite=note_request is not None and may(current_user, "library.note") and
                           _is_side(note_request), withdraw_form=WithdrawForm())


def _is_side(note_request) -> bool:
    side = notes.side_of(current_user, note_request.dispatch)
    return side is not None and side[0] == note_request.party


@bp.route("/<int:entry_id>/file")
@requires("library.view")
def download(entry_id: int):
    try:
        entry, data = uploads.download(current_user, entry_id)
    except services.EntryNotFound:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=uploads.MIMETYPES[entry.file_type], as_attachment=True,
                         download_name=entry.file_name or f"document.{entry.file_type}")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _classified(form) -> None:
    form.fill_choices(active_terms(Profession), active_terms(ExperienceField), _locale())


@bp.route("/documents/new", methods=["GET", "POST"])
@requires("library.upload")
def upload():
    form = DocumentForm()
    _classified(form)
    max_mb = max(1, uploads.max_upload_bytes() // (1024 * 1024))
    if form.validate_on_submit():
        file = form.file.data
        if file is None or not getattr(file, "filename", ""):
            form.file.errors = [_("ファイルを選んでください。")]
        else:
            content = file.read(uploads.max_upload_bytes() + 1)
            profession_id, field_id = form.ids()
            try:
                entry = uploads.upload_document(current_user, title=form.title.data or "",
                                                summary=form.summary.data or "", profession_id=profession_id,
                                                field_id=field_id, filename=file.filename, content=content)
            except UserError as exc:
                attach_errors(form, exc)
            else:
                flash(_("資料を登録しました。連携市の職員と専門人材が検索できます。"), "success")
                return redirect(url_for("library.show", entry_id=entry.id))
    status = 400 if form.is_submitted() else 200
    return render_template("library/upload.html", form=form, max_mb=max_mb), status


@bp.route("/<int:entry_id>/edit", methods=["GET", "POST"])
@requires("library.manage")
def edit(entry_id: int):
    entry = _entry_or_404(entry_id)
    if not services.may_manage(current_user, entry) or not entry.is_published:
        abort(403)
    form = EditForm(obj=entry) if request.method == "GET" else EditForm()
    _classified(form)
    if request.method == "GET":
        form.profession_id.data = str(entry.profession_id or "")
        form.field_id.data = str(entry.field_id or "")
    if form.validate_on_submit():
        profession_id, field_id = form.ids()
        try:
            uploads.edit_entry(current_user, entry.id, title=form.title.data or "", body=form.body.data or "",
                               profession_id=profession_id, field_id=field_id)
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("内容を更新しました。"), "success")
            return redirect(url_for("library.show", entry_id=entry.id))
    status = 400 if form.is_submitted() else 200
    return render_template("library/edit.html", form=form, entry=entry), status


@bp.route("/<int:entry_id>/withdraw", methods=["POST"])
@requires("library.manage")
def withdraw(entry_id: int):
    form = WithdrawForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return redirect(url_for("library.show", entry_id=entry_id))
    try:
        services.withdraw_entry(current_user, entry_id, form.reason.data or "")
    except services.EntryNotFound:
        abort(404)
    except PermissionDenied:
        abort(403)
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("library.index"))
    flash(_("取り下げました。事例・ノウハウには表示されません。"), "success")
    return redirect(url_for("library.index"))


# ----------------------------------------------------------------------------- after-action notes


@bp.route("/notes")
@requires("library.my_notes")
def my_notes():
    return render_template("library/notes.html", requests=notes.my_requests(current_user),
                           party_labels=NOTE_PARTY_LABELS)


@bp.route("/notes/<int:dispatch_id>", methods=["GET", "POST"])
@requires("library.note")
def write_note(dispatch_id: int):
    try:
        page = notes.note_page(current_user, dispatch_id)
    except notes.NoteRequestNotFound:
        abort(404)
    except PermissionDenied:
        abort(403)
    form = NoteForm()
    if request.method == "GET" and page.entry is not None:
        form.title.data = page.entry.title
        form.worked.data, form.share.data = notes.note_parts(page.entry)
        form.is_shared.data = page.entry.is_shared
    if page.is_open and form.validate_on_submit():
        try:
            entry = notes.write_note(current_user, dispatch_id, title=form.title.data or "",
                                     worked=form.worked.data or "", share=form.share.data or "",
                                     is_shared=bool(form.is_shared.data))
        except UserError as exc:
            attach_errors(form, exc)
        else:
            flash(_("振り返りを共有しました。事例・ノウハウで検索できます。") if entry.is_shared else
                  _("振り返りを保存しました。派遣の当事者と幹事市だけが読めます。"), "success")
            return redirect(url_for("library.show", entry_id=entry.id))
    status = 400 if form.is_submitted() else 200
    return render_template("library/note_form.html", form=form, page=page, dispatch=page.dispatch,
                           party_labels=NOTE_PARTY_LABELS), status


def pending_note_count() -> int:
    """The menu's count beside 「事例・ノウハウ」: after-action notes the reader's side has not written yet."""
    return notes.unanswered_count(current_user)
