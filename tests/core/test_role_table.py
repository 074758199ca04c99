"""Walk every URL of the app as every role and check the answer against the permission table.

Each view declares its permission with ``@requires`` (or ``@public``); the expected answer comes
from ``ROLE_PERMISSIONS`` and ``CITY_SCOPED`` alone: log-in redirect for visitors, 403 for roles
without the permission (or HR officers of another city on city-scoped actions), 200 otherwise.
A new route without a declaration, or with a URL parameter this test cannot fill, fails here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


from talentbank.core.permissions import CITY_SCOPED, Role, role_may

from .world import World, build_world

PASSWORD = "correct-horse-42"


@dataclass
class Case:
    endpoint: str
    rule: str
    methods: set[str]
    permission: str | None


def cases(app) -> list[Case]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        assert hasattr(view, "permission"), f"{rule.endpoint} declares no permission (@requires or @public)"
        found.append(Case(rule.endpoint, rule.rule, set(rule.methods or ()) - {"HEAD", "OPTIONS"},
                          view.permission))
    return sorted(found, key=lambda c: c.rule)


def fill(rule: str, world: World) -> str:
    def replace(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        assert name in world.samples, f"no sample value for URL parameter <{name}> in {rule}: add it to tests/core/world.py"
        return str(world.samples[name])

    return re.sub(r"<([^>]+)>", replace, rule)


ACTORS = ["anonymous", "specialist", "city_hr", "city_hr_other_city", "coordinator", "admin"]


def expected_status(actor: str, case: Case) -> int | None:
    """What the table says; ``None`` for public pages (any answer but 403 and a log-in redirect)."""
    if case.permission is None:
        return None
    if actor == "anonymous":
        return 302
    role = Role.CITY_HR if actor == "city_hr_other_city" else Role(actor)
    if not role_may(role, case.permission):
        return 403
    if actor == "city_hr_other_city" and case.permission in CITY_SCOPED:
        return 403
    return 200


def test_every_url_answers_each_role_as_the_table_says(app, app_ctx, client):
    world = build_world(PASSWORD)
    failures = []
    for case in cases(app):
        url = fill(case.rule, world)
        for actor in ACTORS:
            client.post("/logout")
            if actor != "anonymous":
                response = client.post("/login", data={"email": world.emails[actor], "password": PASSWORD})
                assert response.status_code == 302, f"log-in as {actor} failed"
            want = expected_status(actor, case)
            method = "GET" if "GET" in case.methods else sorted(case.methods)[0]
            if method != "GET" and want == 200:
                continue  # a permitted POST would change data; its behaviour is tested where it lives
            response = client.open(url, method=method)
            got = response.status_code
            if want is None:
                ok = got != 403 and "/login" not in response.headers.get("Location", "x")
            elif want == 302:
                ok = got == 302 and "/login" in response.headers["Location"]
            else:
                ok = got == want
            if not ok:
                failures.append(f"{method} {url} as {actor}: got {got}, table says {want}")
    assert not failures, "\n".join(failures)


def test_every_permission_in_the_table_is_used_by_some_view(app):
    from talentbank.core.permissions import ROLE_PERMISSIONS

    used = {case.permission for case in cases(app)}
    unused = set(ROLE_PERMISSIONS) - used
    # Some permissions guard services only (no page of their own); they are listed here on purpose.
    service_only = {"city.edit", "travel.edit"}
    assert unused <= service_only, f"permissions no view uses: {sorted(unused - service_only)}"
