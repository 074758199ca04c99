"""What a round's pages read of its answer, kept small and apart from the stored problem and result.

The stored problem and result of a large round are megabytes each (deferred on the model); the review,
a request's page and a city's results only need a small part: the priority order, the kept pairings,
the offers left out of every ring, the solver's warnings and the licences of the requests left with empty
slots (as the round saw them). ``digest_of`` cuts that part out when the round is stored
(``matching_rounds.review_json``); ``review_digest`` reads it for the pages, deriving it from the stored
answer once per process for rounds stored before it existed.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from sqlalchemy import select

from ..extensions import db
from .models import MatchingRound

_CACHE: OrderedDict[tuple[int, str], dict[str, Any]] = OrderedDict()
_CACHE_SIZE = 16


def digest_of(result: dict[str, Any], problem: dict[str, Any], with_pairs: bool = False) -> dict[str, Any]:
    """The part of ``result`` (and of ``problem``) the round's pages show. ``with_pairs``: also every
    assignment as ``[request, specialist]`` and the empty slots by request, for a round that stores no
    proposals (a what-if round, which the comparison page sets beside its base round)."""
    empty = {str(u["request"]) for u in result.get("unfilled", [])}
    extra: dict[str, Any] = {}
    if with_pairs:
        extra = {"pairs": [[str(a["request"]), str(a["specialist"])] for a in result.get("assignments", [])],
                 "unfilled": {str(u["request"]): u["slots"] for u in result.get("unfilled", [])}}
    return {
        **extra,
        "city_need_rank": result.get("city_need_rank", {}),
        "priority_order": result.get("priority_order", []),
        "kept": [a for a in result.get("assignments", []) if a.get("pinned")],
        "unmatched_offers": result.get("unmatched_offers", []),
        "warnings": result.get("warnings", []),
        "licences": {str(r["id"]): list(r.get("required_licences", [])) for r in problem.get("requests", [])
                     if str(r["id"]) in empty},
    }


def digest_text(result: dict[str, Any], problem: dict[str, Any], with_pairs: bool = False) -> str:
    return json.dumps(digest_of(result, problem, with_pairs), ensure_ascii=False, separators=(",", ":"))


def _remember(key: tuple[int, str], value: dict[str, Any]) -> dict[str, Any]:
    _CACHE[key] = value
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return value


def review_digest(rnd: MatchingRound) -> dict[str, Any]:
    """The round's digest (an empty one before it has an answer); reads only ``review_json`` when stored."""
    text = db.session.scalar(select(MatchingRound.review_json).where(MatchingRound.id == rnd.id))
    if text:
        key = (rnd.id, f"{len(text)}:{hash(text)}")
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
        return _remember(key, json.loads(text))
    # A round stored before the digest existed: its answer never changes, so derive the digest once.
    key = (rnd.id, f"derived:{rnd.input_fingerprint}")
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    result_text, problem_text = db.session.execute(
        select(MatchingRound.result_json, MatchingRound.problem_json).where(MatchingRound.id == rnd.id)).one()
    if not result_text:
        return digest_of({}, {})
    return _remember(key, digest_of(json.loads(result_text), json.loads(problem_text or "{}")))
