"""Japanese first, English as a switch: every message has an English translation."""
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from talentbank.core.permissions import Role

ROOT = Path(__file__).resolve().parent.parent


def test_every_extracted_message_has_an_english_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "N_", "-k", "UserError", "--no-location", "-o", str(pot), "."],
                   cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as handle:
        wanted = {m.id for m in read_po(handle) if m.id}
    with (ROOT / "talentbank/translations/en/LC_MESSAGES/messages.po").open("rb") as handle:
        have = {m.id: m.string for m in read_po(handle) if m.id}
    missing = sorted(str(m) for m in wanted if not _is_translated(have.get(m)))
    assert not missing, "untranslated (run scripts/update_translations.sh):\n" + "\n".join(missing)


def test_no_english_translation_keeps_japanese():
    """A translation that still holds Japanese (a name, a bracket, a list comma) shows it on every English page."""
    japanese = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
    with (ROOT / "talentbank/translations/en/LC_MESSAGES/messages.po").open("rb") as handle:
        leaking = [f"{m.id!r} → {m.string!r}" for m in read_po(handle) if m.id and japanese.search(
            " ".join(m.string) if isinstance(m.string, (tuple, list)) else m.string or "")]
    assert not leaking, "\n".join(leaking)


def _is_translated(string) -> bool:
    """A plural message counts only when every form is translated (Babel keeps an empty one as ("", ""))."""
    forms = string if isinstance(string, (tuple, list)) else (string,)
    return all(forms)


def test_pages_are_japanese_by_default_and_english_on_request(make, client, auth):
    make.city()
    auth.login(make.user(Role.COORDINATOR).email)
    page = client.get("/cities/")
    assert "市の指標" in page.text and '<html lang="ja">' in page.text
    client.post("/lang/en", data={"next": "/cities/"})
    page = client.get("/cities/")
    assert "City indicators" in page.text and '<html lang="en">' in page.text
    assert "Fiscal capability index" in page.text
