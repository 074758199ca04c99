"""The documents of an agreed dispatch: what they say (DOCX read back, PDF text via pdftotext),
editions kept after an amendment, who may download, the CLI, and replaced templates."""
from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from docx import Document
from sqlalchemy import select

from talentbank.agreements import documents, documents_services, terms
from talentbank.agreements.defaults import current_defaults
from talentbank.agreements.models import COST_ITEMS
from talentbank.agreements.terms import DispatchTermsValues
from talentbank.audit.models import AuditEntry
from talentbank.core.permissions import Role
from talentbank.extensions import db

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a DOCX, as Word would show it."""
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def world(make, app, tmp_path, monkeypatch):
    """A Yokosuka officer seconded to Zushi from 令和8年4月1日, terms v1 confirmed by both cities."""
    monkeypatch.setitem(app.config, "DOCUMENT_TEMPLATES_DIR", str(tmp_path / "templates"))
    make.vocabulary()
    zushi = make.city()
    yokosuka = make.city(code="142018", name_ja="横須賀市", name_en="Yokosuka")
    kamakura = make.city(code="142042", name_ja="鎌倉市", name_en="Kamakura")
    officer = make.serving_officer(yokosuka, name="山田 太郎")
    request = make.staffing_request(zushi)
    dispatch = make.dispatch(officer, request, start_date=date(2026, 4, 1), end_date=date(2027, 3, 31),
                             days_per_week=3)
    people = {
        "zushi_hr": make.user(Role.CITY_HR, zushi),
        "yokosuka_hr": make.user(Role.CITY_HR, yokosuka),
        "kamakura_hr": make.user(Role.CITY_HR, kamakura),
        "coordinator": make.user(Role.COORDINATOR),
        "admin": make.user(Role.ADMIN),
    }
    first_terms(people["zushi_hr"], dispatch)
    terms.confirm_terms(people["zushi_hr"], dispatch.id, 1)
    terms.confirm_terms(people["yokosuka_hr"], dispatch.id, 1)
    return dispatch, people, officer


def first_terms(actor, dispatch):
    """Version 1 from the defaults of the dispatch's legal form, as the agreed dispatch gets it."""
    form = terms.legal_form_for(dispatch)
    defaults = current_defaults(form)
    values = DispatchTermsValues(
        bearers=defaults.bearers(), rate_amount=12000, rate_unit="day", travel_amount=None, travel_unit=None,
        note="", reason="当初の条件", legal_form=form, days_per_week=dispatch.days_per_week,
        start_date=dispatch.start_date, end_date=dispatch.end_date, special_grant=False)
    return terms.amend_terms(actor, dispatch.id, values)


def amend(actor, dispatch, **changes):
    current = terms.current_terms(dispatch.id)
    values = DispatchTermsValues(
        bearers={item: current.bearer(item) for item in COST_ITEMS}, rate_amount=current.rate_amount,
        rate_unit=current.rate_unit, travel_amount=current.travel_amount, travel_unit=current.travel_unit,
        note=current.note, reason="日額の見直し", legal_form=current.legal_form,
        days_per_week=current.days_per_week, start_date=current.start_date, end_date=current.end_date,
        special_grant=current.special_grant)
    for key, value in changes.items():
        setattr(values, key, value)
    return terms.amend_terms(actor, dispatch.id, values)


def render(dispatch, kind, number, fmt):
    return documents.render(dispatch, documents.edition(dispatch.id, number), kind, fmt).data


# ----------------------------------------------------------------------------- what they say


def test_agreement_docx_names_parties_period_amounts_and_era_dates(world):
    dispatch, people, _officer = world
    amend(people["zushi_hr"], dispatch, rate_amount=123456, rate_unit="day", travel_amount=2500, travel_unit="trip",
          special_grant=True, end_date=date(2027, 3, 31))
    terms.confirm_terms(people["zushi_hr"], dispatch.id, 2)
    terms.confirm_terms(people["yokosuka_hr"], dispatch.id, 2)
    text = docx_text(render(dispatch, "agreement", 2, "docx"))
    assert "職員の派遣に関する協定書" in text
    assert "逗子市長（以下「甲」という。）と横須賀市長（以下「乙」という。）" in text
    assert "山田 太郎" in text
    assert "令和8年4月1日から令和9年3月31日まで" in text
    assert "週3日" in text
    assert "日額 123,456円" in text and "1往復あたり 2,500円" in text
    assert "特別交付税" in text
    assert "第2版（変更）" in text and "第1版" in text
    # Who bears each cost item, by name: the receiving city pays salary by default for a secondment.
    assert "給与・報酬 | 逗子市（派遣先の市）" in text
    assert "退職手当 | 横須賀市（派遣元の市）" in text


