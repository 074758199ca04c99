"""After-action notes: each side of an ended dispatch is asked once (the job), reminded once; shareable
notes are in the library, the others only for the dispatch's parties and the coordinating city."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from talentbank.core import clock
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.extensions import db
from talentbank.library import notes, services
from talentbank.library.models import LibraryEntry, NoteRequest
from talentbank.library.services import SearchFilters
from talentbank.notifications.models import Notification, OutboxMessage
from talentbank.scheduler.runner import run_job


@pytest.fixture
def ended(make, lib):
    """A retiree's dispatch to Zushi that ended last week; HR officers of Zushi and Kamakura; the person's account."""
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    today = clock.today_tokyo()
    person_account = make.user(Role.SPECIALIST, email="person@test.example", language="en")
    person = make.specialist(kamakura, user=person_account)
    request_ = make.staffing_request(zushi, start_date=today - timedelta(days=60), end_date=today - timedelta(days=7))
    dispatch = make.dispatch(person, request_, status="completed")
    return {"dispatch": dispatch, "person": person, "person_account": person_account,
            "zushi": zushi, "kamakura": kamakura,
            "zushi_hr": make.user(Role.CITY_HR, city=zushi), "kamakura_hr": make.user(Role.CITY_HR, city=kamakura),
            "coordinator": make.user(Role.COORDINATOR, city=zushi)}


def test_the_job_asks_each_side_once_and_tells_them(ended):
    result = run_job("library.request_notes")
    assert result.status == "succeeded" and result.summary_params == {"asked": 2, "reminded": 0}
    parties = set(db.session.scalars(select(NoteRequest.party).where(NoteRequest.dispatch_id == ended["dispatch"].id)))
    assert parties == {"receiving", "specialist"}  # a retiree: no sending city
    assert run_job("library.request_notes").summary_params == {"asked": 0, "reminded": 0}
    kinds = list(db.session.scalars(select(Notification.kind).where(Notification.user_id.in_(
        [ended["zushi_hr"].id, ended["person_account"].id]))))
    assert sorted(kinds) == ["library.note_requested", "library.note_requested"]
    # Kamakura is not a side and hears nothing.
    assert db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == ended["kamakura_hr"].id)) == 0
    # The person's mail is in their language.
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "person@test.example"))
    assert mail is not None and mail.language == "en"


def test_a_serving_officer_leg_asks_the_sending_city_too(make, lib):
    cities = make.demo_cities()
    zushi, yokosuka = cities["142085"], cities["142018"]
    officer = make.serving_officer(yokosuka)
    today = clock.today_tokyo()
    dispatch = make.dispatch(officer, make.staffing_request(zushi, start_date=today - timedelta(days=30),
                                                            end_date=today - timedelta(days=2)), status="completed")
    assert notes.request_notes() == 3
    sides = dict(db.session.execute(select(NoteRequest.party, NoteRequest.city_id).where(
        NoteRequest.dispatch_id == dispatch.id)).all())
    assert sides == {"receiving": zushi.id, "sending": yokosuka.id, "specialist": None}


def test_dispatches_not_ended_or_long_ago_are_not_asked(make, lib):
    zushi = make.demo_cities()["142085"]
    today = clock.today_tokyo()
    person = make.specialist(zushi)
    make.dispatch(person, make.staffing_request(zushi, start_date=today - timedelta(days=10),
                                                end_date=today + timedelta(days=10)), status="active")
    make.dispatch(person, make.staffing_request(zushi, start_date=today - timedelta(days=400),
                                                end_date=today - timedelta(days=300)), status="completed")
    assert notes.request_notes() == 0


def test_one_reminder_after_the_configured_days(ended, app_ctx):
    notes.request_notes()
    app_ctx.config["LIBRARY_NOTE_REMINDER_DAYS"] = 5
    try:
        assert notes.remind_notes(clock.utcnow() + timedelta(days=4)) == 0
        notes.write_note(ended["zushi_hr"], ended["dispatch"].id, title="振り返り", worked="法面の崩落の対応",
                         share="", is_shared=True)
        assert notes.remind_notes(clock.utcnow() + timedelta(days=6)) == 1  # only the person: Zushi wrote
        assert notes.remind_notes(clock.utcnow() + timedelta(days=30)) == 0
    finally:
        app_ctx.config["LIBRARY_NOTE_REMINDER_DAYS"] = 14
    reminders = list(db.session.scalars(select(Notification).where(Notification.kind == "library.note_reminder")))
    assert [n.user_id for n in reminders] == [ended["person_account"].id]


def test_a_shareable_note_is_found_by_everyone(ended, make):
    notes.request_notes()
    notes.write_note(ended["person_account"], ended["dispatch"].id, title="法面の応急対応",
                     worked="法面の崩落に土のうで対応した。", share="早めの通行止め。", is_shared=True)
    other = make.user(Role.SPECIALIST)
    for reader in (ended["kamakura_hr"], other, ended["coordinator"]):
        found = services.search_entries(reader, SearchFilters(query="崩落")).page.items
        assert [r.entry.title for r in found] == ["法面の応急対応"]


def test_a_private_note_is_kept_for_the_parties_and_the_coordinating_city(ended, make):
    notes.request_notes()
    entry = notes.write_note(ended["zushi_hr"], ended["dispatch"].id, title="内部の振り返り",
                             worked="法面の崩落の件で調整に時間がかかった。", share="", is_shared=False)
    for reader in (ended["zushi_hr"], ended["person_account"], ended["coordinator"]):
        assert [r.entry.id for r in services.search_entries(reader, SearchFilters(query="崩落")).page.items] == [entry.id]
        assert services.get_entry(reader, entry.id) == entry
    for outsider in (ended["kamakura_hr"], make.user(Role.SPECIALIST)):
        assert services.search_entries(outsider, SearchFilters(query="崩落")).page.items == []
        with pytest.raises(services.EntryNotFound):
            services.get_entry(outsider, entry.id)


def test_only_a_side_writes_and_only_after_the_end(ended, make):
    with pytest.raises(PermissionDenied):
        notes.write_note(ended["kamakura_hr"], ended["dispatch"].id, title="t", worked="w", share="", is_shared=True)
    with pytest.raises(PermissionDenied):
        notes.write_note(make.user(Role.SPECIALIST), ended["dispatch"].id, title="t", worked="w", share="",
                         is_shared=True)
    with pytest.raises(PermissionDenied):
        notes.write_note(ended["coordinator"], ended["dispatch"].id, title="t", worked="w", share="",
                         is_shared=True)
    running = make.dispatch(ended["person"], make.staffing_request(ended["zushi"], section="下水道課"), status="active")
    with pytest.raises(UserError):
        notes.write_note(ended["zushi_hr"], running.id, title="t", worked="w", share="", is_shared=True)
    with pytest.raises(UserError):
        notes.write_note(ended["zushi_hr"], ended["dispatch"].id, title="t", worked="", share="", is_shared=True)
    assert db.session.scalar(select(func.count(LibraryEntry.id))) == 0


def test_rewriting_a_note_updates_it_and_the_index(ended):
    notes.write_note(ended["zushi_hr"], ended["dispatch"].id, title="振り返り", worked="法面の崩落",
                     share="", is_shared=True)
    notes.write_note(ended["zushi_hr"], ended["dispatch"].id, title="振り返り", worked="下水道の更新",
                     share="", is_shared=False)
    assert db.session.scalar(select(func.count(LibraryEntry.id))) == 1
    assert services.search_entries(ended["kamakura_hr"], SearchFilters(query="下水道")).page.items == []
    assert services.search_entries(ended["coordinator"], SearchFilters(query="崩落")).page.items == []


def test_withdrawal_of_the_person_deletes_their_own_notes_only(ended):
    from talentbank.library.notes import forget_withdrawing_specialist

    mine = notes.write_note(ended["person_account"], ended["dispatch"].id, title="本人", worked="本人の言葉",
                            share="", is_shared=True)
    city = notes.write_note(ended["zushi_hr"], ended["dispatch"].id, title="市", worked="市の言葉", share="",
                            is_shared=True)
    mine_id, city_id = mine.id, city.id
    forget_withdrawing_specialist(ended["person"])
    db.session.commit()
    assert db.session.get(LibraryEntry, mine_id) is None
    assert db.session.get(LibraryEntry, city_id) is not None
    assert services.search_entries(ended["coordinator"], SearchFilters(query="本人の言葉")).page.items == []


def test_the_side_sees_what_waits_and_writes_it_on_the_page(ended, client, auth):
    notes.request_notes()
    assert notes.unanswered_count(ended["zushi_hr"]) == 1 and notes.unanswered_count(ended["kamakura_hr"]) == 0
    assert notes.unanswered_count(ended["coordinator"]) == 0
    auth.login(ended["zushi_hr"].email)
    page = client.get("/library/").get_data(as_text=True)
    assert f"/library/notes/{ended['dispatch'].id}" in page
    response = client.post(f"/library/notes/{ended['dispatch'].id}", data={
        "title": "法面の振り返り", "worked": "法面の崩落に早く対応できた。", "share": "", "is_shared": "y"})
    assert response.status_code == 302
    assert notes.unanswered_count(ended["zushi_hr"]) == 0
    refused = client.post(f"/library/notes/{ended['dispatch'].id}", data={"title": "", "worked": "", "share": ""})
    assert refused.status_code == 400 and "どちらかを書いてください" in refused.get_data(as_text=True)
    auth.logout()
    auth.login(ended["kamakura_hr"].email)
    assert client.get(f"/library/notes/{ended['dispatch'].id}").status_code == 403
    assert "法面の振り返り" in client.get("/library/?q=崩落").get_data(as_text=True)
