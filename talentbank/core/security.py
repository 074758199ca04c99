"""HTTP security headers on every response, and the refusal to run in production with the default secret key."""
from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user

from ..config import DEFAULT_SECRET_KEY

# Scripts and styles only from our own static files: no inline <script>, style="" or on*="" (tests/core/test_security.py
# greps templates/ for them). form-action keeps forms from posting elsewhere; frame-ancestors refuses framing.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class InsecureConfiguration(RuntimeError):
    """The configuration is not fit for production; the message says what to set."""


def check_secret_key(app: Flask) -> None:
    """Refuse to run outside debug and testing with the secret key everybody can read in config.py."""
    if app.debug or app.testing:
        return
    if not app.config.get("SECRET_KEY") or app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise InsecureConfiguration(
            "Talentbank will not start with the default secret key outside debug or testing: anyone could forge "
            "session cookies. Set TALENTBANK_SECRET_KEY to a long random value, e.g.\n"
            "  export TALENTBANK_SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')\n"
            "(the same value for every worker and the scheduler; changing it logs everybody out)."
        )


def is_personal(response: Response) -> bool:
    """Responses a shared computer or a proxy must not keep: anything shown to a logged-in user, and every download."""
    if "attachment" in response.headers.get("Content-Disposition", ""):
        return True
    if request.endpoint == "static":
        return False
    return bool(getattr(current_user, "is_authenticated", False))


def init_app(app: Flask) -> None:
    """Check the secret key and add the security headers to every response."""
    check_secret_key(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for browsers without CSP 2
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if is_personal(response):
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        return response
