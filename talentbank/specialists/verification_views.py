"""Screens of verification: the person's licence particulars and copies, the coordinating city's queue
and its per-person check, and the copy itself (coordinating city only). Routes on the registry's blueprint."""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..audit import services as audit
from ..core.bounds import parse_date, parse_id
from ..core.errors import UserError
from ..core.permissions import requires
from ..core.query_args import int_arg
from ..extensions import db
from . import evidence, profiles, verification
from .forms import ReasonForm
from .models import LicenceStatus, Specialist, SpecialistLicence
from .privacy import get_specialist, record_full_view
from .views import bp

FIELD_MAX = 200  # a posted text is cut here before the rules read it (they allow less and say so)


def _text(name: str) -> str:
    return (request.form.get(name) or "")[:FIELD_MAX].strip()


def _particulars_from_form(specialist: Specialist) -> tuple[list[verification.Particulars], dict[int, Any],
                                                           list[UserError]]:
    rows, documents, problems = [], {}, []
    for record in specialist.licence_records:
        prefix = f"licence-{record.licence_id}"
        raw_date = _text(f"{prefix}-issued_on")
        issued_on = parse_date(raw_date.replace("/", "-")) if raw_date else None
        if raw_date and issued_on is None:
            problems.append(UserError("日付はYYYY-MM-DDの形で入力してください（例: 2027-04-01）。",
                                      field=f"{prefix}-issued_on"))
        rows.append(verification.Particulars(record.licence_id, _text(f"{prefix}-number"),
                                             _text(f"{prefix}-issuer"), issued_on))
        upload = request.files.get(f"{prefix}-document")
        if upload is not None and upload.filename:
            documents[record.licence_id] = upload
    return rows, documents, problems


