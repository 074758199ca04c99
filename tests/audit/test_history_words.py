"""Every history reads as words in the page's language and in Japan time (audit/history.py).

Each kind of record is changed through its services or its pages, then its page (or the audit log) is read
in Japanese and in English: statuses and codes by their labels, times in Asia/Tokyo without microseconds or
ISO 'T', fields in their fixed order, terms and cities by name, nothing shown for nothing-to-nothing.
"""
from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from talentbank.audit import services as audit
from talentbank.audit.history import FIELD_ORDER, change_lines, ordered_fields
from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.dispatches import services as dispatches
from talentbank.exchange import services as exchange
from talentbank.exchange.rings import services as rings
from talentbank.extensions import db
from talentbank.matching import decisions, schedule
from talentbank.requests.models import StaffingRequest
from talentbank.specialists import profiles, verification
from talentbank.vocabulary.models import Licence, Profession

from ..requests.builders import form_data

ISO_T = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def history_of(page) -> str:
    """The text of the page's history table (request, offer, ring, dispatch) or of the audit log's table."""
    assert page.status_code == 200, page.status_code
    found = re.search(r'<table class="grid( history)?" id="(audit|dispatch-history)"|<table class="grid history">',
                      page.text)
    assert found, "no history table on the page"
    return text_of(page.text[found.start():].split("</table>", 1)[0])


def change_items(page) -> list[list[str]]:
    """Each entry's change lines, as the page lists them, entry by entry."""
    body = page.text[page.text.index("<tbody>"):].split("</tbody>", 1)[0]
    return [[text_of(li) for li in re.findall(r"<li>(.*?)</li>", ul, re.S)]
            for ul in re.findall(r'<ul class="changes">(.*?)</ul>', body, re.S)]


def in_english(client) -> None:
    client.post("/lang/en")


def in_japanese(client) -> None:
    client.post("/lang/ja")


def assert_no_raw_times(text: str) -> None:
    assert not ISO_T.search(text), text
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d+", text), text  # no microseconds


@pytest.fixture
def world(make):
    clock.freeze(datetime(2026, 11, 30, 1, 0))
    cities = make.demo_cities()
    make.vocabulary()
    zushi, kamakura = cities["142085"], cities["142042"]
    return {"cities": cities, "zushi": zushi, "kamakura": kamakura,
            "zushi_hr": make.user(Role.CITY_HR, city=zushi, name="逗子 人事"),
            "kamakura_hr": make.user(Role.CITY_HR, city=kamakura, name="鎌倉 人事"),
            "coordinator": make.user(Role.COORDINATOR, name="幹事 花子")}


# ----------------------------------------------------------------------------- staffing requests


def test_a_requests_history_reads_as_words_in_a_fixed_order_in_both_languages(make, client, auth, world):
    auth.login(world["zushi_hr"].email)
    # An ordinary request with no urgency reason and no internal notes: those stay empty, so unshown.
    client.post("/requests/new", data=form_data(make, urgency="ordinary", urgency_reason="", internal_notes="",
                                                people="1", days_per_week="3"))
    req = db.session.scalars(select(StaffingRequest)).one()
    client.post(f"/requests/{req.id}/open")

    page = client.get(f"/requests/{req.id}")
    history = history_of(page)
    assert "状態: 下書き → 募集中" in history
    assert "open" not in history and "draft" not in history
    created = change_items(page)[0]
    labels = [line.split(":", 1)[0] for line in created]
    # The creation entry reads like the form: status, then what is asked, in the declared order.
    assert labels[:4] == ["状態", "部署", "課・係", "職種"]
    assert labels.index("人数") < labels.index("開始日") < labels.index("終了日") < labels.index("週あたりの勤務日数")
    assert labels.index("週あたりの勤務日数") < labels.index("勤務形態") < labels.index("緊急度") < labels.index("業務内容")
    assert "人数: — → 1人" in created and "週あたりの勤務日数: — → 週3日" in created
    assert "緊急度: — → 通常" in created and "勤務形態: — → 現地勤務" in created
    assert "職種: — → 土木" in created
    assert "内部メモ" not in history and "緊急度の理由" not in history and "— → —" not in history
    assert_no_raw_times(history)

    in_english(client)
    page = client.get(f"/requests/{req.id}")
    history = history_of(page)
    assert "Status: Draft → Open" in history
    assert "Profession: — → Civil engineering" in history
    assert "1st-grade Civil Works Execution Manager" in history and "1級土木施工管理技士" not in history
    assert "Urgency: — → Ordinary" in history and "Work mode" in history
    assert "— → —" not in history


