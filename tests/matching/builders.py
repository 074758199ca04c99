"""A small matching world for tests: the eight cities, a coordinator, requests and specialists.

``scenario(make)`` builds a round-sized situation whose answer is known by hand:
- Zushi (disaster, civil, 1 person, 技術士（建設部門） required) and Kamakura (ordinary, civil, 2 people);
- three civil engineers, one with 技術士（建設部門）; one public health nurse;
- a Yokosuka request for an architect nobody can fill (no_eligible).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from talentbank.core import clock
from talentbank.core.permissions import Role


@dataclass
class Scenario:
    cities: dict[str, Any]
    coordinator: Any
    zushi_request: Any
    kamakura_request: Any
    yokosuka_request: Any
    engineer_licensed: Any
    engineers: list[Any]
    nurse: Any


def matching_app(app) -> None:
    """Solve inside the test process and run rounds inline: results are ready when start_round returns."""
    app.config.update(MATCHING_RUNNER="inline", MATCHING_SOLVER="inline", SOLVER_TIME_LIMIT_S=10)


def specialist(make, home_city, **kwargs: Any) -> Any:
    """A specialist available from today for two years (requests start in a month and last a year)."""
    today = clock.today_tokyo()
    kwargs.setdefault("windows", ((today, today + timedelta(days=730)),))
    return make.specialist(home_city, **kwargs)


def scenario(make) -> Scenario:
    """The situation described in the module docstring, with a coordinator to act."""
    cities = make.demo_cities()
    make.vocabulary()
    zushi, kamakura, yokosuka = cities["142085"], cities["142042"], cities["142018"]
    coordinator = make.user(Role.COORDINATOR, email="coord@test.example")
    zushi_request = make.staffing_request(zushi, people=1, urgency="disaster", licences=("gijutsushi_construction",),
                                          fields=("slopes",), section="道路・法面整備課")
    kamakura_request = make.staffing_request(kamakura, people=2, section="道路課")
    yokosuka_request = make.staffing_request(yokosuka, profession="architecture", people=1, section="建築指導課")
    licensed = specialist(make, yokosuka, licences=("gijutsushi_construction",), fields={"slopes": 12})
    engineers = [specialist(make, kamakura, fields={"roads": 5}), specialist(make, zushi, fields={"roads": 3})]
    nurse = specialist(make, zushi, professions=("public_health_nurse",), fields={})
    return Scenario(cities, coordinator, zushi_request, kamakura_request, yokosuka_request, licensed,
                    [licensed, *engineers], nurse)
