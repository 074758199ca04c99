"""A small world for the terms: Zushi receives, Yokosuka employs a serving officer, Kamakura is outside."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from talentbank.core import clock
from talentbank.core.permissions import Role


@pytest.fixture
def tworld(make):
    cities = make.demo_cities()
    zushi, yokosuka, kamakura = cities["142085"], cities["142018"], cities["142042"]
    today = clock.today_tokyo()
    retiree_user = make.user(Role.SPECIALIST, email="retiree@test.example", name="保健 花子")
    retiree = make.specialist(yokosuka, user=retiree_user, email=retiree_user.email, days_per_week=5,
                              windows=((today, today + timedelta(days=900)),))
    officer = make.serving_officer(yokosuka, name="横須賀 土木", days_per_week=5)
    request = make.staffing_request(zushi, people=2, days_per_week=3)
    return {
        "zushi": zushi, "yokosuka": yokosuka, "kamakura": kamakura, "today": today,
        "retiree": retiree, "retiree_user": retiree_user, "officer": officer, "request": request,
        "coordinator": make.user(Role.COORDINATOR, email="coord@test.example"),
        "zushi_hr": make.user(Role.CITY_HR, city=zushi, email="hr.zushi@test.example"),
        "yokosuka_hr": make.user(Role.CITY_HR, city=yokosuka, email="hr.yokosuka@test.example"),
        "kamakura_hr": make.user(Role.CITY_HR, city=kamakura, email="hr.kamakura@test.example"),
    }


def a_dispatch(make, specialist, request, **overrides):
    """A dispatch with its terms version 1, as the agreement hook leaves it."""
    from talentbank.agreements.terms import create_initial_terms
    from talentbank.extensions import db

    dispatch = make.dispatch(specialist, request, **overrides)
    create_initial_terms(dispatch, None)
    db.session.commit()
    return dispatch


JAN_TO_JUNE = (date(2027, 1, 4), date(2027, 6, 30))
