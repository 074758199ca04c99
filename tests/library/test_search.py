"""Japanese search of the library: substrings of two and three characters, kana, full-width and half-width,
filters, escaping of the snippet, pagination, and bad query strings."""
from __future__ import annotations

import pytest

from talentbank.core.permissions import Role
from talentbank.library import search, services
from talentbank.library.services import SearchFilters
from talentbank.vocabulary.models import ExperienceField, Profession


def _titles(actor, query="", **filters):
    found = services.search_entries(actor, SearchFilters(query=query, **filters), per_page=100)
    return sorted(r.entry.title for r in found.page.items)


@pytest.fixture
def corpus(lib, make):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    civil = make.term(Profession, "civil")
    lib.entry("法面の崩落への応急対応", "台風の翌朝、法面の崩落を確認した。ブルーシートで覆い、通行止めにした。",
              city=zushi, profession_id=civil.id)
    lib.entry("下水道の更新計画", "処理場の長寿命化計画を見直した。ポンプの更新を前倒しした。", city=kamakura)
    lib.entry("保健師の応援", "避難所の健康相談を担当した。ほうめんの確認は別の班。", city=kamakura)
    lib.entry("ＡＢＣ工法の記録", "全角のＡＢＣ工法と、半角ｶﾀｶﾅのﾒﾓ。", city=zushi)
    coordinator = make.user(Role.COORDINATOR, city=zushi)
    return {"zushi": zushi, "kamakura": kamakura, "civil": civil, "coordinator": coordinator}


def test_two_character_query_finds_the_note_with_its_word(corpus):
    assert _titles(corpus["coordinator"], "法面") == ["法面の崩落への応急対応"]


def test_three_character_and_other_substrings_find_it(corpus):
    who = corpus["coordinator"]
    assert _titles(who, "法面の") == ["法面の崩落への応急対応"]
    assert _titles(who, "崩落") == ["法面の崩落への応急対応"]
    assert _titles(who, "法面の崩落") == ["法面の崩落への応急対応"]
    assert _titles(who, "ブルーシート") == ["法面の崩落への応急対応"]


def test_kana_query_finds_kana_only(corpus):
    # 「ほうめん」 in kana is not 「法面」: search is by text, so only the entry that wrote it in kana.
    assert _titles(corpus["coordinator"], "ほうめん") == ["保健師の応援"]
    assert _titles(corpus["coordinator"], "ほう") == ["保健師の応援"]


def test_no_false_hits(corpus):
    who = corpus["coordinator"]
    assert _titles(who, "法人") == []
    assert _titles(who, "面の崩れ") == []
    assert _titles(who, "崩落 下水道") == []  # every term must match
    assert _titles(who, "処理場 ポンプ") == ["下水道の更新計画"]


def test_one_character_query(corpus):
    assert _titles(corpus["coordinator"], "崩") == ["法面の崩落への応急対応"]


def test_full_width_and_half_width_find_each_other(corpus):
    who = corpus["coordinator"]
    assert _titles(who, "abc") == ["ＡＢＣ工法の記録"]
    assert _titles(who, "ＡＢＣ工") == ["ＡＢＣ工法の記録"]
    assert _titles(who, "カタカナ") == ["ＡＢＣ工法の記録"]
    assert _titles(who, "ﾒﾓ") == ["ＡＢＣ工法の記録"]


def test_filters_by_city_profession_and_kind(corpus, lib):
    who = corpus["coordinator"]
    assert _titles(who, city_id=corpus["kamakura"].id) == ["下水道の更新計画", "保健師の応援"]
    assert _titles(who, profession_id=corpus["civil"].id) == ["法面の崩落への応急対応"]
    assert _titles(who, "法面", city_id=corpus["kamakura"].id) == []
    lib.entry("法面の点検マニュアル", "点検の手順。", kind="document", city=corpus["zushi"])
    assert _titles(who, "法面", kind="document") == ["法面の点検マニュアル"]
    assert _titles(who, "法面", kind="consultation") == ["法面の崩落への応急対応"]


def test_field_filter(corpus, lib, make):
    roads = make.term(ExperienceField, "roads")
    lib.entry("道路の維持管理", "舗装の補修。", field_id=roads.id)
    assert _titles(corpus["coordinator"], field_id=roads.id) == ["道路の維持管理"]


def test_snippet_marks_the_hit_and_escapes_the_rest(lib, make):
    who = make.user(Role.COORDINATOR)
    lib.entry("危ない本文", "<script>alert(1)</script> 法面の崩落 & <b>太字</b>")
    result = services.search_entries(who, SearchFilters(query="法面")).page.items[0]
    html = str(result.snippet.html)
    assert "<mark>法面</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html and "&amp;" in html and "<b>" not in html


def test_query_with_markup_and_fts_syntax_is_just_text(corpus):
    who = corpus["coordinator"]
    for query in ['"法面"', "法面 OR 下水道", "NEAR(法面 崩落)", "法面*", "'; DROP TABLE library_entries; --",
                  "%", "_", "\\", "法面\x00崩落", "\x00", "   ", "a" * 5000, "法面\"崩落", "(", ")", "-法面", "^法面"]:
        services.search_entries(who, SearchFilters(query=query))  # no exception
    assert _titles(who, "%") == [] and _titles(who, "_") == []
    assert _titles(who, "法面 OR 下水道") == []  # OR is a word to find, not an operator


def test_pagination(lib, make):
    who = make.user(Role.COORDINATOR)
    for n in range(25):
        lib.entry(f"法面の記録{n:02d}", "法面の崩落。")
    first = services.search_entries(who, SearchFilters(query="法面"), page=1, per_page=10).page
    third = services.search_entries(who, SearchFilters(query="法面"), page=3, per_page=10).page
    assert first.total == 25 and len(first.items) == 10 and len(third.items) == 5
    assert services.search_entries(who, SearchFilters(query="法面"), page=9, per_page=10).page.items == []


def test_normalise_and_terms():
    assert search.normalise("ＡＢＣ　ｶﾀｶﾅ") == "abc カタカナ"
    assert search.terms("  法面　崩落 法面 ") == ["法面", "崩落"]
    assert search.terms("\x00") == []


def test_republishing_a_source_updates_the_index(lib, make):
    who = make.user(Role.COORDINATOR)
    lib.entry("相談の要約", "法面の崩落について。", source_key="consultation:1")
    lib.entry("相談の要約", "下水道の更新について。", source_key="consultation:1")
    assert _titles(who, "法面") == []
    assert _titles(who, "下水道") == ["相談の要約"]


def test_withdrawn_entries_are_not_found(lib, make):
    who = make.user(Role.COORDINATOR)
    entry = lib.entry("法面の記録", "法面の崩落。")
    services.withdraw_entry(who, entry.id, "誤り")
    assert _titles(who, "法面") == []
