"""Helpers for the training tests: sessions and registrations built directly (the services are tested apart)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from talentbank.core import clock
from talentbank.extensions import db


class TrainingFactory:
    def __init__(self, make) -> None:
        self.make = make

    def session(self, city, *, professions: tuple[str, ...] = ("civil",), starts_at: datetime | None = None,
                hours: int = 2, capacity: int = 10, audience: str = "both", **overrides: Any):
        """A scheduled session of ``city`` (by default in two weeks), suiting ``professions``."""
        from talentbank.training.models import TrainingSession
        from talentbank.vocabulary.models import Profession

        starts_at = starts_at or clock.utcnow().replace(microsecond=0) + timedelta(days=14)
        values: dict[str, Any] = dict(
            title="法面点検の基礎", description="法面の点検と記録の仕方", starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours), is_online=False, place="市役所 第1会議室",
            capacity=capacity, audience=audience,
            registration_deadline=(starts_at - timedelta(days=1)).date(), status="scheduled")
        values.update(overrides)
        session = TrainingSession(city_id=city.id, **values)
        session.professions = [self.make.term(Profession, code) for code in professions]
        db.session.add(session)
        db.session.commit()
        return session

    def registration(self, session, *, specialist=None, user=None, status: str = "confirmed",
                     attendance: str | None = None, **overrides: Any):
        from talentbank.training.models import TrainingRegistration

        reg = TrainingRegistration(session_id=session.id, specialist_id=getattr(specialist, "id", None),
                                   user_id=getattr(user, "id", None), status=status, attendance=attendance,
                                   **overrides)
        db.session.add(reg)
        db.session.commit()
        return reg


@pytest.fixture
def training(make) -> TrainingFactory:
    return TrainingFactory(make)
