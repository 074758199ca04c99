"""The matching pages as people use them: start, progress, review, decide, export, a city's view, rule sets."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from talentbank.core.errors import UserError
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.matching import services
from talentbank.matching.models import ForbiddenPair, MatchingRound, Proposal, RuleSetVersion

from .builders import matching_app, scenario


@pytest.fixture
def world(app, make):
    matching_app(app)
    return scenario(make)


@pytest.fixture
def coordinator(world, auth):
    auth.login(world.coordinator.email)
    return world.coordinator


def _round_via_page(client) -> MatchingRound:
    response = client.post("/matching/rounds", data={"profession_code": ""})
    assert response.status_code == 302 and "/progress" in response.headers["Location"]
    return db.session.scalar(select(MatchingRound).order_by(MatchingRound.id.desc()))


def test_start_page_says_what_the_round_will_use(client, coordinator):
    services.ensure_rule_set()
    page = client.get("/matching/")
    assert page.status_code == 200
    assert "募集中の派遣要請" in page.text and "3件（未充足 4人）" in page.text
    assert "第1版（公開中）" in page.text


def test_a_round_started_from_the_page_shows_progress_then_the_review(client, coordinator, world):
    rnd = _round_via_page(client)
    progress = client.get(f"/matching/rounds/{rnd.id}/progress")
    assert progress.status_code == 200 and "経過時間" in progress.text
    status = client.get(f"/matching/rounds/{rnd.id}/status.json").get_json()
    assert status["status"] == "succeeded" and status["is_finished"]
    assert status["next_url"] == f"/matching/rounds/{rnd.id}" and status["elapsed_seconds"] >= 0
    assert status["summary"]["proposals"] == 3
    review = client.get(status["next_url"])
    assert review.status_code == 200
    text = review.text
    assert world.engineer_licensed.reference in text  # the candidate card …
    assert world.engineer_licensed.name_kanji not in text and world.engineer_licensed.email not in text  # … pseudonymised
    assert "優先順位 1位（全3件中）" in text and "災害復旧" in text  # the disaster request comes first
    assert "建築の候補者がいません。" in text  # Yokosuka's empty slot, in plain Japanese
    assert "経験年数" in text and "移動時間" in text  # score parts


def test_review_by_city_and_by_request(client, coordinator, world):
    rnd = _round_via_page(client)
    zushi = world.cities["142085"]
    by_city = client.get(f"/matching/rounds/{rnd.id}?city_id={zushi.id}")
    assert f'id="request-{world.zushi_request.id}"' in by_city.text
    assert f'id="request-{world.kamakura_request.id}"' not in by_city.text
    by_request = client.get(f"/matching/rounds/{rnd.id}/requests/{world.yokosuka_request.id}")
    assert by_request.status_code == 200 and "建築の候補者がいません。" in by_request.text
    assert "4人は職種が異なります。" in by_request.text


def test_approve_one_and_reject_with_and_without_a_reason(client, coordinator, world):
    rnd = _round_via_page(client)
    proposals = {p.specialist_id: p for p in db.session.scalars(select(Proposal))}
    zushi = proposals[world.engineer_licensed.id]
    response = client.post(f"/matching/proposals/{zushi.id}/approve", data={"round_id": rnd.id}, follow_redirects=True)
    assert "提案を承認しました" in response.text
    kamakura = proposals[world.engineers[1].id]
    response = client.post(f"/matching/proposals/{kamakura.id}/reject", data={"round_id": rnd.id})
    assert response.status_code == 422 and "却下の理由を選ぶか、入力してください。" in response.text  # the reason page
    db.session.expire_all()
    assert db.session.get(Proposal, kamakura.id).status == "proposed"
    client.post(f"/matching/proposals/{kamakura.id}/reject",
                data={"round_id": rnd.id, f"reason_{kamakura.id}": "勤務地が遠い"})
    db.session.expire_all()
    assert db.session.get(Proposal, kamakura.id).status == "rejected"
    assert db.session.get(Proposal, zushi.id).status in ("approved", "offered")
    assert db.session.scalar(select(func.count(ForbiddenPair.id))) == 1


def test_bulk_decisions_from_the_review_form(client, coordinator, world):
    rnd = _round_via_page(client)
    ids = [str(p.id) for p in db.session.scalars(select(Proposal))]
    response = client.post(f"/matching/rounds/{rnd.id}/decide",
                           data={"action": "reject", "proposal_id": ids[:2], "reason": "", "confirmed": "1"})
    assert response.status_code == 422 and "却下の理由を選ぶか、入力してください。" in response.text
    response = client.post(f"/matching/rounds/{rnd.id}/decide", data={"action": "approve", "proposal_id": ids})
    assert "3件の提案を承認します。" in response.text  # the confirmation first: nothing saved yet
    assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.status == "proposed")) == 3
    response = client.post(f"/matching/rounds/{rnd.id}/decide", data={"action": "approve", "proposal_id": ids,
                                                                        "confirmed": "1"}, follow_redirects=True)
    assert "3件の提案を承認しました。" in response.text
    assert db.session.scalar(select(func.count(Proposal.id)).where(Proposal.status == "proposed")) == 0


def test_exports_have_japanese_headers_and_every_row(client, coordinator, world):
    rnd = _round_via_page(client)
    response = client.get(f"/matching/rounds/{rnd.id}/export.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["提案", "空いた枠", "交流の輪"]
    rows = list(book["提案"].values)
    assert rows[0][:4] == ("マッチング番号", "団体コード", "市", "要請番号") and len(rows) == 4
    empty = list(book["空いた枠"].values)
    assert empty[1][10] == "建築の候補者がいません。"
    response = client.get(f"/matching/rounds/{rnd.id}/export.csv")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff区分,マッチング番号")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [row[0] for row in table[1:]] == ["新規の提案"] * 3 + ["空いた枠"]


def test_hr_officers_see_their_city_pseudonymised_and_nothing_else(client, auth, make, world):
    services.start_round(world.coordinator)
    zushi, kamakura = world.cities["142085"], world.cities["142042"]
    hr = make.user(Role.CITY_HR, city=zushi)
    auth.login(hr.email)
    page = client.get("/matching/results")
    assert page.status_code == 200
    assert world.engineer_licensed.reference in page.text
    assert world.engineer_licensed.name_kanji not in page.text
    assert f'id="request-{world.kamakura_request.id}"' not in page.text
    assert client.get(f"/matching/cities/{kamakura.id}").status_code == 403
    rnd = db.session.scalar(select(MatchingRound))
    assert client.get(f"/matching/rounds/{rnd.id}").status_code == 403
    proposal = db.session.scalar(select(Proposal))
    assert client.post(f"/matching/proposals/{proposal.id}/approve").status_code == 403


def test_a_city_that_got_nobody_sees_why(client, auth, make, world):
    services.start_round(world.coordinator)
    hr = make.user(Role.CITY_HR, city=world.cities["142018"])
    auth.login(hr.email)
    page = client.get("/matching/results")
    assert "建築の候補者がいません。" in page.text and "空いた枠 1人" in page.text


def test_rule_set_editor_saves_new_versions_and_publishes_one(client, coordinator):
    services.ensure_rule_set()
    form = client.get("/matching/rule-sets/new")
    assert form.status_code == 200 and '<input checked id="method-0" name="method" required type="radio" value="lexicographic">' in form.text
    bad = client.post("/matching/rule-sets/new", data={
        "method": "lexicographic", "staff_per_10k_order": "1", "allowance_rate_order": "1",
        "fiscal_index_order": "", "max_cycle_length": "3", "exchange_priority": "after_statutory", "note": "順番を変える"})
    assert "指標の順番が重なっています" in bad.text
    assert db.session.scalar(select(func.count(RuleSetVersion.id))) == 1
    good = client.post("/matching/rule-sets/new", data={
        "method": "weighted", "fiscal_index_order": "1", "fiscal_index_weight": "2",
        "staff_per_10k_order": "2", "staff_per_10k_weight": "1", "allowance_rate_order": "",
        "max_cycle_length": "2", "exchange_priority": "after_statutory", "note": "財政力を重視する案"}, follow_redirects=True)
    assert "第2版として保存しました（未公開）" in good.text
    version = db.session.scalar(select(RuleSetVersion).where(RuleSetVersion.version == 2))
    assert version.criteria == [{"indicator": "fiscal_index", "weight": 2.0},
                                {"indicator": "staff_per_10k", "weight": 1.0}]
    assert not version.is_published
    client.post(f"/matching/rule-sets/{version.id}/publish", data={"reason": ""})
    db.session.expire_all()
    assert not db.session.get(RuleSetVersion, version.id).is_published
    too_long = client.post(f"/matching/rule-sets/{version.id}/publish", data={"reason": "理" * 1001},
                           follow_redirects=True)
    assert "文字以内で入力してください（いまは1,001文字）" in too_long.text, "refused with the limit, not cut"
    db.session.expire_all()
    assert not db.session.get(RuleSetVersion, version.id).is_published
    # the service refuses too, not only the form:
    with pytest.raises(UserError, match="1000"):
        services.publish_rule_set(coordinator, version.id, "理" * 1001)
    client.post(f"/matching/rule-sets/{version.id}/publish", data={"reason": "市長会議で合意"})
    db.session.expire_all()
    published = db.session.scalars(select(RuleSetVersion).where(RuleSetVersion.is_published.is_(True))).all()
    assert [v.version for v in published] == [2]
    listing = client.get("/matching/rule-sets")
    assert "この版での市の必要度の順位" in listing.text and "市長会議で合意" not in listing.text


def test_hr_officers_read_the_rule_but_cannot_edit_it(client, auth, make, world):
    services.ensure_rule_set()
    auth.login(make.user(Role.CITY_HR, city=world.cities["142085"]).email)
    assert client.get("/matching/rule-sets").status_code == 200
    assert client.get("/matching/rule-sets/new").status_code == 403


def test_what_if_from_the_review_page_leads_to_the_comparison(client, coordinator, world):
    rnd = _round_via_page(client)
    version = services.save_rule_set(world.coordinator, services.RuleSetValues(
        method="lexicographic", criteria=[{"indicator": "fiscal_index", "weight": 1.0}], max_cycle_length=3,
        note="財政力指数を先に"))
    response = client.post(f"/matching/rounds/{rnd.id}/what-if", data={"rule_set_version_id": version.id})
    assert response.status_code == 302
    trial = db.session.scalar(select(MatchingRound).where(MatchingRound.kind == "what_if"))
    assert trial.status == "succeeded"
    page = client.get(f"/matching/what-if/{trial.id}")
    assert page.status_code == 200 and "試算の比較" in page.text and "市ごとの違い" in page.text
    assert client.get(f"/matching/rounds/{trial.id}").headers["Location"].endswith(f"/matching/what-if/{trial.id}")


def test_a_failed_round_says_so_and_keeps_its_input(client, coordinator, world, monkeypatch):
    from talentbank.matching import runner

    monkeypatch.setattr(runner, "solve_problem", lambda problem: (_ for _ in ()).throw(
        runner.SolverFailure("timeout", "no answer after 90 s")))
    rnd = _round_via_page(client)
    page = client.get(f"/matching/rounds/{rnd.id}")
    assert "ソルバーが制限時間内に終わりませんでした。" in page.text and "no answer after 90 s" in page.text
    status = client.get(f"/matching/rounds/{rnd.id}/status.json").get_json()
    assert status["status"] == "failed" and status["error_kind"] == "timeout"


def test_the_review_reads_in_english_too(client, coordinator, world):
    rnd = _round_via_page(client)
    client.post("/lang/en", data={"next": f"/matching/rounds/{rnd.id}"})
    page = client.get(f"/matching/rounds/{rnd.id}").text
    assert '<html lang="en">' in page
    assert "Priority 1 of 3" in page and "Disaster recovery" in page
    assert "Total (" in page and "No candidate of the profession" in page
    assert "提案中" not in page  # statuses translated too


def test_the_all_cities_review_shows_a_few_cities_a_page_with_every_citys_counts(client, coordinator, world, app,
                                                                                monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_REVIEW_PAGE_ROWS", 1)  # one city a page
    rnd = _round_via_page(client)
    first = client.get(f"/matching/rounds/{rnd.id}").text
    assert 'class="pager review-pages"' in first and first.count('class="city-group"') == 1
    assert first.count("<tr data-city=") == 3  # the summary still counts every city
    seen = set()
    for page in (1, 2, 3):
        text = client.get(f"/matching/rounds/{rnd.id}?page={page}").text
        seen |= {part.split('"')[0] for part in text.split('class="city-group" id="city-')[1:]}
    assert len(seen) == 3
    for bad in ("0", "999", "abc", "-1"):
        assert client.get(f"/matching/rounds/{rnd.id}?page={bad}").status_code == 200
