"""The registry holds official municipalities only: the coordinator's "add", home towns, suggestions, HR filters."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.cities import services
from talentbank.cities.models import City
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.extensions import db


def new_city_form(**overrides):
    data = {"code": "142107", "name_ja": "三浦市", "name_en": "Miura", "prefecture": "神奈川県",
            "population": "42000", "general_staff": "350", "allowance_rate": "6", "fiscal_index": "0.6",
            "indicators_year": "2024", "is_member": "y", "reason": "連携協定の締結"}
    data.update(overrides)
    return data


def city_count() -> int:
    return db.session.scalar(select(func.count()).select_from(City))


# ----------------------------------------------------------------------------- the coordinator adds a city


def test_coordinator_adds_an_official_municipality(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    response = client.post("/cities/new", data=new_city_form(), follow_redirects=True)
    assert "三浦市を登録しました。" in response.text
    city = db.session.scalars(select(City).where(City.code == "142107")).one()
    assert (city.name_ja, city.prefecture, city.is_member) == ("三浦市", "神奈川県", True)


def test_a_code_that_is_not_in_the_official_list_is_refused(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    response = client.post("/cities/new", data=new_city_form(code="142212"))  # right check digit, no such city
    assert "団体コード 142212 の市区町村は全国地方公共団体コードの一覧にありません。" in response.text
    assert city_count() == 0


def test_a_name_or_prefecture_that_is_not_the_codes_is_refused_naming_the_official_one(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    response = client.post("/cities/new", data=new_city_form(name_ja="葉山町"))
    assert "団体コード 142107 の市区町村名は「三浦市」です（入力: 葉山町）。" in response.text
    response = client.post("/cities/new", data=new_city_form(prefecture="東京都"))
    assert "団体コード 142107 の三浦市は神奈川県にあります（入力: 東京都）。" in response.text
    assert city_count() == 0


def test_blank_names_are_filled_from_the_official_list_and_the_official_spelling_is_kept(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    page = client.get("/cities/new?code=１４２０７７")
    assert 'value="142077"' in page.text and 'value="茅ヶ崎市"' in page.text and 'value="神奈川県"' in page.text
    assert "data-municipality-search=" in page.text and "cities/municipality_search.js" in page.text
    client.post("/cities/new", data=new_city_form(code="142077", name_ja="", name_en="", prefecture=""))
    chigasaki = db.session.scalars(select(City).where(City.code == "142077")).one()
    assert (chigasaki.name_ja, chigasaki.name_en, chigasaki.prefecture) == ("茅ヶ崎市", "Chigasaki", "神奈川県")
    client.post("/cities/new", data=new_city_form(code="082082", name_ja="龍ヶ崎市", name_en="Ryugasaki",
                                                  prefecture="茨城県"))
    assert db.session.scalars(select(City).where(City.code == "082082")).one().name_ja == "龍ケ崎市"


def test_renaming_a_city_to_another_municipalitys_name_is_refused(make, client, auth):
    zushi = make.city()
    auth.login(make.user(Role.COORDINATOR).email)
    data = new_city_form(code="142085", name_ja="逗子町", name_en="Zushi", population="57425",
                         fiscal_index="0.86", allowance_rate="10")
    response = client.post(f"/cities/{zushi.id}/edit", data=data)
    assert "団体コード 142085 の市区町村名は「逗子市」です（入力: 逗子町）。" in response.text
    db.session.expire_all()
    assert db.session.get(City, zushi.id).name_ja == "逗子市"


def test_only_the_coordinating_city_may_add_a_city(make, client, auth):
    zushi = make.city()
    hr = make.user(Role.CITY_HR, city=zushi)
    values = services.CityValues(code="142107", name_ja="三浦市", name_en="Miura", prefecture="神奈川県",
                                 population=42000, general_staff=350, allowance_rate=Decimal("6"),
                                 fiscal_index=Decimal("0.6"), indicators_year=2024)
    with pytest.raises(PermissionDenied):
        services.create_city(hr, values, "x")
    auth.login(hr.email)
    assert client.get("/cities/new").status_code == 403
    assert client.post("/cities/new", data=new_city_form()).status_code == 403
    assert city_count() == 1


# ----------------------------------------------------------------------------- a specialist's home town


def test_home_municipality_adds_an_official_non_member_once_and_audits_it(make):
    coordinator = make.user(Role.COORDINATOR)
    city_id = services.home_municipality_city_id(coordinator, "１４３０１４")
    db.session.commit()
    hayama = db.session.get(City, city_id)
    assert (hayama.code, hayama.name_ja, hayama.name_en, hayama.prefecture) == ("143014", "葉山町", "Hayama", "神奈川県")
    assert (hayama.is_member, hayama.is_coordinating, hayama.population, hayama.is_sample_indicators) == (
        False, False, 1, True)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "city.created")).one()
    assert entry.changes == {"code": [None, "143014"], "name_ja": [None, "葉山町"], "is_member": [None, False]}
    assert services.home_municipality_city_id(None, "143014") == city_id  # a sign-up has no actor yet
    assert city_count() == 1


def test_home_municipality_returns_a_member_city_as_it_is(make):
    zushi = make.city()
    assert services.home_municipality_city_id(None, "142085") == zushi.id
    assert services.home_municipality_city_id(None, "神奈川県逗子市") == zushi.id


@pytest.mark.parametrize(("code", "says"), [
    ("142212", "全国地方公共団体コードの一覧にありません"),
    ("142086", "検査数字が正しくありません"),
    ("", "市区町村名または団体コードを入力してください。"),
    ("伊達市", "複数あります"),
])
def test_home_municipality_refuses_what_is_not_one_official_municipality(make, code, says):
    with pytest.raises(UserError) as caught:
        services.home_municipality_city_id(None, code)
    assert says in str(caught.value)
    assert caught.value.field == "home_city_code"
    assert city_count() == 0


# ----------------------------------------------------------------------------- suggestions for sign-up forms


def test_suggestions_are_public_json_in_the_users_language(client, app_ctx):
    response = client.get("/cities/municipalities/search?q=ずし")
    assert response.status_code == 200 and response.is_json
    assert response.json[0] == {"code": "142085", "label": "神奈川県 逗子市", "name_ja": "逗子市", "name_en": "Zushi",
                                "prefecture": "神奈川県"}
    client.post("/lang/en")
    response = client.get("/cities/municipalities/search?q=１４２０８")
    assert [item["label"] for item in response.json] == ["Zushi, Kanagawa"]
    assert len(client.get("/cities/municipalities/search?q=%E5%B8%82").json) == 20  # 市


@pytest.mark.parametrize("query", ["", "q=", "q=%00", "q=%FF%FE", "q=" + "x" * 5000, "q=%25", "q=1&q=2",
                                   "q=%E2%80%AE", "q=" + "%F0%9F%98%80" * 40, "q=' OR 1=1 --"])
def test_junk_never_breaks_the_suggestions(client, app_ctx, query):
    response = client.get("/cities/municipalities/search?" + query)
    assert response.status_code == 200
    assert isinstance(response.json, list) and len(response.json) <= 20


def test_a_name_of_two_prefectures_suggests_both(client, app_ctx):
    response = client.get("/cities/municipalities/search?q=横浜")
    assert {item["code"] for item in response.json} == {"024066", "141003"}


# ----------------------------------------------------------------------------- HR officers see member cities only


@pytest.mark.parametrize("url", ["/cities/", "/requests/board", "/requests/", "/exchange/", "/dispatches/"])
def test_hr_officers_screens_list_no_home_town_of_a_specialist(make, client, auth, url):
    cities = make.demo_cities()
    make.city("143014", "葉山町", "Hayama", is_member=False)
    auth.login(make.user(Role.CITY_HR, city=cities["142085"]).email)
    response = client.get(url)
    assert response.status_code == 200
    assert "葉山町" not in response.text and "Hayama" not in response.text


def test_the_coordinating_city_sees_home_towns_in_the_registry(make, client, auth):
    make.demo_cities()
    make.city("143014", "葉山町", "Hayama", is_member=False)
    auth.login(make.user(Role.COORDINATOR).email)
    assert "葉山町" in client.get("/cities/").text
