"""First accept wins, the thread and its attachments, time, closing, publishing, notices and who may do what."""
from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.consultations import services
from talentbank.consultations.models import Consultation, ConsultationMessage
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied
from talentbank.extensions import db
from talentbank.library.models import LibraryEntry
from talentbank.notifications.models import Notification
from werkzeug.datastructures import FileStorage

from .conftest import offered_ids


def kinds(user_id: int) -> list[str]:
    return [n.kind for n in db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                               .order_by(Notification.id))]


def upload(name: str, content: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(content), filename=name)


def docx_bytes(macro: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macro:
            archive.writestr("word/vbaProject.bin", b"\0")
    return out.getvalue()


@pytest.fixture
def taken(world):
    first, second = world.adviser(), world.adviser()
    c = world.post()
    assert set(offered_ids(c)) == {first.id, second.id}
    services.accept(first.user, c.id)
    return c, first, second


def test_first_accept_wins_and_the_others_are_told(world, taken):
    c, first, second = taken
    assert c.status == "taken" and c.specialist_id == first.id
    with pytest.raises(UserError, match="すでに他の専門人材が引き受けました"):
        services.accept(second.user, c.id)
    statuses = {o.specialist_id: o.status for o in c.offers}
    assert statuses == {first.id: "accepted", second.id: "taken_by_other"}
    assert "consultation.accepted" in kinds(first.user_id)
    assert "consultation.taken_by_other" in kinds(second.user_id)
    assert "consultation.taken" in kinds(world.zushi_hr.id)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "consultation.taken"))


def test_accept_is_one_guarded_update(world):
    """Two accepts racing: the loser's UPDATE finds the consultation no longer open."""
    first, second = world.adviser(), world.adviser()
    c = world.post()
    db.session.execute(Consultation.__table__.update().where(Consultation.id == c.id)
                       .values(status="taken", specialist_id=first.id))  # the other request won meanwhile
    db.session.commit()
    with pytest.raises(UserError, match="すでに他の専門人材が引き受けました"):
        services.accept(second.user, c.id)


def test_the_guarded_update_decides_a_race(world, monkeypatch):
    """Both read the consultation as open; the other request's UPDATE lands first: this one finds it taken."""
    first, second = world.adviser(), world.adviser()
    c = world.post()
    real = services.matching.fits_cap

    def other_request_wins(person, hours):
        db.session.execute(Consultation.__table__.update().where(Consultation.id == c.id)
                           .values(status="taken", specialist_id=first.id))
        db.session.commit()  # the other request's transaction
        return real(person, hours)

    monkeypatch.setattr(services.matching, "fits_cap", other_request_wins)
    with pytest.raises(UserError, match="すでに他の専門人材が引き受けました"):
        services.accept(second.user, c.id)
    assert db.session.get(Consultation, c.id).specialist_id == first.id


def test_accepting_rechecks_the_monthly_cap(world):
    person = world.adviser(cap=10)
    c = world.post()
    person.advice_hours_per_month = 1
    db.session.commit()
    with pytest.raises(UserError, match="上限"):
        services.accept(person.user, c.id)
    assert db.session.get(Consultation, c.id).status == "open"


def test_someone_not_offered_cannot_accept(world, taken):
    c, _first, _second = taken
    stranger = world.adviser()
    with pytest.raises(UserError):
        services.accept(stranger.user, c.id)
    with pytest.raises(PermissionDenied):
        services.accept(world.zushi_hr, c.id)


