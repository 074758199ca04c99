"""The meeting papers' scenario: three cities ask for one civil engineer, one is available."""
from __future__ import annotations

from talentbank.solver import load_problem, solve
from talentbank.solver.rules import rank_cities_by_need
from tests.solver.solver_factories import city, problem, request, specialist

ZUSHI, KAMAKURA, YOKOHAMA = "142085", "142042", "141003"


def _three_cities(rule_set=None, urgencies=("ordinary", "ordinary", "ordinary")) -> dict:
    data = problem(
        [specialist("S-土木", professions=["土木"], licences=["技術士(建設部門)"], home=KAMAKURA,
                    max_travel=90)],
        [request("R-zushi", city_code=ZUSHI, profession="土木", urgency=urgencies[0]),
         request("R-kamakura", city_code=KAMAKURA, profession="土木", urgency=urgencies[1]),
         request("R-yokohama", city_code=YOKOHAMA, profession="土木", urgency=urgencies[2])])
    # Zushi: few staff, low allowance, weak tax base; Yokohama: the reverse on allowance and fiscal
    data["cities"] = [city(ZUSHI, "逗子市", 57425, 430, 0.12, 0.83),
                      city(KAMAKURA, "鎌倉市", 173019, 1380, 0.10, 1.03),
                      city(YOKOHAMA, "横浜市", 3724844, 29000, 0.16, 0.97)]
    if rule_set:
        data["rule_set"] = rule_set
    return data


def test_the_city_first_under_the_rule_set_gets_the_engineer_and_the_others_are_told_why():
    result = solve(load_problem(_three_cities())).to_dict()
    assert [(a["specialist"], a["request"]) for a in result["assignments"]] == [("S-土木", "R-zushi")]
    for u in result["unfilled"]:
        assert u["reason"]["kind"] == "outranked"
        [taker] = u["reason"]["taken_by"]
        assert (taker["request"], taker["city"], taker["why"]) == ("R-zushi", ZUSHI, "city_need")
    assert [u["request"] for u in result["unfilled"]] == ["R-yokohama", "R-kamakura"]


def test_disaster_recovery_in_a_rich_city_beats_ordinary_work_in_a_poor_one():
    data = _three_cities(urgencies=("ordinary", "ordinary", "disaster"))
    result = solve(load_problem(data)).to_dict()
    assert [a["request"] for a in result["assignments"]] == ["R-yokohama"]
    zushi = next(u for u in result["unfilled"] if u["request"] == "R-zushi")
    [taker] = zushi["reason"]["taken_by"]
    assert (taker["why"], taker["this_value"], taker["their_value"]) == ("urgency", "ordinary", "disaster")


def _weights(version, staff, allowance, fiscal):
    return {"version": version, "method": "weighted",
            "criteria": [{"indicator": "staff_per_10k", "weight": staff},
                         {"indicator": "allowance_rate", "weight": allowance},
                         {"indicator": "fiscal_index", "weight": fiscal}]}


def test_the_ranking_and_the_winner_follow_the_rule_set_weights():
    # staff per 10k: Zushi 74.9, Yokohama 77.9, Kamakura 79.8; allowance: Kamakura lowest
    by_staff = solve(load_problem(_three_cities(_weights("2024-staff", 1.0, 0.0, 0.0)))).to_dict()
    assert by_staff["city_need_rank"] == {ZUSHI: 0, YOKOHAMA: 1, KAMAKURA: 2}
    assert by_staff["rule_set_version"] == "2024-staff"
    assert [a["request"] for a in by_staff["assignments"]] == ["R-zushi"]

    by_allowance = solve(load_problem(_three_cities(_weights("2024-allow", 0.0, 1.0, 0.0)))).to_dict()
    assert by_allowance["city_need_rank"] == {KAMAKURA: 0, ZUSHI: 1, YOKOHAMA: 2}
    assert [a["request"] for a in by_allowance["assignments"]] == ["R-kamakura"]

    # Zushi: staff 0, allowance 1/3, fiscal 0; Kamakura: staff 1, allowance 0, fiscal 1
    balanced = rank_cities_by_need(*_cities_and_rules(_weights("2024-mix", 1.0, 4.0, 0.0)))
    assert balanced[KAMAKURA] < balanced[ZUSHI]
    balanced = rank_cities_by_need(*_cities_and_rules(_weights("2024-mix", 1.0, 2.0, 0.0)))
    assert balanced[ZUSHI] < balanced[KAMAKURA]


def _cities_and_rules(rule_set):
    p = load_problem(_three_cities(rule_set))
    return p.cities, p.rule_set


def test_lexicographic_rule_set_compares_indicators_in_order():
    lex = {"version": "lex", "method": "lexicographic",
           "criteria": [{"indicator": "fiscal_index"}, {"indicator": "staff_per_10k"}]}
    p = load_problem(_three_cities(lex))
    assert rank_cities_by_need(p.cities, p.rule_set) == {ZUSHI: 0, YOKOHAMA: 1, KAMAKURA: 2}
    lex_allowance = dict(lex, criteria=[{"indicator": "allowance_rate"}])
    p = load_problem(_three_cities(lex_allowance))
    assert rank_cities_by_need(p.cities, p.rule_set) == {KAMAKURA: 0, ZUSHI: 1, YOKOHAMA: 2}
