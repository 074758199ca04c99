"""Who sees what of a profile: the privacy table, page by page, with the audit trail it leaves."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.specialists import events
from talentbank.specialists.privacy import Visibility, has_agreed_dispatch, visibility

NAME, KANA, EMAIL, PHONE = "秘密 花子", "ひみつ はなこ", "hanako.himitsu@example.jp", "046-999-1234"
PERSONAL = (NAME, KANA, EMAIL, PHONE, "逗子市 健康福祉部")


@pytest.fixture
def world(make):
    cities = make.demo_cities()
    zushi, kamakura, yokosuka = cities["142085"], cities["142042"], cities["142018"]
    owner = make.user(Role.SPECIALIST, email=EMAIL)
    specialist = make.specialist(zushi, professions=("public_health_nurse",),
                                 licences=("public_health_nurse_licence",), user=owner, name_kanji=NAME,
                                 name_kana=KANA, email=EMAIL, phone=PHONE, former_employer="逗子市 健康福祉部",
                                 fields={"maternal_child_health": 12}, excluded=(yokosuka,))
    return {
        "specialist": specialist,
        "self": owner,
        "other_specialist": make.user(Role.SPECIALIST),
        "hr_zushi": make.user(Role.CITY_HR, city=zushi),
        "hr_kamakura": make.user(Role.CITY_HR, city=kamakura),
        "hr_excluded_city": make.user(Role.CITY_HR, city=yokosuka),
        "coordinator": make.user(Role.COORDINATOR),
        "admin": make.user(Role.ADMIN),
        "kamakura": kamakura,
    }


def views_logged(specialist_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "specialist.viewed", AuditEntry.entity_id == str(specialist_id))))


# viewer → (status of the profile page, sees the name?, sees the card facts?, the view is audited?)
TABLE = {
    "hr_zushi": (200, False, True, False),
    "hr_kamakura": (200, False, True, False),
    "hr_excluded_city": (404, False, False, False),  # the specialist excluded Yokosuka: not shown at all
    "coordinator": (200, True, True, True),
    "admin": (200, True, True, True),
    "other_specialist": (403, False, False, False),
    "self": (403, False, False, False),  # specialists use /me, never staff pages
}


@pytest.mark.parametrize("viewer", sorted(TABLE))
def test_profile_page_shows_each_role_what_the_table_says(world, client, auth, viewer):
    status, sees_name, sees_card, audited = TABLE[viewer]
    specialist = world["specialist"]
    auth.login(world[viewer].email)
    response = client.get(f"/specialists/{specialist.id}")
    assert response.status_code == status
    text = response.text
    for value in PERSONAL:
        assert (value in text) == sees_name, f"{viewer} {'should' if sees_name else 'must not'} see {value}"
    assert ("保健師免許" in text and "母子保健 12年" in text and specialist.reference in text) == sees_card
    logged = views_logged(specialist.id)
    assert len(logged) == (1 if audited else 0)
    if audited:
        assert logged[0].actor_id == world[viewer].id


def test_the_specialist_sees_everything_of_themselves_and_nobody_else(world, client, auth):
    auth.login(world["self"].email)
    page = client.get("/me").text
    for value in PERSONAL:
        assert value in page
    auth.logout()
    auth.login(world["other_specialist"].email)
    page = client.get("/me").text
    assert NAME not in page and "プロフィールが登録されていません" in page
    assert client.get("/specialists/").status_code == 403
    assert client.get("/candidates/").status_code == 403


def test_hr_officers_find_cards_without_names_and_cannot_open_the_registry(world, client, auth):
    auth.login(world["hr_kamakura"].email)
    assert client.get("/specialists/").status_code == 403
    assert client.get(f"/specialists/{world['specialist'].id}/export").status_code == 403
    page = client.get("/candidates/").text
    assert world["specialist"].reference in page and "保健師免許" in page
    for value in PERSONAL:
        assert value not in page
    auth.logout()
    auth.login(world["hr_excluded_city"].email)
    assert world["specialist"].reference not in client.get("/candidates/").text


def test_an_agreed_dispatch_reveals_the_name_to_that_city_only_and_the_view_is_audited(world, client, auth):
    specialist, kamakura = world["specialist"], world["kamakura"]
    provider = lambda specialist_id, city_id: (city_id, specialist_id) == (kamakura.id, specialist.id)  # noqa: E731
    with events.agreed_dispatch.connected_to(provider):
        auth.login(world["hr_kamakura"].email)
        page = client.get(f"/specialists/{specialist.id}").text
        assert NAME in page and EMAIL in page and PHONE in page
        assert [e.actor_id for e in views_logged(specialist.id)] == [world["hr_kamakura"].id]
        auth.logout()
        auth.login(world["hr_zushi"].email)
        assert NAME not in client.get(f"/specialists/{specialist.id}").text


def test_without_an_agreed_dispatch_no_hr_officer_may_see_a_name(world):
    assert has_agreed_dispatch(world["kamakura"].id, world["specialist"].id) is False
    assert visibility(world["hr_kamakura"], world["specialist"]) == Visibility.CARD


def test_paused_profiles_are_hidden_from_hr_officers_but_not_from_the_coordinator(world, client, auth):
    specialist = world["specialist"]
    specialist.status = "paused"
    db.session.commit()
    auth.login(world["hr_zushi"].email)
    assert client.get(f"/specialists/{specialist.id}").status_code == 404
    assert specialist.reference not in client.get("/candidates/").text
    auth.logout()
    auth.login(world["coordinator"].email)
    assert NAME in client.get(f"/specialists/{specialist.id}").text


def test_the_coordinators_list_is_audited_with_the_references_shown(world, client, auth):
    auth.login(world["coordinator"].email)
    page = client.get("/specialists/?q=ひみつ").text
    assert NAME in page
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "specialist.listed")).one()
    assert entry.changes["shown"][1] == [world["specialist"].id]
    assert "ひみつ" not in entry.summary  # the search words (often a name) are not copied into the log


def test_serving_officers_are_fully_visible_to_their_own_city_only(make, client, auth):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    officer = make.serving_officer(zushi, name="逗子 職員甲", consented_at=db.func.now(), consent_version="t")
    auth.login(make.user(Role.CITY_HR, city=zushi).email)
    assert "逗子 職員甲" in client.get(f"/specialists/{officer.id}").text
    auth.logout()
    auth.login(make.user(Role.CITY_HR, city=kamakura).email)
    page = client.get(f"/specialists/{officer.id}").text
    assert "逗子 職員甲" not in page and officer.reference in page
    assert client.get(f"/officers/{officer.id}/edit").status_code == 403


def test_opening_the_edit_form_is_an_audited_view_for_staff_but_not_for_the_person(world, client, auth):
    specialist = world["specialist"]
    auth.login(world["coordinator"].email)
    assert NAME in client.get(f"/specialists/{specialist.id}/edit").text
    assert [e.summary for e in views_logged(specialist.id)] == [f"{specialist.reference} (edit)"]
    auth.logout()
    auth.login(world["self"].email)
    assert NAME in client.get("/me/edit").text
    assert len(views_logged(specialist.id)) == 1