def test_in_english_days_and_people_are_counted_in_words(make, client, auth, world):
    """Plural wording through ngettext: needs the English catalogue to hold this module's plural entries."""
    auth.login(world["zushi_hr"].email)
    client.post("/requests/new", data=form_data(make, people="1", days_per_week="3"))
    req = db.session.scalars(select(StaffingRequest)).one()
    in_english(client)
    history = history_of(client.get(f"/requests/{req.id}"))
    assert "— → 3 days a week" in history and "— → 1 person" in history


# ----------------------------------------------------------------------------- exchange offers and rings


def _swap(make, world):
    zushi, kamakura = world["zushi"], world["kamakura"]
    civil = make.serving_officer(zushi, professions=("civil",))
    social = make.serving_officer(kamakura, professions=("social_welfare",))
    return civil, social


def test_an_exchange_offers_history_names_its_terms_and_yes_no_in_the_pages_language(make, client, auth, world):
    civil, _social = _swap(make, world)
    hr = world["zushi_hr"]
    today = clock.today_tokyo()
    social_welfare = make.term(Profession, "social_welfare")
    offer = exchange.create_offer(hr, exchange.OfferValues(
        officer_id=civil.id, start_date=today + timedelta(days=30), end_date=today + timedelta(days=395),
        is_one_way=False, wants_profession_id=social_welfare.id, notes=""))
    exchange.open_offer(hr, offer.id)
    auth.login(hr.email)

    page = client.get(f"/exchange/{offer.id}")
    history = history_of(page)
    assert "状態: 下書き → 募集中" in history
    assert f"見返りに求める職種: — → {social_welfare.name_ja}" in history
    assert "片道の派遣（見返りなし）: — → いいえ" in history
    assert "メモ" not in history and "— → —" not in history
    created = [line.split(":", 1)[0] for line in change_items(page)[0]]
    assert created == ["状態", "提供する職員", "開始日", "終了日", "片道の派遣（見返りなし）", "見返りに求める職種"]

    in_english(client)
    history = history_of(client.get(f"/exchange/{offer.id}"))
    assert "Status: Draft → Open" in history
    assert f"Profession wanted in return: — → {social_welfare.name_en}" in history
    assert "One-way secondment (nothing in return): — → No" in history


def test_a_rings_history_shows_its_statuses_as_labels_not_codes(make, client, auth, world):
    civil, social = _swap(make, world)
    offers = [make.exchange_offer(world["zushi"], civil, wants="social_welfare"),
              make.exchange_offer(world["kamakura"], social, wants="civil")]
    cycle = make.exchange_ring(offers, status="proposed")
    coordinator = world["coordinator"]
    rings.approve_ring(coordinator, cycle.id)
    db.session.commit()
    auth.login(world["zushi_hr"].email)

    history = history_of(client.get(f"/exchange-rings/{cycle.id}"))
    assert "状態: 提案中 → 承認済み（各市の確認待ち）" in history
    assert "proposed" not in history and "approved" not in history

    in_english(client)
    history = history_of(client.get(f"/exchange-rings/{cycle.id}"))
    assert "Status: Proposed → Approved (awaiting the cities' confirmation)" in history


# ----------------------------------------------------------------------------- offers to specialists and dispatches


def test_a_dispatchs_history_reads_the_deadline_in_japan_time_and_every_status_as_a_label(make, client, auth, world):
    clock.freeze(datetime(2026, 12, 3, 14, 20, 8, 821270))  # 23:20 in Japan
    person = make.specialist(world["kamakura"], user=make.user(Role.SPECIALIST, name="土木 太郎"))
    request = make.staffing_request(world["zushi"], people=1)
    proposal = make.approved_proposal(person, request, status="proposed")
    decisions.approve_proposal(world["coordinator"], proposal.id)  # the offer follows, with its deadline
    made = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "dispatch_offer.made"))
    deadline = datetime.fromisoformat(made.changes["deadline_at"][1])
    assert deadline.microsecond  # stored as the clock gave it, to the microsecond
    in_japan = deadline.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo("Asia/Tokyo"))
    offer_id = int(made.entity_id)
    dispatch = dispatches.accept_offer(person.user, offer_id)
    auth.login(world["coordinator"].email)

    history = history_of(client.get(f"/dispatches/{dispatch.id}"))
    assert f"回答期限: — → {in_japan:%Y-%m-%d %H:%M}" in history
    assert in_japan.strftime("%H:%M").endswith(":20")
    assert "状態: 提案中 → 承認済み" in history  # the pairing
    assert "状態: 回答待ち → 承諾" in history  # the offer
    assert "状態: — → 派遣予定" in history  # the dispatch
    assert_no_raw_times(history)

    in_english(client)
    history = history_of(client.get(f"/dispatches/{dispatch.id}"))
    assert f"Answer by: — → {in_japan:%Y-%m-%d %H:%M}" in history
    assert "Status: Awaiting answer → Accepted" in history and "Status: — → Scheduled" in history
    assert_no_raw_times(history)