def test_thread_with_attachments_and_checks(world, taken, tmp_path, app):
    c, first, second = taken
    app.config["CONSULTATION_FILES_DIR"] = str(tmp_path)
    services.post_message(world.zushi_hr, c.id, "現場の写真と図面を添付します。", upload("zumen.pdf", b"%PDF-1.4 test"))
    services.post_message(first.user, c.id, "排水の確保を先に。", upload("memo.docx", docx_bytes()))
    services.post_message(first.user, c.id, "表です", upload("hyou.csv", "地点,延長\n1,20\n".encode()))
    assert [m.side for m in c.messages] == ["city", "specialist", "specialist"]
    assert "consultation.message" in kinds(first.user_id) and "consultation.message" in kinds(world.zushi_hr.id)
    for name, content, message in (
            ("virus.exe", b"MZ...", "だけです"),
            ("fake.pdf", b"<html>", "一致しません"),
            ("macro.docx", docx_bytes(macro=True), "一致しません"),
            ("bin.txt", b"\x00\x01\x02", "一致しません")):
        with pytest.raises(UserError, match=message):
            services.post_message(world.zushi_hr, c.id, "", upload(name, content))
    app.config["CONSULTATION_ATTACHMENT_MAX_BYTES"] = 10
    with pytest.raises(UserError, match="大きすぎます"):
        services.post_message(world.zushi_hr, c.id, "", upload("big.pdf", b"%PDF-" + b"x" * 20))
    with pytest.raises(UserError, match="メッセージを入力"):
        services.post_message(world.zushi_hr, c.id, "  ")
    assert len(c.messages) == 3
    # Who may write and read: not the other city, not the specialist who lost, not a specialist never offered.
    with pytest.raises(PermissionDenied):
        services.post_message(world.kamakura_hr, c.id, "横から失礼します")
    with pytest.raises(PermissionDenied):
        services.post_message(second.user, c.id, "私も")
    pdf = c.messages[0]
    with pytest.raises(PermissionDenied):
        services.open_attachment(world.kamakura_hr, c.id, pdf.id)
    with pytest.raises(PermissionDenied):
        services.open_attachment(second.user, c.id, pdf.id)
    for reader in (world.zushi_hr, first.user, world.coordinator):
        message, path = services.open_attachment(reader, c.id, pdf.id)
        assert path.read_bytes() == b"%PDF-1.4 test" and path.parent == tmp_path
    opened = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "consultation.attachment_opened")).all()
    assert len(opened) == 3


