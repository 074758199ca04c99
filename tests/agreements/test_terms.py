"""Terms of a dispatch: version 1 from the defaults of its legal form, amendments, confirmations, validation."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from talentbank.agreements import defaults, terms
from talentbank.agreements.models import DispatchTerms, TermsDefaults
from talentbank.audit.models import AuditEntry
from talentbank.core.fiscal import fiscal_year_of
from talentbank.dispatches import services as dispatch_services
from talentbank.extensions import db
from talentbank.notifications.models import Notification

from .conftest import a_dispatch


def _count(dispatch_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(DispatchTerms)
                             .where(DispatchTerms.dispatch_id == dispatch_id))


def _form(t: DispatchTerms, **changes) -> dict:
    data = {"legal_form": t.legal_form, "rate_amount": t.rate_amount if t.rate_amount is not None else "",
            "rate_unit": t.rate_unit or "", "travel_amount": t.travel_amount if t.travel_amount is not None else "",
            "travel_unit": t.travel_unit or "", "days_per_week": t.days_per_week,
            "start_date": t.start_date.isoformat(), "end_date": t.end_date.isoformat(), "note": t.note,
            "reason": "旅費の単価を見直したため"}
    data.update({f"{item}_bearer": t.bearer(item) for item in
                 ("salary", "allowances", "overtime", "travel", "retirement_allowance", "insurance")})
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# ------------------------------------------------------------------ defaults of each legal form

def test_each_legal_form_has_its_standard_split():
    std = defaults.STANDARD_DEFAULTS
    # 252-17: the receiving body bears salary, allowances and travel; the sending body the retirement allowance.
    assert [std["secondment_252_17"]["bearers"][i] for i in ("salary", "allowances", "travel",
                                                             "retirement_allowance")] == \
        ["receiving", "receiving", "receiving", "sending"]
    # Exchange: the sending town keeps paying the salary; the receiving town pays overtime and travel.
    assert [std["exchange"]["bearers"][i] for i in ("salary", "overtime", "travel")] == \
        ["sending", "receiving", "receiving"]
    # A retiree: the receiving city pays the 報酬 (a daily rate) and travel.
    assert [std["retiree_appointment"]["bearers"][i] for i in ("salary", "travel")] == ["receiving", "receiving"]
    assert std["retiree_appointment"]["rate_unit"] == "day"
    # An honorarium: the receiving city pays it and the travel; nobody pays allowances or retirement.
    assert std["honorarium"]["bearers"] == {"salary": "receiving", "allowances": "none", "overtime": "none",
                                            "travel": "receiving", "retirement_allowance": "none",
                                            "insurance": "none"}


def test_the_migration_seeds_the_same_standard_split():
    from pathlib import Path
    text = next(Path("migrations/versions").glob("*_0016_*.py")).read_text(encoding="utf-8")
    for form, std in defaults.STANDARD_DEFAULTS.items():
        bearers = tuple(std["bearers"].values())
        assert f"'{form}': (({', '.join(repr(b) for b in bearers)})" in text, form


def test_a_retiree_s_dispatch_is_an_appointment_at_the_offered_rate_confirmed_by_the_receiving_city(make, tworld):
    req = tworld["request"]
    req.offered_rate_amount, req.offered_rate_unit = 15000, "day"
    db.session.commit()
    d = a_dispatch(make, tworld["retiree"], req)
    t = terms.current_terms(d.id)
    assert (t.version, t.legal_form, t.rate_amount, t.rate_unit) == (1, "retiree_appointment", 15000, "day")
    assert t.salary_bearer == "receiving" and t.retirement_allowance_bearer == "none"
    assert t.sending_city_id is None and t.parties == ("receiving",)
    assert (t.start_date, t.end_date, t.days_per_week) == (d.start_date, d.end_date, d.days_per_week)


def test_a_serving_officer_alone_is_a_252_17_secondment_with_the_employer_as_sending_city(make, tworld):
    tworld["request"].offered_rate_amount, tworld["request"].offered_rate_unit = 15000, "day"
    db.session.commit()
    d = a_dispatch(make, tworld["officer"], tworld["request"])
    t = terms.current_terms(d.id)
    assert t.rate_amount is None  # the offered 報酬 is for a person the city appoints, not an officer's salary
    assert t.legal_form == "secondment_252_17" and t.sending_city_id == tworld["yokosuka"].id
    assert t.retirement_allowance_bearer == "sending" and t.salary_bearer == "receiving"
    assert t.parties == ("receiving", "sending")


def test_accepting_an_offer_writes_terms_version_1(make, tworld):
    offer = make.dispatch_offer(tworld["retiree"], tworld["request"])
    dispatch = dispatch_services.accept_offer(tworld["retiree_user"], offer.id)
    history = terms.terms_history(dispatch.id)
    assert [(t.version, t.legal_form) for t in history] == [(1, "retiree_appointment")]


def test_an_agreed_ring_gives_each_leg_exchange_terms(make, tworld, client, auth):
    from talentbank.exchange.rings import services as rings
    from talentbank.dispatches.models import Dispatch

    zushi_officer = make.serving_officer(tworld["zushi"], name="逗子 福祉", professions=("social_welfare",))
    offers = [make.exchange_offer(tworld["zushi"], zushi_officer, wants="civil"),
              make.exchange_offer(tworld["yokosuka"], tworld["officer"], wants="social_welfare")]
    cycle = make.exchange_ring(offers)
    rings.confirm_ring(tworld["zushi_hr"], cycle.id)
    rings.confirm_ring(tworld["yokosuka_hr"], cycle.id)
    legs = db.session.scalars(select(Dispatch).where(Dispatch.exchange_cycle_id == cycle.id)).all()
    assert len(legs) == 2
    for leg in legs:
        t = terms.current_terms(leg.id)
        assert t.legal_form == "exchange" and t.salary_bearer == "sending" and t.overtime_bearer == "receiving"
        assert t.sending_city_id == leg.specialist.employer_city_id != leg.city_id


def test_new_defaults_are_versioned_and_used_by_the_next_dispatch(make, tworld, client, auth):
    auth.login(tworld["coordinator"].email)
    page = client.get("/agreements/defaults/retiree_appointment")
    assert page.status_code == 200
    data = {"salary_bearer": "receiving", "allowances_bearer": "none", "overtime_bearer": "receiving",
            "travel_bearer": "receiving", "retirement_allowance_bearer": "none", "insurance_bearer": "receiving",
            "rate_amount": "", "rate_unit": "day", "travel_amount": "800", "travel_unit": "day",
            "reason": "旅費を日額800円に統一"}
    assert client.post("/agreements/defaults/retiree_appointment", data=data).status_code == 302
    assert client.post("/agreements/defaults/retiree_appointment",
                       data=dict(data, travel_amount="900", reason="改定")).status_code == 302
    rows = db.session.scalars(select(TermsDefaults).order_by(TermsDefaults.version)).all()
    assert [(r.version, r.travel_amount) for r in rows] == [(1, 800), (2, 900)]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "terms_defaults.saved")) == 2
    d = a_dispatch(make, tworld["retiree"], tworld["request"])
    assert terms.current_terms(d.id).travel_amount == 900
    # HR officers read the defaults but do not change them.
    auth.logout()
    auth.login(tworld["zushi_hr"].email)
    assert client.get("/agreements/defaults").status_code == 200
    assert client.post("/agreements/defaults/retiree_appointment", data=data).status_code == 403
    assert client.get("/agreements/defaults/no_such_form").status_code == 403


# ------------------------------------------------------------------ amendments and confirmations

def test_an_amendment_is_a_new_version_and_keeps_the_earlier_one(make, tworld, client, auth):
    d = a_dispatch(make, tworld["officer"], tworld["request"])
    v1 = terms.current_terms(d.id)
    auth.login(tworld["zushi_hr"].email)
    assert client.get(f"/dispatches/{d.id}/terms").status_code == 200
    answer = client.post(f"/dispatches/{d.id}/terms", data=_form(v1, travel_amount="1200", travel_unit="day",
                                                                  special_grant="y"))
    assert answer.status_code == 302, answer.text
    history = terms.terms_history(d.id)
    assert [t.version for t in history] == [1, 2]
    assert history[0].travel_amount is None and history[1].travel_amount == 1200
    assert history[1].special_grant and not history[0].special_grant
    assert history[1].reason == "旅費の単価を見直したため" and history[1].created_by_id == tworld["zushi_hr"].id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "terms.amended"))
    assert entry.changes["travel_amount"] == [None, 1200]
    page = client.get(f"/dispatches/{d.id}")
    assert "第2版" in page.text and "1日あたり 1,200円" in page.text and "条件の版の履歴" in page.text
    # The sending city's HR may amend too; another city may not.
    auth.logout()
    auth.login(tworld["kamakura_hr"].email)
    assert client.post(f"/dispatches/{d.id}/terms", data=_form(v1)).status_code == 403
    assert _count(d.id) == 2


def test_each_city_confirms_its_side_and_nobody_else_can(make, tworld, client, auth):
    d = a_dispatch(make, tworld["officer"], tworld["request"])
    t = terms.current_terms(d.id)
    url = f"/dispatches/{d.id}/terms/{t.version}/confirm"
    for who in ("kamakura_hr", "coordinator"):
        auth.login(tworld[who].email)
        assert client.post(url, data={"confirmed": "y"}).status_code == 403, who
        auth.logout()
    auth.login(tworld["kamakura_hr"].email)
    assert client.get(f"/dispatches/{d.id}").status_code == 403, "neither receiving nor sending: not a party"
    auth.logout()
    assert not terms.is_confirmed(t)
    auth.login(tworld["zushi_hr"].email)
    assert client.post(url, data={}).status_code == 302  # without the tick box: nothing
    db.session.expire_all()
    assert terms.current_terms(d.id).confirmations == []
    assert client.post(url, data={"confirmed": "y"}).status_code == 302
    db.session.expire_all()
    t = terms.current_terms(d.id)
    assert [c.party for c in t.confirmations] == ["receiving"] and not terms.is_confirmed(t)
    auth.logout()
    # The sending city (the officer's employer) sees the dispatch page too, and confirms on the terms page.
    auth.login(tworld["yokosuka_hr"].email)
    assert client.get(f"/dispatches/{d.id}").status_code == 200
    page = client.get(f"/dispatches/{d.id}/terms")
    assert page.status_code == 200 and "貴市は派遣元の市です" in page.text and url in page.text
    answer = client.post(url, data={"confirmed": "y"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/dispatches/{d.id}#terms")
    assert f'href="/dispatches/{d.id}/terms#terms"' in client.get(
        f"/agreements/ledger/{fiscal_year_of(t.start_date)}").text
    db.session.expire_all()
    t = terms.current_terms(d.id)
    assert terms.is_confirmed(t) and {c.party for c in t.confirmations} == {"receiving", "sending"}
    assert terms.latest_confirmed_terms(d.id).version == 1


def test_a_retiree_s_terms_need_the_receiving_city_alone_and_the_specialist_only_reads(make, tworld, client, auth):
    d = a_dispatch(make, tworld["retiree"], tworld["request"])
    auth.login(tworld["retiree_user"].email)
    page = client.get(f"/dispatches/{d.id}")
    assert page.status_code == 200 and "会計年度任用職員としての任用" in page.text
    assert "派遣先の市だけが条件を確認します" in page.text
    assert client.get(f"/dispatches/{d.id}/terms").status_code == 403
    assert client.post(f"/dispatches/{d.id}/terms/1/confirm", data={"confirmed": "y"}).status_code == 403
    auth.logout()
    auth.login(tworld["yokosuka_hr"].email)  # the retiree's home city is no party
    assert client.post(f"/dispatches/{d.id}/terms/1/confirm", data={"confirmed": "y"}).status_code == 403
    auth.logout()
    auth.login(tworld["zushi_hr"].email)
    assert client.post(f"/dispatches/{d.id}/terms/1/confirm", data={"confirmed": "y"}).status_code == 302
    db.session.expire_all()
    assert terms.is_confirmed(terms.current_terms(d.id))


def test_confirming_an_old_version_is_refused(make, tworld):
    d = a_dispatch(make, tworld["officer"], tworld["request"])
    v1 = terms.current_terms(d.id)
    values = terms.DispatchTermsValues(bearers=v1.bearers(), legal_form=v1.legal_form, days_per_week=2,
                                       start_date=v1.start_date, end_date=v1.end_date, reason="週2日に変更")
    terms.amend_terms(tworld["yokosuka_hr"], d.id, values)
    with pytest.raises(Exception, match="新しい版"):
        terms.confirm_terms(tworld["zushi_hr"], d.id, 1)


@pytest.mark.parametrize("changes, field_message", [
    ({"rate_amount": "-1", "rate_unit": "day"}, "0円以上"),
    ({"travel_amount": "1000001", "travel_unit": "day"}, "0円以上"),
    ({"rate_amount": "12.5", "rate_unit": "day"}, "整数"),
    ({"rate_amount": "5000", "rate_unit": "week"}, "報酬の単位を一覧から"),
    ({"rate_amount": "5000", "rate_unit": ""}, "単位（日額・時間額）"),
    ({"travel_amount": "500", "travel_unit": "month"}, "旅費の単位を一覧から"),
    ({"salary_bearer": "prefecture"}, "負担者を選んでください"),
    ({"legal_form": "loan"}, "法的形式を一覧から"),
    ({"days_per_week": "6"}, "1〜5日"),
    ({"reason": ""}, "変更の理由"),
    ({"start_date": "2000-01-01"}, "派遣の期間"),
    ({"end_date": "2000-01-01"}, "終了日は開始日以降"),
])
def test_a_bad_terms_form_is_refused_with_nothing_saved(make, tworld, client, auth, changes, field_message):
    d = a_dispatch(make, tworld["officer"], tworld["request"])
    v1 = terms.current_terms(d.id)
    auth.login(tworld["zushi_hr"].email)
    answer = client.post(f"/dispatches/{d.id}/terms", data=_form(v1, **changes))
    assert answer.status_code == 400 and field_message in answer.text
    assert _count(d.id) == 1


def test_the_period_may_not_leave_the_dispatch(make, tworld, client, auth):
    d = a_dispatch(make, tworld["officer"], tworld["request"])
    v1 = terms.current_terms(d.id)
    auth.login(tworld["zushi_hr"].email)
    late = (d.end_date + timedelta(days=1)).isoformat()
    answer = client.post(f"/dispatches/{d.id}/terms", data=_form(v1, end_date=late))
    assert answer.status_code == 400 and _count(d.id) == 1
    inside = (d.end_date - timedelta(days=7)).isoformat()
    assert client.post(f"/dispatches/{d.id}/terms", data=_form(v1, end_date=inside)).status_code == 302
    assert _count(d.id) == 2


def test_the_services_refuse_other_cities_whatever_the_screen_does(make, tworld):
    from talentbank.core.permissions import PermissionDenied

    d = a_dispatch(make, tworld["officer"], tworld["request"])
    v1 = terms.current_terms(d.id)
    values = terms.DispatchTermsValues(bearers=v1.bearers(), legal_form=v1.legal_form, days_per_week=2,
                                       start_date=v1.start_date, end_date=v1.end_date, reason="週2日に変更")
    for outsider in (tworld["kamakura_hr"], tworld["retiree_user"]):
        with pytest.raises(PermissionDenied):
            terms.amend_terms(outsider, d.id, values)
        db.session.rollback()
        with pytest.raises(PermissionDenied):
            terms.confirm_terms(outsider, d.id, 1)
        db.session.rollback()
    assert _count(d.id) == 1 and terms.current_terms(d.id).confirmations == []


def test_lengthening_a_dispatch_after_agreement_is_an_amendment_to_confirm_again(make, tworld):
    d = a_dispatch(make, tworld["retiree"], tworld["request"])
    v1 = terms.current_terms(d.id)
    terms.confirm_terms(tworld["zushi_hr"], d.id, 1)
    db.session.commit()
    new_end = d.end_date + timedelta(days=28)
    dispatch_services.extend_dispatch(tworld["coordinator"], d.id, new_end, "工事が長引いたため")
    db.session.expire_all()
    history = terms.terms_history(d.id)
    assert [t.version for t in history] == [1, 2], "the earlier version is kept"
    v2 = history[1]
    assert v2.end_date == new_end and history[0].end_date == v1.end_date
    assert v2.rate_amount == history[0].rate_amount and v2.legal_form == history[0].legal_form
    assert v2.reason == "工事が長引いたため" and not terms.is_confirmed(v2), "both sides confirm the new period"
    assert terms.latest_confirmed_terms(d.id).version == 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "terms.amended")).one()
    assert entry.changes == {"end_date": [v1.end_date.isoformat(), new_end.isoformat()]}
    assert _asked(tworld["zushi_hr"]) == [2], "the receiving city is asked to confirm the new period"


def _asked(user) -> list[int]:
    return [n.params["version"] for n in db.session.scalars(select(Notification).where(
        Notification.user_id == user.id, Notification.kind == "terms.awaiting_confirmation"))]


def test_a_new_version_asks_the_other_party_to_confirm_in_their_language(make, tworld, client, auth):
    d = a_dispatch(make, tworld["officer"], tworld["request"])
    auth.login(tworld["zushi_hr"].email)
    answer = client.post(f"/dispatches/{d.id}/terms", data=_form(terms.current_terms(d.id), travel_amount="900",
                                                                  travel_unit="day"))
    assert answer.status_code == 302, answer.text
    auth.logout()
    assert _asked(tworld["yokosuka_hr"]) == [2] and _asked(tworld["zushi_hr"]) == [], "not the one who changed it"
    assert _asked(tworld["kamakura_hr"]) == [], "not a party"
    tworld["yokosuka_hr"].language = "en"
    db.session.commit()
    auth.login(tworld["yokosuka_hr"].email)
    inbox = client.get("/inbox/")
    assert f"Please confirm the terms of dispatch No.{d.id} (version 2)" in inbox.text
