"""Extension points other domains plug into, so the registry never imports them.

- ``ON_WITHDRAW``: called for each withdrawing specialist before their data is erased, in the
  same transaction; requests, matching and dispatches cancel what is pending with them.
- ``AGREED_DISPATCH_PROVIDERS``: each answers "is a dispatch of this specialist to this city
  agreed?"; the dispatch domain registers one, and until then no HR officer sees a name.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Specialist

ON_WITHDRAW: list[Callable[["Specialist", Any], None]] = []
AGREED_DISPATCH_PROVIDERS: list[Callable[[int, int], bool]] = []


def has_agreed_dispatch(city_id: int | None, specialist_id: int) -> bool:
    """True when a dispatch of the specialist to the city is agreed: the city may then see the name."""
    if city_id is None:
        return False
    return any(provider(city_id, specialist_id) for provider in AGREED_DISPATCH_PROVIDERS)


def run_withdraw_hooks(specialist: "Specialist", actor: Any) -> None:
    """Let every registered domain cancel what is pending with a withdrawing specialist."""
    for hook in ON_WITHDRAW:
        hook(specialist, actor)
