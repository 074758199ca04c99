"""Registry screens: sign-up and one's own profile, the coordinator's registry, HR officers'
candidate search and serving officers, and the bulk import."""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, \
    url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..cities.models import City
from ..cities.services import city_rows, member_city_rows
from ..core.errors import UserError
from ..core.forms import attach_errors, flash_form_errors
from ..core.permissions import PermissionDenied, may, public, requires
from ..core.query_args import date_arg, int_arg, text_arg
from ..extensions import db
from ..notifications.kinds import localise
from ..vocabulary.models import ExperienceField, Licence, Profession
from ..vocabulary.services import active_terms, all_terms
from ..core.ratelimit import per_account, per_client
from . import cards, claims, imports, personal_data, privacy, profiles, search, verification
from .consent import CONSENT_TEXT, CONSENT_VERSION
from .forms import OTHER_CITY, ClaimForm, ImportForm, OfficerForm, ProfileForm, ReasonForm, SignupForm, \
    StaffWithdrawForm, WithdrawForm, form_data
from .registry import registry_statistics
from .validation import ProfileInvalid, ProfileValues

bp = Blueprint("specialists", __name__)

BLANK_EXPERIENCE_ROWS = 3
BLANK_WINDOW_ROWS = 2


# ---------------------------------------------------------------- form helpers

def _prepare(form: ProfileForm, held: ProfileValues | None = None) -> ProfileForm:
    """Fill the choice lists (active terms, plus retired ones the profile still holds) and blank rows."""
    held_ids = (set(held.profession_ids) | set(held.licence_ids) | {f for f, _y in held.experiences if f}
                if held else set())
    locale = _locale()

    def choices(model) -> list[tuple[int, str]]:
        return [(t.id, t.display_name(locale)) for t in all_terms(model) if t.is_active or t.id in held_ids]

    form.profession_ids.choices = choices(Profession)
    form.licence_ids.choices = choices(Licence)
    field_choices = [("", _("（選んでください）"))] + [(str(i), n) for i, n in choices(ExperienceField)]
    cities = db.session.scalars(select(City).order_by(City.is_member.desc(), City.code)).all()
    members = [c for c in cities if c.is_member]
    # Members, the profile's own home when it is elsewhere, and any other municipality of the official list.
    shown = [c for c in cities if c.is_member or (held is not None and c.id == held.home_city_id)]
    form.home_city_id.choices = ([("", _("（選んでください）"))]
                                 + [(str(c.id), _("%(name)s（%(code)s）", name=c.display_name(locale), code=c.code)) for c in shown]
                                 + [(OTHER_CITY, _("その他の市区町村（名前または団体コードで入力）"))])
    form.excluded_city_ids.choices = [(c.id, c.display_name(locale)) for c in members]
    form.preferred_city_ids.choices = [(c.id, c.display_name(locale)) for c in members]
    while len(form.experiences) < max(BLANK_EXPERIENCE_ROWS, _filled(form.experiences) + 2):
        form.experiences.append_entry()
    while len(form.windows) < max(BLANK_WINDOW_ROWS, _filled(form.windows) + 1):
        form.windows.append_entry()
    for row in form.experiences:
        row.field_id.choices = field_choices
    return form


def _filled(rows) -> int:
    return sum(1 for row in rows if any((f.data or "") for f in row.form))


def _locale() -> str:
    return str(get_locale() or "ja")


def _show_errors(form: ProfileForm, exc: UserError) -> list[str]:
    """Put each message beside its field; rows and the summary at the top get the rest."""
    errors = exc.errors if isinstance(exc, ProfileInvalid) else [exc]
    messages = []
    for error in errors:
        text = error.translated()
        messages.append(text)
        name = (error.field or "").split("-")[0]
        target = getattr(form, name, None)
        if target is not None and name not in ("experiences", "windows"):
            target.errors = [*target.errors, text]
    return messages


def _row_errors(exc: UserError | None) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for error in (exc.errors if isinstance(exc, ProfileInvalid) else []):
        if error.field and "-" in error.field:
            rows.setdefault(error.field, []).append(error.translated())
    return rows


