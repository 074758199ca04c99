from decimal import Decimal

from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.cities.models import City, TravelTime
from talentbank.core.permissions import Role
from talentbank.extensions import db


def city_form(city: City, **overrides):
    data = {
        "code": city.code, "name_ja": city.name_ja, "name_en": city.name_en, "prefecture": city.prefecture,
        "population": city.population, "general_staff": city.general_staff,
        "allowance_rate": str(city.allowance_rate), "fiscal_index": str(city.fiscal_index),
        "indicators_year": city.indicators_year, "is_member": "y", "reason": "令和5年度決算の反映",
    }
    data.update(overrides)
    return data


def test_coordinator_edits_fiscal_index_and_the_change_is_audited(make, client, auth):
    zushi = make.city()
    coordinator = make.user(Role.COORDINATOR)
    auth.login(coordinator.email)
    response = client.post(f"/cities/{zushi.id}/edit", data=city_form(zushi, fiscal_index="0.790"),
                           follow_redirects=True)
    assert response.status_code == 200
    assert "逗子市の指標を更新しました。" in response.text
    db.session.expire_all()
    assert db.session.get(City, zushi.id).fiscal_index == Decimal("0.790")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "city.updated")).one()
    assert entry.changes == {"fiscal_index": ["0.86", "0.79"]}
    assert entry.reason == "令和5年度決算の反映"
    assert entry.actor_id == coordinator.id
    audit_page = client.get(f"/audit/?city_id={zushi.id}")
    assert "財政力指数: 0.86 → 0.79" in audit_page.text


def test_wrong_code_is_refused_with_the_reason_and_nothing_is_saved(make, client, auth):
    zushi = make.city()
    auth.login(make.user(Role.COORDINATOR).email)
    response = client.post(f"/cities/{zushi.id}/edit", data=city_form(zushi, code="142086", fiscal_index="0.5"))
    assert response.status_code == 200
    assert "検査数字は 5 です" in response.text
    db.session.expire_all()
    assert db.session.get(City, zushi.id).fiscal_index == Decimal("0.860")
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "city.updated")) is None


def test_out_of_range_indicators_and_missing_reason_are_refused(make, client, auth):
    zushi = make.city()
    auth.login(make.user(Role.COORDINATOR).email)
    response = client.post(f"/cities/{zushi.id}/edit",
                           data=city_form(zushi, fiscal_index="4", allowance_rate="-1", population="0", reason=""))
    text = response.text
    assert "財政力指数は0〜3の範囲で入力してください。" in text
    assert "地域手当支給率は0〜30の範囲（単位: パーセント）で入力してください。" in text
    assert "人口は1以上の整数で入力してください。" in text
    assert "変更理由を入力してください。" in text
    db.session.expire_all()
    assert db.session.get(City, zushi.id).population == 57425


def test_hr_officer_cannot_edit_indicators(make, client, auth):
    zushi = make.city()
    kamakura = make.city("142042", "鎌倉市", "Kamakura", population=173019)
    auth.login(make.user(Role.CITY_HR, city=kamakura).email)
    assert client.get(f"/cities/{zushi.id}/edit").status_code == 403
    response = client.post(f"/cities/{zushi.id}/edit", data=city_form(zushi, fiscal_index="0.1"))
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(City, zushi.id).fiscal_index == Decimal("0.860")
    assert client.get("/cities/").status_code == 200  # but may read them


def test_new_municipality_with_duplicate_code_is_refused(make, client, auth):
    make.city()
    auth.login(make.user(Role.COORDINATOR).email)
    data = city_form(make.city("142042", "鎌倉市", "Kamakura"), code="142085", name_ja="重複市")
    response = client.post("/cities/new", data=data)
    assert "団体コード 142085 の市町村は既に登録されています。" in response.text


def test_travel_matrix_edit_is_audited_and_symmetric(make, client, auth):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    auth.login(make.user(Role.COORDINATOR).email)
    low, high = sorted((zushi.id, kamakura.id))
    response = client.post("/cities/travel", data={f"t-{low}-{high}": "33", "reason": "バス路線の変更"},
                           follow_redirects=True)
    assert "移動時間を1件更新しました。" in response.text
    row = db.session.scalars(select(TravelTime).where(TravelTime.from_city_id == low,
                                                      TravelTime.to_city_id == high)).one()
    assert row.minutes == 33
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "travel.updated")).one()
    assert list(entry.changes.values())[0][1] == 33


def test_travel_matrix_rejects_non_numbers_and_saves_nothing(make, client, auth):
    cities = make.demo_cities()
    ids = sorted(c.id for c in cities.values())
    auth.login(make.user(Role.COORDINATOR).email)
    before = {(t.from_city_id, t.to_city_id): t.minutes for t in db.session.scalars(select(TravelTime))}
    response = client.post("/cities/travel", data={f"t-{ids[0]}-{ids[1]}": "10", f"t-{ids[0]}-{ids[2]}": "abc",
                                                   "reason": "x"})
    assert "入力値: abc" in response.text
    db.session.expire_all()
    after = {(t.from_city_id, t.to_city_id): t.minutes for t in db.session.scalars(select(TravelTime))}
    assert before == after
