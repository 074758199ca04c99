"""Bad input never gives a server error: every URL rule, as every role, with a fixed corpus of bad values
in each path parameter, in every query parameter the app reads and in every form field a route declares.

The corpus is what an attacker or a careless user sends: numbers beyond the database's integer,
Unicode digits (``²``), NUL and control characters, 100 KB strings, impossible dates, HTML, RTL
and emoji, fields missing or sent twice. Any 5xx, or an exception escaping a view (the test app
propagates them) or breaking a streamed body, fails the test. Permitted POSTs do change data; when
that locks an actor out (a withdrawal, a deactivation), the world is rebuilt and the walk goes on.
"""
from __future__ import annotations

import inspect
import re
import time
from pathlib import Path

import pytest
from wtforms import FieldList, Form, FormField

import talentbank
from talentbank.extensions import db
from talentbank.matching import runner as round_runner

from ..conftest import _empty_tables
from .test_role_table import ACTORS, cases, expected_status
from .world import build_world

PASSWORD = "correct-horse-42"
LONG = "x" * 100_000

# Values for <int:...> path parameters: the last valid id (no such record: 404), the first beyond the
# database's integer, a 20-digit number, zero and a Unicode digit (the converter refuses both: 404).
PATH_INTS = ["2147483647", "2147483648", "99999999999999999999", "0", "²"]
# Values for string path parameters (tokens, codes, job names, file names).
PATH_TEXTS = ["%00", "a%00b", "..%2F..%2Fetc%2Fpasswd", "x" * 2000, "%E2%80%AE%D7%A2%D7%91", "%F0%9F%98%80",
              "%3Cscript%3E"]
# Values for query parameters and form fields.
VALUES = [
    "2147483648", "99999999999999999999", "-2147483649", "-1", "0", "²", "١٢٣", "１２", "1e999", "NaN",
    "\x00", "a\x00b", "a\r\nb", "\x1b[31m", LONG,
    "0001-01-01", "9999-12-31", "2026-02-30", "2026-13-01",
    "<script>alert(1)</script>", "\u202eעברית\u202c", "😀🎌", "",
]
# Query values: the same kinds, fewer of each (no decimals are read from a query). A request line longer
# than 8 KB never reaches the app behind a real server (gunicorn stops at 4 KB), so the long value is 4 KB.
QUERY_VALUES = [
    "2147483648", "99999999999999999999", "-1", "²", "١٢٣", "a\x00b", "a\r\nb",
    "0001-01-01", "9999-12-31", "2026-02-30", "<script>alert(1)</script>", "\u202eעברית\u202c", "😀🎌", "",
    "x" * 4_000,
]
FULL_CORPUS_ACTORS = {"anonymous", "specialist", "city_hr", "coordinator"}
GATE_VALUES = ["99999999999999999999", "a\x00b", LONG]


def query_names() -> list[str]:
    """Every query parameter some view reads, found in the source (so a new one is fuzzed too)."""
    names = {"page"}
    pattern = re.compile(r"""(?:request\.args\.get(?:list)?|int_arg|date_arg)\(\s*["'](\w+)["']""")
    for path in Path(talentbank.__file__).parent.rglob("*.py"):
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return sorted(names)


def _field_names(form: Form) -> list[str]:
    names = []
    for field in form:
        if isinstance(field, FieldList):
            if not field.entries:
                field.append_entry()
            for entry in field.entries:
                names.extend(_field_names(entry.form) if isinstance(entry, FormField) else [entry.name])
        elif isinstance(field, FormField):
            names.extend(_field_names(field.form))
        elif field.type != "CSRFTokenField":
            names.append(field.name)
    return names


def form_field_names(app, view, samples) -> list[str]:
    """The fields the route's view declares: each form class it names (else its module's) and each raw
    ``request.form`` key it reads."""
    source = inspect.getsource(view)
    module = inspect.getmodule(view)
    forms = [obj for name, obj in vars(module).items()
             if inspect.isclass(obj) and issubclass(obj, Form) and re.search(rf"\b{name}\(", source)]
    if not forms:
        forms = [obj for obj in vars(module).values()
                 if inspect.isclass(obj) and issubclass(obj, Form) and obj.__module__ != "flask_wtf.form"
                 and obj.__module__.startswith("talentbank.")]
    names: list[str] = []
    with app.test_request_context("/", method="POST"):
        for form_class in forms:
            names.extend(_field_names(form_class(meta={"csrf": False}, formdata=None)))
    names.extend(re.findall(r"""request\.form\.get(?:list)?\(\s*["']([\w-]+)["']""", source))
    if "t-" in source:  # the travel matrix reads fields named t-<city id>-<city id>
        names.append(f"t-{samples['city_id']}-{samples['city_id']}")
    return sorted(set(names))


