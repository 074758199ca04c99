"""Translation catalogues and the one way times are shown.

Catalogues are compiled from the committed .po files (never committed as .mo) at set-up and again at
every start when missing or compiled from other text than the .po holds (``ensure_compiled``). Every
displayed time goes through :func:`show_time` (the ``|datetime`` template filter), which is
Flask-Babel's ``format_datetime`` in the configured time zone (Asia/Tokyo).
"""
from __future__ import annotations

import gettext
import hashlib
import io
import os
import re
import struct
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import format_datetime

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
# Every compiled catalogue holds one extra entry under this context: the SHA-256 of the .po it was compiled from.
SOURCE_CONTEXT = "talentbank-catalogue-source"
SOURCE_KEY = "sha256"

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
    """Compile every messages.po whose messages.mo is missing or stale; returns the catalogues written.

    Stale means compiled from other text than the .po now holds, whatever the files' times say (a copy that
    keeps times, a checkout, a restored backup): each .mo carries the SHA-256 of the .po it came from.
    """
    written = []
    for po_path in sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo") if target is None else target / po_path.relative_to(
            TRANSLATIONS_DIR).with_suffix(".mo")
        source = po_path.read_bytes()
        digest = hashlib.sha256(source).hexdigest()
        if not force and compiled_from(mo_path) == digest:
            continue
        catalog = read_po(io.BytesIO(source), locale=po_path.parent.parent.name)
        catalog.add(SOURCE_KEY, digest, context=SOURCE_CONTEXT)
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed: a worker starting at the same moment never reads half a catalogue.
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}.tmp")
        with partial.open("wb") as handle:
            write_mo(handle, catalog)
        os.replace(partial, mo_path)
        written.append(mo_path)
    return written


def compiled_from(mo_path: Path) -> str | None:
    """The SHA-256 of the .po a compiled catalogue was made from; None when missing, unreadable or unmarked."""
    try:
        with mo_path.open("rb") as handle:
            digest = gettext.GNUTranslations(handle).pgettext(SOURCE_CONTEXT, SOURCE_KEY)
    except (OSError, ValueError, IndexError, struct.error):  # missing, damaged or cut short
        return None
    return None if digest == SOURCE_KEY else digest
