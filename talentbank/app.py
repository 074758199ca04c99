"""The application factory."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, render_template, request, session
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, user_logged_in, user_logged_out
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from .accounts import sessions as login_sessions
from .accounts.cli import register as register_accounts_cli
from .accounts.models import User
from .accounts.views import bp as accounts_bp
from .agreements.views import bp as agreements_bp
from .audit.history import actor_words, change_lines, kind_words, subject_words
from .audit.labels import action_label, field_label
from .board.views import bp as board_bp
from .cities.views import bp as cities_bp
from .cli import register as register_cli
from .config import load_config
from .core.converters import register_converters
from .core import ratelimit
from .core.pagination import page_url
from .core.permissions import PermissionDenied, Role, may, public
from .core.security import init_app as init_security
from .dispatches.views import bp as dispatches_bp
from .exchange.rings.views import bp as rings_bp
from .exchange.views import bp as exchange_bp
from .extensions import babel, csrf, db, login_manager, migrate
from .i18n import ensure_compiled, show_time
from .library.views import bp as library_bp
from .main.audit_log import bp as audit_bp
from .main.history_words import describe_histories
from .main.navigation import nav_items
from .main.views import bp as main_bp
from .matching.cli import register as register_matching_cli
from .matching.schedule_views import bp as schedule_bp
from .matching.views import bp as matching_bp
from .notifications.views import bp as notifications_bp
from .reports.views import bp as reports_bp
from .consultations.views import bp as consultations_bp
from .agreements.documents_views import bp as documents_bp
from .requests.views import bp as requests_bp
from .scheduler import init_app as init_scheduler
from .scheduler.views import bp as scheduler_bp
from .specialists.sections import profile_sections
from .specialists.views import bp as specialists_bp
from .training.views import bp as training_bp
from .vocabulary.views import bp as vocabulary_bp
from .wiring import connect_subscribers

# Every model module, so that the shared metadata (create_all, Alembic) holds every table
# whether or not a view happens to import it.
from .accounts import models as _accounts  # noqa: F401
from .agreements import models as _agreements  # noqa: F401
from .agreements import documents_models as _documents  # noqa: F401
from .audit import models as _audit  # noqa: F401
from .cities import models as _cities  # noqa: F401
from .dispatches import models as _dispatches  # noqa: F401
from .exchange import models as _exchange  # noqa: F401
from .exchange.rings import models as _rings  # noqa: F401
from .library import models as _library  # noqa: F401
from .matching import models as _matching  # noqa: F401
from .notifications import models as _notifications  # noqa: F401
from .requests import models as _requests  # noqa: F401
from .scheduler import models as _scheduler  # noqa: F401
from .specialists import models as _specialists  # noqa: F401
from .training import models as _training  # noqa: F401
from .vocabulary import models as _vocabulary  # noqa: F401
from .consultations import models as _consultations  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
ROLE_LABELS = {
    Role.SPECIALIST.value: _l("専門人材"),
    Role.CITY_HR.value: _l("人事担当者"),
    Role.COORDINATOR.value: _l("幹事市職員"),
    Role.ADMIN.value: _l("管理者"),
}


def select_locale() -> str:
    """Japanese unless the visitor chose English (session) or their account says so."""
    if not has_request_context():  # jobs and the shell format times and mail outside a request
        return "ja"
    chosen = session.get("lang")
    if chosen in ("ja", "en"):
        return chosen
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.language
    return "ja"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides defaults and the environment (tests use it)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_relative_config=True,
    )
    app.config.update(load_config(config))
    if app.config["PROXY_HOPS"]:
        # Behind that many proxies the client is the address they add to X-Forwarded-For (the abuse limits count it).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"])  # type: ignore[method-assign]
    register_converters(app)  # before the blueprints add their <int:...> rules
    init_security(app)  # refuses the default secret key outside debug and testing; the security headers
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.instance_path) / 'talentbank.sqlite'}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["SQLALCHEMY_DATABASE_URI"].replace(
            "postgresql://", "postgresql+psycopg://", 1)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True,
                     render_as_batch=True)
    csrf.init_app(app)
    ratelimit.init_app(app)
    catalogues = ensure_compiled(Path(app.instance_path) / "translations")
    babel.init_app(app, locale_selector=select_locale, default_translation_directories=str(catalogues))
    _init_login(app)
    _register_blueprints(app)
    _register_errors(app)
    _register_template_helpers(app)
    _register_cli(app)
    connect_subscribers()
    describe_histories(ROLE_LABELS)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _enable_sqlite_foreign_keys(app)
    return app


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("このページを見るにはログインしてください。")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(user_key: str) -> User | None:
        return login_sessions.user_for(user_key)

    # Every log-in, whoever calls login_user, starts a server-side session, and every log-out ends it.
    user_logged_in.connect(_start_login_session, app, weak=False)
    user_logged_out.connect(_end_login_session, app, weak=False)


def _start_login_session(app: Flask, user: User, **_extra: Any) -> None:
    login_sessions.start(user, is_remembered=session.get("_remember") == "set")
    session["_user_id"] = user.get_id()  # Flask-Login stored the id before the session existed


def _end_login_session(app: Flask, user: Any, **_extra: Any) -> None:
    if getattr(user, "is_authenticated", False):
        login_sessions.end(user.id, user.session_key)


def _register_blueprints(app: Flask) -> None:
    for blueprint in (main_bp, accounts_bp, cities_bp, audit_bp, requests_bp, board_bp, exchange_bp, rings_bp):
        app.register_blueprint(blueprint)

    # The talent registry and its controlled vocabularies.
    app.register_blueprint(specialists_bp)
    app.register_blueprint(vocabulary_bp)

    # Inbox, outbox and the scheduler's pages; ``flask scheduler`` runs the jobs in its own process.
    app.register_blueprint(notifications_bp)
    app.register_blueprint(scheduler_bp)
    init_scheduler(app)

    # Matching rounds, their review, the priority rule and the round schedule.
    app.register_blueprint(matching_bp)
    app.register_blueprint(schedule_bp)

    # Offers to specialists, dispatches and exchange-ring confirmation.
    app.register_blueprint(dispatches_bp)

    # The alliance picture and the round and fiscal-year reports.
    app.register_blueprint(reports_bp)
    app.register_blueprint(agreements_bp)

    # The documents of agreed dispatches (協定書, 通知書, 送付状) and their replaceable templates.
    app.register_blueprint(documents_bp)

    # The lessons library (事例・ノウハウ): after-action notes, consultation summaries, uploaded documents.
    app.register_blueprint(library_bp)

    # Consultations (相談): short questions offered to specialists who accept advice work.
    app.register_blueprint(consultations_bp)

    # Training across cities (研修): sessions, registration with a waiting list, attendance.
    app.register_blueprint(training_bp)

    # Browsers ask for /favicon.ico whatever the page says: the bank's icon (eight cities round one bank).
    @app.route("/favicon.ico")
    @public
    def favicon():
        return app.send_static_file("favicon.ico")


def _register_errors(app: Flask) -> None:
    def render_error(status: int, message: str):
        return render_template("errors/error.html", status=status, message=message), status

    app.register_error_handler(403, lambda e: render_error(403, _l("この操作を行う権限がありません。")))
    app.register_error_handler(PermissionDenied, lambda e: render_error(403, _l("この操作を行う権限がありません。")))
    app.register_error_handler(404, lambda e: render_error(404, _l("ページが見つかりません。")))
    app.register_error_handler(405, lambda e: render_error(405, _l("この方法ではアクセスできません。")))
    app.register_error_handler(410, lambda e: render_error(410, _l("このリンクは無効です。")))
    app.register_error_handler(413, lambda e: render_error(413, _l(
        "送信されたデータが大きすぎます（上限%(megabytes)s MB）。ファイルを分割するなどして小さくしてください。",
        megabytes=(app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024))))
    app.register_error_handler(429, _too_many_requests)
    app.register_error_handler(
        CSRFError, lambda e: render_error(400, _l("フォームの有効期限が切れたか、不正な送信です。ページを読み込み直してからもう一度送信してください。")))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500, _l("システムエラーが発生しました。しばらくしてからもう一度お試しください。"))


def _too_many_requests(error: Exception):
    """Over an abuse limit: the error page in the reader's language, and when to come back."""
    seconds = ratelimit.retry_after_seconds()
    message = _l("操作の回数が上限に達しました。%(minutes)s分ほど待ってから、もう一度お試しください。",
                 minutes=max(1, -(-seconds // 60)))
    return render_template("errors/error.html", status=429, message=message), 429, {"Retry-After": str(seconds)}


def _register_template_helpers(app: Flask) -> None:
    @app.context_processor
    def inject() -> dict[str, Any]:
        return {
            "may": lambda action, city_id=None: may(current_user, action, city_id),
            "nav_items": lambda: nav_items(current_user, request.path if request else ""),
            "role_labels": ROLE_LABELS,
            "current_locale": str(get_locale() or "ja"),
            "request_path": request.full_path.rstrip("?") if request else "/",
        }

    app.add_template_filter(show_time, "datetime")
    app.add_template_global(page_url, "page_url")
    app.add_template_global(profile_sections, "profile_sections")

    app.add_template_filter(action_label, "action_label")
    app.add_template_filter(field_label, "field_label")
    app.add_template_filter(change_lines, "change_lines")
    app.add_template_filter(subject_words, "subject_words")
    app.add_template_filter(kind_words, "kind_words")
    app.add_template_filter(actor_words, "actor_words")


def _register_cli(app: Flask) -> None:
    register_cli(app)
    register_accounts_cli(app)
    register_matching_cli(app)


def _enable_sqlite_foreign_keys(app: Flask) -> None:
    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "connect")
        def _fk_on(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
