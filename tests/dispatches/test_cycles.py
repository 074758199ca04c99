"""Exchange rings: every city in the ring confirms before any officer is sent; one refusal cancels it."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from talentbank.audit.models import AuditEntry
from talentbank.core.errors import UserError
from talentbank.core.permissions import PermissionDenied, Role
from talentbank.exchange.rings import services as rings
from talentbank.dispatches.models import Dispatch
from talentbank.exchange.models import ExchangeOffer
from talentbank.extensions import db
from talentbank.exchange.rings.models import ExchangeCycle
from talentbank.notifications.models import Notification


@pytest.fixture
def ring(make):
    """Zushi gives a civil engineer and wants a social worker; Yokosuka gives a social worker and wants an engineer;
    Kamakura is outside the ring."""
    cities = make.demo_cities()
    zushi, yokosuka, kamakura = cities["142085"], cities["142018"], cities["142042"]
    zushi_officer = make.serving_officer(zushi, name="逗子 土木", days_per_week=5)
    yokosuka_officer = make.serving_officer(yokosuka, professions=("social_welfare",), name="横須賀 福祉",
                                            days_per_week=4)
    offers = [make.exchange_offer(zushi, zushi_officer, wants="social_welfare"),
              make.exchange_offer(yokosuka, yokosuka_officer, wants="civil")]
    return {
        "cycle": make.exchange_ring(offers), "offers": offers, "zushi": zushi, "yokosuka": yokosuka,
        "zushi_officer": zushi_officer, "yokosuka_officer": yokosuka_officer,
        "zushi_hr": make.user(Role.CITY_HR, city=zushi, email="hr.zushi@test.example"),
        "yokosuka_hr": make.user(Role.CITY_HR, city=yokosuka, email="hr.yokosuka@test.example"),
        "kamakura_hr": make.user(Role.CITY_HR, city=kamakura, email="hr.kamakura@test.example"),
        "coordinator": make.user(Role.COORDINATOR, email="coord@test.example"),
    }


def test_the_ring_becomes_dispatches_only_when_every_city_confirmed(ring, client, auth):
    cycle = ring["cycle"]
    auth.login(ring["zushi_hr"].email)
    page = client.get(f"/exchange-rings/{cycle.id}")
    assert page.status_code == 200 and "逗子市 → 横須賀市 → 逗子市" in page.text
    assert "逗子 土木" in page.text  # the own officer by name ...
    assert "横須賀 福祉" not in page.text  # ... the other city's officer by reference until agreed
    assert ring["yokosuka_officer"].reference in page.text
    assert client.post(f"/exchange-rings/{cycle.id}/confirm", data={"confirmed": "y"}).status_code == 302
    assert db.session.query(Dispatch).count() == 0
    assert "貴市はすでにこの職員交流を確認しています" in str(
        pytest.raises(UserError, rings.confirm_ring, ring["zushi_hr"], cycle.id).value)
    db.session.rollback()
    auth.logout()
    auth.login(ring["yokosuka_hr"].email)
    assert client.post(f"/exchange-rings/{cycle.id}/confirm", data={"confirmed": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExchangeCycle, cycle.id).status == "confirmed"
    legs = {(d.specialist_id, d.city_id): d for d in db.session.scalars(select(Dispatch))}
    zushi_leg = legs[(ring["zushi_officer"].id, ring["yokosuka"].id)]
    yokosuka_leg = legs[(ring["yokosuka_officer"].id, ring["zushi"].id)]
    # Each officer serves the receiving city's period (while that city's own officer is away).
    assert (zushi_leg.start_date, zushi_leg.end_date) == (ring["offers"][1].start_date, ring["offers"][1].end_date)
    assert (yokosuka_leg.days_per_week, zushi_leg.days_per_week) == (4, 5)
    assert {db.session.get(ExchangeOffer, o.id).status for o in ring["offers"]} == {"matched"}
    # Now Yokosuka sees the officer it receives by name.
    assert "逗子 土木" in client.get(f"/dispatches/{zushi_leg.id}").text
    notified = {n.user_id for n in db.session.scalars(
        select(Notification).where(Notification.kind == "cycle.confirmed"))}
    assert {ring["zushi_hr"].id, ring["yokosuka_hr"].id, ring["coordinator"].id} <= notified


def test_a_refusal_cancels_the_ring_with_its_reason(ring, client, auth):
    cycle = ring["cycle"]
    auth.login(ring["yokosuka_hr"].email)
    blank = client.post(f"/exchange-rings/{cycle.id}/refuse", data={"reason": ""})
    assert blank.status_code == 400 and "理由を入力してください。" in blank.text
    assert client.post(f"/exchange-rings/{cycle.id}/refuse", data={"reason": "対象職員の異動"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(ExchangeCycle, cycle.id).status == "cancelled"
    assert {db.session.get(ExchangeOffer, o.id).status for o in ring["offers"]} == {"open"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "cycle.refused"))
    assert entry.reason == "対象職員の異動" and entry.city_id == ring["yokosuka"].id
    with pytest.raises(UserError):
        rings.confirm_ring(ring["zushi_hr"], cycle.id)
    assert db.session.query(Dispatch).count() == 0


def test_a_city_outside_the_ring_can_neither_see_nor_answer(ring, client, auth):
    cycle = ring["cycle"]
    auth.login(ring["kamakura_hr"].email)
    assert client.get(f"/exchange-rings/{cycle.id}").status_code == 403
    assert client.post(f"/exchange-rings/{cycle.id}/confirm", data={"confirmed": "y"}).status_code == 403
    assert client.post(f"/exchange-rings/{cycle.id}/refuse", data={"reason": "x"}).status_code == 403
    assert f'data-cycle="{cycle.id}"' not in client.get("/exchange-rings/").text
    with pytest.raises(PermissionDenied):
        rings.confirm_ring(ring["coordinator"], cycle.id)


def test_the_list_puts_rings_waiting_for_this_city_first(ring, make, client, auth):
    auth.login(ring["zushi_hr"].email)
    page = client.get("/exchange-rings/")
    assert page.status_code == 200 and 'class="needs-answer"' in page.text
    auth.logout()
    auth.login(ring["coordinator"].email)
    assert f'data-cycle="{ring["cycle"].id}"' in client.get("/exchange-rings/").text


def test_approving_a_ring_asks_each_city_to_confirm(make, ring):
    from talentbank.matching.services import approve_cycle

    officers = [make.serving_officer(ring["zushi"], name="逗子 二号"),
                make.serving_officer(ring["yokosuka"], professions=("social_welfare",), name="横須賀 二号")]
    offers = [make.exchange_offer(ring["zushi"], officers[0], wants="social_welfare"),
              make.exchange_offer(ring["yokosuka"], officers[1], wants="civil")]
    cycle = make.exchange_ring(offers, status="proposed")
    approve_cycle(ring["coordinator"], cycle.id)
    asked = {n.user_id for n in db.session.scalars(select(Notification).where(
        Notification.kind == "cycle.confirmation_requested"))}
    assert asked == {ring["zushi_hr"].id, ring["yokosuka_hr"].id}