@needs_pdftotext
def test_agreement_pdf_text_is_extractable_japanese(world, tmp_path):
    dispatch, people, _officer = world
    amend(people["yokosuka_hr"], dispatch, rate_amount=15000, rate_unit="day")
    terms.confirm_terms(people["zushi_hr"], dispatch.id, 2)
    terms.confirm_terms(people["yokosuka_hr"], dispatch.id, 2)
    data = render(dispatch, "agreement", 2, "pdf")
    assert data.startswith(b"%PDF")
    text = pdf_text(data, tmp_path)
    assert "職員の派遣に関する協定書" in text
    assert "逗子市長" in text and "横須賀市長" in text
    assert "令和8年4月1日から令和9年3月31日まで" in text
    assert "日額 15,000円" in text
    assert "第2版（変更）" in text


def test_retiree_gets_an_appointment_notice_not_an_agreement(make, app, world):
    dispatch, people, _officer = world
    zushi = dispatch.city
    retiree = make.specialist(zushi, name_kanji="佐藤 花子")
    request = make.staffing_request(zushi)
    retiree_dispatch = make.dispatch(retiree, request, start_date=date(2019, 4, 30), end_date=date(2019, 5, 1))
    first_terms(people["zushi_hr"], retiree_dispatch)
    terms.confirm_terms(people["zushi_hr"], retiree_dispatch.id, 1)  # the receiving city alone confirms
    ed = documents.edition(retiree_dispatch.id, 1)
    assert ed.kinds == ("appointment", "cover")
    text = docx_text(render(retiree_dispatch, "appointment", 1, "docx"))
    assert "任用・勤務条件通知書（案）" in text
    assert "佐藤 花子" in text
    assert "平成31年4月30日から令和元年5月1日まで" in text


def test_unconfirmed_version_has_no_documents(world):
    dispatch, people, _officer = world
    amend(people["zushi_hr"], dispatch, rate_amount=20000, rate_unit="day")
    terms.confirm_terms(people["zushi_hr"], dispatch.id, 2)  # the sending city has not confirmed v2 yet
    assert [e.number for e in documents.editions(dispatch.id)] == [1]


# ----------------------------------------------------------------------------- amendments keep the earlier version


def test_amendment_makes_a_second_edition_and_keeps_the_first(world, client, auth):
    dispatch, people, _officer = world
    first_before = docx_text(render(dispatch, "agreement", 1, "docx"))
    amend(people["zushi_hr"], dispatch, rate_amount=30000, rate_unit="day", end_date=date(2026, 12, 31))
    terms.confirm_terms(people["zushi_hr"], dispatch.id, 2)
    terms.confirm_terms(people["yokosuka_hr"], dispatch.id, 2)
    assert [e.label for e in documents.editions(dispatch.id)] == ["第1版", "第2版（変更）"]
    first_after = docx_text(render(dispatch, "agreement", 1, "docx"))
    second = docx_text(render(dispatch, "agreement", 2, "docx"))
    assert first_after == first_before
    assert "令和9年3月31日まで" in first_after and "日額 30,000円" not in first_after
    assert "令和8年12月31日まで" in second and "日額 30,000円" in second
    assert "日額の見直し" in second  # the reason of the change
    # The dispatch page lists both editions with links.
    auth.login(people["zushi_hr"].email)
    page = client.get(f"/dispatches/{dispatch.id}").get_data(as_text=True)
    assert "第2版（変更）" in page and "第1版" in page
    assert f"/dispatches/{dispatch.id}/documents/agreement/1.docx" in page
    assert f"/dispatches/{dispatch.id}/documents/agreement/2.pdf" in page


# ----------------------------------------------------------------------------- who may download


@pytest.mark.parametrize("who", ["zushi_hr", "yokosuka_hr", "coordinator", "admin"])
def test_the_two_cities_and_the_coordinating_city_download(world, client, auth, who):
    dispatch, people, _officer = world
    auth.login(people[who].email)
    response = client.get(f"/dispatches/{dispatch.id}/documents/agreement/1.docx")
    assert response.status_code == 200
    assert "協定書" in docx_text(response.data)
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "document.download"))
    assert entry is not None and entry.actor_id == people[who].id and entry.entity_id == str(dispatch.id)


