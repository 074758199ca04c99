"""The coordinating city's audit log (/audit/): what a row says, who may read it, and its filters."""
from __future__ import annotations

import html
import re
from datetime import datetime

import pytest

from talentbank.audit import services as audit
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db


def entry_at(moment: datetime, action: str = "city.updated", **fields) -> None:
    """One committed audit entry written at ``moment`` (naive UTC, as the clock gives)."""
    clock.freeze(moment)
    audit.record(fields.pop("actor", None), action, fields.pop("entity_type", "city"), fields.pop("entity_id", 1),
                 **fields)
    db.session.commit()
    clock.freeze(None)


def rows(page) -> list[str]:
    """The text of each body row of the log's table, tags stripped."""
    body = page.text.split('<table class="grid" id="audit">', 1)[1].split("</tbody>", 1)[0]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in body.split("<tr>")[2:]]


@pytest.fixture
def coordinator(make, auth):
    user = make.user(Role.COORDINATOR, name="幹事 花子")
    auth.login(user.email)
    return user


def test_a_row_says_when_in_japan_who_what_from_what_to_what_and_why(make, client, coordinator):
    zushi = make.city()
    entry_at(datetime(2026, 12, 10, 14, 20, 8), actor=coordinator, city_id=zushi.id, entity_id=zushi.id,
             changes=audit.diff({"fiscal_index": "0.86"}, {"fiscal_index": "0.79"}), reason="令和5年度決算の反映",
             summary="逗子市")
    [row] = rows(client.get("/audit/"))
    assert row.startswith("2026-12-10 23:20 ")  # 14:20 UTC is 23:20 in Japan
    assert f"幹事 花子 <{coordinator.email}>（幹事市職員）" in row
    assert "市の指標の変更" in row and "逗子市" in row
    assert "財政力指数: 0.86 → 0.79" in row
    assert row.endswith("令和5年度決算の反映")


def test_changed_times_show_in_japan_time_not_as_stored_utc(make, client, coordinator):
    zushi = make.city()
    moment = datetime(2026, 12, 10, 14, 20, 8, 821270)
    entry_at(datetime(2026, 12, 11), "dispatch_offer.made", entity_type="offer",
             changes=audit.diff({}, {"deadline_at": moment, "is_member": True}), city_id=zushi.id)
    [row] = rows(client.get("/audit/"))
    assert "回答期限: — → 2026-12-10 23:20" in row
    assert "2026-12-10T14:20" not in row
    assert "連携市（マッチングの対象）: — → はい" in row


def test_newest_first_and_the_system_is_named_for_jobs(make, client, coordinator):
    entry_at(datetime(2026, 12, 1, 1), "request.expired", entity_type="request", entity_id=7)
    entry_at(datetime(2026, 12, 2, 1), "request.opened", entity_type="request", entity_id=8, actor=coordinator)
    first, second = rows(client.get("/audit/"))
    assert "派遣要請の公開" in first and "request #8" in first
    assert "派遣要請の期限切れ" in second and "システム" in second


def test_hr_officers_and_specialists_may_not_read_the_log(make, client, auth):
    zushi = make.city()
    entry_at(datetime(2026, 12, 1), reason="秘密の理由")
    for role, city in ((Role.CITY_HR, zushi), (Role.SPECIALIST, None)):
        auth.login(make.user(role, city=city).email)
        response = client.get("/audit/")
        assert response.status_code == 403
        assert "秘密の理由" not in response.text
        auth.logout()


