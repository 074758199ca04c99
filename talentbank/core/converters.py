"""URL converters with the database's bounds: ``<int:...>`` ids beyond its integer range are a 404."""
from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from .bounds import DB_INT_MAX


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's ``int`` in ASCII digits only, capped at 2^31-1, so a huge id never reaches a query."""

    regex = r"[0-9]+"  # werkzeug's \d+ also matches other scripts' digits

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = None,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=DB_INT_MAX if max is None else max, signed=signed)


def register_converters(app: Flask) -> None:
    """Replace the built-in ``int`` converter; call before any blueprint adds its rules."""
    app.url_map.converters["int"] = BoundedIntConverter
