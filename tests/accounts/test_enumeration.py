"""No enumeration: the log-in and forgotten-password pages answer alike whether or not an account exists."""
from __future__ import annotations

import re

import pytest

from talentbank.accounts import services
from talentbank.core.permissions import Role

WRONG = "wrong-password-1"
RIGHT = "correct-horse-42"


def normalised(response, email: str) -> tuple[int, str, list[str]]:
    """Status, body with the address typed in replaced, and the names of the headers set."""
    body = response.get_data(as_text=True).replace(email, "<email>")
    body = re.sub(r'name="csrf_token" type="hidden" value="[^"]*"', "", body)
    return response.status_code, body, sorted({name for name, _value in response.headers})


@pytest.fixture
def accounts(app, make):
    """A real account, a locked one and a disabled one, plus an address nobody has."""
    zushi = make.city()
    real = make.user(Role.COORDINATOR, email="real@test.example")
    locked = make.user(Role.CITY_HR, city=zushi, email="locked@test.example")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        app.test_client().post("/login", data={"email": locked.email, "password": WRONG})
    disabled = make.user(Role.CITY_HR, city=zushi, email="disabled@test.example", is_enabled=False)
    return {"real": real.email, "locked": locked.email, "disabled": disabled.email, "unknown": "nobody@test.example"}


def test_every_failed_log_in_reads_the_same(app, accounts):
    cases = [(accounts["unknown"], WRONG), (accounts["real"], WRONG), (accounts["locked"], WRONG),
             (accounts["locked"], RIGHT), (accounts["disabled"], WRONG)]
    answers = [normalised(app.test_client().post("/login", data={"email": e, "password": p}), e) for e, p in cases]
    assert answers[0][0] == 200
    assert all(answer == answers[0] for answer in answers), "a failed log-in tells something about the account"
    assert "ログインの失敗が続いたため" in answers[0][1]


def test_every_failed_log_in_checks_one_password_hash(app, accounts, monkeypatch):
    """The same work on every path, so the time taken tells nothing either."""
    calls = []
    real_check = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda *a: calls.append(a) or real_check(*a))
    for email, password in ((accounts["unknown"], WRONG), (accounts["real"], WRONG), (accounts["locked"], RIGHT)):
        calls.clear()
        assert services.authenticate(email, password).user is None
        assert len(calls) == 1, email


def test_forgotten_password_answers_the_same_for_every_address(app, accounts):
    answers = [normalised(app.test_client().post("/password/forgot", data={"email": e}), e)
               for e in accounts.values()]
    assert answers[0][0] == 200
    assert all(answer == answers[0] for answer in answers)
