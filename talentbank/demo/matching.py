"""Matching needs a published priority rule: version 1, the prefectural order (rounds are run by people)."""
from __future__ import annotations

from typing import Any

from ..matching.services import ensure_rule_set


def seed_rule_set(cities: dict[str, Any]) -> None:
    """Make sure a published rule set exists (the migration creates it; a wiped database may not have it)."""
    ensure_rule_set()
