"""Translation catalogues and the one way times are shown.

Catalogues are compiled from the committed .po files (never committed as .mo) at set-up and again at
every start when missing or older (``ensure_compiled``). Every
displayed time goes through :func:`show_time` (the ``|datetime`` template filter), which is
Flask-Babel's ``format_datetime`` in the configured time zone (Asia/Tokyo).
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import format_datetime

TRANSLATIONS_DIR = Path(__file__).parent / "translations"

# CLDR patterns, the same in Japanese and English so that screens and exports read alike.
TIME_PATTERNS = {
    "minutes": "yyyy-MM-dd HH:mm",
    "seconds": "yyyy-MM-dd HH:mm:ss",
    "date": "yyyy-MM-dd",
}
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def show_time(moment: datetime | None, precision: str = "minutes") -> str:
    """A stored time (naive UTC, or aware) as people read it in the app's time zone; "" for none."""
    if moment is None:
        return ""
    return format_datetime(moment, TIME_PATTERNS[precision])


def parse_moment(value: Any) -> datetime | None:
    """The datetime in an ISO text such as an audit record keeps (``2026-12-10T14:20:08.821270``), else None."""
    if not isinstance(value, str) or not _ISO_MOMENT.fullmatch(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def ensure_compiled(fallback_dir: Path) -> Path:
    """The directory of compiled catalogues, compiling them first when missing or stale.

    Every start checks, so a deployment that only installed the requirements still serves English.
    Where the package folder is read-only the catalogues are compiled into ``fallback_dir`` instead.
    """
    try:
        compile_translations()
        return TRANSLATIONS_DIR
    except OSError:
        compile_translations(target=fallback_dir)
        return fallback_dir


def compile_translations(force: bool = False, target: Path | None = None) -> list[Path]:
    """Compile every messages.po into messages.mo when it is missing or older; returns those written."""
    written = []
    for po_path in sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo") if target is None else target / po_path.relative_to(
            TRANSLATIONS_DIR).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo_path)
    return written
