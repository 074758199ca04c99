"""The password policy: long enough, not a common password, not guessable from the person, and why not.

Strength is estimated with zxcvbn (Dropbox's estimator, the ``zxcvbn`` package), which ships the
frequency lists it matches against: the 30,000 most common passwords of leaked sets, English words,
names and surnames, and it also recognises keyboard rows, sequences, repeats and dates. A password
is refused when it is shorter than 10 characters, longer than 200, contains the e-mail address's
name part or the person's name, is wholly made of common passwords, or would be found within about
10^8 guesses (zxcvbn score below 3). Each refusal is a message saying which of these it is.
"""
from __future__ import annotations

import re
from typing import Any

from zxcvbn import zxcvbn

from ..core.errors import N_

MIN_LENGTH = 10
MAX_LENGTH = 200
MIN_SCORE = 3  # zxcvbn: at least 10^8 guesses ("safely unguessable" against online and throttled attacks)
# zxcvbn refuses to estimate more (its work grows quickly with length); a password this long is not short of guesses.
ESTIMATED_LENGTH = 72

TOO_SHORT = N_("パスワードは10文字以上にしてください。")
TOO_LONG = N_("パスワードは200文字以内にしてください。")
HAS_EMAIL = N_("メールアドレスの一部を含むパスワードは推測されやすいため使えません。")
HAS_NAME = N_("氏名を含むパスワードは推測されやすいため使えません。")
COMMON = N_("よく使われているパスワードの一覧に載っているため使えません。推測されにくいものにしてください。")
# By the kind of pattern that made the password weak (the longest one zxcvbn found).
WEAK_BY_PATTERN = {
    "repeat": N_("同じ文字や同じ並びの繰り返しが多く、推測されやすいパスワードです。単語を増やすなどして長くしてください。"),
    "sequence": N_("abc や 1234 のような連続した並びが多く、推測されやすいパスワードです。単語を増やすなどして長くしてください。"),
    "spatial": N_("キーボード上で隣り合うキーの並びが多く、推測されやすいパスワードです。単語を増やすなどして長くしてください。"),
    "date": N_("日付や年が多く、推測されやすいパスワードです。単語を増やすなどして長くしてください。"),
    "regex": N_("日付や年が多く、推測されやすいパスワードです。単語を増やすなどして長くしてください。"),
}
WEAK = N_("よく使われる単語や名前が中心で、推測されやすいパスワードです。単語を増やすなどして長くしてください。")


def _personal_words(email: str | None, name: str | None) -> tuple[list[str], list[str]]:
    """(parts of the address's name part, parts of the person's name) worth refusing inside a password."""
    local = (email or "").strip().lower().partition("@")[0]
    email_words = [local] if len(local) >= 3 else []
    email_words += [w for w in re.split(r"[._+\-]+", local) if len(w) >= 4 and w != local]
    name = (name or "").strip().lower()
    parts = [p for p in re.split(r"[\s・･,.]+", name) if p]
    name_words = [p for p in [*parts, "".join(parts)] if len(p) >= (3 if p.isascii() else 2)]
    return email_words, name_words


def _weakness(result: dict[str, Any]) -> str:
    matches = [m for m in result["sequence"] if m["pattern"] != "bruteforce"]
    if not matches:
        return WEAK
    longest = max(matches, key=lambda m: len(m["token"]))
    return WEAK_BY_PATTERN.get(longest["pattern"], WEAK)


def password_problem(password: str, *, email: str | None = None, name: str | None = None) -> str | None:
    """Why ``password`` may not be used, as a message id; ``None`` when it is acceptable.

    ``email`` and ``name`` are the account's, when known: a password containing them is refused.
    """
    password = password or ""
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    lowered = password.lower()
    email_words, name_words = _personal_words(email, name)
    if any(word in lowered for word in email_words):
        return HAS_EMAIL
    if any(word in lowered for word in name_words):
        return HAS_NAME
    result = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=email_words + name_words)
    if all(m["pattern"] == "dictionary" and m.get("dictionary_name") == "passwords" for m in result["sequence"]):
        return COMMON
    if result["score"] < MIN_SCORE:
        return _weakness(result)
    return None
