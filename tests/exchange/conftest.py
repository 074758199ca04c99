"""The exchange tests' small world: Zushi and Fujisawa, their HR officers, the coordinator, one officer."""
from __future__ import annotations

from datetime import datetime

import pytest

from talentbank.core import clock
from talentbank.core.permissions import Role


@pytest.fixture
def world(make):
    clock.freeze(datetime(2026, 11, 30, 1, 0))
    cities = make.demo_cities()
    zushi, fujisawa = cities["142085"], cities["142051"]
    return {
        "zushi": zushi, "fujisawa": fujisawa,
        "zushi_hr": make.user(Role.CITY_HR, city=zushi),
        "fujisawa_hr": make.user(Role.CITY_HR, city=fujisawa),
        "coordinator": make.user(Role.COORDINATOR),
        "planner": make.serving_officer(zushi, professions=("civil",), name="逗子 都市計画担当"),
    }
