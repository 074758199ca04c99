"""The rules every store of uploaded files shares (core/files.py): the size limit, the folder outside the web
root, clean names, content checks and keys that cannot leave the folder."""
from __future__ import annotations

import io
import stat
import zipfile

import pytest
from flask import Flask

from talentbank.core import files

STORE = files.Store(max_bytes_key="TEST_MAX_BYTES", default_max_bytes=64, folder_key="TEST_FILES_DIR",
                    folder_name="test-files", kinds=("pdf", "txt"))
KEY = "0123456789abcdef0123456789abcdef.pdf"


@pytest.fixture
def bare_app(tmp_path):
    """A bare application (no database): the store reads only its configuration and instance folder."""
    app = Flask(__name__, instance_path=str(tmp_path / "instance"))
    app.config["TEST_FILES_DIR"] = str(tmp_path / "store")
    with app.app_context():
        yield app


def office(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


# ----------------------------------------------------------------------------- the size limit

def test_the_limit_comes_from_the_configuration_with_a_default(bare_app):
    assert STORE.max_bytes() == 64
    bare_app.config["TEST_MAX_BYTES"] = 10
    assert STORE.max_bytes() == 10


def test_reading_stops_one_byte_past_the_limit_and_that_byte_is_too_big(bare_app):
    bare_app.config["TEST_MAX_BYTES"] = 10
    content = STORE.read(io.BytesIO(b"x" * 1000))
    assert content == b"x" * 11 and STORE.too_big(content)
    assert not STORE.too_big(b"x" * 10)
    assert STORE.read(io.BytesIO(b"small")) == b"small"


# ----------------------------------------------------------------------------- the folder

def test_the_folder_is_the_configured_one_or_the_instance_folders(bare_app, tmp_path):
    assert STORE.folder() == tmp_path / "store" and (tmp_path / "store").is_dir()
    bare_app.config["TEST_FILES_DIR"] = None
    folder = STORE.folder()
    assert folder == tmp_path / "instance" / "test-files" and folder.is_dir()
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0  # the process's own


# ----------------------------------------------------------------------------- names

@pytest.mark.parametrize("sent,kept", [
    ("report.pdf", "report.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\報告書.pdf", "報告書.pdf"),
    ("a\x00b\x1fc\x7fd.txt", "abcd.txt"),
    ('<script>"x".pdf', 'scriptx.pdf'),
])
def test_a_name_loses_its_folders_control_characters_and_markup(sent, kept):
    assert files.clean_name(sent) == kept


def test_markup_is_kept_when_the_store_asks():
    assert files.clean_name('<a>"b".txt', drop="") == '<a>"b".txt'


def test_a_long_name_keeps_its_start_or_its_end():
    long = "a" * 300 + ".pdf"
    assert files.clean_name(long) == "a" * files.MAX_NAME_CHARS
    assert files.clean_name(long, keep_end=True) == "a" * (files.MAX_NAME_CHARS - 4) + ".pdf"


def test_an_empty_name_becomes_the_fallback():
    assert files.clean_name(None) == ""
    assert files.clean_name("dir/", fallback="file") == "file"
    assert files.clean_name("\x01\x02", fallback="document") == "document"


# ----------------------------------------------------------------------------- content

def test_first_bytes_decide_the_kind():
    assert files.starts_as(b"%PDF-1.7 ...", "pdf") and not files.starts_as(b"MZ\x90\x00", "pdf")
    assert files.sniff(b"\x89PNG\r\n\x1a\n...", ("pdf", "png", "jpg")) == "png"
    assert files.sniff(b"\xff\xd8\xff\xe0", ("pdf", "png", "jpg")) == "jpg"
    assert files.sniff(b"\xff\xd8\xff\xe0", ("pdf", "png")) is None  # only the kinds asked for
    assert files.sniff(b"GIF89a", ("pdf", "png", "jpg")) is None


def test_a_zip_is_read_from_its_directory():
    found = files.zip_contents(office("[Content_Types].xml", "word/document.xml"))
    assert found is not None and found.names == {"[Content_Types].xml", "word/document.xml"}
    assert found.members == 2 and found.unpacked == 8
    assert files.zip_contents(b"%PDF-1.4 not a zip") is None
    assert files.zip_contents(b"PK\x03\x04 broken") is None


def test_an_office_package_needs_its_content_types_and_its_part():
    assert files.zip_contents(office("[Content_Types].xml", "word/document.xml")).holds_office_part(
        "word/document.xml")
    assert not files.zip_contents(office("[Content_Types].xml", "xl/workbook.xml")).holds_office_part(
        "word/document.xml")
    assert not files.zip_contents(office("word/document.xml")).holds_office_part("word/document.xml")


def test_macros_are_seen():
    assert files.zip_contents(office("[Content_Types].xml", "word/vbaProject.bin")).has_macros
    assert not files.zip_contents(office("[Content_Types].xml", "word/document.xml")).has_macros


def test_text_is_read_in_the_first_encoding_that_reads_it():
    assert files.text_of("法面".encode("utf-8"), ("utf-8-sig", "cp932")) == "法面"
    assert files.text_of(b"\xef\xbb\xbfplain", ("utf-8-sig",)) == "plain"
    assert files.text_of("法面".encode("cp932"), ("utf-8-sig", "cp932")) == "法面"
    assert files.text_of("法面".encode("cp932"), ("utf-8-sig",)) is None


def test_control_characters_other_than_tabs_and_line_ends_are_seen():
    assert not files.has_control_characters("a\tb\r\nc")
    assert files.has_control_characters("a\x00b")
    assert files.has_control_characters("a\x1bb")


# ----------------------------------------------------------------------------- keys stay in the folder

def test_a_file_is_saved_under_a_random_key_for_this_process_only(bare_app, tmp_path):
    key = STORE.save(b"%PDF-1.4 body", "pdf")
    path = STORE.path_of(key)
    assert path == tmp_path / "store" / key and path.read_bytes() == b"%PDF-1.4 body"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert STORE.save(b"%PDF-1.4 body", "pdf") != key
    assert [p.name for p in (tmp_path / "store").iterdir() if p.name.endswith(".part")] == []
    STORE.erase(key)
    assert STORE.path_of(key) is None and not path.exists()


def test_only_the_stores_kinds_are_saved(bare_app):
    with pytest.raises(ValueError):
        STORE.save(b"MZ", "exe")


@pytest.mark.parametrize("key", [
    "../outside.pdf", "../store2/0123456789abcdef0123456789abcdef.pdf", "<absolute>",
    "0123456789abcdef0123456789abcdef.exe", "0123456789ABCDEF0123456789ABCDEF.pdf", "short.pdf", "", None,
])
def test_a_key_that_is_not_ours_finds_nothing_and_erases_nothing(bare_app, tmp_path, key):
    folder = STORE.folder()
    for name in ("0123456789abcdef0123456789abcdef.exe", "0123456789ABCDEF0123456789ABCDEF.pdf", "short.pdf"):
        (folder / name).write_bytes(b"inside")
    (tmp_path / "outside.pdf").write_bytes(b"outside")
    (tmp_path / "store2").mkdir()
    (tmp_path / "store2" / KEY).write_bytes(b"outside")
    if key == "<absolute>":
        key = str(tmp_path / "outside.pdf")
    assert STORE.path_of(key) is None
    STORE.erase(key)
    assert (tmp_path / "outside.pdf").exists() and (tmp_path / "store2" / KEY).exists()
    assert len(list(folder.iterdir())) == 3


def test_a_key_of_ours_whose_file_is_gone_finds_nothing(bare_app):
    assert STORE.path_of(KEY) is None
    STORE.erase(KEY)  # nothing to do, no error
