"""Helpers of the library's tests: entries published as a service caller would, and a few accounts."""
from __future__ import annotations

import pytest

from talentbank.extensions import db
from talentbank.library import services


class Library:
    def __init__(self, make) -> None:
        self.make = make

    def entry(self, title: str, body: str = "", *, kind: str = "consultation", city=None, profession_id=None,
              field_id=None, is_shared: bool = True, dispatch_id=None, party=None, actor=None, source_key=None):
        entry = services.publish_entry(kind=kind, title=title, body=body, profession_id=profession_id,
                                       field_id=field_id, city_id=city.id if city else None, source_key=source_key,
                                       actor=actor, is_shared=is_shared, dispatch_id=dispatch_id, party=party)
        db.session.commit()
        return entry


@pytest.fixture
def lib(make, tmp_path, app_ctx) -> Library:
    app_ctx.config["LIBRARY_FILES_DIR"] = str(tmp_path / "library-files")
    yield Library(make)
    app_ctx.config["LIBRARY_FILES_DIR"] = None
