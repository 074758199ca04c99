"""What a person's name may be, checked in one place for every name field (specialists, officers,
staff accounts) and for imports: letters of any script with the marks names really use, never
markup, addresses or a string of digits and symbols.

Plain functions of the standard library, so forms, services and the spreadsheet import share them;
each returns the Japanese message id and its parameters (``None`` when the text is fine)."""
from __future__ import annotations

import re
import unicodedata

from .errors import N_

NAME_MAX = 100
READING_MAX = 100

# Marks that names carry between their letters: hyphens (Anne-Marie), apostrophes (O'Brien, d’Arcy),
# the full stop of an initial (J. Smith), middle dots (ジョン・スミス), the double hyphen of katakana
# names (ルイス＝ガルシア), the comma of "Smith, John", brackets round a former surname (山田（旧姓 佐藤）)
# and the ideographic iteration mark 〆 (〆木). 々, ヶ and ー are letters to Unicode already.
NAME_MARKS = frozenset("-‐‑－'’.．・･·,、〆＝=()（）")
SPACES = frozenset(" \u3000")
# An address in a name is advertising or a mistake: scheme, www., or a host with a common ending.
URL = re.compile(r"[a-z][a-z0-9+.-]*://|\bwww\.|\b[\w-]+\.(?:com|net|org|jp|io|info|biz|xyz|co|me|ly|ru|cn)\b",
                 re.IGNORECASE)
# A reading (ふりがな) is hiragana or katakana, with spaces, middle dots and the long vowel mark.
KANA = re.compile(r"^[\u3041-\u3096\u309B-\u309F\u30A0-\u30FF\u31F0-\u31FF\u3000 ・ー]+$")


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM"  # letters of any script and their combining marks


def name_problem(text: str, max_length: int = NAME_MAX) -> tuple[str, dict[str, object]] | None:
    """Why ``text`` (already stripped) is not a person's name, as a message id and parameters; else None."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text):
        return N_("氏名は100文字以内で、改行や制御文字を含めずに入力してください。"), {}
    if len(text) > max_length:
        return N_("氏名は%(max)s文字以内で入力してください（いまは%(count)s文字）。"), {"max": max_length, "count": len(text)}
    if "<" in text or ">" in text or "&#" in text:
        return N_("氏名にHTMLのタグや記号（< >）は使えません。氏名だけを入力してください。"), {}
    if URL.search(text):
        return N_("氏名にURLやドメイン名は使えません。氏名だけを入力してください。"), {}
    if not any(_is_letter(ch) for ch in text):
        return N_("氏名には文字（漢字・かな・アルファベットなど）を入力してください。数字や記号だけの氏名は登録できません。"), {}
    odd = sorted({ch for ch in text if not (_is_letter(ch) or ch in SPACES or ch in NAME_MARKS or ch.isdigit())})
    if odd:
        return N_("氏名に使えない記号が含まれています: %(chars)s"), {"chars": " ".join(odd)}
    if sum(ch.isdigit() for ch in text) > sum(_is_letter(ch) for ch in text):
        return N_("氏名には文字（漢字・かな・アルファベットなど）を入力してください。数字や記号だけの氏名は登録できません。"), {}
    return None


def reading_problem(text: str, max_length: int = READING_MAX) -> tuple[str, dict[str, object]] | None:
    """Why ``text`` (already stripped) is not a reading in kana; else None."""
    if len(text) > max_length:
        return N_("ふりがなは%(max)s文字以内で入力してください（いまは%(count)s文字）。"), {"max": max_length, "count": len(text)}
    if not KANA.match(text):
        return N_("ふりがなは、ひらがなまたはカタカナで入力してください。"), {}
    return None
