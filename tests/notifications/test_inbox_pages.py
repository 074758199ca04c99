"""The inbox: unread count in the header, opening a notice, marking all read, each in one's language."""
from __future__ import annotations

from sqlalchemy import select

from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.notifications.models import Notification
from talentbank.notifications.services import notify

PARAMS = {"department": "都市整備部", "section": "道路課", "profession": {"ja": "土木職", "en": "Civil engineer"},
          "people": 2, "start_date": "2026-12-01", "end_date": "2027-03-31"}


def test_the_header_counts_unread_notices_and_the_inbox_lists_them(make, client, auth):
    user = make.user(Role.CITY_HR, city=make.city())
    auth.login(user.email)
    assert 'class="badge"' not in client.get("/").text
    for n in range(3):
        notify(user, "request.expired", {**PARAMS, "section": f"道路課{n}"}, link="/requests/1")
    db.session.commit()
    page = client.get("/")
    assert 'aria-label="お知らせ（未読3件）"' in page.text and '<span class="badge" aria-hidden="true">3</span>' in page.text
    inbox = client.get("/inbox/")
    assert inbox.status_code == 200
    assert inbox.text.count('class="inbox-entry unread"') == 3
    assert "派遣要請が期限切れになりました（都市整備部 道路課2）" in inbox.text
    assert "土木職 2名（2026-12-01〜2027-03-31）" in inbox.text


def test_opening_a_notice_marks_it_read_and_goes_to_its_page(make, client, auth):
    city = make.city()
    user = make.user(Role.CITY_HR, city=city)
    notice = notify(user, "request.expired", PARAMS, link="/requests/42")
    notify(user, "mail.test", {})
    db.session.commit()
    auth.login(user.email)
    response = client.post(f"/inbox/{notice.id}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/requests/42"
    db.session.refresh(notice)
    assert notice.read_at is not None
    assert '<span class="badge" aria-hidden="true">1</span>' in client.get("/").text
    unread = client.get("/inbox/?unread=1").text
    assert "テストメール" in unread and "派遣要請が期限切れ" not in unread


def test_nobody_opens_someone_elses_notice(make, client, auth):
    city = make.city()
    owner, other = make.user(Role.CITY_HR, city=city), make.user(Role.CITY_HR, city=city)
    notice = notify(owner, "mail.test", {})
    db.session.commit()
    auth.login(other.email)
    assert client.post(f"/inbox/{notice.id}/open").status_code == 404
    db.session.refresh(notice)
    assert notice.read_at is None
    assert "テストメール" not in client.get("/inbox/").text


def test_a_stored_link_never_leads_off_the_site(make, client, auth):
    user = make.user(Role.COORDINATOR)
    notice = notify(user, "mail.test", {}, link="//evil.example/phish")
    db.session.commit()
    auth.login(user.email)
    assert client.post(f"/inbox/{notice.id}/open").headers["Location"] == "/inbox/"


def test_mark_all_read_clears_the_count(make, client, auth):
    user = make.user(Role.COORDINATOR)
    for _ in range(2):
        notify(user, "mail.test", {})
    db.session.commit()
    auth.login(user.email)
    page = client.post("/inbox/read-all", follow_redirects=True)
    assert "2件のお知らせを既読にしました。" in page.text
    assert 'class="badge"' not in page.text
    assert all(n.read_at for n in db.session.scalars(select(Notification)))


def test_the_inbox_speaks_the_screens_language(make, client, auth):
    user = make.user(Role.CITY_HR, city=make.city())
    notify(user, "request.expired", PARAMS)
    db.session.commit()
    auth.login(user.email)
    client.post("/lang/en", data={"next": "/inbox/"})
    page = client.get("/inbox/").text
    assert "A staffing request has expired (都市整備部 道路課)" in page
    assert "Civil engineer × 2" in page
    assert "Notifications (1 unread)" in page
