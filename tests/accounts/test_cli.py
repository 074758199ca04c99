"""``flask accounts create-coordinator``: the first account of a production install without demo data."""
from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from talentbank.accounts.models import User
from talentbank.audit.models import AuditEntry
from talentbank.extensions import db
from talentbank.matching.models import MatchingRound, RuleSetVersion
from talentbank.vocabulary.models import Licence, Profession

from ..conftest import reset_schema
from ..matching.builders import matching_app

PASSWORD = "first-coordinator-2027"


def create(app, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(args=["accounts", "create-coordinator", *args], input=input)


@pytest.fixture
def fresh_database(app, app_ctx):
    """The database as `flask db upgrade` leaves it on a new server: the migrations' standard data, nothing else."""
    reset_schema(db)
    upgrade()
    yield
    db.session.remove()


def test_fresh_install_then_the_command_then_the_coordinator_logs_in_and_runs_a_round(app, fresh_database, client):
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(Profession.id))) > 0  # the standard vocabularies (migration 0009)
    assert db.session.scalar(select(func.count(Licence.id))) > 0
    assert db.session.scalar(select(RuleSetVersion.version)) == 1

    result = create(app, "Kanji@City.Example.JP", "--name", "幹事 花子", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Created the coordinator account kanji@city.example.jp" in result.output
    assert PASSWORD not in result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.role, user.display_name, user.city_id) == \
        ("kanji@city.example.jp", "coordinator", "幹事 花子", None)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.created_from_shell"))
    assert entry.entity_id == str(user.id) or entry.entity_id == user.id

    page = client.post("/login", data={"email": "kanji@city.example.jp", "password": PASSWORD}, follow_redirects=True)
    assert "ログアウト" in page.text
    assert client.get("/matching/").status_code == 200
    matching_app(app)
    started = client.post("/matching/rounds", data={"profession_code": ""})
    assert started.status_code == 302 and "/progress" in started.headers["Location"]
    rnd = db.session.scalar(select(MatchingRound))
    assert rnd.status == "succeeded" and rnd.started_by_id == user.id
    assert client.get(f"/matching/rounds/{rnd.id}").status_code == 200
    assert client.get("/users").status_code == 200  # where the others are invited from


def test_a_generated_password_is_printed_once_and_works(app, app_ctx, client):
    result = create(app, "admin@city.example.jp", "--name", "管理 太郎", "--admin", "--generate-password")
    assert result.exit_code == 0, result.output
    assert "Created the administrator account" in result.output
    password = result.output.split("first log-in): ", 1)[1].split()[0]
    assert db.session.scalar(select(User.role)) == "admin"
    assert "ログアウト" in client.post("/login", data={"email": "admin@city.example.jp", "password": password},
                                    follow_redirects=True).text


@pytest.mark.parametrize(("args", "typed", "message"), [
    (["not-an-address", "--name", "幹事"], None, "not a valid email address"),
    (["a@city.example.jp", "--name", "  "], None, "name"),
    (["a@city.example.jp", "--name", "幹事\n花子"], None, "100 characters"),
    (["a@city.example.jp", "--name", "幹事"], "short\nshort\n", "at least 10 characters"),
])
def test_bad_input_is_refused_with_a_message_and_status_1(app, app_ctx, args, typed, message):
    result = create(app, *args, input=typed)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_an_existing_address_is_refused(app, app_ctx):
    assert create(app, "a@city.example.jp", "--name", "幹事", "--generate-password").exit_code == 0
    again = create(app, "A@city.example.jp", "--name", "幹事", "--generate-password")
    assert again.exit_code == 1 and "already registered" in again.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_usage_errors_exit_with_2(app, app_ctx):
    assert create(app, "a@city.example.jp").exit_code == 2  # --name missing
    assert create(app).exit_code == 2
    mismatch = create(app, "a@city.example.jp", "--name", "幹事", input=f"{PASSWORD}\nother-pass-123\n")
    assert mismatch.exit_code != 0 and db.session.scalar(select(func.count(User.id))) == 0
