"""Japanese substring search over the library: normalising text, the conditions a query becomes, snippets.

Japanese is written without spaces, so word-based full-text search (PostgreSQL's ``to_tsvector``) does not
find 「法面」 in 「法面の崩落」. The library searches substrings instead, through a trigram index:

- SQLite: the FTS5 table ``library_fts`` (tokenizer ``trigram``, SQLite >= 3.34), kept in step with
  ``library_entries.search_text`` by the triggers of migration 0021. A term of three characters or more is
  an FTS5 phrase; a term of one or two characters is shorter than a trigram, so it is a ``LIKE`` on
  ``search_text`` (correct, not indexed).
- PostgreSQL: ``LIKE '%term%'`` on ``search_text``, which the ``pg_trgm`` GIN index serves for terms of three
  characters or more (shorter ones scan, still correctly).

Both sides are normalised the same way (NFKC, then case folding), so 全角 ＡＢＣ, half-width ｶﾀｶﾅ and
lower or upper case find each other. A query is split on spaces; every term must match.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, and_, literal_column, select, text

from ..extensions import db
from .models import LibraryEntry

MAX_QUERY_CHARS = 100
MAX_TERMS = 8
TRIGRAM = 3
SNIPPET_CHARS = 120
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff]")


def normalise(value: str | None) -> str:
    """NFKC and case folded, control characters as spaces: how text is stored for search and how queries match."""
    folded = unicodedata.normalize("NFKC", value or "").casefold()
    return _CONTROL.sub(" ", folded)


def search_text(*parts: str | None) -> str:
    """The ``search_text`` of an entry: its parts normalised, one per line."""
    return "\n".join(normalise(part) for part in parts if part)


def terms(query: str | None) -> list[str]:
    """The distinct terms of a query (normalised, split on spaces), at most ``MAX_TERMS``; [] for none."""
    cleaned = normalise((query or "")[:MAX_QUERY_CHARS * 2])[:MAX_QUERY_CHARS]
    found: list[str] = []
    for term in cleaned.split():
        if term not in found:
            found.append(term)
    return found[:MAX_TERMS]


def _like_pattern(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def conditions(query_terms: list[str]) -> list[ColumnElement[bool]]:
    """The SQL conditions on ``LibraryEntry`` that every term of the query matches."""
    if not query_terms:
        return []
    found: list[ColumnElement[bool]] = []
    dialect = db.engine.dialect.name
    long_terms = [term for term in query_terms if len(term) >= TRIGRAM]
    for term in query_terms:
        if dialect != "sqlite" or len(term) < TRIGRAM:
            found.append(LibraryEntry.search_text.like(_like_pattern(term), escape="\\"))
    if dialect == "sqlite" and long_terms:
        match = " AND ".join(_fts_phrase(term) for term in long_terms)
        indexed = select(literal_column("rowid")).select_from(text("library_fts")).where(
            text("library_fts MATCH :library_match").bindparams(library_match=match))
        found.append(LibraryEntry.id.in_(indexed))
    return [and_(*found)]


@dataclass(frozen=True)
class Snippet:
    """A short extract of an entry around the first hit, hits marked (escaped HTML)."""

    html: Markup
    has_hit: bool
    # "ja" when the extract is written in Japanese (kana or kanji), so screen readers read it as such.
    lang: str | None = None


def _folded_with_positions(shown: str) -> tuple[str, list[int]]:
    folded, positions = [], []
    for index, char in enumerate(shown):
        for piece in char.casefold():
            folded.append(piece)
            positions.append(index)
    return "".join(folded), positions


def snippet(body: str, query_terms: list[str], width: int = SNIPPET_CHARS) -> Snippet:
    """About ``width`` characters of ``body`` (NFKC) around the first term found, each hit in ``<mark>``."""
    shown = unicodedata.normalize("NFKC", body or "")
    shown = _CONTROL.sub(" ", shown)
    folded, positions = _folded_with_positions(shown)
    spans: list[tuple[int, int]] = []
    for term in query_terms:
        start = folded.find(term)
        while start != -1 and len(spans) < 50:
            end = start + len(term)
            spans.append((positions[start], positions[end - 1] + 1))
            start = folded.find(term, end)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    first = merged[0][0] if merged else 0
    begin = max(0, first - width // 3)
    finish = min(len(shown), begin + width)
    parts: list[str] = [escape("…")] if begin > 0 else []
    cursor = begin
    for start, end in merged:
        if end <= begin or start >= finish:
            continue
        start, end = max(start, begin), min(end, finish)
        parts.append(escape(shown[cursor:start]))
        parts.append(Markup("<mark>%s</mark>") % shown[start:end])
        cursor = end
    parts.append(escape(shown[cursor:finish]))
    if finish < len(shown):
        parts.append(escape("…"))
    extract = shown[begin:finish]
    return Snippet(Markup("").join(parts), bool(merged), "ja" if _JAPANESE.search(extract) else None)
