"""Documents in the library: only allowed types whose content is that type, within the size cap, stored
outside the web root; uploads by staff, downloads by readers (audited); edit and withdraw by the owner city
or the coordinating city (audited)."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.extensions import db
from talentbank.library import services, uploads
from talentbank.library.models import LibraryEntry
from talentbank.library.services import SearchFilters

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def office(extension: str, part: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part or uploads.OFFICE_PARTS[extension], "<x/>")
    return buffer.getvalue()


@pytest.fixture
def people(make, lib):
    cities = make.demo_cities()
    zushi, kamakura = cities["142085"], cities["142042"]
    return {"zushi": zushi, "zushi_hr": make.user(Role.CITY_HR, city=zushi),
            "kamakura_hr": make.user(Role.CITY_HR, city=kamakura),
            "coordinator": make.user(Role.COORDINATOR, city=zushi), "specialist": make.user(Role.SPECIALIST)}


def _upload(actor, filename="manual.pdf", content=PDF, title="法面点検マニュアル", summary="法面の崩落を防ぐ点検"):
    return uploads.upload_document(actor, title=title, summary=summary, profession_id=None, field_id=None,
                                   filename=filename, content=content)


@pytest.mark.parametrize("filename,content", [
    ("manual.pdf", PDF), ("manual.docx", office("docx")), ("table.xlsx", office("xlsx")),
    ("slides.pptx", office("pptx")), ("memo.txt", "法面の点検手順".encode()), ("MEMO.TXT", b"\xef\xbb\xbfplain"),
])
def test_allowed_types_are_stored_outside_the_web_root_and_searchable(people, filename, content, tmp_path):
    entry = _upload(people["zushi_hr"], filename, content)
    assert entry.file_type == filename.rsplit(".", 1)[1].lower() and entry.city_id == people["zushi"].id
    stored = uploads.files_folder() / entry.file_key
    assert stored.read_bytes() == content and str(stored).startswith(str(tmp_path))
    assert "static" not in str(stored)
    found = services.search_entries(people["specialist"], SearchFilters(query="点検")).page.items
    assert [r.entry.id for r in found] == [entry.id]


@pytest.mark.parametrize("filename,content,message", [
    ("virus.exe", b"MZ\x90\x00", "この種類のファイル"),
    ("page.html", b"<html></html>", "この種類のファイル"),
    ("noextension", PDF, "この種類のファイル"),
    ("fake.pdf", b"MZ\x90\x00 not a pdf", "中身が拡張子と一致しません"),
    ("fake.docx", b"%PDF-1.4 a pdf renamed", "中身が拡張子と一致しません"),
    ("sheet.docx", office("xlsx"), "中身が拡張子と一致しません"),
    ("archive.docx", office("docx", part="evil.sh"), "中身が拡張子と一致しません"),
    ("binary.txt", b"abc\x00def", "中身が拡張子と一致しません"),
    ("sjis.txt", "法面".encode("shift_jis"), "UTF-8"),
    ("empty.pdf", b"", "ファイルを選んでください"),
])
def test_bad_files_are_refused_and_nothing_is_kept(people, filename, content, message):
    with pytest.raises(UserError) as refused:
        _upload(people["zushi_hr"], filename, content)
    assert message in refused.value.message_id
    assert db.session.scalar(select(func.count(LibraryEntry.id))) == 0
    assert list(uploads.files_folder().iterdir()) == []


def test_too_large_is_refused(people, app_ctx):
    app_ctx.config["LIBRARY_UPLOAD_MAX_BYTES"] = 1024
    try:
        with pytest.raises(UserError) as refused:
            _upload(people["zushi_hr"], "big.pdf", PDF + b"0" * 1024)
        assert "大きすぎます" in refused.value.message_id
        assert _upload(people["zushi_hr"], "small.pdf", PDF).file_size == len(PDF)
    finally:
        app_ctx.config["LIBRARY_UPLOAD_MAX_BYTES"] = None


def test_a_bad_title_keeps_no_file(people):
    with pytest.raises(UserError):
        _upload(people["zushi_hr"], title="")
    assert list(uploads.files_folder().iterdir()) == []


def test_specialists_do_not_upload(people):
    with pytest.raises(PermissionDenied):
        _upload(people["specialist"])


def test_download_is_for_readers_and_audited(people):
    entry = _upload(people["zushi_hr"])
    got, data = uploads.download(people["specialist"], entry.id)
    assert data == PDF
    audited = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "library.downloaded"))
    assert audited.actor_id == people["specialist"].id and audited.entity_id == str(entry.id)
    services.withdraw_entry(people["zushi_hr"], entry.id, "古い版")
    with pytest.raises(services.EntryNotFound):
        uploads.download(people["specialist"], entry.id)


def test_owner_city_and_coordinator_edit_and_withdraw_others_do_not(people):
    entry = _upload(people["zushi_hr"])
    for outsider in (people["kamakura_hr"], people["specialist"]):
        with pytest.raises(PermissionDenied):
            uploads.edit_entry(outsider, entry.id, title="乗っ取り", body="", profession_id=None, field_id=None)
        with pytest.raises(PermissionDenied):
            services.withdraw_entry(outsider, entry.id, "")
    uploads.edit_entry(people["coordinator"], entry.id, title="法面点検マニュアル（改訂）", body="下水道にも使える",
                       profession_id=None, field_id=None)
    assert [r.entry.title for r in services.search_entries(people["kamakura_hr"], SearchFilters(query="下水道"))
            .page.items] == ["法面点検マニュアル（改訂）"]
    services.withdraw_entry(people["zushi_hr"], entry.id, "改訂版に差し替え")
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "library_entry")
                                      .order_by(AuditEntry.id)))
    assert actions == ["library.published", "library.edited", "library.withdrawn"]
    with pytest.raises(UserError):
        services.withdraw_entry(people["coordinator"], entry.id, "")


def test_upload_page_refuses_a_bad_file_with_a_message(people, client, auth):
    auth.login(people["zushi_hr"].email)
    response = client.post("/library/documents/new", data={
        "title": "手引き", "summary": "", "profession_id": "", "field_id": "",
        "file": (io.BytesIO(b"MZ\x90\x00"), "tool.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "ファイルの中身が拡張子と一致しません" in response.get_data(as_text=True)
    response = client.post("/library/documents/new", data={
        "title": "手引き", "summary": "法面", "profession_id": "", "field_id": "",
        "file": (io.BytesIO(PDF), "tebiki.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    entry = db.session.scalar(select(LibraryEntry))
    download = client.get(f"/library/{entry.id}/file")
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]


def test_specialists_get_403_on_the_upload_page(people, client, auth):
    auth.login(people["specialist"].email)
    assert client.get("/library/documents/new").status_code == 403
