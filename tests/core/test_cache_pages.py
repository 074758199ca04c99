"""Cheaper pages: the faster SQL shapes select exactly what the plain ones do; a search total is reused only
as long as configured."""
from __future__ import annotations

from sqlalchemy import select, update

from talentbank.extensions import db
from talentbank.specialists.models import Specialist, specialist_licences, specialist_professions
from talentbank.specialists.search import SearchFilter, search_candidates, search_registry
from talentbank.specialists.verification import matchable_clause, queue_count


def _varied_people(make):
    cities = make.demo_cities()
    zushi = cities["142085"]
    people = {
        "verified": make.specialist(zushi, licences=("surveyor",)),
        "licence_backed": make.specialist(zushi, licences=("gijutsushi_construction",)),
        "unverified": make.specialist(zushi, verified=False),
        "paused": make.specialist(zushi, status="paused"),
        "two_professions": make.specialist(zushi, professions=("civil", "architecture")),
        "licence_of_another_profession": make.specialist(zushi, licences=("public_health_nurse_licence",)),
    }
    sp, sl = specialist_professions.c, specialist_licences.c
    # profession unverified but backed by a verified licence of that profession
    db.session.execute(update(specialist_professions).where(sp.specialist_id == people["licence_backed"].id)
                       .values(verified_at=None))
    # profession unverified, the verified licence belongs to another profession
    db.session.execute(update(specialist_professions)
                       .where(sp.specialist_id == people["licence_of_another_profession"].id).values(verified_at=None))
    # one of two professions left unverified: still matchable
    db.session.execute(update(specialist_professions).where(sp.specialist_id == people["two_professions"].id,
                                                            sp.profession_id == min(
        db.session.scalars(select(sp.profession_id).where(sp.specialist_id == people["two_professions"].id))))
                       .values(verified_at=None))
    db.session.execute(update(specialist_licences).where(sl.specialist_id == people["verified"].id)
                       .values(status="pending"))
    db.session.commit()
    return cities, people


def test_the_per_row_matchable_shape_selects_the_same_people(app_ctx, make):
    _cities, people = _varied_people(make)
    plain = set(db.session.scalars(select(Specialist.id).where(matchable_clause())))
    per_row = set(db.session.scalars(select(Specialist.id).where(matchable_clause(per_row=True))))
    assert per_row == plain
    assert people["licence_backed"].id in plain and people["two_professions"].id in plain
    assert not {people["unverified"].id, people["paused"].id, people["licence_of_another_profession"].id} & plain


def test_the_queue_count_counts_people_waiting_once(app_ctx, make):
    _cities, people = _varied_people(make)
    # licence_backed, licence_of_another_profession, two_professions (unverified professions) and verified
    # (a pending licence); the unconfirmed sign-up waits in its own list
    assert queue_count() == 4
    db.session.execute(update(Specialist).where(Specialist.id == people["verified"].id).values(status="withdrawn"))
    db.session.commit()
    assert queue_count() == 3


def test_a_search_total_is_reused_only_for_the_configured_time(app, app_ctx, make):
    cities = make.demo_cities()
    coordinator = make.user()
    hr = make.user("city_hr", cities["141003"])
    make.specialist(cities["142085"])
    app.config["SEARCH_COUNT_SECONDS"] = 60
    try:
        assert search_registry(coordinator, SearchFilter()).total == 1
        assert search_candidates(hr, SearchFilter()).total == 1
        make.specialist(cities["142085"])
        # the rows are current, the total of the same filter is the one counted a moment ago
        assert len(search_registry(coordinator, SearchFilter()).items) == 2
        assert search_registry(coordinator, SearchFilter()).total == 1
        assert search_candidates(hr, SearchFilter()).total == 1
        assert search_registry(coordinator, SearchFilter(kind="retired")).total == 2  # another filter: counted
        app.config["SEARCH_COUNT_SECONDS"] = 0
        assert search_registry(coordinator, SearchFilter()).total == 2
        assert search_candidates(hr, SearchFilter()).total == 2
    finally:
        app.config["SEARCH_COUNT_SECONDS"] = None
        app.extensions.pop("talentbank_search_counts", None)


def test_the_what_if_comparison_reads_no_stored_answer_and_agrees_with_it(app, make):
    import json

    from talentbank.matching import review, services
    from talentbank.matching.models import MatchingRound

    from ..matching.builders import matching_app, scenario

    matching_app(app)
    world = scenario(make)
    base = services.start_round(world.coordinator)
    version = services.save_rule_set(world.coordinator, services.RuleSetValues(
        method="weighted", criteria=[{"indicator": "fiscal_index", "weight": 1.0}], max_cycle_length=2,
        note="財政力指数だけで比べる試算"))
    trial = services.what_if(world.coordinator, base.id, version.id)
    db.session.expire_all()
    seen: list[str] = []
    from sqlalchemy import event

    listener = lambda _c, _cu, statement, *_a: seen.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        comparison = review.compare_rounds(world.coordinator, trial.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert not [s for s in seen if "problem_json" in s or "result_json" in s]
    # the same figures as read from the two stored answers
    answers = {r.id: json.loads(r.result_json) for r in db.session.scalars(
        select(MatchingRound).where(MatchingRound.id.in_([base.id, trial.id])))}
    filled = {rid: len(a["assignments"]) for rid, a in answers.items()}
    assert sum(c["base_filled"] for c in comparison.by_city) == filled[base.id]
    assert sum(c["other_filled"] for c in comparison.by_city) == filled[trial.id]
    empty = {rid: sum(u["slots"] for u in a["unfilled"]) for rid, a in answers.items()}
    assert sum(c["base_empty"] for c in comparison.by_city) == empty[base.id]
    assert sum(c["other_empty"] for c in comparison.by_city) == empty[trial.id]
    assert [c["base_rank"] for c in comparison.by_city] == [
        answers[base.id].get("city_need_rank", {}).get(c["city"].code) for c in comparison.by_city]
