"""Length limits are shown beside each field, refused with a message (never cut), and nothing is half-saved.

A 10,000-character note used to be cut to 2,000 without a word; now the field says "2,000文字まで",
carries maxlength, and a longer text comes back with the limit and the count typed."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import func, select

from talentbank.core import clock
from talentbank.core.permissions import Role
from talentbank.extensions import db
from talentbank.requests.models import StaffingRequest
from talentbank.specialists import imports
from talentbank.specialists.models import Specialist
from talentbank.vocabulary.models import Profession

from ..requests.builders import form_data
from ..specialists.helpers import signup_form
from ..specialists.test_import import csv_bytes, row


def tag(page: str, element_id: str) -> str:
    """The opening tag of the input (or textarea) with ``element_id``."""
    found = re.search(rf'<(?:input|textarea|select)\b[^>]*\bid="{element_id}"[^>]*>', page)
    assert found, element_id
    return found.group(0)


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_a_10000_character_note_is_refused_with_the_limit_and_the_count_and_nothing_is_saved(make, client):
    make.vocabulary()
    zushi = make.city()
    page = client.post("/signup", data=signup_form(zushi.id, notes="あ" * 10_000)).text
    assert "備考は2,000文字以内で入力してください（いまは10,000文字）。" in page
    assert count(Specialist) == 0


def test_the_limit_is_shown_beside_the_field_and_tied_to_it(make, client):
    make.vocabulary()
    make.city()
    page = client.get("/signup").text
    notes = tag(page, "notes")
    assert 'maxlength="2000"' in notes
    assert re.search(r'aria-describedby="[^"]*\bnotes-limit\b', notes)
    assert re.search(r'<p class="hint limit" id="notes-limit"[^>]*>2,000文字まで</p>', page)
    name = tag(page, "name_kanji")
    assert 'maxlength="100"' in name and 'aria-required="true"' in name
    assert re.search(r'aria-describedby="name_kanji-hint name_kanji-limit"', name)


def test_errors_are_linked_to_their_field_and_mark_it_invalid(make, client):
    make.vocabulary()
    zushi = make.city()
    page = client.post("/signup", data=signup_form(zushi.id, notes="あ" * 2_001)).text
    notes = tag(page, "notes")
    assert 'aria-invalid="true"' in notes
    assert re.search(r'aria-describedby="[^"]*\bnotes-error-1\b', notes)
    assert re.search(r'<p class="error" id="notes-error-1" role="alert">備考は2,000文字以内', page)
    assert 'aria-invalid' not in tag(page, "name_kanji")


@pytest.fixture
def zushi_hr(make):
    clock.freeze(datetime(2026, 11, 30, 1, 0))
    cities = make.demo_cities()
    make.term(Profession, "civil")
    return make.user(Role.CITY_HR, city=cities["142085"])


def test_a_request_description_past_its_limit_is_refused_not_cut(make, client, auth, zushi_hr):
    auth.login(zushi_hr.email)
    page = client.post("/requests/new", data=form_data(make, description="業" * 4_001)).text
    assert "業務内容は4,000文字以内で入力してください（いまは4,001文字）。" in page
    assert count(StaffingRequest) == 0
    assert 'maxlength="4000"' in tag(client.get("/requests/new").text, "description")


def test_a_staff_form_with_a_required_field_says_so(make, client, auth):
    auth.login(make.user(Role.COORDINATOR).email)
    name = tag(client.get("/users/invite").text, "display_name")
    assert re.search(r'\srequired\b', name) and 'aria-required="true"' in name and 'maxlength="100"' in name


def test_an_import_reports_an_over_long_note_on_its_row_and_saves_nothing(make):
    make.vocabulary()
    make.demo_cities()
    coordinator = make.user(Role.COORDINATOR)
    content = csv_bytes([row(1), row(2, **{"備考": "あ" * 2_500}), row(3, **{"元の勤務先": "庁" * 101})])
    preview = imports.preview_import(coordinator, "list.csv", content)
    assert [(p.row, p.column, p.message) for p in preview.problems] == [
        (3, "備考", "備考は2000文字以内で入力してください。"),
        (4, "元の勤務先", "元の勤務先は100文字以内で入力してください。"),
    ]
    assert not preview.is_valid and count(Specialist) == 0


def test_each_radio_button_carries_the_hint_and_the_error(app):
    from flask import render_template_string
    from wtforms import RadioField

    from talentbank.core.forms import BoundedForm

    class Form(BoundedForm):
        mode = RadioField("勤務形態", choices=[("onsite", "現地"), ("remote", "在宅")])

    with app.test_request_context(method="POST", data={"mode": "moon"}):
        form = Form(meta={"csrf": False})
        form.validate()
        page = render_template_string('{% from "macros/forms.html" import field %}{{ field(f, hint="どちらか") }}',
                                      f=form.mode)
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', page)
    assert len(radios) == 2
    for radio in radios:
        assert 'aria-describedby="mode-hint mode-error-1"' in radio and 'aria-invalid="true"' in radio
    assert 'id="mode-error-1"' in page and 'id="mode-hint"' in page
