"""Sign-up with consent, confirmation, pause, export and withdrawal, as the specialist lives them."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from talentbank.accounts.models import User
from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.specialists import events
from talentbank.specialists.profiles import values_of
from talentbank.specialists.registry import matchable_specialists, registry_statistics
from talentbank.specialists.consent import CONSENT_VERSION
from talentbank.specialists.models import AvailabilityWindow, Specialist, SpecialistExperience
from talentbank.vocabulary.models import Licence

from .helpers import signup_form

NOW = datetime(2026, 12, 1, 1, 0)


@pytest.fixture
def zushi(make):
    clock.freeze(NOW)
    make.vocabulary()
    return make.demo_cities()["142085"]


def sign_up(client, zushi, **overrides):
    """Sign up, follow the confirmation link from the e-mail, and log in: the specialist's first steps."""
    import re

    from talentbank.notifications.models import OutboxMessage
    client.application.config["PUBLIC_BASE_URL"] = "https://talentbank.test"
    data = signup_form(zushi.id, **overrides)
    sent = client.post("/signup", data=data)
    assert "確認メールを送りました" in sent.text
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "specialist.confirm_email",
                                                          OutboxMessage.to_address == data["email"])).first()
    if mail is not None:
        client.post(re.search(r"/signup/confirm/[\w-]+", mail.body).group(0), data={})
    log_in(client, data["email"], data["password"])
    return client.get("/me")


def log_in(client, email="ichiro@example.jp", password="correct-horse-42"):
    """(Again, after the clock moved past the session's lifetime.)"""
    return client.post("/login", data={"email": email, "password": password})


def test_signing_up_creates_an_account_and_a_profile_with_the_consent_version_and_time(zushi, client):
    response = sign_up(client, zushi)
    assert response.status_code == 200
    assert "TB-" in response.text  # the registration number, on the own page
    assert "マイプロフィール" in response.text and "横須賀 一郎" in response.text  # logged in, on /me
    specialist = db.session.scalars(select(Specialist)).one()
    assert specialist.user.role == Role.SPECIALIST and specialist.user.email == "ichiro@example.jp"
    assert specialist.consent_version == CONSENT_VERSION and specialist.consented_at == NOW
    assert specialist.availability_confirmed_at == NOW
    assert specialist.status == "active" and specialist.kind == "retired"
    assert [p.code for p in specialist.professions] == ["civil"]
    assert [lic.code for lic in specialist.licences] == ["gijutsushi_construction"]
    assert [(e.field.code, e.years) for e in specialist.experiences] == [("roads", 25)]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "specialist.registered")).one()
    assert entry.changes["consent_version"] == [None, CONSENT_VERSION]
    assert "横須賀 一郎" not in json.dumps(entry.changes, ensure_ascii=False) + entry.summary


def test_sign_up_with_a_municipality_outside_the_registry_adds_it_by_code(zushi, client):
    sign_up(client, zushi, home_city_id="other", home_city_code="三浦市")
    specialist = db.session.scalars(select(Specialist)).one()
    assert specialist.home_city.code == "142107" and specialist.home_city.name_ja == "三浦市"
    assert specialist.home_city.is_member is False and specialist.home_city.prefecture == "神奈川県"


def test_an_email_already_registered_is_not_registered_again(zushi, client, make):
    make.user(Role.COORDINATOR, email="ichiro@example.jp")
    response = client.post("/signup", data=signup_form(zushi.id))
    assert "確認メールを送りました" in response.text  # the same answer as for a new address (no enumeration)
    assert db.session.scalar(select(func.count(Specialist.id))) == 0


def test_editing_adds_a_licence_and_a_window_and_confirms_availability(zushi, client, make):
    sign_up(client, zushi)
    specialist = db.session.scalars(select(Specialist)).one()
    clock.freeze(NOW + timedelta(days=40))
    log_in(client)
    values = values_of(specialist)
    data = signup_form(zushi.id, licence_ids=[str(i) for i in values.licence_ids]
                       + [str(make.term(Licence, "surveyor").id)],
                       **{"windows-1-start_date": "2027-09-01", "windows-1-end_date": "2027-12-31"})
    response = client.post("/me/edit", data=data, follow_redirects=True)
    assert "プロフィールを保存しました。" in response.text
    db.session.expire_all()
    specialist = db.session.get(Specialist, specialist.id)
    assert {lic.code for lic in specialist.licences} == {"gijutsushi_construction", "surveyor"}
    assert len(specialist.availability_windows) == 2
    assert specialist.availability_confirmed_at == NOW + timedelta(days=40)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "specialist.updated")).one()
    assert set(entry.changes) == {"licences", "availability"}


