"""Security headers, no-store on personal pages, no inline script or style in templates, the secret key."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from talentbank.app import create_app
from talentbank.config import DEFAULT_SECRET_KEY
from talentbank.core.permissions import Role
from talentbank.core.security import InsecureConfiguration

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# What a Content-Security-Policy without 'unsafe-inline' blocks: inline <script> (a <script> without src),
# style attributes and <style> blocks, event-handler attributes (onclick=…), javascript: URLs.
INLINE = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "<style> block": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"""\sstyle\s*=\s*["'{]""", re.I),
    "event-handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["'{]""", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_has_inline_script_style_or_event_handler():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")
    assert not found, "the Content-Security-Policy would block these; move them to talentbank/static/:\n" + \
        "\n".join(found)


def test_every_page_carries_the_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "no-store" not in response.headers.get("Cache-Control", "")  # nothing personal before logging in
    assert "Content-Security-Policy" in client.get("/no-such-page").headers


def test_pages_and_downloads_for_a_logged_in_user_are_not_stored(client, auth, make):
    cities = make.demo_cities()
    hr = make.user(Role.CITY_HR, city=cities["142085"])
    auth.login(hr.email)
    for url in ("/", "/requests/board", "/dispatches/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    download = client.get("/requests/board.csv")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    download.close()
    stylesheet = client.get("/static/talentbank.css")
    assert "no-store" not in stylesheet.headers.get("Cache-Control", "")
    stylesheet.close()


def test_cookies_are_secure_and_http_only_by_default(client, make):
    from talentbank.config import load_config

    defaults = load_config()
    assert defaults["SESSION_COOKIE_SECURE"] is True and defaults["REMEMBER_COOKIE_SECURE"] is True
    assert defaults["SESSION_COOKIE_HTTPONLY"] is True and defaults["REMEMBER_COOKIE_HTTPONLY"] is True
    user = make.user(Role.COORDINATOR, email="coord@test.example")
    response = client.post("/login", data={"email": user.email, "password": "correct-horse-42", "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "Secure" in session_cookie and "HttpOnly" in session_cookie


def test_cookie_security_can_be_turned_off_for_plain_http(monkeypatch):
    from talentbank.config import load_config

    monkeypatch.setenv("TALENTBANK_SESSION_COOKIE_SECURE", "false")
    monkeypatch.setenv("TALENTBANK_REMEMBER_COOKIE_SECURE", "0")
    config = load_config()
    assert config["SESSION_COOKIE_SECURE"] is False and config["REMEMBER_COOKIE_SECURE"] is False


def test_the_app_refuses_to_start_in_production_with_the_default_secret_key(app, monkeypatch):
    monkeypatch.delenv("TALENTBANK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    with pytest.raises(InsecureConfiguration, match="TALENTBANK_SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": database})
    with pytest.raises(InsecureConfiguration):
        create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": ""})
    # Debug and tests may use the placeholder; production sets its own key.
    assert create_app({"SQLALCHEMY_DATABASE_URI": database, "DEBUG": True}).config["SECRET_KEY"] == DEFAULT_SECRET_KEY
    assert create_app({"SQLALCHEMY_DATABASE_URI": database, "TESTING": True})
    monkeypatch.setenv("TALENTBANK_SECRET_KEY", "a-long-random-value-from-the-environment")
    assert create_app({"SQLALCHEMY_DATABASE_URI": database}).secret_key == "a-long-random-value-from-the-environment"
