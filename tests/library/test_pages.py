"""The library's pages: a fresh demo finds 「法面」, pages read in English, bad query strings are pages (not
errors), snippets are escaped, the menu has the entry."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from talentbank.accounts.models import User
from talentbank.extensions import db
from talentbank.library.models import LibraryEntry
from tests.test_english_pages import _japanese_left, _user_texts

ZUSHI_HR = "hr.zushi@demo.talentbank.example"
SPECIALIST = "specialist@demo.talentbank.example"


@pytest.fixture
def demo(app, app_ctx, lib):
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "Library: demo notes and manual already present" in again.output
    return app


def _log_in(client, email, language="ja"):
    from talentbank.demo.accounts import DEMO_PASSWORD

    assert client.post("/login", data={"email": email, "password": DEMO_PASSWORD}).status_code == 302
    client.post(f"/lang/{language}", data={"next": "/"})


def test_a_fresh_demo_finds_the_slope_note_and_manual(demo, client):
    _log_in(client, SPECIALIST)
    page = client.get("/library/?q=法面").get_data(as_text=True)
    assert "法面の崩落現場での応急対応と復旧工事の監督" in page and "法面点検の手引き" in page
    assert "下水処理場" not in page
    assert "<mark>法面</mark>" in page
    assert "事例・ノウハウ" in client.get("/").get_data(as_text=True)  # the menu entry
    manual = db.session.scalar(select(LibraryEntry).where(LibraryEntry.kind == "document"))
    download = client.get(f"/library/{manual.id}/file")
    assert download.status_code == 200 and "法面点検".encode() in download.data


@pytest.mark.parametrize("email", [ZUSHI_HR, SPECIALIST, "coordinator@demo.talentbank.example"])
def test_library_pages_read_in_english(demo, client, email):
    _log_in(client, email, "en")
    user_texts = _user_texts()
    entries = list(db.session.scalars(select(LibraryEntry.id)))
    urls = ["/library/", "/library/?q=法面", "/library/?q=x", "/library/?q=崩落&kind=after_action",
            *[f"/library/{i}" for i in entries]]
    user = db.session.scalar(select(User).where(User.email == email))
    if user.role in ("city_hr", "specialist"):
        urls.append("/library/notes")
    if user.role != "specialist":
        urls.append("/library/documents/new")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        # The words searched for are the reader's own, echoed in the page's title.
        html = re.sub(r"<title>.*?</title>", "", html, flags=re.S)
        assert _japanese_left(html, user_texts) == [], url


@pytest.mark.parametrize("query", ["%00", "a%00b", "%E2%80%AE", "%22%22%22", "*", "NEAR(", "x" * 3000, "%25",
                                   "%5C", "%27%3B--", "<script>"])
def test_bad_query_strings_are_pages(demo, client, query):
    _log_in(client, ZUSHI_HR)
    response = client.get(f"/library/?q={query}&page=99999999999&city_id=-1&kind=%00&profession_id=x")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("<main", 1)[-1].replace(
        "<script src", "").replace("<script nonce", "")


def test_search_page_escapes_entries(app_ctx, client, auth, make, lib):
    from talentbank.core.permissions import Role

    coordinator = make.user(Role.COORDINATOR)
    lib.entry("<b>題名</b>", "<img src=x onerror=alert(1)> 法面の崩落")
    auth.login(coordinator.email)
    page = client.get("/library/?q=法面").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page and "&lt;b&gt;題名&lt;/b&gt;" in page


def test_private_note_page_is_404_for_others(app_ctx, client, auth, make, lib):
    from talentbank.core.permissions import Role

    zushi = make.demo_cities()["142085"]
    entry = lib.entry("内部", "内部の振り返り", kind="after_action", city=zushi, is_shared=False)
    auth.login(make.user(Role.CITY_HR, city=zushi).email)
    assert client.get(f"/library/{entry.id}").status_code == 404
    auth.logout()
    auth.login(make.user(Role.COORDINATOR).email)
    assert client.get(f"/library/{entry.id}").status_code == 200


def test_the_city_filter_lists_the_member_cities_in_code_order(demo, client, make):
    make.city("132012", "八王子市", "Hachioji", is_member=False)
    make.city("100000", "最初市", "Saisho")
    _log_in(client, SPECIALIST)
    page = client.get("/library/").get_data(as_text=True)
    select_ = re.search(r'<select name="city_id">.*?</select>', page, re.S).group(0)
    listed = re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select_)
    assert listed[0] == "最初市" and "逗子市" in listed and "八王子市" not in listed and len(listed) == 9