def test_filter_by_action_and_by_city(make, client, coordinator):
    zushi = make.city()
    kamakura = make.city("142042", "鎌倉市", "Kamakura")
    entry_at(datetime(2026, 12, 1), "city.updated", city_id=zushi.id, reason="逗子の変更")
    entry_at(datetime(2026, 12, 2), "city.updated", city_id=kamakura.id, reason="鎌倉の変更")
    entry_at(datetime(2026, 12, 3), "travel.updated", entity_type="travel_times", city_id=None, reason="移動の変更")

    by_action = client.get("/audit/?action=city.updated")
    assert [r.rsplit(" ", 1)[1] for r in rows(by_action)] == ["鎌倉の変更", "逗子の変更"]
    assert re.search(r'<option value="city.updated"\s+selected>', by_action.text)

    by_city = client.get(f"/audit/?city_id={kamakura.id}")
    assert [r.rsplit(" ", 1)[1] for r in rows(by_city)] == ["鎌倉の変更"]
    assert "鎌倉市" in rows(by_city)[0]

    nothing = client.get("/audit/?action=account.locked")
    assert "該当する記録はありません。" in nothing.text


def test_the_action_list_offers_only_actions_in_the_log_by_name(make, client, coordinator):
    entry_at(datetime(2026, 12, 1), "travel.updated", entity_type="travel_times")
    page = client.get("/audit/")
    action_select = page.text.split('name="action"')[1].split("</select>")[0]
    options = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', action_select)
    assert options == [("", "すべて"), ("travel.updated", "移動時間の変更")]


def test_date_filter_takes_whole_days_in_japan(make, client, coordinator):
    # Japan is UTC+9: the 10th of December there runs from 15:00 UTC on the 9th to 15:00 UTC on the 10th.
    entry_at(datetime(2026, 12, 9, 14, 59), reason="9日の夜")
    entry_at(datetime(2026, 12, 9, 15, 0), reason="10日の始まり")
    entry_at(datetime(2026, 12, 10, 14, 59), reason="10日の終わり")
    entry_at(datetime(2026, 12, 10, 15, 0), reason="11日の始まり")

    def reasons(query: str) -> list[str]:
        return [r.rsplit(" ", 1)[1] for r in rows(client.get(f"/audit/?{query}"))]

    assert reasons("since=2026-12-10&until=2026-12-10") == ["10日の終わり", "10日の始まり"]
    assert reasons("since=2026-12-11") == ["11日の始まり"]
    assert reasons("until=2026-12-09") == ["9日の夜"]
    assert len(reasons("since=not-a-date")) == 4  # a bad date is no filter, not an error
    page = client.get("/audit/?since=2026-12-10")
    assert 'name="since" value="2026-12-10"' in page.text


def test_long_logs_are_paged_and_the_pager_keeps_the_filters(make, client, coordinator, app):
    zushi = make.city()
    for minute in range(app.config["PAGE_SIZE"] + 1):
        entry_at(datetime(2026, 12, 10, 1, minute), city_id=zushi.id, reason=f"変更{minute}")
    entry_at(datetime(2026, 12, 10, 2), "travel.updated", entity_type="travel_times", reason="別の操作")

    first = client.get("/audit/?action=city.updated")
    assert len(rows(first)) == app.config["PAGE_SIZE"]
    assert "1 / 2 ページ（全51件）" in first.text
    next_link = re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1).replace("&amp;", "&")
    assert "action=city.updated" in next_link and "page=2" in next_link

    second = client.get(next_link)
    assert [r.rsplit(" ", 1)[1] for r in rows(second)] == ["変更0"]
    assert "2 / 2 ページ（全51件）" in second.text
    assert 'rel="next"' not in second.text and 'rel="prev"' in second.text
    assert "該当する記録はありません。" in client.get("/audit/?page=9").text


def test_in_english_actions_and_fields_are_named_in_english_and_times_read_alike(make, client, coordinator):
    entry_at(datetime(2026, 12, 10, 14, 20), changes={"fiscal_index": ["0.86", "0.79"]})
    client.post("/lang/en", data={"next": "/audit/"})
    [row] = rows(client.get("/audit/"))
    assert row.startswith("2026-12-10 23:20 ")
    assert "City indicators changed" in row
    assert "Fiscal capability index: 0.86 → 0.79" in row