def test_pages_of_the_thread(world, taken, client, auth, tmp_path, app):
    c, first, _second = taken
    app.config["CONSULTATION_FILES_DIR"] = str(tmp_path)
    auth.login("hr@zushi.test")
    response = client.post(f"/consultations/{c.id}/messages", data={
        "body": "資料です", "attachment": (io.BytesIO(b"GIF89a"), "x.png")}, content_type="multipart/form-data")
    assert response.status_code == 400 and "一致しません" in response.get_data(as_text=True)
    response = client.post(f"/consultations/{c.id}/messages", data={
        "body": "資料です", "attachment": (io.BytesIO(b"%PDF-1.5"), "shiryou.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    message = db.session.scalar(select(ConsultationMessage))
    download = client.get(f"/consultations/{c.id}/files/{message.id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.5"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/consultations/999999").status_code == 404
    auth.logout()
    auth.login("hr@kamakura.test")
    assert client.get(f"/consultations/{c.id}").status_code == 403
    assert client.get(f"/consultations/{c.id}/files/{message.id}").status_code == 403


def test_time_closing_and_publishing(world, taken):
    c, first, _second = taken
    for bad in ("", "abc", "0", "100", "1.3", "NaN", "1e3"):
        with pytest.raises(UserError):
            services.record_time(first.user, c.id, bad)
    services.record_time(first.user, c.id, "1.5")
    assert c.hours_spent == Decimal("1.5")
    with pytest.raises(PermissionDenied):
        services.close(first.user, c.id, "要約", "", publish=False)  # the city closes
    with pytest.raises(UserError, match="要約"):
        services.close(world.zushi_hr, c.id, "  ", "", publish=False)
    services.close(world.zushi_hr, c.id, "法面の崩落では排水の確保を最優先にする。", "", publish=True)
    assert c.status == "closed" and c.hours_spent == Decimal("1.5") and c.published_at is not None
    entry = db.session.scalar(select(LibraryEntry).where(LibraryEntry.source_key == f"consultation:{c.id}"))
    assert entry.kind == "consultation" and "法面の崩落" in entry.body and entry.city_id == c.city_id
    assert "consultation.closed" in kinds(first.user_id)
    from talentbank.library import services as library

    for query in ("法面", "排水の"):  # Kamakura finds Zushi's published summary with two or three characters
        found = library.search_entries(world.kamakura_hr, library.SearchFilters(query=query), 1)
        assert [r.entry.id for r in found.page.items] == [entry.id], query
    with pytest.raises(UserError):
        services.post_message(first.user, c.id, "まだ話があります")
    with pytest.raises(UserError):
        services.record_time(first.user, c.id, "2")


def test_publish_later_and_only_closed(world, taken):
    c, _first, _second = taken
    with pytest.raises(UserError):
        services.publish(world.zushi_hr, c.id)
    services.close(world.zushi_hr, c.id, "要約です", "2", publish=False)
    assert db.session.scalar(select(LibraryEntry)) is None
    with pytest.raises(PermissionDenied):
        services.publish(world.kamakura_hr, c.id)
    services.publish(world.zushi_hr, c.id)
    assert db.session.scalar(select(LibraryEntry)).title == c.title


def test_decline_moves_on_to_the_next_batch(world, app):
    app.config["CONSULTATION_OFFER_COUNT"] = 1
    best, other = world.adviser(fields={"slopes": 20}), world.adviser(fields={"slopes": 1})
    c = world.post()
    assert offered_ids(c) == [best.id]
    services.decline(best.user, c.id)
    assert offered_ids(c) == [other.id]
    services.decline(other.user, c.id)
    assert offered_ids(c) == []
    assert c.no_fit_counts == {"declined": 2}  # both declined: nobody left, and the city is told why


def test_honorarium_follows_agreed_terms(world, make):
    from talentbank.agreements.models import DispatchTerms, TermsConfirmation

    person = world.adviser()
    assert services.honorarium_for(person.id).hourly_yen is None
    request = make.staffing_request(world.cities["142085"])
    dispatch = make.dispatch(person, request)
    terms = DispatchTerms(dispatch_id=dispatch.id, version=1, legal_form="retiree_appointment", rate_amount=15500,
                          rate_unit="day", days_per_week=1, start_date=dispatch.start_date, end_date=dispatch.end_date,
                          receiving_city_id=dispatch.city_id, salary_bearer="receiving", allowances_bearer="receiving",
                          overtime_bearer="receiving", travel_bearer="receiving",
                          retirement_allowance_bearer="none", insurance_bearer="receiving")
    db.session.add(terms)
    db.session.flush()
    assert services.honorarium_for(person.id).hourly_yen is None  # not confirmed yet
    db.session.add(TermsConfirmation(terms_id=terms.id, party="receiving", city_id=dispatch.city_id))
    db.session.commit()
    honorarium = services.honorarium_for(person.id)
    assert honorarium.hourly_yen == Decimal(2000)  # 15,500 / 7.75
    assert honorarium.amount(Decimal("1.5")) == 3000


def test_posting_rejects_bad_input_and_saves_nothing(world):
    for overrides, field in ((dict(title=""), "title"), (dict(hours_needed="0.2"), "hours_needed"),
                             (dict(hours_needed="41"), "hours_needed"), (dict(wanted_by=None), "wanted_by"),
                             (dict(profession_id=None), "profession_id"), (dict(urgency="huge"), "urgency"),
                             (dict(work_mode="fax"), "work_mode"), (dict(licence_ids=[999999]), "licence_ids")):
        with pytest.raises(UserError) as caught:
            world.post(**overrides)
        assert field in {e.field for e in caught.value.errors}
    assert db.session.scalar(select(Consultation)) is None
    with pytest.raises(PermissionDenied):
        world.post(world.coordinator)


def test_withdrawing_specialist_is_forgotten(world, taken, tmp_path, app):
    from talentbank.specialists.personal_data import withdraw_specialist

    c, first, second = taken
    app.config["CONSULTATION_FILES_DIR"] = str(tmp_path)
    services.post_message(first.user, c.id, "私の経験では", upload("memo.txt", "メモ".encode()))
    key = c.messages[0].file_key
    withdraw_specialist(world.coordinator, first.id, reason="本人からの申出")
    db.session.expire_all()
    c = db.session.get(Consultation, c.id)
    assert c.status == "open" and c.specialist_id is None
    assert c.messages[0].body == "" and c.messages[0].file_key is None and not (tmp_path / key).exists()


def test_english_consultation_pages(world, taken, client, auth):
    import re

    c, first, _second = taken
    services.post_message(world.zushi_hr, c.id, "写真を送ります")
    japanese = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u4e00-\u9fff\uff00-\uffef]+")
    user_text = [c.title, c.question, "写真を送ります", "法面の崩落後の応急対策"]
    for email, urls in (("hr@zushi.test", ["/consultations/", "/consultations/new", f"/consultations/{c.id}"]),
                        (first.user.email, ["/consultations/", f"/consultations/{c.id}", "/consultations/advice"])):
        auth.logout()
        auth.login(email)
        client.post("/lang/en", data={"next": "/"})
        for url in urls:
            html = client.get(url).get_data(as_text=True)
            assert '<html lang="en">' in html, url
            body = html.split("<main", 1)[-1].split("</main>", 1)[0]
            for text in user_text:
                body = body.replace(text, "")
            body = re.sub(r'<[^>]*lang="ja"[^>]*>[^<]*<', "<", body)
            assert not japanese.findall(body), (url, japanese.findall(body)[:10])