# ----------------------------------------------------------------------------- the talent registry, in the audit log


def test_a_profiles_changes_in_the_audit_log_name_cities_and_licences_in_the_pages_language(make, client, auth,
                                                                                             world):
    coordinator = world["coordinator"]
    person = make.specialist(world["zushi"], licences=("civil_works_manager_1",))
    licence = make.term(Licence, "civil_works_manager_1")
    values = profiles.values_of(person)
    profiles.update_profile(coordinator, person.id, replace(values, home_city_id=world["kamakura"].id,
                                                            licence_ids=[], max_travel_minutes=60,
                                                            name_kana="たいしょく"))
    profiles.pause_specialist(coordinator, person.id, "本人の入院")
    auth.login(coordinator.email)

    page = client.get("/audit/?entity_type=specialist")
    log, changes = history_of(page), " ".join(sum(change_items(page), []))
    assert "状態: 登録中 → 一時停止中" in log
    assert "居住地: 逗子市 → 鎌倉市" in log
    assert f"資格・免許: {licence.name_ja} → —" in log
    assert "片道の移動時間の上限（分）: 90分 → 60分" in log
    assert "active" not in changes and "paused" not in changes and "civil_works_manager_1" not in changes

    in_english(client)
    log = history_of(client.get("/audit/?entity_type=specialist"))
    assert "Status: Active → Paused" in log
    assert "Zushi → Kamakura" in log and "逗子市" not in log
    assert f"{licence.name_en} → —" in log


def test_an_officer_registered_by_their_city_reads_kind_and_source_as_words(make, client, auth, world):
    template = profiles.values_of(make.specialist(world["kamakura"]))
    profiles.register_officer(world["zushi_hr"], world["zushi"].id,
                              replace(template, email="officer@test.example", name_kana="げんしょく"), True)
    auth.login(world["coordinator"].email)
    log = history_of(client.get("/audit/"))
    assert "区分: — → 現職職員" in log and "登録の経路: — → 人事担当者による登録" in log
    in_english(client)
    changes = " ".join(sum(change_items(client.get("/audit/")), []))
    assert "Type: — → Serving officer" in changes and "Registered via: — → Registered by an HR officer" in changes
    assert "serving" not in changes and ": — → hr" not in changes


def test_the_audit_logs_subjects_read_in_english_not_as_the_japanese_summary_written_then(make, client, auth,
                                                                                           world):
    auth.login(world["zushi_hr"].email)
    client.post("/requests/new", data=form_data(make, people="1", days_per_week="3"))
    req = db.session.scalars(select(StaffingRequest)).one()
    person = make.specialist(world["kamakura"], user=make.user(Role.SPECIALIST))
    proposal = make.approved_proposal(person, req, status="proposed")
    client.post(f"/requests/{req.id}/open")
    decisions.approve_proposal(world["coordinator"], proposal.id)
    auth.logout()
    auth.login(world["coordinator"].email)

    log = history_of(client.get("/audit/"))
    assert "道路・法面整備課 土木 1人" in log and "週3日" in log
    in_english(client)
    log = history_of(client.get("/audit/"))
    assert "道路・法面整備課 Civil engineering 1 person" in log
    assert f"{person.reference} → Zushi" in log and "3 days a week" in log
    assert f"{person.reference} → Staffing request No. {req.id}" in log
    assert "土木" not in log and "週3日" not in log and "逗子市" not in log
    assert f"Staffing requests #{req.id}" in log and "staffing_request" not in log
    assert f"<{world['coordinator'].email}> (Coordinating-city staff)" in log and "(coordinator)" not in log


def test_a_schedule_change_names_the_day_and_counts_minutes(make, client, auth, world):
    schedule.update_schedule(world["coordinator"], schedule.ScheduleValues(
        is_regular_enabled=True, weekday=2, week_of_month=1, hour=9, minute=0, is_fast_track_enabled=True,
        fast_track_delay_minutes=30), "会議の曜日に合わせる")
    auth.login(world["coordinator"].email)
    changes = change_items(client.get("/audit/"))[0]
    assert changes == ["曜日: 月曜日 → 水曜日", "緊急マッチングまでの待ち時間（分）: 10分 → 30分"]
    in_english(client)
    changes = change_items(client.get("/audit/"))[0]
    assert changes[0] == "Day of the week: Monday → Wednesday" and changes[1].endswith(": 10 minutes → 30 minutes")


