"""The coordinator's registry and HR officers' candidate search: filters, order, pages, query counts."""
from __future__ import annotations

from datetime import timedelta

import pytest

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.specialists.search import SearchFilter, search_candidates, search_registry
from talentbank.vocabulary.models import ExperienceField, Licence, Profession


@pytest.fixture
def pool(make):
    cities = make.demo_cities()
    zushi, yokosuka, kamakura = cities["142085"], cities["142018"], cities["142042"]
    today = clock.today_tokyo()
    later = (today + timedelta(days=400), today + timedelta(days=500))  # after the default year
    people = {
        "civil_gijutsushi": make.specialist(yokosuka, licences=("gijutsushi_construction",),
                                            fields={"slopes": 15}, name_kana="あおき いちろう"),
        "civil_later": make.specialist(zushi, licences=("civil_works_manager_1",), fields={"roads": 5},
                                       windows=(later,), name_kana="いのうえ じろう"),
        "nurse": make.specialist(kamakura, professions=("public_health_nurse",),
                                 licences=("public_health_nurse_licence", "nurse_licence"),
                                 fields={"infection_control": 20}, name_kana="うえだ はなこ"),
        "paused_civil": make.specialist(zushi, licences=("gijutsushi_construction",), status="paused",
                                        name_kana="えがわ さぶろう"),
        "excludes_zushi": make.specialist(yokosuka, licences=("gijutsushi_construction",), excluded=(zushi,),
                                          fields={"slopes": 30}, name_kana="おおた しろう"),
    }
    return {"cities": cities, "people": people, "today": today, "later": later,
            "coordinator": make.user(Role.COORDINATOR), "hr_zushi": make.user(Role.CITY_HR, city=zushi)}


def refs(page) -> list[str]:
    return [item.reference for item in page.items]


def term(make, model, code):
    return make.term(model, code).id


def test_registry_filters(pool, make):
    coordinator, people, cities = pool["coordinator"], pool["people"], pool["cities"]
    p = {k: v.reference for k, v in people.items()}
    everyone = search_registry(coordinator, SearchFilter(sort="kana"))
    assert refs(everyone) == [p["civil_gijutsushi"], p["civil_later"], p["nurse"], p["paused_civil"],
                              p["excludes_zushi"]]
    assert everyone.total == 5
    by_licence = search_registry(coordinator, SearchFilter(licence_id=term(make, Licence, "gijutsushi_construction"),
                                                           sort="kana"))
    assert refs(by_licence) == [p["civil_gijutsushi"], p["paused_civil"], p["excludes_zushi"]]
    assert refs(search_registry(coordinator, SearchFilter(
        profession_id=term(make, Profession, "public_health_nurse")))) == [p["nurse"]]
    assert refs(search_registry(coordinator, SearchFilter(field_id=term(make, ExperienceField, "slopes"),
                                                          min_years=20))) == [p["excludes_zushi"]]
    assert set(refs(search_registry(coordinator, SearchFilter(home_city_id=cities["142085"].id)))) == {
        p["civil_later"], p["paused_civil"]}
    assert refs(search_registry(coordinator, SearchFilter(available_on=pool["later"][0] + timedelta(days=1),
                                                          sort="kana"))) == [p["civil_later"]]
    assert p["civil_later"] not in refs(search_registry(coordinator, SearchFilter(available_on=pool["today"])))
    assert refs(search_registry(coordinator, SearchFilter(status="paused"))) == [p["paused_civil"]]
    assert refs(search_registry(coordinator, SearchFilter(text="うえだ"))) == [p["nurse"]]
    assert refs(search_registry(coordinator, SearchFilter(text=p["nurse"]))) == [p["nurse"]]


def test_registry_pages_and_orders(pool):
    coordinator = pool["coordinator"]
    first = search_registry(coordinator, SearchFilter(sort="reference", per_page=2, page=1))
    second = search_registry(coordinator, SearchFilter(sort="reference", per_page=2, page=2))
    third = search_registry(coordinator, SearchFilter(sort="reference", per_page=2, page=3))
    assert first.total == second.total == 5 and first.pages == 3
    ids = [s.id for page in (first, second, third) for s in page.items]
    assert ids == sorted(ids) and len(set(ids)) == 5
    newest = search_registry(coordinator, SearchFilter(sort="newest"))
    assert [s.id for s in newest.items] == sorted(ids, reverse=True)


def test_hr_candidates_are_active_consented_and_respect_exclusions(pool, make):
    people = pool["people"]
    zushi = pool["cities"]["142085"]
    make.serving_officer(zushi, licences=("gijutsushi_construction",), consented_at=clock.utcnow())
    page = search_candidates(pool["hr_zushi"], SearchFilter(licence_id=term(make, Licence, "gijutsushi_construction")))
    # Not the paused one, not the one who excluded Zushi, not Zushi's own serving officer.
    assert refs(page) == [people["civil_gijutsushi"].reference]
    assert not hasattr(page.items[0], "name_kanji") and not hasattr(page.items[0], "email")
    by_experience = search_candidates(pool["coordinator"], SearchFilter(
        field_id=term(make, ExperienceField, "slopes"), sort="experience"))
    assert refs(by_experience) == [people["excludes_zushi"].reference, people["civil_gijutsushi"].reference]


def test_registry_page_query_count_does_not_grow_with_page_size(pool, make, query_counter):
    zushi = pool["cities"]["142085"]
    for n in range(60):
        make.specialist(zushi, licences=("surveyor", "civil_works_manager_1"), fields={"roads": n % 40, "rivers": 3},
                        windows=((pool["today"], pool["today"] + timedelta(days=30)),
                                 (pool["today"] + timedelta(days=60), pool["today"] + timedelta(days=90))),
                        preferred=(zushi,))
    counts = {}
    for per_page in (5, 50):
        db.session.expire_all()
        with query_counter() as count:
            page = search_registry(pool["coordinator"], SearchFilter(per_page=per_page))
            for s in page.items:  # everything the page shows (templates/specialists/registry.html)
                _ = ([p.name_ja for p in s.professions], [t.name_ja for t in s.licences], s.home_city.name_ja,
                     s.availability_windows, s.employer_city)
        assert len(page.items) == per_page
        counts[per_page] = count.value
    assert counts[5] == counts[50]
    assert counts[50] <= 14


def test_registry_page_through_http_query_count_is_flat(pool, make, client, auth, query_counter):
    zushi = pool["cities"]["142085"]
    for _ in range(40):
        make.specialist(zushi, licences=("surveyor",))
    auth.login(pool["coordinator"].email)
    client.get("/specialists/?per_page=1"), client.get("/candidates/?per_page=1")  # the caches filled (core/cache.py)
    counts = []
    for per_page in (5, 40):
        with query_counter() as count:
            response = client.get(f"/specialists/?per_page={per_page}&sort=kana")
        assert response.status_code == 200 and response.text.count('data-reference="TB-') == per_page
        counts.append(count.value)
    assert counts[0] == counts[1]
    with query_counter() as count:
        response = client.get("/candidates/?per_page=5")
    small = count.value
    with query_counter() as count:
        response = client.get("/candidates/?per_page=40")
    assert count.value == small


def test_registry_search_page_filters_through_the_form(pool, make, client, auth):
    auth.login(pool["coordinator"].email)
    licence = term(make, Licence, "public_health_nurse_licence")
    page = client.get(f"/specialists/?licence_id={licence}").text
    assert "1人が該当します。" in page and pool["people"]["nurse"].reference in page
    assert 'selected>保健師免許' in page