def fill_path(rule, samples, fuzzed: str | None = None, value: str = "") -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        return value if name == fuzzed else str(samples[name])

    return re.sub(r"<([^>]+)>", replace, rule.rule)


class Walk:
    def __init__(self, app, client):
        self.app, self.client = app, client
        self.count = 0
        self.failures: list[str] = []
        self.seconds: dict[str, float] = {}  # time spent per kind of bad value, to keep the walk fast
        self.rebuild()

    def rebuild(self) -> None:
        _empty_tables(db)
        self.world = build_world(PASSWORD)
        self.samples = self.world.samples

    def login(self, actor: str) -> None:
        self.client.post("/logout")
        if actor == "anonymous":
            return
        response = self.client.post("/login", data={"email": self.world.emails[actor], "password": PASSWORD})
        if response.status_code != 302:  # an earlier POST withdrew, disabled or re-passworded the actor
            self.rebuild()
            response = self.client.post("/login", data={"email": self.world.emails[actor], "password": PASSWORD})
            assert response.status_code == 302, f"log-in as {actor} fails even in a fresh world"

    def send(self, actor: str, method: str, url: str, what: str, **kwargs) -> None:
        self.count += 1
        started = time.monotonic()
        try:
            response = self.client.open(url, method=method, **kwargs)
            response.get_data()  # a streamed body (CSV export) must not break half-way either
            status = response.status_code
        except Exception as exc:  # noqa: BLE001 - the test app propagates a view's exception
            db.session.rollback()
            status = f"{type(exc).__name__}: {str(exc)[:200]}"
        kind = what.split("=")[0] + ("=long" if what.endswith("xxxx") else "")
        self.seconds[kind] = self.seconds.get(kind, 0.0) + time.monotonic() - started
        if not isinstance(status, int) or status >= 500:
            self.failures.append(f"{method} {url[:120]} as {actor} ({what[:60]!r}): {status}")


@pytest.fixture
def quiet_rounds(monkeypatch):
    # A matching round started by a fuzzed POST stays queued: solving it is tested in tests/matching/.
    monkeypatch.setattr(round_runner.RUNNER, "submit", lambda app, round_id: None)


def test_bad_input_never_gives_a_server_error(app, app_ctx, client, quiet_rounds):
    started = time.monotonic()
    walk = Walk(app, client)
    params = query_names()
    rules = [c for c in cases(app)]
    for actor in ACTORS:
        for case in rules:
            rule = next(r for r in app.url_map.iter_rules() if r.endpoint == case.endpoint and r.rule == case.rule)
            walk.login(actor)
            method = "GET" if "GET" in case.methods else "POST"
            # Where the table turns the actor away (log-in redirect or 403) the view never reads the query
            # or the form: a few bad values check that gate; the full corpus goes where it is let in. The
            # administrator and the other city's HR officer run the same view code as the coordinator and
            # the HR officer, so they get the gate values too (to keep the walk under a minute).
            is_let_in = expected_status(actor, case) in (None, 200) and actor in FULL_CORPUS_ACTORS
            # 1. each path parameter, bad
            for name in rule.arguments:
                is_int = type(rule._converters[name]).__name__ == "BoundedIntConverter"
                for value in PATH_INTS if is_int else PATH_TEXTS:
                    walk.send(actor, method, fill_path(rule, walk.samples, name, value), f"<{name}>={value}")
            url = fill_path(rule, walk.samples)
            # 2. every query parameter the app reads, bad (each sent twice: the bad value, then "1")
            if method == "GET":
                for value in QUERY_VALUES if is_let_in else GATE_VALUES[:2]:
                    query = [(p, value) for p in params] + [(p, "1") for p in params]
                    walk.send(actor, "GET", url, f"?*={value}", query_string=query)
            # 3. every field the route's form declares, bad; then none at all; then each twice
            if "POST" in case.methods:
                fields = form_field_names(app, app.view_functions[case.endpoint], walk.samples)
                walk.send(actor, "POST", url, "no fields", data={})
                for value in VALUES if is_let_in else GATE_VALUES:
                    walk.send(actor, "POST", url, f"fields={value}", data={f: value for f in fields})
                walk.send(actor, "POST", url, "fields twice",
                          data={f: ["1", "²"] for f in fields})
    elapsed = time.monotonic() - started
    print(f"\nfuzz: {walk.count} requests over {len(rules)} URL rules as {len(ACTORS)} roles in {elapsed:.1f} s")
    print("slowest:", sorted(walk.seconds.items(), key=lambda kv: -kv[1])[:5])
    assert not walk.failures, f"{len(walk.failures)} of {walk.count} requests failed:\n" + "\n".join(walk.failures[:80])
