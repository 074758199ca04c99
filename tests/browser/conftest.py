"""Browser tests: a real server on loopback and Debian's Chromium driven by Playwright.

The server is a second app on the test database with CSRF protection on, as in production.
Screenshots go to ``test-artifacts/`` (kept by CI as evidence of what users saw). Checks of what
a page shows use Playwright's ``expect``, which waits for the page instead of reading it once.
"""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    """Debian's Chromium; without it the browser tests are skipped locally but fail in CI (``CI`` set)."""
    path = os.environ.get("TALENTBANK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        message = "Chromium not found: install Debian's chromium package (.ci/run does) or set TALENTBANK_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def live_server(app):
    """Base URL of a server thread running a CSRF-protected app on the test database."""
    from talentbank.app import create_app

    live_app = create_app({
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "live-test-secret",
        "WTF_CSRF_ENABLED": True,
        "PASSWORD_HASH_METHOD": app.config["PASSWORD_HASH_METHOD"],
    })
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_browser):
    """A fresh page (own cookies) with a Japanese locale and a desktop-sized window."""
    context = _browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def new_browser_page(_browser):
    """A factory of extra pages, each its own browser session (a second user)."""
    contexts = []

    def make():
        context = _browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    yield make
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base_url: str, email: str, password: str) -> None:
    """Log in through the real form."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    expect(page.locator("form[action$='/logout']")).to_be_attached()


# Accessibility: axe-core (bundled by axe-playwright-python, so no network) run on the page as it stands.
AXE_FAILING_IMPACTS = ("critical", "serious")


@pytest.fixture(scope="session")
def axe():
    """The axe-core runner (axe-playwright-python's); ``axe_violations(axe, page)`` runs it on a page."""
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def axe_violations(axe, page) -> list[dict]:
    """axe-core's violations on ``page`` (WCAG 2.x A/AA and best practices), each with its nodes."""
    return axe.run(page).response["violations"]


def describe_violations(violations: list[dict], impacts=AXE_FAILING_IMPACTS) -> str:
    """Rule id, impact, help and the target of each node, one violation a paragraph, for a failure message."""
    lines = []
    for violation in violations:
        if violation["impact"] not in impacts:
            continue
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]")
        for node in violation["nodes"][:10]:
            detail = (node.get("failureSummary") or "").strip().splitlines()[-1:]
            lines.append(f"    - {' '.join(map(str, node['target']))}: {' '.join(line.strip() for line in detail)}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)
