"""Each input type refuses what is out of its bounds, with a message a user reads (the fuzz test only
proves there is no server error; these prove each rule is there)."""
from __future__ import annotations

from datetime import date

from wtforms import DateField, DecimalField, IntegerField, SelectField, StringField, TextAreaField
from werkzeug.datastructures import MultiDict

from talentbank.core.bounds import has_control_characters, parse_date, parse_id, parse_int
from talentbank.core.forms import BoundedForm


def test_numbers_are_ascii_digits_within_the_database_integer():
    assert parse_int("42") == 42 and parse_int("-5") == -5
    assert parse_int("²") is None and parse_int("١٢") is None and parse_int("１２") is None
    assert parse_int("2147483647") == 2**31 - 1 and parse_int("2147483648") is None
    assert parse_id("0") is None and parse_id("1") == 1


def test_dates_lie_between_1900_and_2200():
    assert parse_date("2027-04-01") == date(2027, 4, 1)
    assert parse_date("0001-01-01") is None and parse_date("2201-01-01") is None and parse_date("2026-02-30") is None


def test_line_breaks_only_in_multi_line_text():
    assert has_control_characters("a\x00b", multiline=True)
    assert has_control_characters("a\nb") and not has_control_characters("a\r\nb", multiline=True)


def test_url_ids_beyond_the_database_integer_are_not_found(client):
    assert client.get("/requests/2147483648").status_code == 404
    assert client.get("/requests/99999999999999999999").status_code == 404
    assert client.get("/requests/١٢").status_code == 404


def test_query_values_out_of_bounds_are_ignored(app):
    from talentbank.core.query_args import date_arg, int_arg, page_arg, text_arg

    with app.test_request_context("/?page=²&city_id=2147483648&since=0001-01-01&n=7"):
        assert page_arg() == 1 and int_arg("city_id") is None and date_arg("since") is None
        assert int_arg("n") == 7
    with app.test_request_context("/?page=100001&q=a%00b&sort=" + "x" * 500):
        assert page_arg() == 1 and text_arg("q") == "" and len(text_arg("sort")) == 100


class Sample(BoundedForm):
    name = StringField("名前")
    notes = TextAreaField("備考")
    count = IntegerField("人数")
    weight = DecimalField("重み")
    city = SelectField("市", coerce=int, validate_choice=False)
    on = DateField("日付")


def _errors(app, **values) -> dict[str, list[str]]:
    with app.test_request_context("/", method="POST"):
        form = Sample(formdata=MultiDict(values), meta={"csrf": False})
        form.validate()
        return form.errors


def test_forms_refuse_out_of_bounds_input_with_a_message(app):
    assert _errors(app, name="山田", notes="一行目\r\n二行目", count="3", weight="1.5", city="12", on="2027-04-01") == {}
    assert _errors(app, name="a\x00b")["name"] == ["名前に改行や制御文字は使えません。1行で入力してください。"]
    assert _errors(app, name="a\nb")["name"] == ["名前に改行や制御文字は使えません。1行で入力してください。"]
    assert _errors(app, notes="a\x00b")["notes"] == ["備考に制御文字（NULなど）は使えません。"]
    assert _errors(app, name="x" * 201)["name"] == ["名前は200文字以内で入力してください。"]
    assert _errors(app, notes="x" * 10_001)["notes"] == ["備考は10000文字以内で入力してください。"]
    assert "半角数字の整数" in _errors(app, count="١٢")["count"][0]
    assert _errors(app, count="²")["count"] == ["無効な整数です。"]  # the parser's own message
    assert "半角数字の整数" in _errors(app, count="2147483648")["count"][0]
    assert "半角数字" in _errors(app, weight="NaN")["weight"][0]
    assert "選択肢" in _errors(app, city="99999999999999999999")["city"][0]
    assert "選択肢" in _errors(app, city="١٢")["city"][0]
    assert _errors(app, on="0001-01-01")["on"] == ["日付は1900-01-01〜2200-12-31の日付で入力してください。"]
