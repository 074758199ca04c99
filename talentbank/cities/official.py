"""The official list of municipalities (全国地方公共団体コード) shipped in ``data/municipalities.csv``.

Sign-up and the coordinator's "add a municipality" screen pick from this list, so the registry only
ever holds real municipalities under their official names. The file is read once and every code's
check digit is verified then: a corrupt file stops the first caller rather than letting a bad code in.
``data/README.md`` says where the list comes from, its date and how to refresh it.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import get_locale

from ..core.errors import N_, UserError
from .codes import municipality_code_error

DATA_FILE = Path(__file__).parent / "data" / "municipalities.csv"
SEARCH_LIMIT = 20

# JIS X 0401 order: the first two digits of a 団体コード are the prefecture's number in this tuple, plus one.
PREFECTURES: tuple[tuple[str, str], ...] = (
    ("北海道", "Hokkaido"), ("青森県", "Aomori"), ("岩手県", "Iwate"), ("宮城県", "Miyagi"), ("秋田県", "Akita"),
    ("山形県", "Yamagata"), ("福島県", "Fukushima"), ("茨城県", "Ibaraki"), ("栃木県", "Tochigi"), ("群馬県", "Gunma"),
    ("埼玉県", "Saitama"), ("千葉県", "Chiba"), ("東京都", "Tokyo"), ("神奈川県", "Kanagawa"), ("新潟県", "Niigata"),
    ("富山県", "Toyama"), ("石川県", "Ishikawa"), ("福井県", "Fukui"), ("山梨県", "Yamanashi"), ("長野県", "Nagano"),
    ("岐阜県", "Gifu"), ("静岡県", "Shizuoka"), ("愛知県", "Aichi"), ("三重県", "Mie"), ("滋賀県", "Shiga"),
    ("京都府", "Kyoto"), ("大阪府", "Osaka"), ("兵庫県", "Hyogo"), ("奈良県", "Nara"), ("和歌山県", "Wakayama"),
    ("鳥取県", "Tottori"), ("島根県", "Shimane"), ("岡山県", "Okayama"), ("広島県", "Hiroshima"), ("山口県", "Yamaguchi"),
    ("徳島県", "Tokushima"), ("香川県", "Kagawa"), ("愛媛県", "Ehime"), ("高知県", "Kochi"), ("福岡県", "Fukuoka"),
    ("佐賀県", "Saga"), ("長崎県", "Nagasaki"), ("熊本県", "Kumamoto"), ("大分県", "Oita"), ("宮崎県", "Miyazaki"),
    ("鹿児島県", "Kagoshima"), ("沖縄県", "Okinawa"),
)
PREFECTURE_EN = dict(PREFECTURES)

UNKNOWN_CODE = N_("団体コード %(code)s の市区町村は全国地方公共団体コードの一覧にありません。")
EMPTY = N_("市区町村名または団体コードを入力してください。")
AMBIGUOUS = N_("「%(name)s」という市区町村は複数あります（%(choices)s）。都道府県名を付けるか、団体コードで入力してください。")
NOT_FOUND = N_("「%(name)s」という市区町村は見つかりません。市区町村名は「市」「町」「村」「区」まで入力してください。")
NOT_FOUND_WITH_HINTS = N_("「%(name)s」という市区町村は見つかりません。候補: %(choices)s")
CODE_NAME_MISMATCH = N_("団体コード %(code)s は%(official)sです。入力された「%(name)s」とは一致しません。")


@dataclass(frozen=True)
class Municipality:
    """One municipality of the official list: a city, town, village or one of Tokyo's 23 special wards."""

    code: str
    prefecture: str
    name_ja: str
    name_kana: str
    name_en: str

    @property
    def prefecture_en(self) -> str:
        return PREFECTURE_EN[self.prefecture]

    def label(self, locale: str = "ja") -> str:
        """「神奈川県 逗子市」, or "Zushi, Kanagawa" in English."""
        if locale == "en":
            return f"{self.name_en}, {self.prefecture_en}"
        return f"{self.prefecture} {self.name_ja}"


class _Choices:
    """Municipalities named in an error message, written in the reader's language when it is shown."""

    def __init__(self, found: list[Municipality], has_codes: bool = True) -> None:
        self.found = found
        self.has_codes = has_codes

    def __str__(self) -> str:
        locale = _current_locale()
        if locale == "en":
            return ", ".join(f"{m.label(locale)} ({m.code})" if self.has_codes else m.label(locale)
                             for m in self.found)
        return "、".join(f"{m.label(locale)}（{m.code}）" if self.has_codes else m.label(locale) for m in self.found)

    def __repr__(self) -> str:
        return f"_Choices({[m.code for m in self.found]})"


def _current_locale() -> str:
    try:
        return str(get_locale() or "ja")
    except RuntimeError:  # outside an app context: the Japanese original
        return "ja"


_FOLDS = str.maketrans({**{h: h + 0x60 for h in range(ord("ぁ"), ord("ゖ") + 1)},  # hiragana → katakana
                        **str.maketrans("ヶヵāīūēōâîûêôÂÎÛÊÔĀĪŪĒŌ", "ケカaiueoaiueoAIUEOAIUEO")})
_DROPPED = re.compile(r"[\s'’\-‐・,、.．]")


