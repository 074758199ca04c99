"""Verification before matching: confirmed addresses, checked licences, the queue, readiness, no enumeration."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from talentbank.accounts.models import User
from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.matching import services as matching
from talentbank.matching.models import Proposal
from talentbank.matching.snapshot import build_snapshot
from talentbank.notifications.models import Notification, OutboxMessage
from talentbank.specialists import verification
from talentbank.specialists.models import Specialist, SpecialistLicence
from talentbank.specialists.registry import matchable_specialists
from talentbank.vocabulary.models import ExperienceField, Licence, Profession

from ..matching.builders import matching_app, scenario
from .helpers import signup_form, term_id

@pytest.fixture(autouse=True)
def _links_in_mail(app):
    app.config["PUBLIC_BASE_URL"] = "https://talentbank.test"


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _confirm_link(address: str) -> str:
    message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_address == address,
                                                             OutboxMessage.kind == "specialist.confirm_email")
                                 .order_by(OutboxMessage.id.desc())).first()
    assert message is not None, f"no confirmation mail to {address}"
    return re.search(r"/signup/confirm/[A-Za-z0-9_\-]+", message.body).group(0)


def _sign_up(client, home_city_id: int, **overrides):
    return client.post("/signup", data=signup_form(home_city_id, **overrides))


def _every(model) -> list[str]:
    return [str(i) for i in db.session.scalars(select(model.id))]


def _pairs(round_id: int) -> set[tuple[int, int]]:
    return set(db.session.execute(select(Proposal.specialist_id, Proposal.request_id)
                                  .where(Proposal.round_id == round_id)).all())


# ---------------------------------------------------------------- the outsider's fake sign-ups

def test_fake_sign_ups_leave_the_next_round_unchanged(app, make, client):
    """15 sign-ups claiming every profession and licence, 60 years, every city: even with their addresses
    confirmed they are not matched until the coordinating city has checked something."""
    matching_app(app)
    world = scenario(make)
    before = _pairs(matching.start_round(world.coordinator).id)
    assert before  # the scenario proposes people
    zushi = world.cities["142085"]
    fields = db.session.scalars(select(ExperienceField.id)).all()
    for n in range(15):
        data = signup_form(zushi.id, email=f"fake{n}@spam.example", profession_ids=_every(Profession),
                           licence_ids=_every(Licence), days_per_week="5", max_travel_minutes="",
                           preferred_city_ids=[str(c.id) for c in world.cities.values()])
        for i, field_id in enumerate(fields[:3]):
            data[f"experiences-{i}-field_id"], data[f"experiences-{i}-years"] = str(field_id), "60"
        start = clock.today_tokyo()
        data["windows-0-start_date"], data["windows-0-end_date"] = start.isoformat(), (start + timedelta(days=800)).isoformat()
        assert client.post("/signup", data=data).status_code == 200
        if n % 2 == 0:  # half of them even follow their confirmation link
            client.post(_confirm_link(f"fake{n}@spam.example"), data={})
    fakes = db.session.scalars(select(Specialist).where(Specialist.email.like("fake%"))).all()
    assert len(fakes) == 15 and sum(1 for f in fakes if f.email_confirmed_at) == 8
    assert not {f.id for f in fakes} & {s.id for s in matchable_specialists()}
    after = _pairs(matching.start_round(world.coordinator).id)
    assert after == before


def test_only_verified_licences_and_years_reach_the_solver(app, make):
    world = scenario(make)
    yokosuka = world.cities["142018"]
    claimed = make.specialist(yokosuka, licences=("gijutsushi_construction",), fields={"slopes": 40}, verified=False,
                              email_confirmed_at=clock.utcnow())
    problem = build_snapshot(matching.ensure_rule_set()).problem
    assert str(claimed.id) not in {s["id"] for s in problem["specialists"]}  # no usable profession yet
    # the profession checked, the licence and the years not: the record carries neither
    verification.decide(world.coordinator, claimed.id,
                        [verification.Decision("profession", term_id(Profession, "civil"), "verify")])
    record = {s["id"]: s for s in build_snapshot(matching.ensure_rule_set()).problem["specialists"]}[str(claimed.id)]
    assert record["licences"] == [] and record["experience"] == {}
    experience = claimed.experiences[0]
    verification.decide(world.coordinator, claimed.id, [
        verification.Decision("licence", term_id(Licence, "gijutsushi_construction"), "verify"),
        verification.Decision("experience", experience.id, "verify")])
    record = {s["id"]: s for s in build_snapshot(matching.ensure_rule_set()).problem["specialists"]}[str(claimed.id)]
    assert record["licences"] == ["gijutsushi_construction"] and record["experience"] == {"slopes": 40}


def test_a_verified_licence_makes_its_profession_usable(make):
    cities = make.demo_cities()
    make.vocabulary()
    coordinator = make.user(Role.COORDINATOR)
    nurse = make.specialist(cities["142085"], professions=("public_health_nurse",),
                            licences=("public_health_nurse_licence",), fields={}, verified=False,
                            email_confirmed_at=clock.utcnow())
    assert not verification.is_matchable(nurse)
    verification.decide(coordinator, nurse.id, [
        verification.Decision("licence", term_id(Licence, "public_health_nurse_licence"), "verify")])
    db.session.expire_all()
    assert verification.is_matchable(db.session.get(Specialist, nurse.id))
    assert nurse.id in {s.id for s in matchable_specialists()}


def test_an_unconfirmed_self_sign_up_is_not_matchable_even_when_checked(make):
    cities = make.demo_cities()
    make.vocabulary()
    person = make.specialist(cities["142085"], verified=True, email_confirmed_at=None)
    person.email_confirmed_at = None
    db.session.commit()
    assert not verification.is_matchable(person)
    assert person.id not in {s.id for s in matchable_specialists()}


# ---------------------------------------------------------------- no enumeration at sign-up

def _normalised(html: str) -> str:
    html = re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", html)
    html = re.sub(r'<meta name="csrf-token" content="[^"]+"', "", html)
    return re.sub(r"[\w.+-]+@[\w.-]+", "ADDRESS", html)


def test_sign_up_with_a_known_address_answers_as_for_a_new_one_and_tells_that_address(make, client, app):
    cities = make.demo_cities()
    make.vocabulary()
    zushi = cities["142085"]
    make.user(Role.CITY_HR, city=zushi, email="hr@zushi.example")
    make.specialist(zushi, email="no-account@example.jp")  # registered by a city: no account
    new = _sign_up(client, zushi.id, email="brand-new@example.jp")
    assert new.status_code == 200 and "確認メールを送りました" in new.text
    for known in ("hr@zushi.example", "no-account@example.jp", "HR@Zushi.Example"):
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        response = _sign_up(client, zushi.id, email=known)
        assert response.status_code == new.status_code
        assert _normalised(response.text) == _normalised(new.text)
        assert "既に登録" not in response.text
    # nothing was saved for the known addresses; each was told by e-mail instead
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "hr@zushi.example")) == 1
    assert db.session.scalar(select(func.count()).select_from(Specialist)) == 2
    told = db.session.scalars(select(OutboxMessage.to_address).where(
        OutboxMessage.kind == "specialist.signup_known_address")).all()
    assert sorted(told) == ["hr@zushi.example", "hr@zushi.example", "no-account@example.jp"]


def test_an_empty_sign_up_lists_every_problem_at_once_with_links(make, client):
    make.demo_cities()
    make.vocabulary()
    response = client.post("/signup", data={"can_work_onsite": "y"})
    assert response.status_code == 200
    summary = response.text.split('id="error-summary"')[1].split("</div>")[0]
    for anchor in ("#name_kanji", "#name_kana", "#email", "#phone", "#home_city_id", "#profession_ids",
                   "#days_per_week", "#password", "#consent"):
        assert f'href="{anchor}"' in summary, anchor
    assert summary.count("<li>") >= 9
    assert 'id="password-cleared"' in response.text
    assert db.session.scalar(select(func.count()).select_from(Specialist)) == 0


def test_sign_up_marks_required_fields(make, client):
    make.demo_cities()
    make.vocabulary()
    page = client.get("/signup").text
    assert page.count('class="required"') >= 9


# ---------------------------------------------------------------- the address link

def test_the_confirmation_link_confirms_once_and_asks_for_a_press_first(make, client):
    cities = make.demo_cities()
    make.vocabulary()
    _sign_up(client, cities["142085"].id)
    link = _confirm_link("ichiro@example.jp")
    page = client.get(link)
    assert page.status_code == 200 and 'id="confirm-email"' in page.text
    specialist = db.session.scalars(select(Specialist)).one()
    assert specialist.email_confirmed_at is None  # a mail scanner opening the link confirms nothing
    response = client.post(link, data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Specialist, specialist.id).email_confirmed_at is not None
    assert client.post(link, data={}).status_code == 410
    assert client.get("/signup/confirm/" + "x" * 300).status_code == 410
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "specialist.email_confirmed")) == 1


def test_a_new_address_must_be_confirmed_again_and_the_old_link_dies(make, client, auth):
    cities = make.demo_cities()
    make.vocabulary()
    _sign_up(client, cities["142085"].id)
    old_link = _confirm_link("ichiro@example.jp")
    client.post(old_link, data={})
    specialist = db.session.scalars(select(Specialist)).one()
    auth.login("ichiro@example.jp", "correct-horse-42")
    from talentbank.specialists.profiles import update_profile, values_of
    values = values_of(specialist)
    values.email = "ichiro2@example.jp"
    update_profile(specialist.user, specialist.id, values)
    db.session.expire_all()
    specialist = db.session.get(Specialist, specialist.id)
    assert specialist.email_confirmed_at is None and not verification.is_matchable(specialist)
    new_link = _confirm_link("ichiro2@example.jp")
    assert client.post(new_link, data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Specialist, specialist.id).email_confirmed_at is not None


def test_resending_the_confirmation_mail_from_the_own_page(make, client, auth):
    cities = make.demo_cities()
    make.vocabulary()
    _sign_up(client, cities["142085"].id)
    auth.login("ichiro@example.jp", "correct-horse-42")
    page = client.get("/me").text
    assert "メールアドレスが未確認です" in page and "確認メールを再送する" in page
    first = _confirm_link("ichiro@example.jp")
    assert client.post("/me/confirmation-mail", data={}).status_code == 302
    second = _confirm_link("ichiro@example.jp")
    assert first != second
    assert client.post(first, data={}).status_code == 410  # only the last link works
    assert client.post(second, data={}).status_code == 302


# ---------------------------------------------------------------- readiness on the person's page

def test_a_nurse_without_licence_or_window_is_told_why_she_cannot_be_matched(make, client, auth):
    cities = make.demo_cities()
    make.vocabulary()
    user = make.user(Role.SPECIALIST, email="nurse@example.jp")
    make.specialist(cities["142085"], user=user, email="nurse@example.jp", professions=("public_health_nurse",),
                    fields={}, windows=(), verified=False, email_confirmed_at=clock.utcnow())
    auth.login("nurse@example.jp")
    page = client.get("/me").text
    assert "登録中（マッチングの対象）" not in page
    assert "準備が済むまでマッチングの対象外" in page
    assert "職種の確認が済んでいません" in page
    assert "今後の勤務可能期間が登録されていません" in page
    client.post("/lang/en", data={"next": "/me"})
    english = client.get("/me").text
    assert "Your profession has not been checked yet" in english
    assert "職種" not in english.split('id="readiness"')[1].split("</section>")[0]


def test_a_checked_person_reads_ready(make, client, auth):
    cities = make.demo_cities()
    make.vocabulary()
    user = make.user(Role.SPECIALIST, email="ready@example.jp")
    make.specialist(cities["142085"], user=user, email="ready@example.jp")
    auth.login("ready@example.jp")
    page = client.get("/me").text
    assert 'id="matchable"' in page and "準備はできています" in page


# ---------------------------------------------------------------- particulars and copies

@pytest.fixture
def applicant(make, app, tmp_path):
    app.config["EVIDENCE_DIR"] = str(tmp_path / "evidence")
    cities = make.demo_cities()
    make.vocabulary()
    user = make.user(Role.SPECIALIST, email="applicant@example.jp")
    person = make.specialist(cities["142085"], user=user, email="applicant@example.jp",
                             licences=("gijutsushi_construction",), verified=False, email_confirmed_at=clock.utcnow())
    return person


def _particulars_form(licence_id: int, **overrides):
    data = {f"licence-{licence_id}-number": "第12345号", f"licence-{licence_id}-issuer": "文部科学大臣",
            f"licence-{licence_id}-issued_on": "2001-04-01"}
    data.update(overrides)
    return data


def test_the_person_enters_particulars_and_a_copy_that_only_the_coordinator_opens(applicant, make, client, auth, app,
                                                                                  tmp_path):
    from io import BytesIO
    licence_id = term_id(Licence, "gijutsushi_construction")
    auth.login("applicant@example.jp")
    data = _particulars_form(licence_id)
    data[f"licence-{licence_id}-document"] = (BytesIO(PDF), "登録証.pdf")
    response = client.post("/me/licences", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    record = db.session.get(SpecialistLicence, (applicant.id, licence_id))
    assert record.number == "第12345号" and record.document_type == "application/pdf"
    stored = tmp_path / "evidence" / record.document_key
    assert stored.read_bytes() == PDF
    url = f"/specialists/{applicant.id}/licences/{licence_id}/document"
    assert client.get(url).status_code == 403  # the person themself: not through this door
    auth.logout()
    hr = make.user(Role.CITY_HR, city=applicant.home_city)
    auth.login(hr.email)
    assert client.get(url).status_code == 403
    auth.logout()
    coordinator = make.user(Role.COORDINATOR)
    auth.login(coordinator.email)
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "specialist.licence_document_viewed")) == 1


@pytest.mark.parametrize("content, message", [
    (b"<html><script>alert(1)</script></html>", "PDF、PNG、JPEG"),
    (b"MZ\x90\x00" + b"\x00" * 100, "PDF、PNG、JPEG"),
    (b"", "ファイルが空です"),
])
def test_copies_that_are_not_pdf_or_images_are_refused_and_nothing_is_saved(applicant, client, auth, content, message):
    from io import BytesIO
    licence_id = term_id(Licence, "gijutsushi_construction")
    auth.login("applicant@example.jp")
    data = _particulars_form(licence_id)
    data[f"licence-{licence_id}-document"] = (BytesIO(content), "copy.pdf")
    response = client.post("/me/licences", data=data, content_type="multipart/form-data")
    assert response.status_code == 200 and message in response.text
    db.session.expire_all()
    record = db.session.get(SpecialistLicence, (applicant.id, licence_id))
    assert record.number is None and record.document_key is None


def test_a_copy_over_the_size_limit_is_refused(applicant, client, auth, app):
    from io import BytesIO
    app.config["LICENCE_DOCUMENT_MAX_BYTES"] = 1024 * 1024
    licence_id = term_id(Licence, "gijutsushi_construction")
    auth.login("applicant@example.jp")
    data = _particulars_form(licence_id)
    data[f"licence-{licence_id}-document"] = (BytesIO(PDF + b"0" * (1024 * 1024)), "big.pdf")
    response = client.post("/me/licences", data=data, content_type="multipart/form-data")
    assert "ファイルが大きすぎます（1MBまで）" in response.text


@pytest.mark.parametrize("field, value, message", [
    ("number", "", "免許・登録番号を入力してください"),
    ("issuer", "<b>x</b>", "発行者は100文字以内"),
    ("issued_on", "1930-01-01", "取得日は1940年から今日まで"),
    ("issued_on", "not-a-date", "日付はYYYY-MM-DDの形"),
])
def test_particulars_are_checked_with_a_message_beside_the_field(applicant, client, auth, field, value, message):
    licence_id = term_id(Licence, "gijutsushi_construction")
    auth.login("applicant@example.jp")
    response = client.post("/me/licences", data=_particulars_form(licence_id, **{f"licence-{licence_id}-{field}": value}))
    assert response.status_code == 200 and message in response.text
    assert f'href="#licence-{licence_id}-{field}"' in response.text


def test_changing_a_verified_licence_sends_it_back_to_the_queue(applicant, make, client, auth):
    licence_id = term_id(Licence, "gijutsushi_construction")
    coordinator = make.user(Role.COORDINATOR)
    auth.login("applicant@example.jp")
    client.post("/me/licences", data=_particulars_form(licence_id))
    verification.decide(coordinator, applicant.id, [verification.Decision("licence", licence_id, "verify")])
    db.session.expire_all()
    assert db.session.get(SpecialistLicence, (applicant.id, licence_id)).status == "verified"
    client.post("/me/licences", data=_particulars_form(licence_id, **{f"licence-{licence_id}-number": "第99999号"}))
    db.session.expire_all()
    record = db.session.get(SpecialistLicence, (applicant.id, licence_id))
    assert record.status == "pending" and record.checked_by is None


def test_withdrawal_erases_particulars_and_copies(applicant, client, auth, tmp_path):
    from io import BytesIO

    from talentbank.specialists.personal_data import withdraw_specialist
    licence_id = term_id(Licence, "gijutsushi_construction")
    auth.login("applicant@example.jp")
    data = _particulars_form(licence_id)
    data[f"licence-{licence_id}-document"] = (BytesIO(PDF), "copy.pdf")
    client.post("/me/licences", data=data, content_type="multipart/form-data")
    key = db.session.get(SpecialistLicence, (applicant.id, licence_id)).document_key
    assert (tmp_path / "evidence" / key).exists()
    withdraw_specialist(applicant.user, applicant.id)
    db.session.expire_all()
    record = db.session.get(SpecialistLicence, (applicant.id, licence_id))
    assert record is not None  # the licence held stays, anonymously
    assert (record.number, record.issuer, record.issued_on, record.document_key) == (None, None, None, None)
    assert not (tmp_path / "evidence" / key).exists()


# ---------------------------------------------------------------- the coordinating city's decisions

def test_rejecting_needs_a_reason_and_the_person_is_told_every_decision(applicant, make):
    licence_id = term_id(Licence, "gijutsushi_construction")
    coordinator = make.user(Role.COORDINATOR)
    with pytest.raises(verification.UserError):
        verification.decide(coordinator, applicant.id, [verification.Decision("licence", licence_id, "reject", " ")])
    verification.decide(coordinator, applicant.id,
                        [verification.Decision("licence", licence_id, "reject", "番号が登録簿と一致しません")])
    record = db.session.get(SpecialistLicence, (applicant.id, licence_id))
    assert record.status == "rejected" and record.review_reason == "番号が登録簿と一致しません"
    notice = db.session.scalars(select(Notification).where(Notification.user_id == applicant.user_id)).one()
    assert notice.kind == "specialist.verification_decided"
    assert "番号が登録簿と一致しません" in notice.params["rejected"]["ja"]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "specialist.licence_rejected")) == 1


@pytest.mark.parametrize("role", [Role.CITY_HR, Role.SPECIALIST])
def test_only_the_coordinating_city_decides(applicant, make, role):
    other = make.user(role, city=applicant.home_city if role == Role.CITY_HR else None)
    licence_id = term_id(Licence, "gijutsushi_construction")
    from talentbank.core.permissions import PermissionDenied
    with pytest.raises(PermissionDenied):
        verification.decide(other, applicant.id, [verification.Decision("licence", licence_id, "verify")])


def test_the_verification_screen_saves_decisions_and_shows_errors(applicant, make, client, auth):
    licence_id = term_id(Licence, "gijutsushi_construction")
    coordinator = make.user(Role.COORDINATOR)
    auth.login(coordinator.email)
    url = f"/specialists/{applicant.id}/verification"
    page = client.get(url)
    assert page.status_code == 200 and "技術士（建設部門）" in page.text and 'id="person-not-matchable"' in page.text
    bad = client.post(url, data={f"licence-{licence_id}": "reject", f"licence-{licence_id}-reason": ""})
    assert bad.status_code == 200 and "確認できない理由を入力してください" in bad.text
    good = client.post(url, data={f"licence-{licence_id}": "verify"}, follow_redirects=True)
    assert 'id="person-matchable"' in good.text
    for junk in ({f"licence-{licence_id}": "sideways"}, {"licence-abc": "verify"}, {}):
        assert client.post(url, data=junk).status_code in (200, 302)
    assert client.get("/specialists/999999/verification").status_code == 404


def test_the_queue_lists_oldest_first_with_a_count_in_the_menu(make, client, auth):
    cities = make.demo_cities()
    make.vocabulary()
    coordinator = make.user(Role.COORDINATOR)
    now = clock.utcnow()
    older = make.specialist(cities["142085"], verified=False, email_confirmed_at=now - timedelta(days=5))
    newer = make.specialist(cities["142042"], verified=False, email_confirmed_at=now - timedelta(days=1))
    make.specialist(cities["142042"], verified=False, email_confirmed_at=None)  # not confirmed: other tab
    make.specialist(cities["142042"])  # checked already
    auth.login(coordinator.email)
    page = client.get("/specialists/verification/").text
    assert page.index(older.reference) < page.index(newer.reference)
    assert "2人が確認を待っています" in page
    assert re.search(r'登録内容の確認 <span class="count"[^>]*>2</span>', page)
    assert "1人が確認を待っています" in client.get("/specialists/verification/?unconfirmed=1").text
    for junk in ("?page=-1", "?page=abc", "?page=99999999999999999999", "?unconfirmed=%00"):
        assert client.get("/specialists/verification/" + junk).status_code == 200


def test_bulk_verification_takes_only_complete_particulars_and_needs_a_basis(make, client, auth):
    cities = make.demo_cities()
    make.vocabulary()
    coordinator = make.user(Role.COORDINATOR)
    licence_id = term_id(Licence, "gijutsushi_construction")
    ready = make.specialist(cities["142085"], licences=("gijutsushi_construction",), verified=False,
                            email_confirmed_at=clock.utcnow())
    bare = make.specialist(cities["142085"], licences=("gijutsushi_construction",), verified=False,
                           email_confirmed_at=clock.utcnow())
    db.session.execute(SpecialistLicence.__table__.update().where(
        SpecialistLicence.__table__.c.specialist_id == ready.id).values(
        number="第1号", issuer="文部科学大臣", issued_on=clock.today_tokyo() - timedelta(days=4000)))
    db.session.commit()
    auth.login(coordinator.email)
    refused = client.post("/specialists/verification/bulk", data={"specialist_id": [ready.id, bare.id], "reason": ""},
                          follow_redirects=True)
    assert "確認の根拠" in refused.text
    done = client.post("/specialists/verification/bulk", data={"specialist_id": [ready.id, bare.id, "x"],
                                                               "reason": "技術士登録簿と照合"}, follow_redirects=True)
    assert "1人の資格" in done.text
    db.session.expire_all()
    assert db.session.get(SpecialistLicence, (ready.id, licence_id)).status == "verified"
    assert db.session.get(SpecialistLicence, (bare.id, licence_id)).status == "pending"


# ---------------------------------------------------------------- who vouches without the queue

def test_an_hr_officer_registering_their_own_officer_vouches_for_them(make):
    from talentbank.specialists.profiles import register_officer

    from .helpers import valid_values
    cities = make.demo_cities()
    make.vocabulary()
    zushi = cities["142085"]
    hr = make.user(Role.CITY_HR, city=zushi)
    officer = register_officer(hr, zushi.id, valid_values(zushi.id, email="officer@zushi.example"), True)
    record = db.session.get(SpecialistLicence, (officer.id, term_id(Licence, "gijutsushi_construction")))
    assert record.status == "verified" and record.checked_by == "employer" and record.reviewed_by_id == hr.id
    assert verification.is_matchable(officer)


def test_changing_years_of_experience_undoes_their_check(make):
    from talentbank.specialists.profiles import update_profile, values_of
    cities = make.demo_cities()
    make.vocabulary()
    user = make.user(Role.SPECIALIST, email="years@example.jp")
    person = make.specialist(cities["142085"], user=user, email="years@example.jp", fields={"roads": 10},
                             name_kana="ねんすう たろう")
    assert person.experiences[0].verified_at is not None
    values = values_of(person)
    values.experiences = [(values.experiences[0][0], 30)]
    update_profile(user, person.id, values)
    db.session.expire_all()
    assert db.session.get(Specialist, person.id).experiences[0].verified_at is None


def test_candidate_search_shows_only_people_a_round_could_propose(make, client, auth):
    cities = make.demo_cities()
    make.vocabulary()
    checked = make.specialist(cities["142085"])
    unchecked = make.specialist(cities["142085"], verified=False, email_confirmed_at=clock.utcnow())
    hr = make.user(Role.CITY_HR, city=cities["141003"])
    auth.login(hr.email)
    page = client.get("/candidates/").text
    assert checked.reference in page and unchecked.reference not in page


# ---------------------------------------------------------------- abuse limits on sign-up and resend

@pytest.fixture
def limits(app):
    from talentbank.extensions import limiter

    saved = {key: value for key, value in app.config.items() if key.startswith("RATELIMIT_")}
    app.config["RATELIMIT_ENABLED"] = True
    limiter.reset()
    yield app.config.update
    app.config.update(saved)
    limiter.reset()


def test_sign_ups_are_limited_per_client_address_and_per_address(make, app, limits):
    cities = make.demo_cities()
    make.vocabulary()
    limits(RATELIMIT_SIGNUP="3 per hour", RATELIMIT_SIGNUP_ACCOUNT="2 per hour")
    bot = app.test_client()
    bot.environ_base["REMOTE_ADDR"] = "198.51.100.30"
    statuses = [bot.post("/signup", data=signup_form(cities["142085"].id, email=f"bot{n}@spam.example")).status_code
                for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert db.session.scalar(select(func.count()).select_from(Specialist)) == 3
    # one address tried from many places
    for n, expected in enumerate((200, 200, 429)):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n}"
        assert client.post("/signup", data=signup_form(cities["142085"].id, email="same@spam.example")).status_code \
            == expected
    assert "操作の回数が上限に達しました" in client.post("/signup", data=signup_form(
        cities["142085"].id, email="same@spam.example")).text


def test_confirmation_mails_are_limited_per_account(make, app, client, auth, limits):
    cities = make.demo_cities()
    make.vocabulary()
    limits(RATELIMIT_VERIFICATION_MAIL="100 per hour", RATELIMIT_VERIFICATION_MAIL_ACCOUNT="2 per hour")
    _sign_up(client, cities["142085"].id)
    auth.login("ichiro@example.jp", "correct-horse-42")
    assert [client.post("/me/confirmation-mail", data={}).status_code for _ in range(3)] == [302, 302, 429]
    sent = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == "specialist.confirm_email"))
    assert sent == 3  # the sign-up's and two resends
