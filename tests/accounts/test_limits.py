"""Abuse limits per client address and per account, with a 429 page in the reader's language."""
from __future__ import annotations

import os

import pytest

from talentbank.core.permissions import Role
from talentbank.core.ratelimit import client_address

WRONG = "wrong-password-1"


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def failed_login(client, email: str):
    return client.post("/login", data={"email": email, "password": WRONG})


def test_failed_log_ins_are_limited_per_client_address(app, make, limits):
    limits(RATELIMIT_LOGIN="3 per minute", RATELIMIT_LOGIN_ACCOUNT="100 per minute")
    guesser = from_address(app, "198.51.100.7")
    assert [failed_login(guesser, f"user{n}@test.example").status_code for n in range(3)] == [200] * 3
    refused = failed_login(guesser, "user9@test.example")
    assert refused.status_code == 429
    assert "操作の回数が上限に達しました。1分ほど待ってから" in refused.text
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert failed_login(from_address(app, "198.51.100.8"), "user9@test.example").status_code == 200


def test_successful_log_ins_do_not_count(app, make, limits):
    limits(RATELIMIT_LOGIN="2 per minute", RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    user = make.user()
    office = from_address(app, "198.51.100.20")  # a city hall: many people behind one address
    for _ in range(5):
        assert office.post("/login", data={"email": user.email, "password": "correct-horse-42"}).status_code == 302
        office.post("/logout")


def test_failed_log_ins_are_limited_per_account_from_any_address_and_alike_for_unknown_ones(app, make, limits):
    limits(RATELIMIT_LOGIN="100 per minute", RATELIMIT_LOGIN_ACCOUNT="2 per minute")
    real = make.user(Role.COORDINATOR).email
    for email in (real, "nobody@test.example"):
        statuses = [failed_login(from_address(app, f"203.0.113.{n}"), email).status_code for n in range(3)]
        assert statuses == [200, 200, 429], email
    assert failed_login(from_address(app, "203.0.113.50"), "someone.else@test.example").status_code == 200
    # The account is the address however it is typed.
    assert failed_login(from_address(app, "203.0.113.51"), f"  {real.upper()} ").status_code == 429


def test_forgotten_password_mails_are_limited_per_client_and_per_account(app, make, limits):
    limits(RATELIMIT_PASSWORD_RESET="3 per hour", RATELIMIT_PASSWORD_RESET_ACCOUNT="1 per hour")
    real = make.user().email
    client = from_address(app, "192.0.2.1")
    assert client.post("/password/forgot", data={"email": real}).status_code == 200
    assert client.post("/password/forgot", data={"email": real}).status_code == 429  # per account
    assert client.post("/password/forgot", data={"email": "nobody@test.example"}).status_code == 200
    assert client.post("/password/forgot", data={"email": "nobody@test.example"}).status_code == 429  # alike
    assert client.post("/password/forgot", data={"email": "third@test.example"}).status_code == 200
    assert client.post("/password/forgot", data={"email": "fourth@test.example"}).status_code == 429  # per client
    assert client.get("/password/forgot").status_code == 200  # showing the form is not limited


def test_the_429_page_is_in_the_readers_language(app, limits):
    limits(RATELIMIT_PASSWORD_RESET="1 per hour")
    client = from_address(app, "192.0.2.2")
    client.post("/lang/en")
    client.post("/password/forgot", data={"email": "a@test.example"})
    refused = client.post("/password/forgot", data={"email": "b@test.example"})
    assert refused.status_code == 429 and '<html lang="en">' in refused.text
    assert 3000 < int(refused.headers["Retry-After"]) <= 3600


def test_limits_off_when_the_app_says_so(app, make):
    assert app.config["RATELIMIT_ENABLED"] is False  # the tests' app (tests/conftest.py)
    client = from_address(app, "192.0.2.3")
    assert all(failed_login(client, "x@test.example").status_code == 200 for _ in range(12))


def test_production_defaults_enforce_and_the_environment_overrides():
    from talentbank.config import load_config

    defaults = load_config()
    assert defaults["RATELIMIT_ENABLED"] is True and defaults["RATELIMIT_STORAGE_URI"] == "memory://"
    os.environ.update(TALENTBANK_RATELIMIT_LOGIN="4 per minute", TALENTBANK_RATELIMIT_STORAGE_URL="redis://h:6379/2",
                      TALENTBANK_PROXY_HOPS="1")
    try:
        config = load_config()
    finally:
        for name in ("TALENTBANK_RATELIMIT_LOGIN", "TALENTBANK_RATELIMIT_STORAGE_URL", "TALENTBANK_PROXY_HOPS"):
            del os.environ[name]
    assert (config["RATELIMIT_LOGIN"], config["RATELIMIT_STORAGE_URI"], config["PROXY_HOPS"]) == (
        "4 per minute", "redis://h:6379/2", 1)


def test_a_limit_that_is_no_limit_stops_the_app(app):
    from talentbank.app import create_app

    with pytest.raises(ValueError, match="TALENTBANK_RATELIMIT_SIGNUP"):
        create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True,
                    "RATELIMIT_SIGNUP": "lots"})


def test_an_ipv6_client_is_counted_by_its_network(app):
    def address(remote: str) -> str:
        with app.test_request_context(environ_base={"REMOTE_ADDR": remote}):
            return client_address()

    assert address("2001:db8:1:2::5") == address("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert address("2001:db8:1:3::5") != address("2001:db8:1:2::5")
    assert address("::ffff:198.51.100.7") == address("198.51.100.7") == "198.51.100.7"


def test_behind_a_proxy_the_forwarded_address_is_counted(app, limits):
    from talentbank.app import create_app

    proxied = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True,
                          "WTF_CSRF_ENABLED": False, "PROXY_HOPS": 1, "RATELIMIT_PASSWORD_RESET": "1 per hour"})
    client = proxied.test_client()  # every request comes from the proxy, 127.0.0.1

    def ask(forwarded_for: str) -> int:
        return client.post("/password/forgot", data={"email": "a@test.example"},
                           headers={"X-Forwarded-For": forwarded_for}).status_code

    assert ask("198.51.100.1") == 200
    assert ask("198.51.100.2") == 200  # another client behind the same proxy
    assert ask("198.51.100.1") == 429
    # What a client writes itself in front of the proxy's entry is not believed.
    assert ask("198.51.100.3, 198.51.100.1") == 429


def test_a_logged_in_persons_requests_are_counted_as_their_account(app, make):
    from flask_login import login_user

    from talentbank.core.ratelimit import account_key

    def key_of(user, field, data=None) -> str:
        with app.test_request_context("/", method="POST", data=data or {}):
            login_user(user)
            return account_key(field)()

    first, second = make.user(), make.user()
    assert key_of(first, None) == key_of(first, None) != key_of(second, None)
    # A typed address counts as that account, however it is written, and is stored only hashed.
    typed = key_of(first, "email", {"email": " A@Test.example"})
    assert typed == key_of(second, "email", {"email": "a@test.example"})
    assert len(typed) == 32 and "test" not in typed
