"""The review desk as the coordinating city uses it: decisions that come back to their row, the reason form,
search and filters, bulk decisions confirmed first, role checks, and the what-if entry that says what it needs."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from talentbank.core.permissions import Role
from talentbank.exchange.rings.models import ExchangeCycle
from talentbank.extensions import db
from talentbank.matching import services
from talentbank.matching.models import ForbiddenPair, MatchingRound, Proposal
from talentbank.matching.reasons import PROPOSAL_REJECTION_REASONS, reason_for_display, rejection_reason

from .builders import matching_app, scenario

JSON = {"Accept": "application/json"}


@pytest.fixture
def world(app, make):
    matching_app(app)
    return scenario(make)


@pytest.fixture
def rnd(world, auth):
    auth.login(world.coordinator.email)
    return services.run_round_now(services.queue_round(world.coordinator).id)


def _proposal(specialist) -> Proposal:
    return db.session.scalar(select(Proposal).where(Proposal.specialist_id == specialist.id)
                             .order_by(Proposal.id.desc()))


def _status(proposal_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Proposal, proposal_id).status


# ----------------------------------------------------------------------------- decisions keep your place


def test_a_decision_from_the_list_comes_back_to_its_row_with_the_filters(client, world, rnd):
    p = _proposal(world.engineer_licensed)
    back = f"/matching/rounds/{rnd.id}?profession=civil&page=1"
    response = client.post(f"/matching/rounds/{rnd.id}/decide", data={"approve_one": p.id, "next": back})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{back}#proposal-{p.id}"
    assert _status(p.id) in ("approved", "offered")
    page = client.get(back)
    assert f'id="proposal-{p.id}"' in page.text and "提案を承認しました" in page.text


def test_a_decision_never_sends_you_to_another_site(client, world, rnd):
    p = _proposal(world.engineer_licensed)
    for evil in ("https://evil.example/", "//evil.example/matching/", "/matching/\\evil", "/login"):
        response = client.post(f"/matching/proposals/{p.id}/approve", data={"next": evil})
        assert urlsplit(response.headers["Location"]).path == f"/matching/rounds/{rnd.id}"


def test_fetch_decisions_answer_json_for_the_row(client, world, rnd):
    p = _proposal(world.engineer_licensed)
    body = client.post(f"/matching/proposals/{p.id}/approve", headers=JSON).get_json()
    assert body["ok"] and body["target"] == f"proposal-{p.id}" and body["status"] in ("approved", "offered")
    assert body["status_label"] and "承認しました" in body["message"]
    again = client.post(f"/matching/proposals/{p.id}/approve", headers=JSON)
    assert again.status_code == 409 and not again.get_json()["ok"] and "すでに" in again.get_json()["message"]


# ----------------------------------------------------------------------------- the reason of a rejection


def test_reject_without_a_reason_is_refused_and_saves_nothing(client, world, rnd):
    p = _proposal(world.engineers[1])
    for data in ({}, {"reason": "   "}, {"reason_code": "other"}, {"reason_code": "other", "reason": " "}):
        response = client.post(f"/matching/proposals/{p.id}/reject", data=data, headers=JSON)
        assert response.status_code == 422, data
        assert response.get_json()["errors"], data
        page = client.post(f"/matching/proposals/{p.id}/reject", data=data)
        assert page.status_code == 422 and 'role="alert"' in page.text and "<form" in page.text
    assert _status(p.id) == "proposed"
    assert db.session.scalar(select(func.count(ForbiddenPair.id))) == 0
    bad_choice = client.post(f"/matching/proposals/{p.id}/reject", data={"reason_code": "nope"}, headers=JSON)
    assert bad_choice.status_code == 422 and _status(p.id) == "proposed"


def test_a_picked_reason_is_saved_with_the_free_text(client, world, rnd):
    p = _proposal(world.engineers[1])
    body = client.post(f"/matching/proposals/{p.id}/reject", headers=JSON,
                       data={"reason_code": "travel", "reason": "片道2時間"}).get_json()
    assert body["ok"] and body["status"] == "rejected"
    db.session.expire_all()
    saved = db.session.get(Proposal, p.id)
    assert saved.decision_reason == PROPOSAL_REJECTION_REASONS["travel"] + "：片道2時間"
    assert body["reason"] == saved.decision_reason  # Japanese reader: as stored
    assert db.session.scalar(select(func.count(ForbiddenPair.id))) == 1


def test_the_reason_page_works_without_javascript(client, world, rnd):
    p = _proposal(world.engineers[1])
    back = f"/matching/rounds/{rnd.id}?q=TB-{p.specialist_id:06d}"
    response = client.post(f"/matching/rounds/{rnd.id}/decide", data={"reject_one": p.id, "next": back})
    assert response.status_code == 303 and f"/matching/proposals/{p.id}/reject" in response.headers["Location"]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and 'name="reason_code"' in page.text
    assert all(sentence in page.text for sentence in PROPOSAL_REJECTION_REASONS.values())
    assert f'value="{back}"' in page.text.replace("&amp;", "&")  # where the page goes back to
    done = client.post(f"/matching/proposals/{p.id}/reject", data={"reason_code": "skills", "next": back})
    assert done.headers["Location"] == f"{back}#proposal-{p.id}" and _status(p.id) == "rejected"


def test_the_stored_reason_reads_in_the_readers_language():
    travel = PROPOSAL_REJECTION_REASONS["travel"]
    english = {travel: "The commute is too long", "%(reason)s：%(detail)s": "%(reason)s: %(detail)s"}

    def t(msgid, **params):
        text = english.get(msgid, msgid)
        return text % params if params else text

    assert rejection_reason(PROPOSAL_REJECTION_REASONS, "travel", " 片道2時間 ") == travel + "：片道2時間"
    assert rejection_reason(PROPOSAL_REJECTION_REASONS, "other", "") == ""
    assert rejection_reason(PROPOSAL_REJECTION_REASONS, "", "自由記述") == "自由記述"
    assert reason_for_display(travel + "：片道2時間", t) == "The commute is too long: 片道2時間"
    assert reason_for_display(travel, t) == "The commute is too long"
    assert reason_for_display("自由記述だけ", t) == "自由記述だけ"


# ----------------------------------------------------------------------------- search and filters


def _shown(page_text: str) -> set[str]:
    return set(re.findall(r'<tr[^>]* id="proposal-(\d+)"', page_text))


def test_search_by_tb_number_request_number_and_city(client, world, rnd):
    p = _proposal(world.engineer_licensed)
    ref = f"TB-{p.specialist_id:06d}"
    for q in (ref, ref.lower(), f"ＴＢ－{p.specialist_id:06d}".replace("－", "-"), f"TB{p.specialist_id}"):
        page = client.get(f"/matching/rounds/{rnd.id}", query_string={"q": q})
        assert page.status_code == 200 and _shown(page.text) == {str(p.id)}, q
        assert "条件に合う提案は1件です。" in page.text
    by_request = client.get(f"/matching/rounds/{rnd.id}", query_string={"q": str(world.kamakura_request.id)})
    kamakura = {str(x.id) for x in db.session.scalars(select(Proposal).where(
        Proposal.request_id == world.kamakura_request.id))}
    assert _shown(by_request.text) == kamakura and kamakura
    by_city = client.get(f"/matching/rounds/{rnd.id}", query_string={"q": "逗子"})
    assert _shown(by_city.text) == {str(p.id)}
    assert _shown(client.get(f"/matching/rounds/{rnd.id}", query_string={"q": "zushi"}).text) == {str(p.id)}
    # Empty slots are found by request number too (Yokosuka's architect request has no proposal).
    empty = client.get(f"/matching/rounds/{rnd.id}", query_string={"q": str(world.yokosuka_request.id)})
    assert f'id="request-{world.yokosuka_request.id}"' in empty.text and not _shown(empty.text)


def test_filters_by_profession_status_and_city_combine_with_paging(client, world, rnd, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_REVIEW_PAGE_ROWS", 1)  # one city a page
    approved = _proposal(world.engineer_licensed)
    services.approve_proposal(world.coordinator, approved.id)
    page = client.get(f"/matching/rounds/{rnd.id}", query_string={"status": "proposed", "profession": "civil"})
    kamakura_ids = {str(p.id) for p in db.session.scalars(select(Proposal).where(
        Proposal.request_id == world.kamakura_request.id))}
    assert _shown(page.text) == kamakura_ids and "条件に合う提案は2件です。" in page.text
    # Without the status: Zushi's approved proposal and Kamakura's two, one city a page, the filters kept.
    first = client.get(f"/matching/rounds/{rnd.id}", query_string={"profession": "civil"})
    assert "条件に合う提案は3件です。" in first.text and 'class="pager review-pages"' in first.text
    assert "profession=civil" in first.text.split('class="pager review-pages"')[1].split("</nav>")[0]
    second = client.get(f"/matching/rounds/{rnd.id}", query_string={"profession": "civil", "page": 2})
    assert _shown(first.text) and _shown(second.text) and not (_shown(first.text) & _shown(second.text))
    assert _shown(first.text) | _shown(second.text) == kamakura_ids | {str(approved.id)}
    nurses = client.get(f"/matching/rounds/{rnd.id}", query_string={"profession": "public_health_nurse"})
    assert not _shown(nurses.text) and "この条件に合う提案・空いた枠はありません。" in nurses.text
    kamakura = world.cities["142042"]
    one_city = client.get(f"/matching/rounds/{rnd.id}", query_string={"city_id": kamakura.id, "status": "proposed"})
    assert _shown(one_city.text) and all(
        db.session.get(Proposal, int(i)).city_id == kamakura.id for i in _shown(one_city.text))


@pytest.mark.parametrize("args, message", [
    ({"status": "maybe"}, "状態の選択肢が正しくありません。"),
    ({"profession": "astronaut"}, "職種の選択肢が正しくありません。"),
    ({"changed": "yes"}, "「前回から変わったものだけ」の値が正しくありません。"),
    ({"city_id": "99999"}, "市の選択肢が正しくありません。"),
    ({"city_id": "abc"}, "市の選択肢が正しくありません。"),
    ({"q": "x" * 101}, "検索語は100文字以内"),
    ({"q": "a\x00b"}, "検索語は100文字以内"),
    ({"q": "どこにもない町"}, "参照番号"),
    ({"page": "-3", "q": "TB-0"}, ""),
])
def test_bad_filter_values_are_named_never_a_500(client, world, rnd, args, message):
    page = client.get(f"/matching/rounds/{rnd.id}", query_string=args)
    assert page.status_code == 200
    if message:
        assert 'id="filter-errors"' in page.text and message in page.text
    else:
        assert 'id="filter-errors"' not in page.text


def test_changed_since_the_last_round_shows_new_pairings_and_newly_empty_slots(client, world, rnd):
    first = rnd
    assert "比べられる前回のマッチングがありません" in client.get(f"/matching/rounds/{first.id}?changed=1").text
    zushi = _proposal(world.engineer_licensed)
    services.approve_proposal(world.coordinator, zushi.id)  # kept as it is by the next round
    kamakura = db.session.scalars(select(Proposal).where(Proposal.round_id == first.id,
                                                         Proposal.request_id == world.kamakura_request.id)).all()
    services.reject_proposal(world.coordinator, kamakura[0].id, "距離")  # that pair is never proposed again
    second = services.run_round_now(services.queue_round(world.coordinator).id)
    assert second.status == "succeeded", second.error
    everything = client.get(f"/matching/rounds/{second.id}")
    changed = client.get(f"/matching/rounds/{second.id}?changed=1")
    assert f"前回のマッチング No.{first.id} と比べて" in changed.text
    # Kamakura lost a candidate: its request now has (more) empty slots, shown as newly empty.
    assert f'id="request-{world.kamakura_request.id}"' in changed.text and "前回から：新たに空いた枠" in changed.text
    # Yokosuka's architect request was empty before too: not a change.
    assert f'id="request-{world.yokosuka_request.id}"' in everything.text
    assert f'id="request-{world.yokosuka_request.id}"' not in changed.text
    # Unchanged pairings are left out; the kept Zushi pairing is not a change either.
    unchanged = [p for p in db.session.scalars(select(Proposal).where(Proposal.round_id == second.id))
                 if (p.request_id, p.specialist_id) in {(k.request_id, k.specialist_id) for k in kamakura[1:]}]
    assert all(str(p.id) not in _shown(changed.text) for p in unchanged)
    assert len(_shown(changed.text)) < len(_shown(everything.text)) or not _shown(everything.text)


# ----------------------------------------------------------------------------- bulk decisions


def test_bulk_approval_is_confirmed_with_count_and_cities_before_anything_is_saved(client, world, rnd):
    ids = [p.id for p in db.session.scalars(select(Proposal).where(Proposal.round_id == rnd.id))]
    back = f"/matching/rounds/{rnd.id}?profession=civil"
    page = client.post(f"/matching/rounds/{rnd.id}/decide", data={"action": "approve", "proposal_id": ids,
                                                                   "next": back})
    assert page.status_code == 200 and "3件の提案を承認します。" in page.text
    assert "逗子市" in page.text and "鎌倉市" in page.text and 'id="bulk-cities"' in page.text
    assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.status == "proposed")) == 3
    done = client.post(f"/matching/rounds/{rnd.id}/decide", data={"action": "approve", "proposal_id": ids,
                                                                   "next": back, "confirmed": "1"})
    assert done.headers["Location"] == f"{back}#decide-form"
    assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.status == "proposed")) == 0
    # Decided meanwhile: the confirmation leaves them out and says so.
    again = client.post(f"/matching/rounds/{rnd.id}/decide", data={"action": "approve", "proposal_id": ids})
    assert "選んだ提案はどれも審査待ちではありません。" in again.text and "対象から外しました" in again.text


def test_bulk_rejection_asks_the_reason_on_the_confirmation(client, world, rnd):
    ids = [p.id for p in db.session.scalars(select(Proposal).where(Proposal.round_id == rnd.id))][:2]
    page = client.post(f"/matching/rounds/{rnd.id}/decide", data={"action": "reject", "proposal_id": ids})
    assert "2件の提案を却下します。" in page.text and 'name="reason_code"' in page.text
    refused = client.post(f"/matching/rounds/{rnd.id}/decide",
                          data={"action": "reject", "proposal_id": ids, "confirmed": "1"})
    assert refused.status_code == 422 and "却下の理由を選ぶか、入力してください。" in refused.text
    assert all(_status(i) == "proposed" for i in ids)
    client.post(f"/matching/rounds/{rnd.id}/decide",
                data={"action": "reject", "proposal_id": ids, "confirmed": "1", "reason_code": "next_round"})
    assert all(_status(i) == "rejected" for i in ids)
    nothing = client.post(f"/matching/rounds/{rnd.id}/decide", data={"action": "approve"})
    assert nothing.status_code == 302 and nothing.headers["Location"].endswith("#decide-form")
    assert client.post(f"/matching/rounds/{rnd.id}/decide", data={"action": "explode"}).status_code == 400


# ----------------------------------------------------------------------------- who may decide


def test_hr_officers_may_not_decide_or_see_the_reason_page(client, auth, make, world, rnd):
    p = _proposal(world.engineers[1])
    hr = make.user(Role.CITY_HR, city=world.cities["142042"])
    auth.logout()
    auth.login(hr.email)
    assert client.get(f"/matching/proposals/{p.id}/reject").status_code == 403
    assert client.post(f"/matching/proposals/{p.id}/reject", data={"reason_code": "travel"}).status_code == 403
    assert client.post(f"/matching/rounds/{rnd.id}/decide", data={"approve_one": p.id}).status_code == 403
    assert client.post(f"/matching/rounds/{rnd.id}/decide",
                       data={"action": "approve", "proposal_id": [p.id]}).status_code == 403
    assert client.get("/matching/cycles/1/reject").status_code == 403
    assert _status(p.id) == "proposed"


def test_the_reason_page_of_an_unknown_proposal_is_a_404(client, world, rnd):
    assert client.get("/matching/proposals/987654/reject").status_code == 404


# ----------------------------------------------------------------------------- the what-if entry point


def test_the_what_if_entry_is_always_there_and_says_what_it_needs(client, world, rnd):
    page = client.get(f"/matching/rounds/{rnd.id}").text
    assert 'id="what-if-entry"' in page and 'id="what-if-form"' not in page
    assert "別の版の規則が必要です" in page and "/matching/rule-sets/new" in page
    values = services.RuleSetValues(method="lexicographic", criteria=[{"indicator": "fiscal_index", "weight": 1.0}],
                                    max_cycle_length=3, note="比較用", is_published=False,
                                    exchange_priority="after_statutory")
    services.save_rule_set(world.coordinator, values)
    page = client.get(f"/matching/rounds/{rnd.id}").text
    assert 'id="what-if-form"' in page and "別の版の規則が必要です" not in page


# ----------------------------------------------------------------------------- rings


def test_a_ring_is_rejected_through_the_reason_form(app, make, client, auth):
    matching_app(app)
    cities = make.demo_cities()
    make.vocabulary()
    zushi, kamakura = cities["142085"], cities["142042"]
    coordinator = make.user(Role.COORDINATOR)
    civil = make.serving_officer(zushi, professions=("civil",))
    social = make.serving_officer(kamakura, professions=("social_welfare",))
    make.exchange_offer(zushi, civil, wants="social_welfare")
    make.exchange_offer(kamakura, social, wants="civil")
    rnd = services.run_round_now(services.queue_round(coordinator).id)
    cycle = db.session.scalar(select(ExchangeCycle))
    auth.login(coordinator.email)
    review = client.get(f"/matching/rounds/{rnd.id}").text
    assert f'id="cycle-{cycle.id}"' in review and f"/matching/cycles/{cycle.id}/reject?next=" in review
    reason_page = client.get(f"/matching/cycles/{cycle.id}/reject")
    assert reason_page.status_code == 200 and "逗子市 → 鎌倉市 → 逗子市" in reason_page.text.replace(
        "鎌倉市 → 逗子市 → 鎌倉市", "逗子市 → 鎌倉市 → 逗子市")
    refused = client.post(f"/matching/cycles/{cycle.id}/reject", data={}, headers=JSON)
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.get(ExchangeCycle, cycle.id).status == "proposed"
    body = client.post(f"/matching/cycles/{cycle.id}/reject", data={"reason_code": "timing"}, headers=JSON).get_json()
    assert body["ok"] and body["target"] == f"cycle-{cycle.id}" and body["status"] == "rejected"
    done = db.session.get(MatchingRound, rnd.id)
    assert done is not None


def test_a_row_decided_on_a_status_filtered_page_stays_where_it_was(client, world, rnd):
    p = _proposal(world.engineer_licensed)
    back = f"/matching/rounds/{rnd.id}?status=proposed"
    response = client.post(f"/matching/rounds/{rnd.id}/decide", data={"approve_one": p.id, "next": back})
    location = response.headers["Location"]
    assert location == f"{back}&decided={p.id}#proposal-{p.id}"
    page = client.get(location.split("#")[0])
    assert str(p.id) in _shown(page.text)  # no longer proposed, still shown where the coordinator was
    assert "条件に合う提案は2件です。" in page.text  # … but not counted as matching
    assert str(p.id) not in _shown(client.get(back).text)
    # A second decision replaces the first one's mark; pages without such a filter get none.
    other = _proposal(world.engineers[1])
    again = client.post(f"/matching/rounds/{rnd.id}/decide", data={"approve_one": other.id,
                                                                   "next": location.split("#")[0]})
    assert again.headers["Location"] == f"{back}&decided={other.id}#proposal-{other.id}"
    plain = client.post(f"/matching/rounds/{rnd.id}/decide",
                        data={"approve_one": _proposal(world.engineers[2]).id, "next": f"/matching/rounds/{rnd.id}"})
    assert "decided=" not in plain.headers["Location"]


def test_another_person_for_the_same_request_is_marked_with_who_was_there_before(client, make, world, rnd):
    from .builders import specialist

    kamakura = db.session.scalars(select(Proposal).where(Proposal.round_id == rnd.id,
                                                         Proposal.request_id == world.kamakura_request.id)).all()
    rejected = kamakura[0]
    services.reject_proposal(world.coordinator, rejected.id, "距離")
    newcomer = specialist(make, world.cities["142042"], fields={"roads": 8})  # joins the registry meanwhile
    second = services.run_round_now(services.queue_round(world.coordinator).id)
    assert second.status == "succeeded", second.error
    taken = db.session.scalar(select(Proposal).where(Proposal.round_id == second.id,
                                                     Proposal.specialist_id == newcomer.id))
    assert taken is not None and taken.request_id == world.kamakura_request.id
    page = client.get(f"/matching/rounds/{second.id}", query_string={"changed": "1"}).text
    assert str(taken.id) in _shown(page)
    assert f"前回から：人が変わった（前回 TB-{rejected.specialist_id:06d}" in page
