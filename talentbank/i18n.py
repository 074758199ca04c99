"""Translation catalogues: compiled at set-up from the committed .po files, never committed as .mo."""
from __future__ import annotations

from pathlib import Path

TRANSLATIONS_DIR = Path(__file__).parent / "translations"


def compile_translations(force: bool = False) -> list[Path]:
    """Compile every messages.po into messages.mo when it is missing or older; returns those written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(mo_path)
    return written
