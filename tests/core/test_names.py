"""Names are validated as names, by one rule (core/names.py) for every name field and for imports."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from talentbank.accounts.models import Invitation
from talentbank.core.names import name_problem, reading_problem
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.specialists import imports
from talentbank.specialists.models import Specialist

from ..specialists.helpers import signup_form
from ..specialists.test_import import csv_bytes, row

GOOD_NAMES = ["逗子 太郎", "佐々木 花子", "一ノ瀬 ヶ丘", "佐藤\u3000次郎", "ルーシー・モード", "Anne-Marie O'Brien",
              "d’Arcy", "J. R. Smith", "José Álvarez", "Nguyễn Văn An", "幹事市 調整担当", "ルイス＝ガルシア",
              "山田（旧姓 佐藤）花子", "〆木 一郎"]
BAD_NAMES = {
    "<b>x</b>": "HTML", "<script>alert(1)</script>": "HTML", "太郎&#60;": "HTML",
    "https://spam.example": "URL", "www.example.jp": "URL", "太郎 example.com": "URL",
    "12345": "数字や記号だけ", "---": "数字や記号だけ", "!!!": "数字や記号だけ",
    "太郎\n花子": "制御文字", "太郎\x00": "制御文字", "太郎\u200b": "制御文字",
    "太郎@example": "記号", "太郎 {x}": "記号", "太郎;": "記号", "A1234567": "数字や記号だけ",
}


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_real_names_are_accepted(name):
    assert name_problem(name) is None


@pytest.mark.parametrize(("name", "said"), BAD_NAMES.items())
def test_markup_addresses_symbols_and_control_characters_are_refused(name, said):
    problem = name_problem(name)
    assert problem is not None and said in problem[0] % problem[1]


def test_length_is_refused_with_the_count_not_cut():
    message, params = name_problem("あ" * 101)
    assert message % params == "氏名は100文字以内で入力してください（いまは101文字）。"


@pytest.mark.parametrize("reading", ["ずし たろう", "ささき\u3000はなこ", "ルーシー・モード", "スミス ジョン"])
def test_kana_readings_are_accepted(reading):
    assert reading_problem(reading) is None


@pytest.mark.parametrize("reading", ["逗子", "zushi", "<b>ずし</b>", "ずし1"])
def test_readings_must_be_kana(reading):
    assert reading_problem(reading) is not None


def test_the_signup_form_refuses_markup_in_a_name_and_saves_nothing(make, client):
    make.vocabulary()
    zushi = make.city()
    page = client.post("/signup", data=signup_form(zushi.id, name_kanji="<b>x</b>")).text
    assert "氏名にHTMLのタグや記号（&lt; &gt;）は使えません。" in page
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="name_kanji"[^>]*>', page).group(0)
    assert db.session.scalar(select(func.count(Specialist.id))) == 0


def test_the_signup_form_accepts_a_name_with_iteration_mark_and_a_katakana_reading(make, client):
    make.vocabulary()
    zushi = make.city()
    response = client.post("/signup", data=signup_form(zushi.id, name_kanji="佐々木\u3000ヶ一", name_kana="ササキ ケイチ"))
    assert response.status_code in (200, 302)
    assert "氏名に" not in response.text and "ふりがなは" not in response.text


def test_an_invitation_refuses_a_script_tag_as_a_name(make, client, auth):
    zushi = make.city()
    auth.login(make.user(Role.COORDINATOR).email)
    page = client.post("/users/invite", data={"email": "a@test.example", "display_name": "<script>x</script>",
                                              "role": "city_hr", "city_id": zushi.id}).text
    assert "氏名にHTMLのタグや記号（&lt; &gt;）は使えません。" in page
    assert db.session.scalar(select(func.count(Invitation.id))) == 0


def test_the_service_refuses_what_the_form_would(make):
    from talentbank.accounts import services
    from talentbank.core.errors import UserError

    coordinator = make.user(Role.COORDINATOR)
    with pytest.raises(UserError, match="URL"):
        services.invite_user(coordinator, "b@test.example", "https://spam.example", "coordinator", None)


def test_an_import_reports_a_bad_name_on_its_row(make):
    make.vocabulary()
    make.demo_cities()
    coordinator = make.user(Role.COORDINATOR)
    content = csv_bytes([row(1), row(2, **{"氏名": "<b>取込</b>"}), row(3, **{"氏名": "0120-000-000"})])
    preview = imports.preview_import(coordinator, "list.csv", content)
    assert [(p.row, p.column) for p in preview.problems] == [(3, "氏名"), (4, "氏名")]
    assert "HTML" in preview.problems[0].message and "数字や記号だけ" in preview.problems[1].message
    assert not preview.is_valid


def test_a_dispatch_contact_person_is_a_name_too():
    from datetime import date
    from types import SimpleNamespace

    from talentbank.dispatches.arrival import ArrivalValues, validate_arrival

    dispatch = SimpleNamespace(start_date=date(2027, 4, 1), end_date=date(2028, 3, 31))

    def problems(name: str) -> dict[str, str]:
        values = ArrivalValues(name, "046-873-1111", "", "逗子市役所 3階", date(2027, 4, 1), None, "")
        return {p.field: str(p) for p in validate_arrival(values, dispatch)}

    assert problems("逗子 花子") == {}
    assert "HTML" in problems("<script>x</script>")["contact_name"]
    assert "URL" in problems("http://spam.example")["contact_name"]
