"""Every kind of notice says something in Japanese and in English, with its own parameters."""
from __future__ import annotations

import pytest

from talentbank.notifications.kinds import KINDS
from talentbank.notifications.rendering import render, render_email
from talentbank.core.jobs import load_jobs


@pytest.fixture(autouse=True)
def _all_kinds(app_ctx):
    load_jobs()  # job modules register kinds too


def test_every_kind_renders_in_both_languages(app_ctx):
    assert len(KINDS) >= 10
    for code, kind in KINDS.items():
        ja = render(code, kind.sample, "ja")
        en = render(code, kind.sample, "en")
        assert ja.title and ja.body, code
        assert en.title != ja.title and en.body != ja.body, f"{code} has no English"
        assert "%(" not in ja.title + ja.body + en.title + en.body, f"{code} left a placeholder"
        for value in kind.sample.values():  # every parameter shows up in the words
            shown = value["en"] if isinstance(value, dict) else str(value)
            assert shown in en.title + en.body, f"{code} does not show {shown!r}"


def test_mail_without_a_public_address_tells_people_to_log_in(app, app_ctx):
    saved = app.config.get("PUBLIC_BASE_URL")
    app.config["PUBLIC_BASE_URL"] = None
    try:
        subject, body = render_email("mail.test", {}, "ja", "山田 太郎", "/inbox/")
    finally:
        app.config["PUBLIC_BASE_URL"] = saved
    assert subject == "[専門人材バンク] テストメール"
    assert "ログインしてお知らせをご覧ください" in body and "http" not in body


def test_mail_with_a_public_address_links_to_the_page(app, app_ctx):
    saved = app.config.get("PUBLIC_BASE_URL")
    app.config["PUBLIC_BASE_URL"] = "https://talentbank.example.jp/"
    try:
        _subject, body = render_email("mail.test", {}, "en", "Taro", "/requests/3")
    finally:
        app.config["PUBLIC_BASE_URL"] = saved
    assert "https://talentbank.example.jp/requests/3" in body
    assert body.startswith("Dear Taro,")
