"""Exchange offers: only the offering city's own serving officers, what is wanted back, the lifecycle."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from talentbank.audit.models import AuditEntry
from talentbank.core import clock
from talentbank.core.errors import UserError, UserErrors
from talentbank.core.permissions import PermissionDenied
from talentbank.exchange import services
from talentbank.exchange.models import ExchangeOffer
from talentbank.extensions import db
from talentbank.vocabulary.models import Licence, Profession


def values(make, officer, **overrides) -> services.OfferValues:
    today = clock.today_tokyo()
    data = dict(officer_id=officer.id if officer else None, start_date=today + timedelta(days=122),
                end_date=today + timedelta(days=486), is_one_way=False,
                wants_profession_id=make.term(Profession, "social_welfare").id,
                wants_licence_ids=(make.term(Licence, "certified_social_worker").id,),
                notes="本人は福祉部門での経験を希望")
    data.update(overrides)
    return services.OfferValues(**data)


def refused(make, actor, officer, **overrides) -> dict[str, str]:
    with pytest.raises(UserErrors) as caught:
        services.create_offer(actor, values(make, officer, **overrides))
    db.session.rollback()
    assert db.session.scalar(select(func.count(ExchangeOffer.id))) == 0
    return {e.field: str(e) for e in caught.value.errors}


def test_an_exchange_offer_of_an_own_officer_is_saved_as_a_draft(make, world):
    offer = services.create_offer(world["zushi_hr"], values(make, world["planner"]))
    assert (offer.status, offer.city_id, offer.is_one_way) == ("draft", world["zushi"].id, False)
    assert offer.wants_profession.code == "social_welfare"
    assert [t.code for t in offer.wants_licences] == ["certified_social_worker"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "offer.created")).one()
    assert entry.changes["officer"] == [None, world["planner"].reference]


def test_an_officer_of_another_city_is_refused(make, world):
    fujisawa_officer = make.serving_officer(world["fujisawa"])
    errors = refused(make, world["zushi_hr"], fujisawa_officer)
    assert errors == {"officer_id": "提供できるのは、自市に在職する職員として登録された人だけです。"}


def test_a_retired_specialist_is_refused_even_if_they_live_in_the_city(make, world):
    retired = make.serving_officer(world["zushi"], kind="retired", employer_city_id=None)
    errors = refused(make, world["zushi_hr"], retired)
    assert errors == {"officer_id": "提供できるのは、自市に在職する職員として登録された人だけです。"}


@pytest.mark.parametrize("status", ["paused"])
def test_a_paused_officer_is_refused(make, world, status):
    officer = make.serving_officer(world["zushi"], status=status)
    errors = refused(make, world["zushi_hr"], officer)
    assert errors == {"officer_id": "この職員の登録は休止中または取り消し済みのため、提供できません。"}


def test_an_unknown_or_missing_officer_is_refused(make, world):
    assert refused(make, world["zushi_hr"], None) == {"officer_id": "提供する職員を選んでください。"}
    errors = refused(make, world["zushi_hr"], None, officer_id=999999)
    assert errors == {"officer_id": "提供する職員が見つかりません。"}


def test_an_exchange_must_say_what_it_wants_back(make, world):
    errors = refused(make, world["zushi_hr"], world["planner"], wants_profession_id=None)
    assert errors == {"wants_profession_id": "交換で求める職種を選ぶか、「片道の派遣（見返りなし）」にしてください。"}


def test_a_one_way_secondment_wants_nothing_back(make, world):
    errors = refused(make, world["zushi_hr"], world["planner"], is_one_way=True)
    assert errors == {"wants_profession_id": "片道の派遣では、求める職種・資格は指定できません。"}
    offer = services.create_offer(world["zushi_hr"], values(make, world["planner"], is_one_way=True,
                                                            wants_profession_id=None, wants_licence_ids=()))
    assert offer.is_one_way and offer.wants_profession is None and offer.wants_licences == []


def test_unknown_licences_and_bad_periods_are_refused(make, world):
    today = clock.today_tokyo()
    errors = refused(make, world["zushi_hr"], world["planner"], wants_licence_ids=(777777,),
                     start_date=today - timedelta(days=1), end_date=today - timedelta(days=2))
    assert errors == {"wants_licence_ids": "登録されていない資格が含まれています。",
                      "start_date": "開始日に過去の日付は指定できません（今日は2026-11-30です）。",
                      "end_date": "終了日は開始日以降の日付にしてください。"}


def test_the_same_officer_cannot_be_offered_twice_for_overlapping_periods(make, world):
    first = services.create_offer(world["zushi_hr"], values(make, world["planner"]))
    errors = refused_after(make, world, values(make, world["planner"]))
    assert errors == {"officer_id": f"この職員は同じ時期の交流職員の提供（No.{first.id}）に既に含まれています。"}
    later = values(make, world["planner"], start_date=first.end_date + timedelta(days=1),
                   end_date=first.end_date + timedelta(days=200))
    assert services.create_offer(world["zushi_hr"], later).id != first.id
    services.withdraw_offer(world["zushi_hr"], first.id)
    assert services.create_offer(world["zushi_hr"], values(make, world["planner"])).status == "draft"


def refused_after(make, world, offer_values) -> dict[str, str]:
    with pytest.raises(UserErrors) as caught:
        services.create_offer(world["zushi_hr"], offer_values)
    db.session.rollback()
    return {e.field: str(e) for e in caught.value.errors}


def test_lifecycle_open_match_release_and_expire(make, world):
    offer = services.create_offer(world["zushi_hr"], values(make, world["planner"]))
    opened = services.open_offer(world["zushi_hr"], offer.id)
    assert opened.status == "open" and opened.posted_at is not None
    assert [o.id for o in services.open_offers_for_matching()] == [offer.id]
    assert services.mark_offer_matched(offer.id).status == "matched"
    assert services.open_offers_for_matching() == []
    with pytest.raises(UserError, match="募集中の交流職員の提供だけを交流成立にできます。"):
        services.mark_offer_matched(offer.id)
    assert services.release_offer(offer.id).status == "open"
    with pytest.raises(UserError, match="期間が始まる前"):
        services.expire_offer(offer.id)
    clock.freeze(datetime(2027, 4, 5, 1, 0))
    assert services.expire_due_offers() == [offer.id]
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_type == "exchange_offer")
                                      .order_by(AuditEntry.id)))
    assert actions == ["offer.created", "offer.opened", "offer.matched", "offer.released", "offer.expired"]


def test_an_offer_whose_officer_left_the_registry_cannot_open(make, world):
    offer = services.create_offer(world["zushi_hr"], values(make, world["planner"]))
    world["planner"].status = "withdrawn"
    world["planner"].name_kanji = None
    world["planner"].email = None
    db.session.commit()
    with pytest.raises(UserErrors):
        services.open_offer(world["zushi_hr"], offer.id)
    db.session.rollback()
    assert db.session.get(ExchangeOffer, offer.id).status == "draft"


def test_matching_reads_open_offers_with_the_officer_loaded(make, world):
    make.exchange_offer(world["zushi"], world["planner"], status="draft")
    live = make.exchange_offer(world["fujisawa"], wants="civil",
                               start_date=clock.today_tokyo() + timedelta(days=500),
                               end_date=clock.today_tokyo() + timedelta(days=800))
    make.exchange_offer(world["fujisawa"], status="open", start_date=clock.today_tokyo() - timedelta(days=1))
    found = services.open_offers_for_matching()
    assert [o.id for o in found] == [live.id]
    assert found[0].officer.professions[0].code == "civil" and found[0].wants_profession.code == "civil"


def test_hr_edits_until_the_offer_is_in_a_ring(make, world):
    offer = services.create_offer(world["zushi_hr"], values(make, world["planner"]))
    services.update_offer(world["zushi_hr"], offer.id, values(make, world["planner"], notes="期間は相談可"))
    other = make.exchange_offer(world["fujisawa"], wants="civil")
    ring = make.exchange_ring([offer, other], status="proposed")  # the production check: ring membership
    with pytest.raises(UserError, match=f"交流の輪 No.{ring.id}（提案中）に含まれているため変更できません"):
        services.update_offer(world["zushi_hr"], offer.id, values(make, world["planner"], notes="x"))
    db.session.rollback()
    with pytest.raises(UserError, match=f"取り下げできません。取り下げが必要な場合は、幹事市に交流の輪 No.{ring.id} の解除"):
        services.withdraw_offer(world["zushi_hr"], offer.id)
    db.session.rollback()
    assert services.allowed_offer_actions(world["zushi_hr"], offer) == {"open"}
    # The coordinating city corrects with a reason, even then.
    services.update_offer(world["coordinator"], offer.id, values(make, world["planner"], notes="訂正"),
                          reason="藤沢市との調整結果を反映")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "offer.corrected")).one()
    assert entry.reason == "藤沢市との調整結果を反映" and entry.changes == {"notes": ["期間は相談可", "訂正"]}


def test_coordinator_undoes_a_matched_offer_with_a_reason_and_reopens_it(make, world):
    offer = make.exchange_offer(world["zushi"], world["planner"], status="matched")
    with pytest.raises(UserError, match="交流が成立したものは幹事市に連絡してください"):
        services.withdraw_offer(world["zushi_hr"], offer.id)
    db.session.rollback()
    with pytest.raises(UserError, match="取り下げの理由を入力してください。"):
        services.withdraw_offer(world["coordinator"], offer.id)
    db.session.rollback()
    services.withdraw_offer(world["coordinator"], offer.id, "相手市の事情で交流中止")
    with pytest.raises(PermissionDenied):
        services.reopen_offer(world["zushi_hr"], offer.id, "再募集")
    assert services.reopen_offer(world["coordinator"], offer.id, "再募集").status == "open"


def test_another_city_may_do_nothing_to_an_offer(make, world):
    offer = make.exchange_offer(world["zushi"], world["planner"], status="draft")
    who = world["fujisawa_hr"]
    for call in (
        lambda: services.get_offer(who, offer.id),
        lambda: services.offer_history(who, offer.id),
        lambda: services.update_offer(who, offer.id, values(make, world["planner"])),
        lambda: services.open_offer(who, offer.id),
        lambda: services.withdraw_offer(who, offer.id, "x"),
        lambda: services.reopen_offer(who, offer.id, "x"),
        lambda: services.serving_officers(who, world["zushi"].id),
    ):
        with pytest.raises(PermissionDenied):
            call()
        db.session.rollback()
    assert db.session.get(ExchangeOffer, offer.id).status == "draft"


def test_only_hr_officers_create_offers(make, world):
    with pytest.raises(PermissionDenied):
        services.create_offer(world["coordinator"], values(make, world["planner"]))


def test_the_board_shows_open_offers_without_names_or_notes(make, world):
    offer = make.exchange_offer(world["zushi"], world["planner"], wants_licences=("certified_social_worker",))
    make.exchange_offer(world["fujisawa"], status="draft")
    rows = services.offer_board(world["fujisawa_hr"])
    assert [r.id for r in rows] == [offer.id]
    row = rows[0]
    assert [p.code for p in row.gives] == ["civil"] and row.wants.code == "social_welfare"
    assert not hasattr(row, "notes") and not hasattr(row, "officer")