def test_another_city_is_refused(world, client, auth):
    dispatch, people, _officer = world
    auth.login(people["kamakura_hr"].email)
    for url in (f"/dispatches/{dispatch.id}/documents/agreement/1.docx",
                f"/dispatches/{dispatch.id}/documents/cover/1.pdf"):
        assert client.get(url).status_code == 403
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "document.download")) is None


def test_specialist_gets_only_their_own_cover_letter(make, world, client, auth):
    dispatch, people, officer = world
    own = make.user(Role.SPECIALIST, email="officer-login@test.example")
    officer.user_id = own.id
    db.session.commit()
    auth.login(own.email)
    assert client.get(f"/dispatches/{dispatch.id}/documents/cover/1.docx").status_code == 200
    assert client.get(f"/dispatches/{dispatch.id}/documents/agreement/1.docx").status_code == 403
    auth.logout()
    stranger = make.user(Role.SPECIALIST)
    auth.login(stranger.email)
    assert client.get(f"/dispatches/{dispatch.id}/documents/cover/1.docx").status_code == 403


def test_anonymous_is_sent_to_log_in(world, client):
    dispatch, _people, _officer = world
    response = client.get(f"/dispatches/{dispatch.id}/documents/agreement/1.docx")
    assert response.status_code in (302, 401)


@pytest.mark.parametrize("path", ["agreement/9.docx", "agreement/1.doc", "nothing/1.pdf", "appointment/1.pdf",
                                  "agreement/0.pdf", "agreement/99999999999999999999.pdf"])
def test_unknown_documents_are_404(world, client, auth, path):
    dispatch, people, _officer = world
    auth.login(people["coordinator"].email)
    assert client.get(f"/dispatches/{dispatch.id}/documents/{path}").status_code == 404
    assert client.get("/dispatches/999999/documents/agreement/1.docx").status_code == 404


# ----------------------------------------------------------------------------- the command