def fold(text: str) -> str:
    """Text as the list is searched: full-width digits and half-width kana made standard (NFKC), ヶ as ケ,
    hiragana as katakana, Latin letters lower-case without macrons, and no spaces or punctuation."""
    return _DROPPED.sub("", unicodedata.normalize("NFKC", text or "").translate(_FOLDS)).lower()


@dataclass(frozen=True)
class _Index:
    by_code: dict[str, Municipality]
    by_name: dict[str, tuple[Municipality, ...]]  # every exact spelling resolve() accepts
    texts: tuple[tuple[Municipality, frozenset[str], tuple[str, ...]], ...]  # (municipality, exact names, texts)


def _names(m: Municipality) -> set[str]:
    short = m.prefecture if m.prefecture == "北海道" else m.prefecture[:-1]
    return {fold(n) for n in (m.name_ja, m.prefecture + m.name_ja, short + m.name_ja, m.name_kana,
                              m.name_en, f"{m.name_en}, {m.prefecture_en}")}


@cache
def _index() -> _Index:
    """Read and check the data file once per process."""
    by_code: dict[str, Municipality] = {}
    with DATA_FILE.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        for row in rows:
            m = Municipality(row["code"], row["prefecture"], row["name_ja"], row["name_kana"], row["name_en"])
            problem = municipality_code_error(m.code)
            if problem:
                raise ValueError(f"{DATA_FILE.name}: {m.code} {m.name_ja}: " + problem[0] % problem[1])
            if PREFECTURES[int(m.code[:2]) - 1][0] != m.prefecture:
                raise ValueError(f"{DATA_FILE.name}: {m.code} {m.name_ja} is not in {m.prefecture}")
            if m.code in by_code or not (m.name_ja and m.name_en):
                raise ValueError(f"{DATA_FILE.name}: {m.code} is listed twice or has no name")
            by_code[m.code] = m
    by_name: dict[str, tuple[Municipality, ...]] = {}
    texts = []
    for m in by_code.values():
        names = frozenset(_names(m))
        for name in names:
            by_name[name] = (*by_name.get(name, ()), m)
        texts.append((m, names, (fold(m.name_ja), fold(m.prefecture + m.name_ja), fold(m.name_kana),
                                 fold(f"{m.name_en}, {m.prefecture_en}"))))
    return _Index(by_code, by_name, tuple(texts))


def all_municipalities() -> list[Municipality]:
    """Every municipality of the list, in code order."""
    return list(_index().by_code.values())


def lookup(code: str) -> Municipality | None:
    """The municipality with this 団体コード (half- or full-width digits), or ``None``."""
    return _index().by_code.get(fold(code))


def _by_code(code: str, field: str | None) -> Municipality:
    problem = municipality_code_error(code)
    if problem:
        raise UserError(problem[0], field=field, **problem[1])
    found = _index().by_code.get(code)
    if found is None:
        raise UserError(UNKNOWN_CODE, field=field, code=code)
    return found


def resolve(text: str, field: str | None = None) -> Municipality:
    """The one municipality ``text`` names, or a ``UserError`` saying why there is none.

    ``text`` may be a 団体コード (half- or full-width digits), an exact name with or without its
    prefecture (「逗子市」「神奈川県逗子市」, the kana reading, "Zushi, Kanagawa"), or a code followed by
    its label as the suggestion list fills it in ("142085 神奈川県 逗子市")."""
    raw = unicodedata.normalize("NFKC", text or "").strip()
    if not raw:
        raise UserError(EMPTY, field=field)
    leading = re.fullmatch(r"(\d{6})\s+(.+)", raw)
    if leading:
        found = _by_code(leading.group(1), field)
        if fold(leading.group(2)) not in _names(found) | {fold(found.label("ja")), fold(found.label("en"))}:
            raise UserError(CODE_NAME_MISMATCH, field=field, code=found.code, official=_Choices([found], has_codes=False),
                            name=leading.group(2))
        return found
    folded = fold(raw)
    if folded.isascii() and folded.isdigit():
        return _by_code(folded, field)
    found = _index().by_name.get(folded, ())
    if len(found) == 1:
        return found[0]
    if found:
        raise UserError(AMBIGUOUS, field=field, name=raw[:50], choices=_Choices(sorted(found, key=lambda m: m.code)))
    hints = search(raw, limit=3)
    if hints:
        raise UserError(NOT_FOUND_WITH_HINTS, field=field, name=raw[:50], choices=_Choices(hints))
    raise UserError(NOT_FOUND, field=field, name=raw[:50])


def search(query: str, limit: int = SEARCH_LIMIT) -> list[Municipality]:
    """Suggestions for a partly typed code, name, reading or English name: exact names first, then
    names that start with the query, then the rest; each group in code order."""
    folded = fold(query)
    if not folded or limit <= 0:
        return []
    index = _index()
    if folded.isascii() and folded.isdigit():
        return [m for code, m in index.by_code.items() if code.startswith(folded)][:limit]
    ranked: list[tuple[int, str, Municipality]] = []
    for m, names, texts in index.texts:
        if folded in names:
            rank = 0
        elif any(t.startswith(folded) for t in texts):
            rank = 1
        elif any(folded in t for t in texts):
            rank = 2
        else:
            continue
        ranked.append((rank, m.code, m))
    ranked.sort(key=lambda r: (r[0], r[1]))
    return [m for _rank, _code, m in ranked[:limit]]
