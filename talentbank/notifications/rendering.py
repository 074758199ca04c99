"""Turning a kind and its parameters into words: inbox lines and e-mails, per language."""
from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext

from .kinds import KINDS, localise

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str


def render(kind: str, params: dict[str, Any], language: str) -> Rendered:
    """The title and body of a notification in ``language``; raises KeyError on an unknown kind."""
    spec = KINDS[kind]
    values = localise(params, language)
    with force_locale(language):
        return Rendered(gettext(spec.title, **values), gettext(spec.body, **values))


def render_for_display(kind: str, params: dict[str, Any], language: str) -> Rendered:
    """Like ``render`` but never fails a page: an entry whose kind has gone shows a plain label."""
    try:
        return render(kind, params, language)
    except (KeyError, ValueError, TypeError):
        log.warning("cannot render notification kind %r with %r", kind, params)
        with force_locale(language):
            return Rendered(gettext("お知らせ"), "")


def absolute_url(link: str | None) -> str | None:
    """The link as a full URL for e-mail, when the public address of the app is configured."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not base:
        return None
    return base + (link or "/inbox/")


def one_line(text: str) -> str:
    """A header value: line breaks and other control characters folded to single spaces."""
    return " ".join("".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text).split())


def render_email(kind: str, params: dict[str, Any], language: str, name: str,
                 link: str | None) -> tuple[str, str]:
    """Subject and plain-text body of the e-mail for one recipient."""
    text = render(kind, params, language)
    url = absolute_url(link)
    with force_locale(language):
        subject = one_line(gettext("[専門人材バンク] %(title)s", title=text.title))
        lines = [gettext("%(name)s 様", name=one_line(name)), "", text.body, ""]
        if url:
            lines += [gettext("詳しくは次のページをご覧ください："), url, ""]
        else:
            lines += [gettext("詳しくは専門人材バンクにログインしてお知らせをご覧ください。"), ""]
        lines += ["--", gettext("8市連携 専門人材バンク"),
                  gettext("このメールは送信専用のアドレスから自動で送信しています。返信はできません。")]
    return subject, "\n".join(lines) + "\n"
