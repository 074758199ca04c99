"""Delegates (issue 18): an HR officer authorises a serving officer of their city to post consultations."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.cities.models import City
from talentbank.consultations import delegates, services
from talentbank.consultations.models import Consultation, ConsultationDelegate
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.extensions import db

from .conftest import offered_ids

ZUSHI, KAMAKURA = "142085", "142042"


def officer(world, city_code: str = ZUSHI, email: str = "officer@zushi.test"):
    """A serving officer of the city in the registry, with a specialist account."""
    account = world.make.user(Role.SPECIALIST, email=email)
    person = world.make.specialist(world.cities[city_code], user=account, kind="serving",
                                   employer_city_id=world.cities[city_code].id)
    db.session.commit()
    return account, person


def actions(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_hr_authorises_and_revokes_with_audit(world):
    account, person = officer(world)
    row = delegates.authorise(world.zushi_hr, None, person.id)
    assert row.city_id == world.cities[ZUSHI].id and row.authorised_by_id == world.zushi_hr.id
    assert delegates.posting_city(account) == world.cities[ZUSHI].id
    with pytest.raises(UserError):
        delegates.authorise(world.zushi_hr, None, person.id)  # already authorised
    assert [e.actor_id for e in actions("consultation.delegate_authorised")] == [world.zushi_hr.id]
    delegates.revoke(world.zushi_hr, row.id)
    assert row.revoked_at is not None and row.revoked_by_id == world.zushi_hr.id
    assert delegates.posting_city(account) is None
    assert len(actions("consultation.delegate_revoked")) == 1


def test_another_citys_hr_cannot_authorise_or_revoke(world, client, auth):
    _account, person = officer(world)
    with pytest.raises(UserError):  # Kamakura's officer is always its own city: Zushi's person is refused
        delegates.authorise(world.kamakura_hr, None, person.id)
    row = delegates.authorise(world.zushi_hr, None, person.id)
    with pytest.raises(UserError):
        delegates.revoke(world.kamakura_hr, row.id)
    assert row.revoked_at is None
    auth.login("hr@kamakura.test")
    assert client.post("/consultations/delegates/revoke", data={"delegate_id": row.id}).status_code == 302
    db.session.refresh(row)
    assert row.revoked_at is None
    auth.logout()
    account, _ = officer(world, email="o2@zushi.test")
    auth.login("o2@zushi.test")
    assert client.get("/consultations/delegates").status_code == 403


def test_coordinator_authorises_for_any_city(world, client, auth):
    _account, person = officer(world, KAMAKURA, "officer@kamakura.test")
    world.make.city("100000", "最初市", "Saisho", is_member=False)  # added last, first by its code
    auth.login("coord@test.example")
    city_id = world.cities[KAMAKURA].id
    page = client.get(f"/consultations/delegates?city_id={city_id}")
    assert page.status_code == 200 and person.reference in page.get_data(as_text=True)
    # Every city of the registry, members or not, in the order they were added (their ids).
    listed = re.findall(r'<option value="(\d+)"', re.search(r'<select[^>]*name="city_id".*?</select>',
                                                              page.get_data(as_text=True), re.S).group(0))
    assert [int(i) for i in listed] == sorted(c.id for c in db.session.scalars(select(City)))
    response = client.post("/consultations/delegates", data={"city_id": city_id, "specialist_id": person.id})
    assert response.status_code == 302
    assert db.session.scalar(select(ConsultationDelegate).where(ConsultationDelegate.specialist_id == person.id))


def test_delegate_posts_and_it_is_offered_like_any_other(world, client, auth):
    adviser = world.adviser(KAMAKURA)
    account, person = officer(world)
    delegates.authorise(world.zushi_hr, None, person.id)
    c = services.post(account, world.values())
    assert c.city_id == world.cities[ZUSHI].id and c.posted_by_id == account.id
    assert offered_ids(c) == [adviser.id]
    assert services.side_of(account, c) == "city"
    auth.login("officer@zushi.test")
    index = client.get("/consultations/").get_data(as_text=True)
    assert 'id="new-consultation"' in index and f'data-consultation="{c.id}"' in index
    assert client.get(f"/consultations/{c.id}").status_code == 200
    assert client.post(f"/consultations/{c.id}/withdraw", data={"confirmed": "y"}).status_code == 302
    db.session.refresh(c)
    assert c.status == "withdrawn"


def test_delegate_follows_up_thread_close_and_publish(world):
    adviser = world.adviser(KAMAKURA)
    account, person = officer(world)
    delegates.authorise(world.zushi_hr, None, person.id)
    c = services.post(account, world.values())
    services.accept(adviser.user, c.id)
    services.post_message(account, c.id, "資料をお送りします。")
    services.close(account, c.id, "応急対策の順序を確認した。", "2", publish=False)
    services.publish(account, c.id)
    db.session.refresh(c)
    assert c.status == "closed" and c.published_at is not None and c.closed_by_id == account.id


def test_revoked_delegate_and_ordinary_specialist_are_refused(world, client, auth):
    account, person = officer(world)
    row = delegates.authorise(world.zushi_hr, None, person.id)
    delegates.revoke(world.zushi_hr, row.id)
    with pytest.raises(PermissionDenied):
        services.post(account, world.values())
    plain = world.adviser(ZUSHI, email="plain@test.example")
    with pytest.raises(PermissionDenied):
        services.post(plain.user, world.values())
    for email in ("officer@zushi.test", "plain@test.example"):
        auth.login(email)
        page = client.get("/consultations/new")
        assert 'id="not-delegate"' in page.get_data(as_text=True)
        assert 'id="new-consultation"' not in client.get("/consultations/").get_data(as_text=True)
        assert client.post("/consultations/new", data={"title": "x"}).status_code == 403
        auth.logout()
    assert db.session.scalar(select(Consultation.id)) is None


def test_delegate_does_not_see_the_citys_other_consultations(world, client, auth):
    other = world.post()  # posted by Zushi's HR officer
    account, person = officer(world)
    delegates.authorise(world.zushi_hr, None, person.id)
    with pytest.raises(PermissionDenied):
        services.get(account, other.id)
    with pytest.raises(PermissionDenied):
        services.withdraw(account, other.id, "")
    assert other.id not in [c.id for c in services.list_for(account).posted]
    auth.login("officer@zushi.test")
    assert client.get(f"/consultations/{other.id}").status_code == 403


def test_delegates_page_in_english(world, client, auth):
    officer(world)
    auth.login("hr@zushi.test")
    client.post("/lang/en", data={"next": "/"})
    page = client.get("/consultations/delegates").get_data(as_text=True)
    assert "相談を投稿する職員" not in page and "投稿を認める" not in page
    assert "Authorise" in page
