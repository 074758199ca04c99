"""The parsed problem and result of a round, kept for the screens that read them again and again.

A finished round's stored JSON changes only when a withdrawing person is pseudonymised in it
(``erasure``), so the parsed dict is kept in a small cache keyed by round, part and the text itself
(its length and hash: the fingerprint stays as recorded through erasure). The review of a large round
reads it several times per page.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from .models import MatchingRound

_CACHE: OrderedDict[tuple[int, str, str], Any] = OrderedDict()
_CACHE_SIZE = 8


def parsed(rnd: MatchingRound, which: str) -> dict[str, Any]:
    """The round's stored problem (``which="problem"``) or result as a dict; an empty dict when none is stored."""
    text = rnd.result_json if which == "result" else rnd.problem_json
    if not text:
        return {}
    key = (rnd.id, which, f"{len(text)}:{hash(text)}")
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    value = json.loads(text)
    _CACHE[key] = value
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return value