def test_a_check_of_a_licence_and_of_experience_names_the_term_and_the_verdict(make, client, auth, world):
    person = make.specialist(world["zushi"], licences=("civil_works_manager_1",), fields={"roads": 12},
                             verified=False)
    licence = make.term(Licence, "civil_works_manager_1")
    experience = person.experiences[0]
    verification.decide(world["coordinator"], person.id, [
        verification.Decision("licence", licence.id, "verify"),
        verification.Decision("experience", experience.id, "reject", "在職証明と合わない")])
    auth.login(world["coordinator"].email)
    changes = sum(change_items(client.get("/audit/?entity_type=specialist")), [])
    assert f"資格・免許（{licence.name_ja}）: 未確認 → 確認済み" in changes
    assert f"経験分野（{experience.field.name_ja} 12年）: 未確認 → 確認できない" in changes
    in_english(client)
    changes = " ".join(sum(change_items(client.get("/audit/?entity_type=specialist")), []))
    assert f"Licences ({licence.name_en}): Not verified → Confirmed" in changes
    assert "pending" not in changes and "verified" not in changes.replace("Not verified", "")


# ----------------------------------------------------------------------------- the rules, one by one


def entry(changes, entity_type="staffing_request") -> AuditEntry:
    return AuditEntry(entity_type=entity_type, changes=changes, action="request.updated", actor_label="system")


def test_times_stored_in_utc_read_in_japan_with_or_without_microseconds_and_offsets(app_ctx, client):
    with app_ctx.test_request_context():
        for stored in ("2026-12-10T14:20:08.821270", "2026-12-10T14:20:08", "2026-12-10T14:20:08+00:00",
                       "2026-12-10T14:20:08Z", "2026-12-10T23:20:08.5+09:00", "2026-12-10 14:20"):
            [line] = change_lines(entry({"deadline_at": [None, stored]}, "dispatch_offer"))
            assert line.new == "2026-12-10 23:20", stored
        [line] = change_lines(entry({"start_date": ["2027-04-01", "2027-05-01"]}))
        assert (line.old, line.new) == ("2027-04-01", "2027-05-01")  # calendar dates stay as they are


def test_nothing_to_nothing_is_left_out_and_an_entry_of_only_that_shows_no_list(make, client, auth, world):
    with client.application.test_request_context():
        lines = change_lines(entry({"internal_notes": [None, ""], "desired_fields": ["", None], "ids": [[], None],
                                    "people": [None, 2]}))
        assert [line.field for line in lines] == ["people"]
    audit.record(world["coordinator"], "request.updated", "staffing_request", 1,
                 changes={"internal_notes": [None, ""], "urgency_reason": ["", None]})
    db.session.commit()
    auth.login(world["coordinator"].email)
    page = client.get("/audit/")
    assert '<ul class="changes">' not in page.text
    assert "— → —" not in history_of(page)


def test_known_fields_come_in_their_declared_order_and_unknown_ones_after_alphabetically(app_ctx):
    shuffled = ["zeta", "internal_notes", "status", "alpha", "people", "department"]
    assert ordered_fields("staffing_request", shuffled) == ["status", "department", "people", "internal_notes",
                                                             "alpha", "zeta"]
    assert ordered_fields("no_such_record", ["b", "a"]) == ["a", "b"]
    for entity_type, fields in FIELD_ORDER.items():
        assert len(set(fields)) == len(fields), entity_type  # one place per field


def test_yes_no_and_vocabulary_codes_follow_the_language(make, client, auth, world):
    audit.record(world["coordinator"], "city.updated", "city", world["zushi"].id, city_id=world["zushi"].id,
                 changes={"is_member": [False, True]})
    audit.record(world["coordinator"], "round.started", "matching_round", 1,
                 changes={"kind": [None, "manual"], "profession": [None, "civil"]})
    db.session.commit()
    auth.login(world["coordinator"].email)
    log = history_of(client.get("/audit/"))
    assert "連携市（マッチングの対象）: いいえ → はい" in log
    assert "職種: — → 土木" in log and "手動実行" in log
    in_english(client)
    log = history_of(client.get("/audit/"))
    assert ": No → Yes" in log
    assert "Profession: — → Civil engineering" in log
    in_japanese(client)


def test_a_term_whose_name_holds_a_comma_is_named_whole_and_lists_are_split(make, client, auth, world):
    db.session.add(Profession(code="plant", name_ja="電気,機械", name_en="Electrical and mechanical"))
    db.session.commit()
    with client.application.test_request_context():
        with force_locale("en"):
            [one] = change_lines(entry({"profession": [None, "電気,機械"]}))
            [many] = change_lines(entry({"professions": ["civil,plant", "plant"]}, "specialist"))
            [windows] = change_lines(entry({"availability": ["2027-04-01/2027-09-30,2028-04-01/2028-06-30", ""]},
                                           "specialist"))
    assert one.new == "Electrical and mechanical"
    assert (many.old, many.new) == ("Civil engineering, Electrical and mechanical", "Electrical and mechanical")
    assert (windows.old, windows.new) == ("2027-04-01 – 2027-09-30, 2028-04-01 – 2028-06-30", "—")
