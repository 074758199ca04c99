"""The controlled vocabularies: the standard seed list and the coordinator's edits."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.vocabulary.models import ExperienceField, Licence, Profession
from talentbank.vocabulary.services import seed_vocabulary

REQUIRED = {
    Profession: ["土木", "建築", "保健師", "下水道", "公園・緑地", "電気・機械", "社会福祉", "情報"],
    Licence: ["技術士（建設部門）", "1級土木施工管理技士", "一級建築士", "保健師免許", "看護師免許", "社会福祉士",
              "精神保健福祉士", "測量士"],
    ExperienceField: ["道路", "橋梁", "法面・崖地", "河川", "下水道施設", "公園緑地", "母子保健", "感染症対策", "精神保健",
                      "高齢者保健"],
}


def test_the_seed_holds_what_the_cities_need_and_running_it_again_adds_nothing(app_ctx):
    first = seed_vocabulary()
    db.session.commit()
    for model, names in REQUIRED.items():
        held = set(db.session.scalars(select(model.name_ja)))
        assert set(names) <= held, set(names) - held
    assert seed_vocabulary() == {"professions": 0, "licences": 0, "fields": 0}
    assert first["professions"] == db.session.scalar(select(func.count(Profession.id)))
    civil = db.session.scalar(select(Profession).where(Profession.code == "civil"))
    gijutsushi = db.session.scalar(select(Licence).where(Licence.code == "gijutsushi_construction"))
    assert gijutsushi.profession_id == civil.id


def test_the_seed_keeps_the_coordinators_renaming(make):
    make.vocabulary()
    term = make.term(Profession, "information")
    term.name_ja = "情報（DX）"
    db.session.commit()
    seed_vocabulary()
    db.session.commit()
    assert db.session.scalar(select(func.count(Profession.id)).where(Profession.code == "information")) == 1
    assert make.term(Profession, "information").name_ja == "情報（DX）"


@pytest.fixture
def coordinator(make, auth):
    make.vocabulary()
    user = make.user(Role.COORDINATOR)
    auth.login(user.email)
    return user


def test_the_coordinator_adds_a_licence_and_it_is_offered_on_the_sign_up_form(coordinator, client, make):
    civil = make.term(Profession, "civil")
    response = client.post("/vocabulary/licences/new", data={
        "code": "rccm_roads", "name_ja": "RCCM（道路）", "name_en": "RCCM (Roads)", "profession_id": str(civil.id),
        "is_active": "y"}, follow_redirects=True)
    assert "「RCCM（道路）」を追加しました。" in response.text
    licence = make.term(Licence, "rccm_roads")
    assert licence.profession_id == civil.id and licence.sort_order > 0
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "vocabulary.created")).one()
    assert entry.changes["code"] == [None, "rccm_roads"] and entry.actor_id == coordinator.id
    client.post("/logout")
    assert "RCCM（道路）" in client.get("/signup").text


def test_codes_and_names_must_be_unique_and_well_formed(coordinator, client):
    bad = client.post("/vocabulary/professions/new", data={"code": "Civil Eng", "name_ja": "土木", "name_en": "x"})
    assert "コードは半角英小文字で始まり" in bad.text
    dup = client.post("/vocabulary/professions/new", data={"code": "civil", "name_ja": "土木2", "name_en": "x"})
    assert "コード「civil」は既に使われています。" in dup.text
    dup_name = client.post("/vocabulary/professions/new", data={"code": "civil2", "name_ja": "土木", "name_en": "x"})
    assert "名称「土木」は既に登録されています。" in dup_name.text


def test_a_retired_term_is_no_longer_offered_but_profiles_that_hold_it_keep_it(coordinator, client, make):
    zushi = make.city()
    surveyor = make.term(Licence, "surveyor")
    holder = make.specialist(zushi, licences=("surveyor",))
    response = client.post(f"/vocabulary/licences/{surveyor.id}/edit", data={
        "code": "surveyor", "name_ja": "測量士", "name_en": "Licensed Surveyor", "sort_order": "50"},
        follow_redirects=True)
    assert "「測量士」を更新しました。" in response.text
    db.session.expire_all()
    assert make.term(Licence, "surveyor").is_active is False
    client.post("/logout")
    assert "測量士" not in client.get("/signup").text
    assert [t.code for t in db.session.get(type(holder), holder.id).licences] == ["surveyor"]
    client.post("/login", data={"email": coordinator.email, "password": "correct-horse-42"})
    page = client.get("/vocabulary/").text
    assert "使用停止" in page


def test_the_code_cannot_change_once_created(coordinator, client, make):
    term = make.term(ExperienceField, "roads")
    response = client.post(f"/vocabulary/fields/{term.id}/edit", data={"code": "road", "name_ja": "道路",
                                                                       "name_en": "Roads", "is_active": "y"})
    assert "コードは作成後に変更できません" in response.text
    assert make.term(ExperienceField, "roads").code == "roads"


def test_hr_officers_and_specialists_cannot_edit_vocabularies(make, client, auth):
    make.vocabulary()
    zushi = make.city()
    for user in (make.user(Role.CITY_HR, city=zushi), make.user(Role.SPECIALIST)):
        auth.login(user.email)
        assert client.get("/vocabulary/").status_code == 403
        assert client.post("/vocabulary/professions/new", data={"code": "x_y", "name_ja": "X", "name_en": "X"}
                           ).status_code == 403
        auth.logout()
    assert db.session.scalar(select(func.count(Profession.id)).where(Profession.code == "x_y")) == 0


def _profession_form(term, **changes):
    data = {"code": term.code, "name_ja": term.name_ja, "name_en": term.name_en, "sort_order": str(term.sort_order),
            "is_active": "y"}
    data.update(changes)
    return data


def test_the_coordinator_sets_a_training_requirement_for_disaster_recovery_and_it_is_audited(coordinator, client,
                                                                                               make):
    civil = make.term(Profession, "civil")
    page = client.get(f"/vocabulary/professions/{civil.id}/edit").text
    assert 'name="disaster_training_months"' in page and "災害復旧の要請で求める研修の受講（か月以内）" in page
    response = client.post(f"/vocabulary/professions/{civil.id}/edit",
                           data=_profession_form(civil, disaster_training_months="12"), follow_redirects=True)
    assert "「土木」を更新しました。" in response.text
    assert "12か月以内の受講" in response.text  # the list shows it
    db.session.expire_all()
    assert make.term(Profession, "civil").disaster_training_months == 12
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "vocabulary.updated")).one()
    assert entry.changes["disaster_training_months"] == [None, 12] and entry.actor_id == coordinator.id
    # emptied: no requirement any more, audited too
    emptied = client.post(f"/vocabulary/professions/{civil.id}/edit",
                          data=_profession_form(civil, disaster_training_months=""), follow_redirects=True)
    assert "「土木」を更新しました。" in emptied.text, emptied.text
    db.session.expire_all()
    assert make.term(Profession, "civil").disaster_training_months is None
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "vocabulary.updated")) == 2


@pytest.mark.parametrize("value", ["0", "61", "-3", "1.5", "twelve"])
def test_a_training_requirement_outside_one_to_sixty_months_is_refused_and_nothing_saved(coordinator, client, make,
                                                                                         value):
    civil = make.term(Profession, "civil")
    response = client.post(f"/vocabulary/professions/{civil.id}/edit",
                           data=_profession_form(civil, name_ja="土木（新）", disaster_training_months=value))
    assert response.status_code == 200
    assert "研修の受講期限は1〜60か月の整数で入力してください（求めない場合は空欄）。" in response.text \
        or "整数" in response.text
    db.session.expire_all()
    term = make.term(Profession, "civil")
    assert term.disaster_training_months is None and term.name_ja == "土木"


def test_the_service_refuses_a_requirement_outside_the_range_whatever_the_screen_does(coordinator, make):
    from talentbank.core.errors import UserError
    from talentbank.vocabulary.services import TermValues, update_term

    civil = make.term(Profession, "civil")
    for months in (0, 61):
        with pytest.raises(UserError) as info:
            update_term(coordinator, "professions", civil.id, TermValues(
                civil.code, civil.name_ja, civil.name_en, civil.sort_order, True, None, months))
        assert info.value.field == "disaster_training_months"
    term = update_term(coordinator, "professions", civil.id, TermValues(
        civil.code, civil.name_ja, civil.name_en, civil.sort_order, True, None, 60))
    assert term.disaster_training_months == 60


def test_licences_and_fields_have_no_training_requirement(coordinator, client, make):
    surveyor = make.term(Licence, "surveyor")
    page = client.get(f"/vocabulary/licences/{surveyor.id}/edit").text
    assert "disaster_training_months" not in page


def test_the_training_requirement_reads_in_english(coordinator, client, make):
    civil = make.term(Profession, "civil")
    client.post("/lang/en")
    page = client.get(f"/vocabulary/professions/{civil.id}/edit").text
    assert "Training required for disaster-recovery requests (attended within months)" in page
    refused = client.post(f"/vocabulary/professions/{civil.id}/edit",
                          data=_profession_form(civil, disaster_training_months="99"))
    assert "Enter the training requirement as a whole number of months from 1 to 60" in refused.text
    client.post(f"/vocabulary/professions/{civil.id}/edit", data=_profession_form(civil, disaster_training_months="6"))
    listing = client.get("/vocabulary/").text
    assert "Training for disaster recovery" in listing and "Attended within 6 months" in listing
