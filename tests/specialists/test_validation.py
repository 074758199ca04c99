"""Every rule a profile must meet, each with the message a person sees."""
from __future__ import annotations

import pytest

from talentbank.specialists.validation import ProfileInvalid, validate_profile
from talentbank.core import clock
from talentbank.vocabulary.models import Licence, Profession

from .helpers import days, signup_form, valid_values


def problems(values) -> dict[str, list[str]]:
    try:
        validate_profile(values, clock.today_tokyo())
    except ProfileInvalid as exc:
        found: dict[str, list[str]] = {}
        for error in exc.errors:
            found.setdefault(error.field, []).append(str(error))
        return found
    return {}


@pytest.fixture
def zushi(make):
    make.vocabulary()
    return make.city()


def test_valid_values_pass(zushi):
    assert problems(valid_values(zushi.id)) == {}


def test_dates_must_be_in_order(zushi):
    found = problems(valid_values(zushi.id, windows=[(days(30), days(20))]))
    assert found == {"windows-0": ["勤務可能期間の終了日は開始日以降の日付にしてください（1件目の期間）。"]}


def test_a_window_needs_both_dates(zushi):
    found = problems(valid_values(zushi.id, windows=[(days(1), days(5)), (days(30), None)]))
    assert found == {"windows-1": ["勤務可能期間の開始日と終了日を両方入力してください（2件目の期間）。"]}


def test_a_window_already_over_is_refused(zushi):
    found = problems(valid_values(zushi.id, windows=[(days(-30), days(-1))]))
    assert found["windows-0"] == ["勤務可能期間がすでに終わっています。終了日は今日以降にしてください（1件目の期間）。"]


def test_overlapping_windows_are_refused_naming_both(zushi):
    found = problems(valid_values(zushi.id, windows=[(days(50), days(90)), (days(10), days(60))]))
    assert found == {"windows-1": ["勤務可能期間が重なっています（1件目と2件目の期間）。1つにまとめてください。"]}


def test_several_windows_are_allowed(zushi):
    assert problems(valid_values(zushi.id, windows=[(days(1), days(30)), (days(31), days(60)),
                                                    (days(200), days(400))])) == {}


def test_at_least_one_profession(zushi):
    assert problems(valid_values(zushi.id, profession_ids=[])) == {"profession_ids": ["職種を1つ以上選んでください。"]}


def test_unknown_or_retired_profession_is_refused(zushi, make):
    assert problems(valid_values(zushi.id, profession_ids=[999999])) == {
        "profession_ids": ["選択された職種の中に、登録されていない職種があります。"]}
    retired = make.term(Profession, "information")
    retired.is_active = False
    assert problems(valid_values(zushi.id, profession_ids=[retired.id])) == {
        "profession_ids": ["選択された職種の中に、登録されていない職種があります。"]}


@pytest.mark.parametrize("value", [0, 6, None])
def test_days_per_week_between_1_and_5(zushi, value):
    assert problems(valid_values(zushi.id, days_per_week=value)) == {
        "days_per_week": ["週あたりの勤務可能日数は1〜5日で入力してください。"]}


@pytest.mark.parametrize("value", [1, 5])
def test_days_per_week_bounds_are_accepted(zushi, value):
    assert problems(valid_values(zushi.id, days_per_week=value)) == {}


def test_only_known_licences(zushi, make):
    known = make.term(Licence, "architect_1")
    assert problems(valid_values(zushi.id, licence_ids=[known.id])) == {}
    assert problems(valid_values(zushi.id, licence_ids=[known.id, 424242])) == {
        "licence_ids": ["選択された資格の中に、登録されていない資格があります。"]}


