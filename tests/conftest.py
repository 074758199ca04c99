"""Shared fixtures: one app per test session on SQLite or PostgreSQL, clean tables per test.

The database is SQLite in a temporary folder unless ``TALENTBANK_DATABASE_URL`` names another
(PostgreSQL in CI). The schema is built by the migrations, as in production.
"""
from __future__ import annotations

import os

import flask_babel
import pytest
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import text

from talentbank.core import clock

from .factories import Factory

DEFAULT_TEST_PASSWORD = "correct-horse-42"


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TALENTBANK_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def reset_schema(db) -> None:
    """Drop everything so the migrations run on an empty database."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


class RequestIsolatedClient(FlaskClient):
    """A test client whose requests do not see the user cached by an earlier request.

    Tests keep an app context open to use the factories, and Flask then reuses it (and its
    ``g``) for the client's requests; in production every request has a fresh one.
    """

    def open(self, *args, **kwargs):
        try:
            g.pop("_login_user", None)
            flask_babel.refresh()
        except RuntimeError:  # no app context pushed by the test
            pass
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from talentbank.app import create_app
    from talentbank.extensions import db
    from talentbank.i18n import compile_translations

    compile_translations()
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "SECRET_KEY": "test-secret",
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SERVER_NAME": None,
        # Tests log in and sign up many times from one address; tests/accounts/test_limits.py turns limits on.
        "RATELIMIT_ENABLED": False,
    })
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        reset_schema(db)
        upgrade()
        _empty_tables(db)  # every test starts from empty tables (the migrations' standard data included)
    return app


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Empty every table after each test that used the app, and release the clock."""
    yield
    clock.freeze(None)
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    from talentbank.extensions import db

    with app.app_context():
        _empty_tables(db)


def _empty_tables(db) -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app_ctx) -> Factory:
    """Factory helpers: ``make.city(...)``, ``make.user(...)``, ``make.demo_cities()``."""
    return Factory(DEFAULT_TEST_PASSWORD)


class Auth:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = DEFAULT_TEST_PASSWORD, follow: bool = False):
        return self._client.post("/login", data={"email": email, "password": password},
                                 follow_redirects=follow)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)