def test_the_profile_asks_for_reconfirmation_after_90_days(zushi, client):
    sign_up(client, zushi)
    clock.freeze(NOW + timedelta(days=89))
    log_in(client)
    assert "勤務可能期間を確認してください。" not in client.get("/me").text
    clock.freeze(NOW + timedelta(days=91))
    log_in(client)
    page = client.get("/me").text
    assert "勤務可能期間を確認してください。" in page and "最終確認: 2026-12-01" in page
    response = client.post("/me/confirm", follow_redirects=True)
    assert "勤務可能期間が最新であることを確認しました。" in response.text
    assert "勤務可能期間を確認してください。" not in response.text
    assert db.session.scalars(select(Specialist)).one().availability_confirmed_at == NOW + timedelta(days=91)


def test_a_paused_specialist_is_not_matched_until_resumed(zushi, client):
    sign_up(client, zushi)
    specialist_id = db.session.scalars(select(Specialist.id)).one()
    assert matchable_specialists() == []  # confirmed, but nothing checked by the coordinating city yet
    from talentbank.specialists.models import CheckedBy
    from talentbank.specialists.verification import vouch
    vouch(None, db.session.get(Specialist, specialist_id), CheckedBy.COORDINATOR)
    db.session.commit()
    assert [s.id for s in matchable_specialists()] == [specialist_id]
    response = client.post("/me/pause", follow_redirects=True)
    assert "登録を一時停止しました。再開するまでマッチングの対象になりません。" in response.text
    assert matchable_specialists() == []
    client.post("/me/resume")
    assert [s.id for s in matchable_specialists()] == [specialist_id]
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(specialist_id))
                                      .order_by(AuditEntry.id)))
    assert actions == ["specialist.registered", "specialist.email_confirmed", "specialist.paused",
                       "specialist.resumed"]


def test_matchable_specialists_load_everything_the_rules_read_in_a_fixed_number_of_queries(zushi, make, query_counter):
    for _ in range(12):
        make.specialist(zushi, licences=("surveyor",), preferred=(zushi,))
    make.specialist(zushi, status="paused")
    make.specialist(zushi, consented_at=None)
    db.session.expire_all()
    with query_counter() as count:
        found = matchable_specialists()
        for s in found:
            _ = ([p.code for p in s.professions], [lic.code for lic in s.licences],
                 [(e.field.code, e.years) for e in s.experiences], s.availability_windows, s.excluded_cities,
                 s.preferred_cities, s.home_city.code)
    assert len(found) == 12
    assert count.value <= 12  # one per relationship, whatever the number of people


def test_export_holds_everything_about_the_person_and_who_did_what(zushi, client):
    sign_up(client, zushi)
    client.post("/me/pause")
    response = client.get("/me/export")
    assert response.headers["Content-Disposition"].startswith('attachment; filename="talentbank-TB-')
    data = json.loads(response.data)
    profile = data["profile"]
    assert profile["name_kanji"] == "横須賀 一郎" and profile["email"] == "ichiro@example.jp"
    assert profile["phone"] == "046-822-4000" and profile["home_city"]["code"] == "142085"
    assert profile["licences"] == [{"code": "gijutsushi_construction", "name": "技術士（建設部門）", "number": None,
                                    "issuer": None, "issued_on": None, "status": "pending", "review_reason": None,
                                    "copy": None}]
    assert profile["experiences"] == [{"code": "roads", "name": "道路", "years": 25, "verified": False}]
    assert len(profile["availability_windows"]) == 1 and profile["days_per_week"] == 3
    assert data["consent"] == {"version": CONSENT_VERSION, "given_at": NOW.isoformat()}
    assert data["account"]["email"] == "ichiro@example.jp"
    assert [h["action"] for h in data["history"]] == ["specialist.registered", "specialist.email_confirmed",
                                                      "specialist.paused"]
    assert all(h["by"] == {"role": "self"} for h in data["history"])


def test_staff_views_appear_in_the_export_by_role_and_city_not_by_name(zushi, client, auth, make):
    sign_up(client, zushi)
    specialist_id = db.session.scalars(select(Specialist.id)).one()
    coordinator = make.user(Role.COORDINATOR, name="幹事 閲覧者")
    auth.logout()
    auth.login(coordinator.email)
    client.get(f"/specialists/{specialist_id}")
    auth.logout()
    auth.login("ichiro@example.jp")
    data = json.loads(client.get("/me/export").data)
    viewed = [h for h in data["history"] if h["action"] == "specialist.viewed"]
    assert viewed == [{"at": NOW.isoformat(), "action": "specialist.viewed", "by": {"role": "coordinator", "city": None},
                       "fields": []}]
    assert "幹事 閲覧者" not in json.dumps(data, ensure_ascii=False)


def statistics(actor):
    stats = registry_statistics(actor)
    return ({t.code: (ever, active) for t, ever, active in stats.by_profession},
            {c.code: (ever, active) for c, ever, active in stats.by_home_city}, stats.by_status)


