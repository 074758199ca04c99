"""Consultations on the home pages and in the menu: each count computed again here from the database, its link,
and what clears it."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from talentbank.consultations import delegates, services
from talentbank.consultations.models import Consultation, ConsultationOffer
from talentbank.core import clock
from talentbank.extensions import db
from talentbank.notifications.models import Notification

from ..main.test_dashboard import home, todos
from .conftest import offered_ids
from .test_delegates import officer


def pending_offers(specialist_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(ConsultationOffer).join(Consultation).where(
        ConsultationOffer.specialist_id == specialist_id, ConsultationOffer.status == "pending",
        Consultation.status == "open")) or 0


def menu_count(html: str, href: str) -> int | None:
    """The count beside a menu entry of the header, None when there is none."""
    nav = html[:html.index("</nav>")]
    found = re.search(rf'<a href="{re.escape(href)}"[^>]*>[^<]*(?:<span class="count" aria-hidden="true">(\d+)</span>)?',
                      nav)
    assert found, href
    return int(found.group(1)) if found.group(1) else None


def test_offers_waiting_for_the_specialist_on_the_home_page_and_in_the_menu(world, client, auth):
    first, second = world.adviser(email="first@test.example"), world.adviser(email="second@test.example")
    c1 = world.post()
    c2 = world.post(title="二件目の相談")
    assert set(offered_ids(c1)) == set(offered_ids(c2)) == {first.id, second.id}
    html = home(client, auth, "first@test.example")
    assert todos(html)["consultation_offers"] == (pending_offers(first.id), "/consultations/#waiting-consultations")
    assert pending_offers(first.id) == 2 and menu_count(html, "/consultations/") == 2
    services.decline(first.user, c1.id)  # answered: one left
    services.accept(second.user, c2.id)  # taken by the other: none left
    html = home(client, auth, "first@test.example")
    assert pending_offers(first.id) == 0
    assert todos(html)["consultation_offers"][0] == 0 and menu_count(html, "/consultations/") is None
    # The city's officer has no offers: no count beside the entry.
    assert menu_count(home(client, auth, "hr@zushi.test"), "/consultations/") is None


def test_a_thread_with_an_unread_message_until_its_page_is_opened(world, client, auth):
    adviser = world.adviser(email="adviser@test.example")
    c = world.post()
    services.accept(adviser.user, c.id)
    detail = f"/consultations/{c.id}"
    assert todos(home(client, auth, "hr@zushi.test"))["consultation_unread"][0] == 0
    services.post_message(adviser.user, c.id, "写真を見せてください。")
    services.post_message(adviser.user, c.id, "図面もあれば。")  # two messages, one thread
    assert todos(home(client, auth, "hr@zushi.test"))["consultation_unread"] == (1, detail)
    assert todos(home(client, auth, "hr@kamakura.test"))["consultation_unread"][0] == 0
    services.post_message(world.zushi_hr, c.id, "お送りします。")
    assert todos(home(client, auth, "adviser@test.example"))["consultation_unread"] == (1, detail)
    auth.login("hr@zushi.test")
    assert client.get(detail).status_code == 200  # reading the thread reads its notices
    auth.logout()
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == world.zushi_hr.id, Notification.read_at.is_(None))) == 0
    assert todos(home(client, auth, "hr@zushi.test"))["consultation_unread"][0] == 0
    assert todos(home(client, auth, "adviser@test.example"))["consultation_unread"] == (1, detail)


def test_the_citys_open_consultations_nobody_fits_or_about_to_expire(world, client, auth):
    today = clock.today_tokyo()
    nobody = world.post(wanted_by=today + timedelta(days=10))  # no adviser yet: nobody fits
    world.adviser()
    offered = world.post(wanted_by=today + timedelta(days=2))  # offered, wanted in two days
    world.post(wanted_by=today + timedelta(days=4))  # offered, later than the warning
    world.post(world.kamakura_hr, wanted_by=today + timedelta(days=1))  # another city's
    assert nobody.no_fit_at is not None and offered.pending_offers
    found = todos(home(client, auth, "hr@zushi.test"))
    assert found["consultation_no_taker"] == (1, f"/consultations/{nobody.id}")
    assert found["consultation_expiring"] == (1, f"/consultations/{offered.id}")
    assert todos(home(client, auth, "hr@kamakura.test"))["consultation_no_taker"][0] == 0
    services.withdraw(world.zushi_hr, nobody.id, "")
    services.withdraw(world.zushi_hr, offered.id, "")
    found = todos(home(client, auth, "hr@zushi.test"))
    assert found["consultation_no_taker"] == (0, "/consultations/?status=open")
    assert found["consultation_expiring"][0] == 0


def test_a_delegate_sees_what_they_posted_and_an_ordinary_specialist_not(world, client, auth):
    account, person = officer(world)
    delegates.authorise(world.zushi_hr, None, person.id)
    c = services.post(account, world.values())  # nobody fits
    world.post()  # the HR officer's own: not the delegate's
    found = todos(home(client, auth, "officer@zushi.test"))
    assert found["consultation_no_taker"] == (1, f"/consultations/{c.id}")
    assert todos(home(client, auth, "hr@zushi.test"))["consultation_no_taker"][0] == 2
    world.adviser(email="plain@test.example")
    assert "consultation_no_taker" not in todos(home(client, auth, "plain@test.example"))


def test_the_coordinating_city_has_no_consultation_or_training_to_dos(world, client, auth):
    world.post()
    found = todos(home(client, auth, "coord@test.example"))
    assert not [key for key in found if key.startswith(("consultation", "training"))]


def test_the_menu_count_asks_nothing_for_staff_accounts(world, app):
    from sqlalchemy import event

    from talentbank.consultations.todos import pending_offers_of

    staff = [world.zushi_hr, world.coordinator]
    assert [u.role for u in staff] == ["city_hr", "coordinator"]  # loaded: only the count's own queries are seen
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert [pending_offers_of(u) for u in staff] == [0, 0]
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert statements == []
