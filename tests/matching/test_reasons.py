"""Empty slots explained in the Japanese an HR officer reads, from the solver's reason records."""
from __future__ import annotations

import pytest

from talentbank.matching.reasons import ReasonContext, describe_unfilled



def context() -> ReasonContext:
    """Names as a round would give them; the translator follows the reader's language (made in a request)."""
    return ReasonContext(city_names={"142085": "逗子市", "142042": "鎌倉市"},
                         licence_names={"gijutsushi_construction": "技術士（建設部門）"},
                         request_urgency={"R-zushi": "disaster", "R-kamakura": "ordinary"})


@pytest.fixture
def ja(app):
    with app.test_request_context("/"):
        yield


def no_eligible(**ruled_out):
    counts = {rule: 0 for rule in ("profession", "licences", "availability", "days_per_week", "mode", "travel",
                                   "excluded_city", "own_employer", "forbidden")}
    counts.update(ruled_out)
    return {"kind": "no_eligible", "total": sum(counts.values()), "ruled_out": counts}


def test_nobody_with_the_licence(ja):
    text = describe_unfilled(no_eligible(profession=30, licences=14), "土木", ["gijutsushi_construction"], context())
    assert text.headline == "技術士（建設部門）を持つ候補者がいません。"
    assert text.details == ("30人は職種が異なります。", "14人は必要な資格（技術士（建設部門））を持っていません。")


def test_several_rules_each_say_how_many_they_stopped(ja):
    text = describe_unfilled(no_eligible(profession=3, licences=14, availability=6, travel=3), "土木",
                             ["gijutsushi_construction"], context())
    assert text.headline == "条件を満たす候補者がいません。"
    assert "6人は期間中に勤務できません。" in text.details
    assert "3人は移動時間が本人の上限を超えます。" in text.details
    assert text.details.index("14人は必要な資格（技術士（建設部門））を持っていません。") < \
        text.details.index("6人は期間中に勤務できません。")  # in the solver's rule order


def test_no_one_of_the_profession_and_no_one_at_all(ja):
    assert describe_unfilled(no_eligible(profession=5), "建築", [], context()).headline == "建築の候補者がいません。"
    empty = {"kind": "no_eligible", "total": 0, "ruled_out": {}}
    assert describe_unfilled(empty, "建築", [], context()).headline == "マッチングの対象となる専門人材が登録されていません。"


def test_outranked_by_a_disaster_request_names_the_city_and_the_class(ja):
    reason = {"kind": "outranked", "eligible": 1, "taken_by": [
        {"request": "R-zushi", "city": "142085", "priority_position": 0, "why": "urgency",
         "this_value": "ordinary", "their_value": "disaster", "specialists": ["7"]}]}
    text = describe_unfilled(reason, "土木", [], context())
    assert text.headline == "より優先度の高い逗子市の要請（災害復旧）に配置されました。（候補者1人）"
    assert text.details == ("条件を満たす候補者は1人いましたが、全員が配置済みです。",)


def test_outranked_by_city_need_shows_both_ranks_counting_from_one(ja):
    reason = {"kind": "outranked", "eligible": 3, "taken_by": [
        {"request": "R-zushi", "city": "142085", "priority_position": 0, "why": "city_need", "this_value": 4,
         "their_value": 0, "specialists": ["1", "2"]},
        {"request": "R-kamakura", "city": "142042", "priority_position": 2, "why": "same_request",
         "specialists": ["3"]}]}
    text = describe_unfilled(reason, "土木", [], context())
    assert text.headline == "条件を満たす候補者3人は、全員がより優先度の高い要請に配置されました。"
    assert text.details[0] == ("優先順位の規則で必要度がより高い逗子市の要請に配置されました"
                               "（必要度の順位：逗子市 1位、この市 5位）。（候補者2人）")
    assert text.details[1] == "この要請の他の枠に配置されました。（候補者1人）"


def test_english_on_request(app):
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        text = describe_unfilled(no_eligible(profession=2, licences=4), "Civil", ["gijutsushi_construction"], context())
    assert text.headline == "No candidate holds 技術士（建設部門）."


def test_a_request_that_took_every_fitting_candidate_itself(ja):
    reason = {"kind": "outranked", "eligible": 2, "taken_by": [
        {"request": "R-kamakura", "city": "142042", "priority_position": 3, "why": "same_request",
         "specialists": ["1", "2"]}]}
    text = describe_unfilled(reason, "土木", [], context())
    assert text.headline == "条件を満たす候補者は2人だけで、全員がこの要請の他の枠に配置されています。"
    assert text.details == ()


def test_a_long_list_of_takers_is_cut_short(ja):
    takers = [{"request": f"R{i}", "city": "142085", "priority_position": i, "why": "earlier_posting",
               "specialists": [str(i)]} for i in range(8)]
    text = describe_unfilled({"kind": "outranked", "eligible": 8, "taken_by": takers}, "土木", [], context())
    assert len(text.details) == 6 and text.details[-1] == "ほか3件の要請に配置されました。"


def test_people_without_the_recent_training_are_counted_in_their_own_words(ja):
    reason = {**no_eligible(profession=5, availability=2, training=3), "training_months": 12}
    text = describe_unfilled(reason, "土木", [], context())
    assert text.headline == "条件を満たす候補者がいません。"
    assert text.details[-1] == ("3人は、他の条件は満たしていますが、災害復旧の要請に必要な研修"
                                "（12か月以内の受講）を受けていません。")
    only = {**no_eligible(profession=5, training=3), "training_months": 6}
    assert describe_unfilled(only, "土木", [], context()).headline == \
        "必要な研修（6か月以内の受講）を受けた候補者がいません。"


def test_the_training_words_in_english(app):
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        text = describe_unfilled({**no_eligible(profession=1, training=2), "training_months": 12}, "Civil", [],
                                 context())
    assert text.headline == "No candidate has attended the required training (within 12 months)."
    assert text.details == ("1 are of another profession.",
                            "2 meet every other condition but have not attended the training disaster-recovery "
                            "requests need (within 12 months).")
