#!/usr/bin/env bash
# Extract every message from the code and templates and merge it into the English catalogue.
# New messages appear with an empty msgstr; tests/test_i18n.py fails until they are translated.
set -euo pipefail
cd "$(dirname "$0")/.."
pot=$(mktemp --suffix=.pot)
pybabel extract -F babel.cfg -k _l -k N_ -k UserError --no-location --sort-output -o "$pot" .
if [ -f talentbank/translations/en/LC_MESSAGES/messages.po ]; then
  pybabel update -i "$pot" -d talentbank/translations -l en --no-fuzzy-matching --ignore-obsolete --no-wrap
else
  pybabel init -i "$pot" -d talentbank/translations -l en --no-wrap
fi
rm -f "$pot"
python - <<'PY'
from babel.messages.pofile import read_po
with open("talentbank/translations/en/LC_MESSAGES/messages.po", "rb") as handle:
    catalog = read_po(handle)
untranslated = [m.id for m in catalog if m.id and not all(m.string if isinstance(m.string, tuple) else [m.string])]
print(f"{len(untranslated)} message(s) still without English" + (":" if untranslated else "."))
for message_id in untranslated:
    print("  ", message_id)
PY
