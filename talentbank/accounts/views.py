"""Log-in, log-out, password, language, invitations and the staff account list."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..cities.models import City
from ..core.errors import UserError
from ..core.permissions import public, requires
from ..core.ratelimit import per_account, per_client
from ..extensions import db
from . import services
from .forms import (ChangePasswordForm, ForgotPasswordForm, InviteForm, LoginForm, SetPasswordForm, UnlockForm,
                    UserStatusForm)

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths may be returned to after log-in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
@per_client("RATELIMIT_LOGIN", only_failures=True)
@per_account("RATELIMIT_LOGIN_ACCOUNT", only_failures=True)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome = services.authenticate(form.email.data, form.password.data)
        if outcome.user is not None:
            _log_in(outcome.user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
        flash(_(outcome.error), "error")
    return render_template("accounts/login.html", form=form)


def _log_in(user, remember: bool = False) -> None:
    """A fresh session (nothing carried over from before the log-in), in the account's language."""
    session.clear()
    login_user(user, remember=remember)
    session["lang"] = user.language


@bp.route("/logout", methods=["POST"])
@requires("account.use")
def logout():
    logout_user()  # ends the server-side session: the cookie and the remember-me cookie stop working
    session.clear()
    flash(_("ログアウトしました。"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@requires("account.use")
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data,
                                     keep_session=current_user.session_key)
        except UserError as exc:
            getattr(form, exc.field or "current_password").errors.append(exc.translated())
        else:
            flash(_("パスワードを変更しました。"), "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@per_client("RATELIMIT_PASSWORD_RESET")
@per_account("RATELIMIT_PASSWORD_RESET_ACCOUNT")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the address is registered.
        return render_template("accounts/forgot_password_sent.html")
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@per_client("RATELIMIT_PASSWORD_RESET")
def reset_password(token: str):
    try:
        services.find_reset_link(token)
    except UserError as exc:
        return render_template("accounts/link_invalid.html", message=exc.translated()), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except UserError as exc:
            form.password.errors.append(exc.translated())
        else:
            _log_in(user)
            flash(_("新しいパスワードを設定しました。ほかの端末のログインはすべて終了しました。"), "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/reset_password.html", form=form)


@bp.route("/account/unlock/<token>", methods=["GET", "POST"])
@public
@per_client("RATELIMIT_LOGIN", only_failures=True)
@per_account("RATELIMIT_LOGIN_ACCOUNT", field="token", only_failures=True)
def unlock(token: str):
    try:
        services.find_unlock_link(token)
    except UserError as exc:
        return render_template("accounts/link_invalid.html", message=exc.translated()), 410
    form = UnlockForm()
    if form.validate_on_submit():
        try:
            user = services.unlock_account(token, form.password.data)
        except UserError as exc:
            form.password.errors.append(exc.translated())
        else:
            _log_in(user)
            flash(_("ロックを解除してログインしました。"), "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/unlock.html", form=form)


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    if code not in ("ja", "en"):
        abort(404)
    session["lang"] = code
    try:
        services.set_language(current_user, code)
    except UserError as exc:
        flash(exc.translated(), "error")
    return redirect(_safe_next(request.form.get("next")) or url_for("main.index"))


def _city_choices() -> list[tuple[str, str]]:
    cities = db.session.scalars(select(City).where(City.is_member.is_(True)).order_by(City.code))
    locale = str(get_locale() or "ja")
    return [("", _("（なし）"))] + [(str(c.id), f"{c.display_name(locale)} ({c.code})") for c in cities]


@bp.route("/users", methods=["GET"])
@requires("user.view")
def users():
    return render_template("accounts/users.html", users=services.list_users(current_user),
                           invitations=services.list_invitations(current_user), status_form=UserStatusForm())


@bp.route("/users/invite", methods=["GET", "POST"])
@requires("user.invite")
def invite():
    form = InviteForm()
    form.city_id.choices = _city_choices()
    link = None
    if form.validate_on_submit():
        try:
            invitation, token = services.invite_user(current_user, form.email.data, form.display_name.data,
                                                     form.role.data, form.city_id.data)
        except UserError as exc:
            getattr(form, exc.field or "email").errors.append(exc.translated())
        else:
            link = url_for("accounts.accept_invitation", token=token, _external=True)
            flash(_("招待を作成しました。下のリンクを本人に伝えてください（%(hours)s時間有効・1回限り）。",
                    hours=int((invitation.expires_at - invitation.created_at).total_seconds() // 3600)), "success")
            return render_template("accounts/invite.html", form=InviteForm(formdata=None), link=link,
                                   invitation=invitation)
    return render_template("accounts/invite.html", form=form, link=link, invitation=None)


@bp.route("/users/<int:user_id>/status", methods=["POST"])
@requires("user.manage")
def set_user_status(user_id: int):
    form = UserStatusForm()
    enable = request.form.get("enable") == "1"
    if not form.validate_on_submit():
        flash(_("理由を入力してください。"), "error")
        return redirect(url_for("accounts.users"))
    try:
        services.set_user_enabled(current_user, user_id, enable, form.reason.data)
    except UserError as exc:
        flash(exc.translated(), "error")
    else:
        flash(_("アカウントを有効にしました。") if enable else _("アカウントを無効にしました。"), "success")
    return redirect(url_for("accounts.users"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    try:
        invitation = services.find_open_invitation(token)
    except UserError as exc:
        return render_template("accounts/invitation_invalid.html", message=exc.translated()), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.password.data)
        except UserError as exc:
            form.password.errors.append(exc.translated())
        else:
            _log_in(user)
            flash(_("パスワードを設定しました。ようこそ、%(name)sさん。", name=user.display_name), "success")
            return redirect(url_for("main.index"))
    return render_template("accounts/accept.html", form=form, invitation=invitation)
