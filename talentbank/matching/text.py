"""Translation for pages that format thousands of messages (a round's review): look each message up once.

``gettext`` finds the catalogue again on every call; the review of 2,000 proposals formats tens of
thousands of labels and reasons, so the translated message is kept per language and only formatted.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import get_locale, gettext

_TRANSLATED: dict[tuple[str, str], str] = {}


def current_locale() -> str:
    """The reader's language; Japanese outside a request (command line, jobs)."""
    try:
        return str(get_locale() or "ja")
    except RuntimeError:
        return "ja"


def translator(locale: str | None = None) -> Callable[..., str]:
    """``t(msgid, **params)`` in one language, like ``gettext`` but with the catalogue lookup cached."""
    language = locale or current_locale()

    def t(msgid: str, **params: Any) -> str:
        key = (language, msgid)
        text = _TRANSLATED.get(key)
        if text is None:
            try:
                text = gettext(msgid)  # no parameters: the translated message itself, not yet formatted
            except RuntimeError:  # no app context: the Japanese original
                text = msgid
            _TRANSLATED[key] = text
        return text % params if params else text

    return t
