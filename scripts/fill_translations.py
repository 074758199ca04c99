"""Fill English translations into the catalogue from a Python dict file: ``python scripts/fill_translations.py FILE``.

FILE defines ``T = {japanese: english}``. Existing translations are kept unless FILE gives a new one.
Use it after ``scripts/update_translations.sh`` has added the new message ids.
"""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "talentbank/translations/en/LC_MESSAGES/messages.po"


def main(path: str) -> int:
    table = runpy.run_path(path)["T"]
    with PO.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    filled = 0
    for message in catalog:
        if message.id and message.id in table:
            message.string = table[message.id]
            filled += 1
    with PO.open("wb") as handle:
        write_po(handle, catalog, sort_output=True, omit_header=False, width=0)
    missing = [m.id for m in catalog if m.id and not m.string]
    print(f"filled {filled}; still untranslated: {len(missing)}")
    for message_id in missing:
        print("  ", message_id)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