def test_withdrawal_erases_personal_data_cancels_pending_work_and_keeps_the_counts(zushi, client, auth, make):
    coordinator = make.user(Role.COORDINATOR)
    other = make.specialist(zushi, professions=("civil",))
    sign_up(client, zushi)
    specialist = db.session.scalars(select(Specialist).where(Specialist.id != other.id)).one()
    specialist_id, user_id = specialist.id, specialist.user_id
    before = statistics(coordinator)
    assert before[0]["civil"] == (2, 2)
    cancelled = []

    def cancel(s, actor):
        cancelled.append((s.id, s.name_kanji, actor.id))

    with events.specialist_withdrawing.connected_to(cancel):
        page = client.get("/me/withdraw").text
        assert "元に戻せません" in page
        refused = client.post("/me/withdraw", data={"password": "wrong-password-1", "confirm": "y"})
        assert "パスワードが正しくありません。" in refused.text
        response = client.post("/me/withdraw", data={"password": "correct-horse-42", "confirm": "y",
                                                     "reason": "高齢のため"}, follow_redirects=True)
    assert "退会しました。氏名・連絡先などの個人情報を消去しました。" in response.text
    # The subscribers ran before the erasure, so pending work could be found and cancelled.
    assert cancelled == [(specialist_id, "横須賀 一郎", user_id)]
    db.session.expire_all()
    gone = db.session.get(Specialist, specialist_id)
    for field in ("name_kanji", "name_kana", "email", "phone", "former_employer", "retirement_year", "notes"):
        assert getattr(gone, field) is None, field
    assert gone.status == "withdrawn" and gone.withdrawn_at == NOW
    assert gone.availability_windows == [] and gone.experiences == [] and gone.preferred_cities == []
    assert db.session.scalar(select(func.count(AvailabilityWindow.id))) == 1  # only the other specialist's
    assert db.session.scalar(select(func.count(SpecialistExperience.id))) == 1
    # What stays is anonymous: professions, licences, home city, for the counts.
    assert [p.code for p in gone.professions] == ["civil"] and gone.home_city_id == zushi.id
    after = statistics(coordinator)
    assert after[0]["civil"] == (2, 1) and after[1]["142085"] == (2, 1)
    assert after[2] == {"active": 1, "withdrawn": 1}
    # The account cannot log in and holds nothing personal, nor does the audit log.
    account = db.session.get(User, user_id)
    assert account.email == f"withdrawn-{user_id}@withdrawn.invalid" and not account.is_enabled
    assert account.password_hash is None and account.display_name == gone.reference
    assert auth.login("ichiro@example.jp").status_code == 200  # the log-in form again: unknown address
    for entry in db.session.scalars(select(AuditEntry)):
        text = json.dumps(entry.changes, ensure_ascii=False) + entry.summary + entry.actor_label
        assert "横須賀 一郎" not in text and "ichiro@example.jp" not in text
    assert matchable_specialists()[0].id == other.id and len(matchable_specialists()) == 1


def test_withdrawal_without_the_confirmation_tick_changes_nothing(zushi, client):
    sign_up(client, zushi)
    response = client.post("/me/withdraw", data={"password": "correct-horse-42"})
    assert "退会するには、確認の項目にチェックを入れてください。" in response.text
    assert db.session.scalars(select(Specialist)).one().status == "active"


def test_the_coordinator_withdraws_on_request_only_with_a_reason(zushi, client, auth, make):
    specialist = make.specialist(zushi)
    auth.login(make.user(Role.COORDINATOR).email)
    response = client.post(f"/specialists/{specialist.id}/status", data={"action": "withdraw", "reason": "",
                                                                         "asked": "1", "confirmed": "y"},
                           follow_redirects=True)
    assert "退会の理由（本人からの申出の日付など）を入力してください。" in response.text
    client.post(f"/specialists/{specialist.id}/status", data={"action": "withdraw", "reason": "2026-11-30 電話で申出",
                                                                "asked": "1", "confirmed": "y"})
    db.session.expire_all()
    assert db.session.get(Specialist, specialist.id).name_kanji is None


def test_an_imported_retiree_claims_their_profile_with_a_one_time_link(zushi, client, auth, make):
    specialist = make.specialist(zushi, registration_source="import", email="imported@example.jp")
    coordinator = make.user(Role.COORDINATOR)
    auth.login(coordinator.email)
    page = client.post(f"/specialists/{specialist.id}/claim-link").text
    link = page.split('readonly value="')[1].split('"')[0]
    path = link.split("localhost")[-1]
    auth.logout()
    assert specialist.name_kanji in client.get(path).text
    response = client.post(path, data={"password": "new-password-77", "confirm": "new-password-77", "consent": "y"},
                           follow_redirects=True)
    assert "アカウントを作成しました。" in response.text
    db.session.expire_all()
    claimed = db.session.get(Specialist, specialist.id)
    assert claimed.user.email == "imported@example.jp" and claimed.claim_token_hash is None
    assert claimed.consented_at == NOW
    auth.logout()
    assert client.get(path).status_code == 410  # single use