def test_home_municipality_by_a_valid_code(zushi):
    # Miura (142107) is not in the registry: any municipality of the official list, by code or by name.
    assert problems(valid_values(None, home_city_code="142107")) == {}
    assert problems(valid_values(None, home_city_code="三浦市")) == {}
    assert problems(valid_values(None, home_city_code="142107", home_city_name="三浦市")) == {}
    assert problems(valid_values(None, home_city_code="142106")) == {
        "home_city_code": ["団体コード 142106 の検査数字が正しくありません。先頭5桁 14210 の検査数字は 7 です。"]}
    assert problems(valid_values(None, home_city_code="142212")) == {
        "home_city_code": ["団体コード 142212 の市区町村は全国地方公共団体コードの一覧にありません。"]}
    assert problems(valid_values(None, home_city_code="142107", home_city_name="葉山町")) == {
        "home_city_name": ["団体コード 142107 の市区町村名は「三浦市」です（入力: 葉山町）。"]}
    assert problems(valid_values(None)) == {
        "home_city_id": ["居住する市区町村を選ぶか、団体コードを入力してください。"]}


def test_a_known_code_needs_no_name(zushi):
    assert problems(valid_values(None, home_city_code="142085")) == {}


def test_names_contact_and_other_rules(zushi):
    found = problems(valid_values(zushi.id, name_kanji="", name_kana="Yokosuka", email="not-an-email",
                                  phone="abc", retirement_year=1900, can_work_onsite=False, can_work_remote=False,
                                  max_travel_minutes=601, excluded_city_ids=[zushi.id],
                                  preferred_city_ids=[zushi.id], notes="あ" * 2001))
    assert found == {
        "name_kanji": ["氏名を入力してください。"],
        "name_kana": ["ふりがなは、ひらがなまたはカタカナで入力してください。"],
        "email": ["メールアドレスの形式が正しくありません。"],
        "phone": ["電話番号は半角数字とハイフンで入力してください（例: 046-873-1111）。"],
        "retirement_year": [f"退職年は1950年から{clock.today_tokyo().year + 1}年までの西暦で入力してください。"],
        "can_work_onsite": ["勤務形態（現地勤務・在宅勤務）を1つ以上選んでください。"],
        "max_travel_minutes": ["移動時間の上限は0〜600分の整数で入力してください。"],
        "excluded_city_ids": ["同じ市を「除外する市」と「希望する市」の両方に選ぶことはできません。"],
        "notes": ["備考は2000文字以内で入力してください。"],
    }


def test_experience_rows(zushi, make):
    from talentbank.vocabulary.models import ExperienceField

    roads = make.term(ExperienceField, "roads").id
    found = problems(valid_values(zushi.id, experiences=[(roads, 10), (roads, 3), (None, 2), (roads, 61)]))
    assert found == {
        "experiences-1": ["同じ経験分野が2回入力されています（1件目と2件目の経験）。"],
        "experiences-2": ["経験分野を選んでください（3件目の経験）。"],
        "experiences-3": ["同じ経験分野が2回入力されています（1件目と4件目の経験）。",
                          "経験年数は0〜60年の整数で入力してください（4件目の経験）。"],
    }


def test_the_signup_page_shows_each_message_and_saves_nothing(make, client):
    from talentbank.accounts.models import User
    from talentbank.extensions import db
    from talentbank.specialists.models import Specialist

    make.vocabulary()
    zushi = make.city()
    response = client.post("/signup", data=signup_form(
        zushi.id, profession_ids=[], days_per_week="7", **{"windows-0-start_date": days(40).isoformat(),
                                                           "windows-0-end_date": days(20).isoformat()},
        licence_ids=["999999"], home_city_code="142086", consent=None) | {"home_city_id": "other"})
    assert response.status_code == 200
    page = response.text
    for message in ("職種を1つ以上選んでください。", "週あたりの勤務可能日数は1〜5日で入力してください。",
                    "勤務可能期間の終了日は開始日以降の日付にしてください（1件目の期間）。",
                    "選択された資格の中に、登録されていない資格があります。",
                    "団体コード 142086 の検査数字が正しくありません。先頭5桁 14208 の検査数字は 5 です。",
                    "登録には、上記の情報の取扱いへの同意が必要です。"):
        assert message in page, message
    assert "入力内容を確認してください（6件）。" in page
    assert db.session.scalar(db.select(db.func.count(Specialist.id))) == 0
    assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_the_signup_page_refuses_letters_for_numbers(make, client):
    make.vocabulary()
    zushi = make.city()
    response = client.post("/signup", data=signup_form(zushi.id, days_per_week="三"))
    assert "週あたりの勤務可能日数は半角の整数で入力してください。" in response.text