def _filter_from_args(per_page: int) -> search.SearchFilter:
    return search.SearchFilter(
        profession_id=int_arg("profession_id"), licence_id=int_arg("licence_id"), field_id=int_arg("field_id"),
        min_years=int_arg("min_years"), home_city_id=int_arg("home_city_id"), available_on=date_arg("available_on"),
        status=text_arg("status") or None, kind=text_arg("kind") or None,
        text=text_arg("q"), disaster=text_arg("disaster") == "1", sort=text_arg("sort"), page=int_arg("page") or 1,
        per_page=int_arg("per_page") or per_page,
    )


def _filter_choices() -> dict[str, Any]:
    return {
        "professions": active_terms(Profession), "licences": active_terms(Licence),
        "fields": active_terms(ExperienceField),
        # HR officers filter by member cities; the coordinating city also by the home towns people live in.
        "cities": (member_city_rows() if current_user.role == "city_hr"
                   else sorted(city_rows(), key=lambda c: not c.is_member)),  # cached rows, code order
    }


def _not_found_on_error(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except UserError:
        abort(404)


# ---------------------------------------------------------------- sign-up and one's own profile

# The sign-up form's fields a person must fill; marked on the form so nobody learns it from an error.
SIGNUP_REQUIRED = ("name_kanji", "name_kana", "email", "phone", "home_city_id", "profession_ids", "days_per_week",
                   "password", "confirm", "consent")


def _summary(form: ProfileForm, extra: list[UserError]) -> list[tuple[str, str]]:
    """Every problem once, in the form's order, each with the anchor of its field."""
    order = {name: i for i, name in enumerate(form._fields)}
    items: list[tuple[int, str, str]] = []
    seen: set[tuple[str, str]] = set()

    def add(name: str, text: str) -> None:
        base = name.split("-")[0]
        anchor = base if base in form._fields else "signup-form"
        if (anchor, text) not in seen:
            seen.add((anchor, text))
            items.append((order.get(base, len(order)), text, anchor))

    for name, errors in form.errors.items():
        if isinstance(errors, list):
            for error in errors:  # lazy messages (the form's own validators) are text too
                add(name, str(error))
        elif isinstance(errors, dict):  # a subform row
            add(name, _("入力内容に誤りがある行があります。"))
    for error in extra:
        add(error.field or "", error.translated())
    return [(text, anchor) for _i, text, anchor in sorted(items, key=lambda t: t[0])]


@bp.route("/signup", methods=["GET", "POST"])
@public
@per_client("RATELIMIT_SIGNUP")
@per_account("RATELIMIT_SIGNUP_ACCOUNT", field="email")
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = _prepare(SignupForm())
    for name in SIGNUP_REQUIRED:
        getattr(form, name).flags.required = True
    if request.method == "GET":
        form.can_work_onsite.data = True
    summary: list[tuple[str, str]] = []
    row_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form_ok = form.validate_on_submit()
        if getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
            flash(_("不正な送信です。ページを読み込み直してから、もう一度送信してください。"), "error")
        else:
            # The profile's rules run even when the form already found problems: all errors at once.
            problems = profiles.signup_problems(form.profile_values(), form.password.data or "",
                                                bool(form.consent.data))
            own = {n for n, errs in form.errors.items() if errs}
            extra = [p for p in problems if (p.field or "").split("-")[0] not in own]
            if form_ok and not extra:
                try:
                    profiles.register_self(form.profile_values(), form.password.data, bool(form.consent.data),
                                           language=_locale())
                except UserError as exc:
                    extra = exc.errors if isinstance(exc, ProfileInvalid) else [exc]
                else:
                    session.clear()
                    return render_template("specialists/signup_sent.html", email=form.email.data.strip().lower())
            _show_errors(form, ProfileInvalid(extra)) if extra else None
            row_errors = _row_errors(ProfileInvalid(extra)) if extra else {}
            summary = _summary(form, extra)  # rows' problems too; one line per problem
    return render_template("specialists/signup.html", form=form, summary=summary, row_errors=row_errors,
                           consent_text=CONSENT_TEXT, consent_version=CONSENT_VERSION)


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@public
def confirm_email(token: str):
    """The link in the confirmation e-mail: a button to press, so that mail scanners opening links confirm nothing."""
    form = ReasonForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            verification.confirm_address(token)
        except UserError as exc:
            return render_template("specialists/confirm_email.html", message=exc.translated(), token=None,
                                   form=form), 410
        flash(_("メールアドレスを確認しました。ログインして、マッチングまでの準備を確認してください。"), "success")
        if current_user.is_authenticated:
            return redirect(url_for("specialists.me"))
        return redirect(url_for("accounts.login"))
    try:
        from ..accounts import tokens
        tokens.find_open(tokens.TokenPurpose.CONFIRM_EMAIL, token)
    except UserError as exc:
        return render_template("specialists/confirm_email.html", message=exc.translated(), token=None, form=form), 410
    return render_template("specialists/confirm_email.html", message=None, token=token, form=form)


@bp.route("/me/confirmation-mail", methods=["POST"])
@requires("profile.own")
@per_client("RATELIMIT_VERIFICATION_MAIL")
@per_account("RATELIMIT_VERIFICATION_MAIL_ACCOUNT", field=None)
def resend_confirmation():
    if ReasonForm().validate_on_submit():
        try:
            verification.resend_address_confirmation(current_user)
        except UserError as exc:
            flash(exc.translated(), "error")
        else:
            flash(_("確認メールを送りました。メールのリンクを開いてください。"), "success")
    return redirect(url_for("specialists.me"))


@bp.route("/me")
@requires("profile.own")
def me():
    specialist = profiles.own_profile(current_user)
    items = verification.readiness(specialist) if specialist is not None else []
    lines = [(_(i.message, **localise(i.params, _locale())), i) for i in items]
    return render_template("specialists/me.html", specialist=specialist, form=ReasonForm(), readiness_lines=lines,
                           blocking=verification.blocking_items(items),
                           needs_reconfirmation=specialist is not None and cards.needs_reconfirmation(specialist),
                           fresh_days=cards.AVAILABILITY_FRESH_DAYS)


def _own_or_redirect():
    specialist = profiles.own_profile(current_user)
    if specialist is None:
        flash(_("プロフィールが登録されていません。幹事市にお問い合わせください。"), "error")
    return specialist


@bp.route("/me/edit", methods=["GET", "POST"])
@requires("profile.own")
def me_edit():
    specialist = _own_or_redirect()
    if specialist is None:
        return redirect(url_for("specialists.me"))
    return _edit_page(specialist, ProfileForm, url_for("specialists.me"), "specialists.me")


def _edit_page(specialist, form_class, cancel_url: str, done_endpoint: str, **done_args: Any):
    if request.method == "GET":
        specialist = profiles.open_for_edit(current_user, specialist.id)
    current = profiles.values_of(specialist)
    if request.method == "GET":
        form = _prepare(form_class(data=form_data(current)), current)
    else:
        form = _prepare(form_class(), current)
    messages: list[str] = []
    row_errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        try:
            profiles.update_profile(current_user, specialist.id, form.profile_values(),
                                    reason=request.form.get("reason", ""))
        except UserError as exc:
            messages, row_errors = _show_errors(form, exc), _row_errors(exc)
        else:
            flash(_("プロフィールを保存しました。勤務可能期間も最新として記録しました。"), "success")
            return redirect(url_for(done_endpoint, **done_args))
    elif request.method == "POST":
        messages = [str(e) for errs in form.errors.values() if isinstance(errs, list) for e in errs]
    return render_template("specialists/edit.html", form=form, specialist=specialist, messages=messages,
                           row_errors=row_errors, cancel_url=cancel_url)


def _own_action(action, done: str):
    specialist = _own_or_redirect()
    if specialist is None or not ReasonForm().validate_on_submit():
        return redirect(url_for("specialists.me"))
    try:
        action(current_user, specialist.id)
    except UserError as exc:
        flash(exc.translated(), "error")
    else:
        flash(done, "success")
    return redirect(url_for("specialists.me"))


@bp.route("/me/confirm", methods=["POST"])
@requires("profile.own")
def me_confirm():
    return _own_action(profiles.confirm_availability, _("勤務可能期間が最新であることを確認しました。"))


@bp.route("/me/pause", methods=["POST"])
@requires("profile.own")
def me_pause():
    return _own_action(profiles.pause_specialist, _("登録を一時停止しました。再開するまでマッチングの対象になりません。"))


@bp.route("/me/resume", methods=["POST"])
@requires("profile.own")
def me_resume():
    return _own_action(profiles.resume_specialist, _("登録を再開しました。"))


def _json_download(data: dict[str, Any], filename: str) -> Response:
    body = json.dumps(data, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/me/export")
@requires("profile.own")
def me_export():
    specialist = _own_or_redirect()
    if specialist is None:
        return redirect(url_for("specialists.me"))
    data = personal_data.export_personal_data(current_user, specialist.id)
    return _json_download(data, f"talentbank-{specialist.reference}.json")


@bp.route("/me/withdraw", methods=["GET", "POST"])
@requires("profile.own")
def me_withdraw():
    specialist = _own_or_redirect()
    if specialist is None:
        return redirect(url_for("specialists.me"))
    form = WithdrawForm()
    if form.validate_on_submit():
        if not form.confirm.data:
            form.confirm.errors = [_("退会するには、確認の項目にチェックを入れてください。")]
        elif not personal_data.verify_password(current_user, form.password.data or ""):
            form.password.errors = [_("パスワードが正しくありません。")]
        else:
            try:
                personal_data.withdraw_specialist(current_user, specialist.id, form.reason.data or "")
            except UserError as exc:
                flash(exc.translated(), "error")
            else:
                logout_user()
                session.clear()
                flash(_("退会しました。氏名・連絡先などの個人情報を消去しました。ご協力ありがとうございました。"), "success")
                return redirect(url_for("accounts.login"))
    return render_template("specialists/withdraw.html", form=form, specialist=specialist)


@bp.route("/claim/<token>", methods=["GET", "POST"])
@public
def claim(token: str):
    try:
        specialist = claims.find_claimable(token)
    except UserError as exc:
        return render_template("specialists/claim_invalid.html", message=exc.translated()), 410
    form = ClaimForm()
    if form.validate_on_submit():
        try:
            user = claims.claim_profile(token, form.password.data, bool(form.consent.data))
        except UserError as exc:
            getattr(form, exc.field or "password").errors.append(exc.translated())
        else:
            session.clear()
            login_user(user)
            flash(_("アカウントを作成しました。登録内容を確認してください。"), "success")
            return redirect(url_for("specialists.me"))
    return render_template("specialists/claim.html", form=form, specialist=specialist, consent_text=CONSENT_TEXT,
                           consent_version=CONSENT_VERSION)


# ---------------------------------------------------------------- the coordinator's registry

@bp.route("/specialists/")
@requires("specialist.view_full")
def registry():
    flt = _filter_from_args(current_app.config.get("PAGE_SIZE", 50))
    page = search.search_registry(current_user, flt)
    return render_template("specialists/registry.html", page=page, flt=flt, sorts=search.REGISTRY_SORTS,
                           statuses=search.STATUSES, **_filter_choices())


@bp.route("/specialists/statistics")
@requires("specialist.view_full")
def statistics():
    return render_template("specialists/statistics.html", stats=registry_statistics(current_user))


@bp.route("/specialists/<int:specialist_id>")
@requires("candidate.view")
def detail(specialist_id: int):
    view = _not_found_on_error(privacy.view_specialist, current_user, specialist_id)
    return render_template("specialists/detail.html", view=view, reason_form=ReasonForm(),
                           may_manage=may(current_user, "specialist.manage"),
                           may_edit_officer=view.specialist is not None and privacy.is_own_officer(
                               current_user, view.specialist))


@bp.route("/specialists/<int:specialist_id>/edit", methods=["GET", "POST"])
@requires("specialist.manage")
def edit(specialist_id: int):
    specialist = _not_found_on_error(profiles.get_for_edit, current_user, specialist_id)
    return _edit_page(specialist, ProfileForm, url_for("specialists.detail", specialist_id=specialist_id),
                      "specialists.detail", specialist_id=specialist_id)


@bp.route("/specialists/<int:specialist_id>/status", methods=["POST"])
@requires("specialist.manage")
def change_status(specialist_id: int):
    form = ReasonForm()
    action = request.form.get("action")
    if action == "withdraw":
        return _staff_withdraw(specialist_id, profiles.get_for_edit, _("退会の手続きをしました。個人情報を消去しました。"),
                               url_for("specialists.detail", specialist_id=specialist_id),
                               url_for("specialists.change_status", specialist_id=specialist_id))
    actions = {"pause": (profiles.pause_specialist, _("登録を一時停止しました。")),
               "resume": (profiles.resume_specialist, _("登録を再開しました。"))}
    if action not in actions or not form.validate_on_submit():
        abort(400)
    call, done = actions[action]
    try:
        call(current_user, specialist_id, form.reason.data or "")
    except UserError as exc:
        flash(exc.translated(), "error")
    else:
        flash(done, "success")
    return redirect(url_for("specialists.detail", specialist_id=specialist_id))


@bp.route("/specialists/<int:specialist_id>/claim-link", methods=["POST"])
@requires("specialist.manage")
def claim_link(specialist_id: int):
    if not ReasonForm().validate_on_submit():
        abort(400)
    try:
        token = claims.create_claim_link(current_user, specialist_id)
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("specialists.detail", specialist_id=specialist_id))
    view = privacy.view_specialist(current_user, specialist_id)
    return render_template("specialists/detail.html", view=view, reason_form=ReasonForm(), may_manage=True,
                           may_edit_officer=False, claim_url=url_for("specialists.claim", token=token, _external=True),
                           claim_days=claims.CLAIM_LINK_VALID_DAYS)


@bp.route("/specialists/<int:specialist_id>/export")
@requires("specialist.view_full")
def export(specialist_id: int):
    data = _not_found_on_error(personal_data.export_personal_data, current_user, specialist_id)
    return _json_download(data, f"talentbank-{data['reference']}.json")


# ---------------------------------------------------------------- HR officers: candidates and serving officers

@bp.route("/candidates/")
@requires("candidate.view")
def candidates():
    flt = _filter_from_args(20)
    page = search.search_candidates(current_user, flt)
    return render_template("specialists/candidates.html", page=page, flt=flt, sorts=search.CANDIDATE_SORTS,
                           **_filter_choices())


@bp.route("/officers/")
@requires("officer.list")
def officers():
    items = profiles.list_officers(current_user)
    cities = [c for c in db.session.scalars(select(City).where(City.is_member.is_(True)).order_by(City.code))
              if may(current_user, "officer.register", c.id)]
    return render_template("specialists/officers.html", officers=items, cities=cities, reason_form=ReasonForm())


@bp.route("/officers/city/<int:city_id>/new", methods=["GET", "POST"])
@requires("officer.register")
def officer_new(city_id: int):
    city = db.session.get(City, city_id)
    if city is None or not city.is_member:
        abort(404)
    if not may(current_user, "officer.register", city_id):
        raise PermissionDenied("officer.register")
    form = _prepare(OfficerForm())
    if request.method == "GET":
        form.can_work_onsite.data = True
    messages: list[str] = []
    row_errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        try:
            specialist = profiles.register_officer(current_user, city_id, form.profile_values(),
                                                   bool(form.consent.data))
        except UserError as exc:
            messages, row_errors = _show_errors(form, exc), _row_errors(exc)
        else:
            flash(_("%(city)sの職員を登録しました（登録番号 %(ref)s）。", city=city.display_name(_locale()),
                    ref=specialist.reference), "success")
            return redirect(url_for("specialists.officers"))
    return render_template("specialists/officer_new.html", form=form, city=city, messages=messages,
                           row_errors=row_errors, consent_text=CONSENT_TEXT)


@bp.route("/officers/<int:specialist_id>/edit", methods=["GET", "POST"])
@requires("officer.register")
def officer_edit(specialist_id: int):
    specialist = _not_found_on_error(profiles.get_officer, current_user, specialist_id)
    return _edit_page(specialist, ProfileForm, url_for("specialists.officers"), "specialists.officers")


@bp.route("/officers/<int:specialist_id>/withdraw", methods=["POST"])
@requires("officer.register")
def officer_withdraw(specialist_id: int):
    return _staff_withdraw(specialist_id, profiles.get_officer, _("登録を取り消しました。個人情報を消去しました。"),
                           url_for("specialists.officers"),
                           url_for("specialists.officer_withdraw", specialist_id=specialist_id))


def _staff_withdraw(specialist_id: int, load, done: str, back: str, action_url: str):
    """Erase a registration for staff: a page naming the person and what is erased comes first, and only
    a post with its tick box erases anything (the list's and the detail page's buttons lead to it)."""
    specialist = _not_found_on_error(load, current_user, specialist_id)
    form = StaffWithdrawForm()
    asked = request.form.get("asked") == "1"
    if asked and form.validate_on_submit():
        try:
            personal_data.withdraw_specialist(current_user, specialist.id, form.reason.data or "")
        except UserError as exc:
            db.session.rollback()
            attach_errors(form, exc)
        else:
            flash(done, "success")
            return redirect(back)
    return render_template("specialists/withdraw_confirm.html", specialist=specialist, form=form, back=back,
                           action_url=action_url), (400 if asked else 200)


# ---------------------------------------------------------------- bulk import

@bp.route("/specialists/import", methods=["GET", "POST"])
@requires("specialist.import")
def import_upload():
    form = ImportForm()
    preview = None
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = [_("ファイルを選んでください。")]
        else:
            content = upload.read(imports.MAX_BYTES + 1)
            try:
                preview = imports.preview_import(current_user, upload.filename, content)
            except UserError as exc:
                form.file.errors = [exc.translated()]
            else:
                previous = session.pop("import_token", None)
                if previous:
                    imports.drop_stash(imports.preview_folder(), previous)
                if preview.is_valid and preview.new_rows:
                    session["import_token"] = imports.stash_upload(imports.preview_folder(), content)
                    session["import_name"] = preview.filename
    return render_template("specialists/import.html", form=form, preview=preview, confirm_form=ReasonForm(),
                           columns=list(imports.COLUMNS), required=imports.REQUIRED_COLUMNS)


@bp.route("/specialists/import/confirm", methods=["POST"])
@requires("specialist.import")
def import_confirm():
    form = ReasonForm()
    if not form.validate_on_submit():
        flash_form_errors(form)  # an over-long basis is refused with its limit, never cut
        return redirect(url_for("specialists.import_upload"))
    token = session.pop("import_token", "")
    filename = session.pop("import_name", "")
    try:
        content = imports.load_stash(imports.preview_folder(), token)
        result = imports.run_import(current_user, filename, content, request.form.get("sha256", ""),
                                    verified=request.form.get("verified") == "1",
                                    basis=form.reason.data or "")
    except UserError as exc:
        flash(exc.translated(), "error")
        return redirect(url_for("specialists.import_upload"))
    finally:
        imports.drop_stash(imports.preview_folder(), token)
    flash(ngettext("%(file)s から%(num)s人を登録しました（重複のため取り込まなかった行: %(skipped)s）。",
                   "%(file)s から%(num)s人を登録しました（重複のため取り込まなかった行: %(skipped)s）。",
                   result.created, file=result.filename, skipped=result.skipped), "success")
    return redirect(url_for("specialists.registry", sort="newest"))


@bp.route("/specialists/import/cancel", methods=["POST"])
@requires("specialist.import")
def import_cancel():
    if not ReasonForm().validate_on_submit():
        abort(400)
    session.pop("import_name", None)
    imports.drop_stash(imports.preview_folder(), session.pop("import_token", ""))
    flash(_("取り込みを取りやめました。アップロードされたファイルは削除しました。"), "info")
    return redirect(url_for("specialists.import_upload"))


@bp.route("/specialists/import/template.csv")
@requires("specialist.import")
def import_template():
    response = Response(imports.template_csv(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="talentbank-import-template.csv"'
    return response
from . import verification_views as _verification_views  # noqa: E402,F401  (routes on this blueprint)
