"""The training pages: posting through the form, registering, attendance, the record on the profile, English."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.training.models import TrainingRegistration, TrainingSession
from talentbank.vocabulary.models import Profession

NOW = datetime(2026, 12, 4, 1, 0)


@pytest.fixture(autouse=True)
def _frozen():
    clock.freeze(NOW)
    yield
    clock.freeze(None)


@pytest.fixture
def world(make):
    cities = make.demo_cities()
    make.vocabulary()
    fujisawa = cities["142051"]
    specialist_user = make.user(Role.SPECIALIST, email="retiree@test.example")
    return {"fujisawa": fujisawa, "hr": make.user(Role.CITY_HR, city=fujisawa, email="hr@test.example"),
            "other_hr": make.user(Role.CITY_HR, city=cities["142085"], email="zushi@test.example"),
            "coordinator": make.user(Role.COORDINATOR, email="coord@test.example"),
            "person": make.specialist(cities["142085"], user=specialist_user), "user": specialist_user}


def _form(make, **overrides):
    data = {"title": "法面点検の基礎", "description": "点検の手順", "day": "2026-12-20", "start_time": "13:30",
            "end_time": "16:00", "mode": "onsite", "place": "藤沢市役所", "online_url": "", "capacity": "1",
            "audience": "both", "profession_ids": [str(make.term(Profession, "civil").id)],
            "registration_deadline": "2026-12-18"}
    data.update(overrides)
    return data


def test_posting_registering_attendance_and_the_record_on_the_profile(client, auth, make, world):
    auth.login("hr@test.example")
    response = client.post("/training/new", data=_form(make))
    assert response.status_code == 302, response.text
    session = db.session.scalar(select(TrainingSession))
    assert session.starts_at == datetime(2026, 12, 20, 4, 30)
    auth.logout()

    auth.login("retiree@test.example")
    assert "この研修に申し込む" in client.get(f"/training/{session.id}").text
    client.post(f"/training/{session.id}/register")
    assert db.session.scalar(select(TrainingRegistration.status)) == "confirmed"
    assert "参加確定" in client.get(f"/training/{session.id}").text
    auth.logout()

    clock.freeze(datetime(2026, 12, 20, 5, 0))
    auth.login("hr@test.example")
    page = client.get(f"/training/{session.id}").text
    registration = db.session.scalar(select(TrainingRegistration))
    assert f'name="attendance-{registration.id}"' in page
    response = client.post(f"/training/{session.id}/attendance", data={f"attendance-{registration.id}": "attended"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(TrainingRegistration, registration.id).attendance == "attended"
    auth.logout()

    auth.login("retiree@test.example")
    me = client.get("/me").text
    assert 'id="training-record"' in me and "法面点検の基礎" in me and "2026-12-20" in me
    assert "<td>藤沢市</td>" in me  # the session's city, named from the cached rows
    auth.logout()
    auth.login("coord@test.example")
    detail = client.get(f"/specialists/{world['person'].id}").text
    assert 'id="training-record"' in detail and "法面点検の基礎" in detail


def test_a_bad_form_says_what_is_wrong_and_saves_nothing(client, auth, make, world):
    auth.login("hr@test.example")
    response = client.post("/training/new", data=_form(make, title="", capacity="abc", day="2026-13-45",
                                                      mode="online", profession_ids=["x"]))
    assert response.status_code == 400
    for message in ("研修名を入力してください。", "半角数字の整数で入力してください。",
                    "日付は YYYY-MM-DD の形式で入力してください（例: 2026-12-20）。"):
        assert message in response.text
    assert db.session.scalar(select(TrainingSession.id)) is None


def test_another_city_cannot_manage_and_a_specialist_cannot_post(client, auth, make, world):
    auth.login("hr@test.example")
    client.post("/training/new", data=_form(make))
    session = db.session.scalar(select(TrainingSession))
    auth.logout()
    auth.login("zushi@test.example")
    assert client.get(f"/training/{session.id}/edit").status_code == 403
    assert client.post(f"/training/{session.id}/attendance", data={}).status_code == 403
    auth.logout()
    auth.login("retiree@test.example")
    assert client.get("/training/new").status_code == 403


def test_waiting_list_shown_and_cancelling_moves_it_up(client, auth, make, world):
    auth.login("hr@test.example")
    client.post("/training/new", data=_form(make))
    session = db.session.scalar(select(TrainingSession))
    client.post(f"/training/{session.id}/register")  # the HR officer takes the one place
    auth.logout()
    auth.login("retiree@test.example")
    client.post(f"/training/{session.id}/register")
    page = client.get(f"/training/{session.id}").text
    assert "キャンセル待ち" in page and "（1番目）" in page
    auth.logout()
    auth.login("hr@test.example")
    own = db.session.scalar(select(TrainingRegistration).where(TrainingRegistration.user_id.is_not(None)))
    client.post(f"/training/registrations/{own.id}/cancel")
    db.session.expire_all()
    waiting = db.session.scalar(select(TrainingRegistration).where(TrainingRegistration.specialist_id.is_not(None)))
    assert waiting.status == "confirmed"


def test_the_pages_read_in_english(client, auth, make, world):
    auth.login("hr@test.example")
    client.post("/training/new", data=_form(make))
    session = db.session.scalar(select(TrainingSession))
    client.post("/lang/en", data={"next": "/"})
    for url in ("/training/", f"/training/{session.id}", "/training/new", f"/training/{session.id}/edit",
                f"/training/{session.id}/cancel", "/training/mine", "/training/?when=past"):
        text = client.get(url).text
        assert "Training" in text or "training" in text, url
        for japanese in ("研修を登録する", "申込者", "定員", "主催"):
            assert japanese not in text, (url, japanese)


def test_hr_registers_a_serving_officer_of_their_city_and_cancels_it(client, auth, make, world):
    officer = make.serving_officer(world["fujisawa"], name="藤沢 職員")
    stranger = make.serving_officer(world["other_hr"].city, name="逗子 職員")
    auth.login("hr@test.example")
    client.post("/training/new", data=_form(make, capacity="5"))
    session = db.session.scalar(select(TrainingSession))
    page = client.get(f"/training/{session.id}").text
    assert f'value="s{officer.id}"' in page and f'value="s{stranger.id}"' not in page
    client.post(f"/training/{session.id}/register-staff", data={"person": f"s{stranger.id}"})
    assert db.session.scalar(select(TrainingRegistration.id)) is None
    client.post(f"/training/{session.id}/register-staff", data={"person": f"s{officer.id}"})
    registration = db.session.scalar(select(TrainingRegistration))
    assert registration.specialist_id == officer.id and registration.status == "confirmed"
    assert "藤沢 職員" in client.get(f"/training/{session.id}").text
    client.post(f"/training/registrations/{registration.id}/cancel")
    db.session.expire_all()
    assert db.session.get(TrainingRegistration, registration.id).status == "cancelled"
    assert client.get("/training/mine").status_code == 200


def test_cancelling_and_removing_a_registration_through_the_pages(client, auth, make, world):
    """Both buttons share one block: 404 for no registration, 403 for someone else's, the form's errors and the
    service's refusals flashed, back to the session's page every time."""
    officer = make.serving_officer(world["fujisawa"], name="藤沢 職員")
    auth.login("hr@test.example")
    client.post("/training/new", data=_form(make, capacity="5"))
    session = db.session.scalar(select(TrainingSession))
    back = f"/training/{session.id}"
    client.post(f"/training/{session.id}/register-staff", data={"person": f"s{officer.id}"})
    client.post(f"/training/{session.id}/register")
    staff, own = (db.session.scalar(select(TrainingRegistration).where(column.is_not(None)))
                  for column in (TrainingRegistration.specialist_id, TrainingRegistration.user_id))
    assert client.post("/training/registrations/999999/cancel").status_code == 404
    assert client.post("/training/registrations/999999/remove").status_code == 404

    too_long = client.post(f"/training/registrations/{staff.id}/remove", data={"reason": "あ" * 1001})
    assert too_long.status_code == 302 and too_long.headers["Location"].endswith(back)
    db.session.expire_all()
    assert db.session.get(TrainingRegistration, staff.id).status == "confirmed"
    client.get(back)  # the form's error was flashed there

    removed = client.post(f"/training/registrations/{staff.id}/remove", data={"reason": "対象外のため"})
    assert removed.status_code == 302 and removed.headers["Location"].endswith(back)
    assert "申込を取り消し、本人に通知しました。" in client.get(back).text
    db.session.expire_all()
    assert db.session.get(TrainingRegistration, staff.id).status == "removed"
    again = client.post(f"/training/registrations/{staff.id}/remove", data={"reason": ""})
    assert again.headers["Location"].endswith(back)
    assert "この申込はすでに取り消されています。" in client.get(back).text

    cancelled = client.post(f"/training/registrations/{own.id}/cancel")
    assert cancelled.status_code == 302 and cancelled.headers["Location"].endswith(back)
    assert "申込を取り消しました。" in client.get(back).text
    client.post(f"/training/registrations/{own.id}/cancel")
    assert "この申込はすでに取り消されています。" in client.get(back).text
    auth.logout()

    auth.login("zushi@test.example")  # an HR officer of another city
    assert client.post(f"/training/registrations/{own.id}/remove", data={"reason": ""}).status_code == 403
    auth.logout()
    auth.login("retiree@test.example")
    assert client.post(f"/training/registrations/{own.id}/cancel").status_code == 403


def _city_options(page: str) -> list[str]:
    """The city choices of a page's ``city_id`` select, in order (their labels)."""
    select_ = re.search(r'<select[^>]*name="city_id".*?</select>', page, re.S)
    assert select_ is not None
    return [label for value, label in re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select_.group(0))]


def test_the_city_choices_are_the_member_cities_in_code_order(client, auth, make, world):
    make.city("132012", "八王子市", "Hachioji", is_member=False)  # a specialist's home town, not a member
    make.city("100000", "最初市", "Saisho")  # a member added after the others, first by its code
    auth.login("hr@test.example")
    listed = _city_options(client.get("/training/").text)
    assert listed[0] == "最初市" and "藤沢市" in listed and "逗子市" in listed and "八王子市" not in listed
    assert len(listed) == 9
    auth.logout()
    auth.login("coord@test.example")
    assert _city_options(client.get("/training/new").text) == listed
