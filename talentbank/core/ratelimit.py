"""Abuse limits: how often one client address, or one account, may try to log in, sign up or ask for mail.

A view declares its limits with ``per_client`` and ``per_account``, each naming a configuration key that
holds limit strings such as ``"10 per minute;100 per hour"`` (read at every request, so tests and the
environment can change them)::

    @bp.route("/signup", methods=["GET", "POST"])
    @public
    @per_client("RATELIMIT_SIGNUP")
    @per_account("RATELIMIT_SIGNUP_ACCOUNT")
    def signup(): ...

Only POSTs count unless ``methods`` says otherwise. ``only_failures=True`` counts a request only when its
answer shows the page again (status below 300: a failed log-in), not when it moves on (a redirect) or was
refused (400, 429). Flask-Limiter keeps the counts in memory, or in Redis when
``TALENTBANK_RATELIMIT_STORAGE_URL`` is set, so that every gunicorn worker shares one count. Over the
limit, the request gets the 429 page (talentbank/app.py) with ``Retry-After``.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import Flask, Response, current_app, request
from flask_login import current_user
from limits import parse_many

from ..extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])

# Every configuration key holding limit strings; checked at start-up so that a typo stops the app.
LIMIT_KEYS = (
    "RATELIMIT_LOGIN", "RATELIMIT_LOGIN_ACCOUNT",
    "RATELIMIT_SIGNUP", "RATELIMIT_SIGNUP_ACCOUNT",
    "RATELIMIT_PASSWORD_RESET", "RATELIMIT_PASSWORD_RESET_ACCOUNT",
    "RATELIMIT_VERIFICATION_MAIL", "RATELIMIT_VERIFICATION_MAIL_ACCOUNT",
)


def client_address() -> str:
    """The client's address (behind TALENTBANK_PROXY_HOPS proxies, the one they saw); IPv6 by its /64 network.

    One IPv6 subscriber usually holds a whole /64, so counting single addresses would let them walk around
    every limit.
    """
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def account_key(field: str | None) -> Callable[[], str]:
    """The account a request is about: ``field`` of the form (or of the URL), else (or when ``field`` is
    ``None``) the logged-in user, else the client's address.

    The value is normalised like e-mail addresses are (trimmed, lower case) and kept only as a keyed hash,
    so the limit store holds no addresses. Unknown and real accounts are counted alike.
    """

    def key() -> str:
        value = request.form.get(field) if field else None
        if value is None:
            value = str((request.view_args or {}).get(field) or "") if field else ""
        value = value.strip().lower()
        if not value and getattr(current_user, "is_authenticated", False):
            value = f"user:{current_user.id}"
        if not value:  # nothing names an account: never one bucket shared by every anonymous visitor
            value = f"client:{client_address()}"
        secret = str(current_app.config.get("SECRET_KEY") or "").encode()
        return hmac.new(secret, f"{field}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    return key


def counts_as_failure(response: Response) -> bool:
    """A page shown again (a failed log-in), not a redirect onwards nor a refusal (400, 429)."""
    return response.status_code < 300


def _limit_from(config_key: str) -> Callable[[], str]:
    def provider() -> str:
        return current_app.config[config_key]

    return provider


def per_client(config_key: str, *, only_failures: bool = False, methods: Sequence[str] = ("POST",)) -> Callable[[F], F]:
    """Limit a view per client address to the limits in ``config_key``."""
    return limiter.limit(_limit_from(config_key), key_func=client_address, scope="client", methods=list(methods),
                         deduct_when=counts_as_failure if only_failures else None)


def per_account(config_key: str, field: str | None = "email", *, only_failures: bool = False,
                methods: Sequence[str] = ("POST",)) -> Callable[[F], F]:
    """Limit a view per account (the form's ``field``, hashed; ``None``: the logged-in user) to ``config_key``."""
    return limiter.limit(_limit_from(config_key), key_func=account_key(field), scope=f"account-{field or 'user'}",
                         methods=list(methods), deduct_when=counts_as_failure if only_failures else None)


def retry_after_seconds() -> int:
    """Seconds until the limit the current request broke lets one more through (for Retry-After)."""
    breached = limiter.current_limit
    if breached is None:
        return 60
    # Never more than the limit's own window (the store rounds its reset time up by a second).
    return max(1, min(math.ceil(breached.reset_at - time.time()), breached.limit.get_expiry()))


def _switched_off() -> bool:
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def init_app(app: Flask) -> None:
    """Check the limit strings and bind the limiter; ``RATELIMIT_ENABLED`` is honoured per app, per request.

    Flask-Limiter has one on/off switch for its (single) instance, set when an app is bound; several apps
    share the instance in the tests, so the instance stays on and each app's own setting is read at each
    request instead.
    """
    for key in LIMIT_KEYS:
        try:
            if not parse_many(str(app.config[key])):
                raise ValueError("no limit")
        except ValueError as exc:
            raise ValueError(f"{key} (TALENTBANK_{key}) must be limits like '10 per minute;100 per hour', "
                             f"not {app.config[key]!r}") from exc
    wanted = bool(app.config.get("RATELIMIT_ENABLED", True))
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    app.config["RATELIMIT_ENABLED"] = wanted
    if _switched_off not in limiter._request_filters:
        limiter.request_filter(_switched_off)
