"""Without Chromium the browser tests are skipped on a developer's machine, but fail in CI."""
from __future__ import annotations

import shutil

import pytest

from .conftest import chromium_path


def test_missing_chromium_skips_locally_and_fails_in_ci(monkeypatch):
    monkeypatch.delenv("TALENTBANK_CHROMIUM", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium not found"):
        chromium_path()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Chromium not found"):
        chromium_path()


def test_the_configured_chromium_is_used(monkeypatch):
    monkeypatch.setenv("TALENTBANK_CHROMIUM", "/opt/chromium/chrome")
    assert chromium_path() == "/opt/chromium/chrome"
