"""The official list of municipalities shipped with the app: its data file, lookup, resolve and search."""
import csv

import pytest

from talentbank.cities import official
from talentbank.cities.codes import municipality_code_error
from talentbank.core.errors import UserError

MEMBERS = {"141003": "横浜市", "141305": "川崎市", "142018": "横須賀市", "142042": "鎌倉市", "142051": "藤沢市",
           "142085": "逗子市", "142131": "大和市", "132098": "町田市"}


def data_rows() -> list[dict[str, str]]:
    with official.DATA_FILE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def test_every_row_of_the_data_file_has_a_valid_code_and_its_prefecture():
    rows = data_rows()
    assert 1700 <= len(rows) <= 1800  # 1,718 cities, towns and villages and Tokyo's 23 special wards
    assert len({r["code"] for r in rows}) == len(rows)
    for row in rows:
        assert municipality_code_error(row["code"]) is None, row
        assert official.PREFECTURES[int(row["code"][:2]) - 1][0] == row["prefecture"], row
        assert row["name_ja"][-1] in "市区町村" and row["name_kana"] and row["name_en"], row
    assert {r["prefecture"] for r in rows} == {ja for ja, _en in official.PREFECTURES}
    assert len(official.all_municipalities()) == len(rows)


def test_the_eight_member_cities_and_some_known_municipalities_are_listed():
    for code, name in MEMBERS.items():
        assert official.lookup(code).name_ja == name
    assert official.lookup("131016").name_ja == "千代田区"  # a special ward is a municipality
    assert official.lookup("143014").name_ja == "葉山町"
    assert official.lookup("011002").prefecture == "北海道"
    assert official.lookup("472077").name_ja == "石垣市"
    assert official.lookup("402311").name_ja == "那珂川市"  # a town until 2018-10-01, when it got this code
    assert official.lookup("403059") is None
    assert official.lookup("141011") is None  # wards of designated cities are not municipalities: pick the city
    assert official.lookup("140007") is None  # nor is a prefecture


def test_a_data_file_with_a_bad_check_digit_stops_the_first_caller(tmp_path, monkeypatch):
    broken = tmp_path / "municipalities.csv"
    broken.write_text("# test\ncode,prefecture,name_ja,name_kana,name_en\n142086,神奈川県,逗子市,ズシシ,Zushi\n",
                      encoding="utf-8")
    monkeypatch.setattr(official, "DATA_FILE", broken)
    official._index.cache_clear()
    try:
        with pytest.raises(ValueError, match="142086"):
            official.lookup("142085")
    finally:
        monkeypatch.undo()
        official._index.cache_clear()
    assert official.lookup("142085").name_ja == "逗子市"


def test_labels_in_japanese_and_english():
    zushi = official.lookup("142085")
    assert zushi.label("ja") == "神奈川県 逗子市"
    assert zushi.label("en") == "Zushi, Kanagawa"
    assert official.lookup("131016").label("en") == "Chiyoda, Tokyo"
    # Two municipalities of one prefecture that romanise alike keep apart in English.
    assert official.lookup("342084").label("en") == "Fuchu City, Hiroshima"
    assert official.lookup("343021").label("en") == "Fuchu Town, Hiroshima"


@pytest.mark.parametrize("text", ["142085", "１４２０８５", " 142085 ", "逗子市", "神奈川県逗子市", "神奈川県 逗子市",
                                  "神奈川 逗子市", "ずしし", "ｽﾞｼｼ", "Zushi", "zushi, kanagawa",
                                  "142085 神奈川県 逗子市", "142085 Zushi, Kanagawa"])
def test_resolve_accepts_a_code_or_an_exact_name(text):
    assert official.resolve(text).code == "142085"


def test_resolve_treats_ke_spellings_alike_and_returns_the_official_one():
    assert official.resolve("茅ケ崎市").name_ja == "茅ヶ崎市"
    assert official.resolve("龍ヶ崎市").name_ja == "龍ケ崎市"


def message(text: str) -> str:
    with pytest.raises(UserError) as caught:
        official.resolve(text)
    return str(caught.value)


def test_resolve_says_why_it_found_none():
    assert message("") == "市区町村名または団体コードを入力してください。"
    assert message("142086") == "団体コード 142086 の検査数字が正しくありません。先頭5桁 14208 の検査数字は 5 です。"
    assert message("14208") == "団体コードは6桁の半角数字で入力してください（例: 142085）。"
    assert message("142212") == "団体コード 142212 の市区町村は全国地方公共団体コードの一覧にありません。"
    assert message("逗子") == "「逗子」という市区町村は見つかりません。候補: 神奈川県 逗子市（142085）"
    assert "見つかりません" in message("存在しない村")
    assert message("142085 横浜市") == "団体コード 142085 は神奈川県 逗子市です。入力された「横浜市」とは一致しません。"


def test_an_ambiguous_name_names_the_prefectures_and_codes():
    text = message("伊達市")
    assert "北海道 伊達市（012335）" in text and "福島県 伊達市（072133）" in text
    assert official.resolve("福島県伊達市").code == "072133"
    with pytest.raises(UserError) as caught:
        official.resolve("府中市", field="home_city_code")
    assert caught.value.field == "home_city_code"
    assert "東京都 府中市（132063）" in str(caught.value) and "広島県 府中市（342084）" in str(caught.value)


def test_an_ambiguous_name_is_listed_in_english_for_english_readers(app):
    with app.test_request_context():
        from flask import session
        session["lang"] = "en"
        with pytest.raises(UserError) as caught:
            official.resolve("伊達市")
        assert "Date, Hokkaido (012335)" in str(caught.value.params["choices"])


def test_search_by_code_prefix_name_and_reading():
    assert [m.code for m in official.search("14208")] == ["142085"]
    assert [m.code for m in official.search("１４２０")][:3] == ["142018", "142034", "142042"]
    assert official.search("逗子")[0].code == "142085"
    assert official.search("ずし")[0].code == "142085"
    assert official.search("Zushi")[0].code == "142085"
    assert {m.label() for m in official.search("横浜")} == {"青森県 横浜町", "神奈川県 横浜市"}
    assert {m.code for m in official.search("府中市")} == {"132063", "342084"}
    fuchu = [m.code for m in official.search("府中")]
    assert fuchu[:2] == ["132063", "342084"] and "343021" in fuchu  # exact names before longer ones


def test_search_is_bounded_and_quiet_on_junk():
    assert len(official.search("市")) == 20
    assert len(official.search("市", limit=5)) == 5
    for junk in ("", "   ", "\x00", "'; DROP TABLE cities; --", "%", "x" * 10000, "😀", "\u200b"):
        assert official.search(junk) == []
