"""Configuration: defaults first, then ``TALENTBANK_*`` environment variables."""
from __future__ import annotations

import os
from datetime import timedelta
from typing import Any


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


# The placeholder secret: fine for tests and `flask run --debug`; the app refuses to start with it otherwise
# (talentbank.core.security.check_secret_key).
DEFAULT_SECRET_KEY = "dev-only-change-me"


class Config:
    """Defaults fit for a developer's machine; production overrides them from the environment."""

    SECRET_KEY = DEFAULT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI: str | None = None  # None: SQLite in the instance folder
    # PostgreSQL (SQLite gets none of these): no JIT compilation. The app's queries are short, but a
    # count over 50,000 profiles with EXISTS filters is estimated costly enough that PostgreSQL spent
    # 0.5-0.7 s compiling it, on every page that counted; without JIT the same query takes 50-100 ms.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True, "connect_args": {"options": "-c jit=off"}}
    # Seconds a registry or candidate search may reuse its total ("N found") for the same filter in one
    # process (talentbank/specialists/search.py); None: 60, and 0 (always count) under tests.
    SEARCH_COUNT_SECONDS: int | None = None
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    BABEL_DEFAULT_LOCALE = "ja"
    BABEL_DEFAULT_TIMEZONE = "Asia/Tokyo"
    LANGUAGES = ("ja", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Cookies only over HTTPS; browsers treat http://127.0.0.1 and http://localhost as secure too, so the demo works.
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_DURATION = timedelta(days=7)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    PASSWORD_HASH_METHOD = "scrypt"
    # Lock-out (talentbank/accounts): after LOGIN_MAX_FAILURES failed log-ins in a row the account is locked for
    # LOGIN_LOCKOUT_MINUTES; every further failure after a lock locks it again for twice as long, up to
    # LOGIN_LOCKOUT_MAX_MINUTES. The owner is sent a link (valid UNLOCK_LINK_VALID_HOURS) that unlocks it at once.
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCKOUT_MINUTES = 15
    LOGIN_LOCKOUT_MAX_MINUTES = 24 * 60
    UNLOCK_LINK_VALID_HOURS = 24
    PASSWORD_RESET_VALID_MINUTES = 60  # life of a forgotten-password link
    INVITATION_VALID_HOURS = 72
    # Abuse limits (talentbank/core/ratelimit.py, Flask-Limiter): "N per minute;M per hour" strings, per client
    # address and per account (the address typed in, hashed). Log-in limits count failed attempts only.
    RATELIMIT_ENABLED = True  # per app; the tests' app turns it off, their limit tests on
    RATELIMIT_STORAGE_URI = "memory://"  # one count per process; redis://host:6379/0 shares it between workers
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_KEY_PREFIX = "talentbank"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True  # Redis down: each worker counts alone rather than failing
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_LOGIN = "10 per minute;100 per hour"
    RATELIMIT_LOGIN_ACCOUNT = "20 per hour;50 per day"
    RATELIMIT_SIGNUP = "10 per hour;30 per day"  # every POST counts, a form with mistakes too
    RATELIMIT_SIGNUP_ACCOUNT = "3 per hour;10 per day"
    RATELIMIT_PASSWORD_RESET = "10 per hour;50 per day"
    RATELIMIT_PASSWORD_RESET_ACCOUNT = "3 per hour;6 per day"
    RATELIMIT_VERIFICATION_MAIL = "5 per hour;20 per day"
    RATELIMIT_VERIFICATION_MAIL_ACCOUNT = "3 per hour;6 per day"
    # Reverse proxies in front of the app that append X-Forwarded-For (0: none, the peer is the client).
    PROXY_HOPS = 0
    PAGE_SIZE = 50
    # Werkzeug refuses a larger request body with 413 before reading it; the imports need the most.
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024
    # Notifications and e-mail (talentbank/notifications). No SMTP host: mail waits in the outbox.
    PUBLIC_BASE_URL: str | None = None  # e.g. https://talentbank.example.jp, for links in e-mail
    SMTP_HOST: str | None = None
    SMTP_PORT: int | None = None  # None: 25, 587 or 465 by SMTP_TLS
    SMTP_TLS = "starttls"  # none | starttls | ssl
    SMTP_USER: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_TIMEOUT_SECONDS = 30
    MAIL_FROM: str | None = None
    MAIL_MAX_ATTEMPTS = 12  # 1 min doubling to 6 h: about a day and a half of trying
    MAIL_RETRY_BASE_SECONDS = 60
    MAIL_RETRY_MAX_SECONDS = 6 * 3600
    # The scheduler process (talentbank/scheduler).
    SCHEDULER_TICK_SECONDS = 10
    SCHEDULER_LOCK_FILE: str | None = None  # SQLite only; default: beside the database file
    # After the first re-confirmation reminder (specialists.cards.AVAILABILITY_FRESH_DAYS after the
    # last confirmation), this many days to a second reminder, and as many again before pausing.
    AVAILABILITY_GRACE_DAYS = 14
    PROPOSAL_REMINDER_DAYS = 3  # the coordinating city is reminded of proposals waiting this long, and again
    # Disaster-recovery and statutory requests still unfilled this many days before they start are escalated
    # to the coordinating city (talentbank/requests/escalation.py) and listed on its home page.
    ESCALATION_DAYS = 14

    # Verification before matching (talentbank/specialists/verification.py and evidence.py).
    EMAIL_CONFIRMATION_VALID_HOURS = 72  # life of the link a self sign-up confirms its address with
    EVIDENCE_DIR: str | None = None  # copies of licences, outside the web root; None: instance/licence-evidence
    LICENCE_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
    # Agreements' documents (talentbank/agreements/documents.py): replaced DOCX templates live here,
    # outside the web root (None: instance/document-templates); the PDF's embedded Japanese TrueType font.
    DOCUMENT_TEMPLATES_DIR: str | None = None
    DOCUMENT_TEMPLATE_MAX_BYTES = 2 * 1024 * 1024
    DOCUMENT_FONT_PATH: str | None = None  # None: the first of documents.FONT_CANDIDATES found
    # The lessons library (talentbank/library): uploaded documents outside the web root (None:
    # instance/library-files), their size cap; after-action notes: one reminder after N days, and how far back
    # the daily job looks for ended dispatches not yet asked.
    LIBRARY_FILES_DIR: str | None = None
    LIBRARY_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    LIBRARY_NOTE_REMINDER_DAYS = 14
    LIBRARY_NOTE_LOOKBACK_DAYS = 60

    # Consultations (talentbank/consultations): people asked at once per batch, hours before the next batch,
    # the size cap of a thread's attachment, and where attachments live (None: instance/consultation-files).
    CONSULTATION_OFFER_COUNT = 5
    CONSULTATION_OFFER_WAIT_HOURS = 24
    CONSULTATION_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    CONSULTATION_FILES_DIR: str | None = None
    # Days a specialist has to answer an offer (talentbank/dispatches); less when the work starts sooner.
    OFFER_DAYS = 7
    # Matching rounds (talentbank/matching). The solver's own time limit; the child process running it is
    # stopped after SOLVER_HARD_TIMEOUT_S (None: twice the limit plus a minute).
    SOLVER_TIME_LIMIT_S = 30
    SOLVER_HARD_TIMEOUT_S: int | None = None
    MATCHING_SOLVER = "subprocess"  # subprocess | inline (solve inside the worker thread)
    MATCHING_RUNNER = "queue"  # queue (the scheduler runs it) | inline (the request waits: tests only)

# Environment variable → (config key, parser). Only these are read, so a typo is visible here.
_ENVIRONMENT = {
    "TALENTBANK_SECRET_KEY": ("SECRET_KEY", str),
    "TALENTBANK_MAX_CONTENT_LENGTH": ("MAX_CONTENT_LENGTH", "int_or_none"),  # 0: no limit
    "TALENTBANK_DATABASE_URL": ("SQLALCHEMY_DATABASE_URI", str),
    "TALENTBANK_SESSION_COOKIE_SECURE": ("SESSION_COOKIE_SECURE", "bool"),
    "TALENTBANK_REMEMBER_COOKIE_SECURE": ("REMEMBER_COOKIE_SECURE", "bool"),
    "TALENTBANK_LOGIN_MAX_FAILURES": ("LOGIN_MAX_FAILURES", int),
    "TALENTBANK_LOGIN_LOCKOUT_MINUTES": ("LOGIN_LOCKOUT_MINUTES", int),
    "TALENTBANK_LOGIN_LOCKOUT_MAX_MINUTES": ("LOGIN_LOCKOUT_MAX_MINUTES", int),
    "TALENTBANK_UNLOCK_LINK_VALID_HOURS": ("UNLOCK_LINK_VALID_HOURS", int),
    "TALENTBANK_PASSWORD_RESET_VALID_MINUTES": ("PASSWORD_RESET_VALID_MINUTES", int),
    "TALENTBANK_INVITATION_VALID_HOURS": ("INVITATION_VALID_HOURS", int),
    "TALENTBANK_RATELIMIT_ENABLED": ("RATELIMIT_ENABLED", "bool"),
    "TALENTBANK_RATELIMIT_STORAGE_URL": ("RATELIMIT_STORAGE_URI", str),
    "TALENTBANK_RATELIMIT_KEY_PREFIX": ("RATELIMIT_KEY_PREFIX", str),
    "TALENTBANK_RATELIMIT_LOGIN": ("RATELIMIT_LOGIN", str),
    "TALENTBANK_RATELIMIT_LOGIN_ACCOUNT": ("RATELIMIT_LOGIN_ACCOUNT", str),
    "TALENTBANK_RATELIMIT_SIGNUP": ("RATELIMIT_SIGNUP", str),
    "TALENTBANK_RATELIMIT_SIGNUP_ACCOUNT": ("RATELIMIT_SIGNUP_ACCOUNT", str),
    "TALENTBANK_RATELIMIT_PASSWORD_RESET": ("RATELIMIT_PASSWORD_RESET", str),
    "TALENTBANK_RATELIMIT_PASSWORD_RESET_ACCOUNT": ("RATELIMIT_PASSWORD_RESET_ACCOUNT", str),
    "TALENTBANK_RATELIMIT_VERIFICATION_MAIL": ("RATELIMIT_VERIFICATION_MAIL", str),
    "TALENTBANK_RATELIMIT_VERIFICATION_MAIL_ACCOUNT": ("RATELIMIT_VERIFICATION_MAIL_ACCOUNT", str),
    "TALENTBANK_PROXY_HOPS": ("PROXY_HOPS", int),
    "TALENTBANK_PASSWORD_HASH_METHOD": ("PASSWORD_HASH_METHOD", str),
    "TALENTBANK_OFFER_DAYS": ("OFFER_DAYS", int),
    "TALENTBANK_CONSULTATION_OFFER_COUNT": ("CONSULTATION_OFFER_COUNT", int),
    "TALENTBANK_CONSULTATION_OFFER_WAIT_HOURS": ("CONSULTATION_OFFER_WAIT_HOURS", int),
    "TALENTBANK_CONSULTATION_ATTACHMENT_MAX_BYTES": ("CONSULTATION_ATTACHMENT_MAX_BYTES", int),
    "TALENTBANK_CONSULTATION_FILES_DIR": ("CONSULTATION_FILES_DIR", str),
    "TALENTBANK_EMAIL_CONFIRMATION_VALID_HOURS": ("EMAIL_CONFIRMATION_VALID_HOURS", int),
    "TALENTBANK_EVIDENCE_DIR": ("EVIDENCE_DIR", str),
    "TALENTBANK_LICENCE_DOCUMENT_MAX_BYTES": ("LICENCE_DOCUMENT_MAX_BYTES", int),
    "TALENTBANK_DOCUMENT_TEMPLATES_DIR": ("DOCUMENT_TEMPLATES_DIR", str),
    "TALENTBANK_DOCUMENT_TEMPLATE_MAX_BYTES": ("DOCUMENT_TEMPLATE_MAX_BYTES", int),
    "TALENTBANK_DOCUMENT_FONT_PATH": ("DOCUMENT_FONT_PATH", str),
    "TALENTBANK_LIBRARY_FILES_DIR": ("LIBRARY_FILES_DIR", str),
    "TALENTBANK_LIBRARY_UPLOAD_MAX_BYTES": ("LIBRARY_UPLOAD_MAX_BYTES", int),
    "TALENTBANK_LIBRARY_NOTE_REMINDER_DAYS": ("LIBRARY_NOTE_REMINDER_DAYS", int),
    "TALENTBANK_LIBRARY_NOTE_LOOKBACK_DAYS": ("LIBRARY_NOTE_LOOKBACK_DAYS", int),
    "TALENTBANK_PUBLIC_BASE_URL": ("PUBLIC_BASE_URL", str),
    "TALENTBANK_SMTP_HOST": ("SMTP_HOST", str),
    "TALENTBANK_SMTP_PORT": ("SMTP_PORT", "int_or_none"),
    "TALENTBANK_SMTP_TLS": ("SMTP_TLS", str),
    "TALENTBANK_SMTP_USER": ("SMTP_USER", str),
    "TALENTBANK_SMTP_PASSWORD": ("SMTP_PASSWORD", str),
    "TALENTBANK_SMTP_TIMEOUT_SECONDS": ("SMTP_TIMEOUT_SECONDS", int),
    "TALENTBANK_MAIL_FROM": ("MAIL_FROM", str),
    "TALENTBANK_MAIL_MAX_ATTEMPTS": ("MAIL_MAX_ATTEMPTS", int),
    "TALENTBANK_SCHEDULER_TICK_SECONDS": ("SCHEDULER_TICK_SECONDS", int),
    "TALENTBANK_SCHEDULER_LOCK_FILE": ("SCHEDULER_LOCK_FILE", str),
    "TALENTBANK_AVAILABILITY_GRACE_DAYS": ("AVAILABILITY_GRACE_DAYS", int),
    "TALENTBANK_PROPOSAL_REMINDER_DAYS": ("PROPOSAL_REMINDER_DAYS", int),
    "TALENTBANK_ESCALATION_DAYS": ("ESCALATION_DAYS", int),
    "TALENTBANK_SOLVER_TIME_LIMIT_S": ("SOLVER_TIME_LIMIT_S", int),
    "TALENTBANK_SOLVER_HARD_TIMEOUT_S": ("SOLVER_HARD_TIMEOUT_S", "int_or_none"),
    "TALENTBANK_MATCHING_SOLVER": ("MATCHING_SOLVER", str),
    "TALENTBANK_SEARCH_COUNT_SECONDS": ("SEARCH_COUNT_SECONDS", str),  # 0: always count
}


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Merge defaults, the environment and explicit overrides (tests), in that order."""
    config = {key: getattr(Config, key) for key in dir(Config) if key.isupper()}
    for env_name, (key, parser) in _ENVIRONMENT.items():
        if env_name not in os.environ:
            continue
        if parser == "bool":
            config[key] = _env_bool(env_name, bool(config.get(key)))
        elif parser is int:
            config[key] = _env_int(env_name, int(config[key]))
        elif parser == "int_or_none":
            config[key] = _env_int(env_name, 0) or None
        else:
            config[key] = os.environ[env_name]
    config.update(overrides or {})
    return config