def test_cli_writes_every_current_document(world, app, tmp_path):
    dispatch, _people, _officer = world
    result = app.test_cli_runner().invoke(args=["dispatches", "documents", str(dispatch.id), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"dispatch-{dispatch.id}-kyoteisho-v1.docx", f"dispatch-{dispatch.id}-kyoteisho-v1.pdf",
                     f"dispatch-{dispatch.id}-sofujo-v1.docx", f"dispatch-{dispatch.id}-sofujo-v1.pdf"]
    assert "横須賀市長" in docx_text((tmp_path / "out" / names[0]).read_bytes())


def test_cli_refuses_an_unknown_dispatch(world, app, tmp_path):
    result = app.test_cli_runner().invoke(args=["dispatches", "documents", "999999", str(tmp_path / "out")])
    assert result.exit_code != 0
    assert "No dispatch 999999" in result.output


# ----------------------------------------------------------------------------- replacing a template


def _template_with(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_replaced_template_is_used_for_later_editions_only(world, client, auth):
    dispatch, people, _officer = world
    auth.login(people["coordinator"].email)
    upload = _template_with("独自様式 {{ receiving_mayor }} と {{ sending_mayor }} 期間 {{ start_date }} {{ edition }}")
    response = client.post("/agreements/templates", data={"kind": "agreement",
                                                          "file": (io.BytesIO(upload), "kyotei.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "document.template_upload"))
    assert entry is not None
    # Edition 1 was confirmed before the upload: unchanged.
    assert "独自様式" not in docx_text(render(dispatch, "agreement", 1, "docx"))
    amend(people["zushi_hr"], dispatch, rate_amount=18000, rate_unit="day")
    terms.confirm_terms(people["zushi_hr"], dispatch.id, 2)
    terms.confirm_terms(people["yokosuka_hr"], dispatch.id, 2)
    second = docx_text(render(dispatch, "agreement", 2, "docx"))
    assert "独自様式 逗子市長 と 横須賀市長 期間 令和8年4月1日 第2版（変更）" in second
    page = client.get("/agreements/templates").get_data(as_text=True)
    assert "kyotei.docx" in page


@pytest.mark.parametrize(("content", "message"), [
    (b"not a word file at all", "Wordの文書（.docx）ではありません。"),
    (_template_with("{{ receiving_city "), "このテンプレートでは文書を作れません"),
    (_template_with("{% for x in %}"), "このテンプレートでは文書を作れません"),
    (b"", "ファイルを選んでください。"),
])
def test_broken_upload_is_refused(world, client, auth, content, message):
    _dispatch, people, _officer = world
    auth.login(people["coordinator"].email)
    response = client.post("/agreements/templates", data={"kind": "agreement",
                                                          "file": (io.BytesIO(content), "broken.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert documents.template_in_force("agreement", None) is None


def test_oversized_upload_is_refused(world, client, auth, app, monkeypatch):
    _dispatch, people, _officer = world
    monkeypatch.setitem(app.config, "DOCUMENT_TEMPLATE_MAX_BYTES", 1000)
    auth.login(people["coordinator"].email)
    response = client.post("/agreements/templates", data={"kind": "agreement",
                                                          "file": (io.BytesIO(_template_with("x")), "big.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "ファイルが大きすぎます" in response.get_data(as_text=True)


def test_only_the_coordinating_city_replaces_templates(world, client, auth):
    _dispatch, people, _officer = world
    auth.login(people["zushi_hr"].email)
    assert client.get("/agreements/templates").status_code == 403
    response = client.post("/agreements/templates", data={"kind": "agreement",
                                                          "file": (io.BytesIO(_template_with("x")), "x.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 403
    assert documents.template_in_force("agreement", None) is None


def test_current_template_downloads_for_editing(world, client, auth):
    _dispatch, people, _officer = world
    auth.login(people["coordinator"].email)
    response = client.get("/agreements/templates/agreement.docx")
    assert response.status_code == 200
    assert "{{ receiving_mayor }}" in docx_text(response.data)
    assert client.get("/agreements/templates/nothing.docx").status_code == 404


def test_dates_in_documents_follow_the_era_boundary(world):
    dispatch, people, _officer = world
    amend(people["zushi_hr"], dispatch, start_date=date(2026, 4, 1), end_date=date(2026, 4, 1) + timedelta(days=30))
    terms.confirm_terms(people["zushi_hr"], dispatch.id, 2)
    terms.confirm_terms(people["yokosuka_hr"], dispatch.id, 2)
    assert "令和8年4月1日から令和8年5月1日まで" in docx_text(render(dispatch, "cover", 2, "docx"))
    assert documents_services.KIND_LABELS["cover"] == "送付状"


def test_exchange_leg_gets_an_agreement_between_the_cities(world):
    dispatch, people, _officer = world
    amend(people["yokosuka_hr"], dispatch, legal_form="exchange", reason="職員交流として整理")
    terms.confirm_terms(people["zushi_hr"], dispatch.id, 2)
    terms.confirm_terms(people["yokosuka_hr"], dispatch.id, 2)
    assert documents.edition(dispatch.id, 2).kinds == ("agreement", "cover")
    text = docx_text(render(dispatch, "agreement", 2, "docx"))
    assert "職員交流" in text and "逗子市長" in text and "横須賀市長" in text


def test_an_edition_renders_the_same_pdf_every_time(world):
    dispatch, _people, _officer = world
    assert render(dispatch, "agreement", 1, "pdf") == render(dispatch, "agreement", 1, "pdf")


def test_a_template_that_fails_on_real_values_falls_back_to_the_standard_one(world, client, auth):
    dispatch, people, _officer = world
    auth.login(people["coordinator"].email)
    # Renders with the sample values (日額 15,000円), fails on any other rate.
    upload = _template_with('{% if rate != "日額 15,000円" %}{{ nothing.at_all }}{% endif %}独自様式')
    response = client.post("/agreements/templates", data={"kind": "agreement",
                                                          "file": (io.BytesIO(upload), "fragile.docx")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    amend(people["zushi_hr"], dispatch, rate_amount=18000, rate_unit="day")
    terms.confirm_terms(people["zushi_hr"], dispatch.id, 2)
    terms.confirm_terms(people["yokosuka_hr"], dispatch.id, 2)
    response = client.get(f"/dispatches/{dispatch.id}/documents/agreement/2.docx")
    assert response.status_code == 200
    text = docx_text(response.data)
    assert "独自様式" not in text and "日額 18,000円" in text and "協定書" in text