def _errors_by_field(exc: UserError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in getattr(exc, "errors", [exc]):
        errors.setdefault(error.field or "", []).append(error.translated())
    return errors


def _accepted(form: ReasonForm) -> bool:
    """A POST whose token checks out; otherwise the page says to reload and send again."""
    if form.validate_on_submit():
        return True
    flash(_("不正な送信です。ページを読み込み直してから、もう一度送信してください。"), "error")
    return False


def _licence_page(specialist: Specialist, template: str, **context: Any):
    errors: dict[str, list[str]] = {}
    form = ReasonForm()
    if request.method == "POST":
        if _accepted(form):
            rows, documents, problems = _particulars_from_form(specialist)
            try:
                if problems:
                    raise verification.UserErrors(problems)
                changed = verification.save_particulars(current_user, specialist.id, rows, documents)
            except UserError as exc:
                db.session.rollback()
                errors = _errors_by_field(exc)
            else:
                flash(ngettext("資格の内容を保存しました（%(num)s件を変更）。変更したものは幹事市が確認します。",
                               "資格の内容を保存しました（%(num)s件を変更）。変更したものは幹事市が確認します。", changed)
                      if changed else _("変更はありませんでした。"), "success")
                return redirect(request.path)
    records = sorted(specialist.licence_records, key=lambda r: (r.licence.sort_order, r.licence_id))
    return render_template(template, specialist=specialist, records=records, errors=errors, form=form,
                           posted=request.form if request.method == "POST" else None,
                           max_mb=evidence.max_bytes() // (1024 * 1024), **context)


@bp.route("/me/licences", methods=["GET", "POST"])
@requires("profile.own")
def me_licences():
    specialist = profiles.own_profile(current_user)
    if specialist is None:
        flash(_("プロフィールが登録されていません。幹事市にお問い合わせください。"), "error")
        return redirect(url_for("specialists.me"))
    if specialist.is_withdrawn:
        abort(404)
    return _licence_page(specialist, "specialists/licences.html")


# ---------------------------------------------------------------- the coordinating city

@bp.route("/specialists/verification/")
@requires("specialist.verify")
def verification_queue():
    unconfirmed = request.args.get("unconfirmed") == "1"
    page = int_arg("page") or 1
    entries, total = verification.queue(current_user, page=page, unconfirmed=unconfirmed)
    return render_template("specialists/verification_queue.html", entries=entries, total=total, page=page,
                           per_page=50, unconfirmed=unconfirmed, form=ReasonForm())


@bp.route("/specialists/verification/bulk", methods=["POST"])
@requires("specialist.verify")
def verification_bulk():
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("理由は1000文字以内で入力してください。"), "error")
        return redirect(url_for("specialists.verification_queue"))
    ids = [i for i in (parse_id(v) for v in request.form.getlist("specialist_id")[:200]) if i is not None]
    if not ids:
        flash(_("対象の人を選んでください。"), "error")
        return redirect(url_for("specialists.verification_queue"))
    try:
        changed = verification.verify_all_checked(current_user, ids, form.reason.data or "")
    except UserError as exc:
        db.session.rollback()
        flash(exc.translated(), "error")
    else:
        flash(ngettext("%(num)s人の資格（番号・発行者・取得日が入力済みのもの）を確認済みにしました。本人に通知しました。",
                       "%(num)s人の資格（番号・発行者・取得日が入力済みのもの）を確認済みにしました。本人に通知しました。",
                       changed), "success")
    return redirect(url_for("specialists.verification_queue"))


def _decisions_from_form(specialist: Specialist) -> list[verification.Decision]:
    decisions = []
    for kind, ids in (("licence", [r.licence_id for r in specialist.licence_records]),
                      ("profession", [p.id for p in specialist.professions]),
                      ("experience", [e.id for e in specialist.experiences])):
        for item_id in ids:
            verdict = request.form.get(f"{kind}-{item_id}")
            if verdict in ("verify", "reject", "undo"):
                decisions.append(verification.Decision(kind, item_id, verdict,
                                                       request.form.get(f"{kind}-{item_id}-reason") or ""))
    return decisions


@bp.route("/specialists/<int:specialist_id>/verification", methods=["GET", "POST"])
@requires("specialist.verify")
def verification_person(specialist_id: int):
    try:
        specialist = get_specialist(specialist_id)
    except UserError:
        abort(404)
    if specialist.is_withdrawn:
        abort(404)
    errors: dict[str, list[str]] = {}
    form = ReasonForm()
    if request.method == "POST":
        if _accepted(form):
            decisions = _decisions_from_form(specialist)
            if not decisions:
                flash(_("判断する項目を選んでください。"), "error")
            else:
                try:
                    told = verification.decide(current_user, specialist.id, decisions)
                except UserError as exc:
                    db.session.rollback()
                    errors = _errors_by_field(exc)
                    flash(_("入力内容を確認してください。"), "error")
                else:
                    flash(_("確認結果を保存しました（確認済み %(verified)s件、確認できない %(rejected)s件）。本人に通知しました。",
                            verified=len(told["verified"]), rejected=len(told["rejected"])), "success")
                    return redirect(url_for("specialists.verification_person", specialist_id=specialist.id))
        specialist = get_specialist(specialist_id)
    else:
        record_full_view(current_user, specialist, "verification")
        db.session.commit()
        specialist = get_specialist(specialist_id)
    records = sorted(specialist.licence_records, key=lambda r: (r.licence.sort_order, r.licence_id))
    usable = verification.usable_profession_ids(specialist)
    verified_professions = verification.verified_profession_ids(specialist.id)
    return render_template("specialists/verification_person.html", specialist=specialist, records=records,
                           usable=usable, verified_professions=verified_professions, errors=errors, form=form,
                           matchable=verification.is_matchable(specialist), LicenceStatus=LicenceStatus,
                           reviewers={r.reviewed_by_id: verification.reviewer_of(r.reviewed_by_id)
                                      for r in records if r.reviewed_by_id})


@bp.route("/specialists/<int:specialist_id>/licences/<int:licence_id>/document")
@requires("specialist.verify")
def licence_document(specialist_id: int, licence_id: int):
    record = db.session.get(SpecialistLicence, (specialist_id, licence_id))
    path = evidence.path_of(record.document_key) if record is not None else None
    if record is None or path is None:
        abort(404)
    specialist = db.session.get(Specialist, specialist_id)
    audit.record(current_user, "specialist.licence_document_viewed", "specialist", specialist_id,
                 city_id=specialist.home_city_id if specialist else None,
                 summary=f"{specialist.reference if specialist else specialist_id} {record.licence.code}")
    db.session.commit()
    response = send_file(path, mimetype=record.document_type or "application/octet-stream", as_attachment=True,
                         download_name=record.document_name or path.name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
