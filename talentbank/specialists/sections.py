"""Sections other domains add to a person's profile pages (``/me`` and the registry's page of one person).

The registry sits below the domains that know more about a person (training, for the sessions they attended):
it asks ``profile_sections_wanted`` with the specialist, and each subscriber connected in ``talentbank.wiring``
answers a ``ProfileSection`` (a template and its values) or ``None``. The pages include each answer in turn.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.events import signals

profile_sections_wanted = signals.signal("profile-sections-wanted", doc="""
Sent with a specialist; each subscriber answers a ``ProfileSection`` to show on their profile pages, or None.""")


@dataclass(frozen=True)
class ProfileSection:
    template: str
    values: dict[str, Any] = field(default_factory=dict)


def profile_sections(specialist: Any) -> list[ProfileSection]:
    """The sections other domains show on this person's profile, in the wiring's order."""
    if specialist is None or getattr(specialist, "id", None) is None:
        return []
    return [answer for _receiver, answer in profile_sections_wanted.send(specialist)
            if isinstance(answer, ProfileSection)]
