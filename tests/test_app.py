"""The shell of the app: error pages, security headers, health check, demo data command."""
from sqlalchemy import func, select

from talentbank.accounts.models import User
from talentbank.cities.models import City, TravelTime
from talentbank.core.permissions import Role
from talentbank.extensions import db


def test_unknown_page_is_a_japanese_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "ページが見つかりません。" in response.text


def test_server_error_page_hides_the_details(app, make, client, auth, monkeypatch):
    auth.login(make.user(Role.COORDINATOR).email)
    from talentbank.cities import services

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services, "list_cities", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/cities/")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    assert "システムエラーが発生しました" in response.text
    assert "secret internal detail" not in response.text


def test_security_headers_and_health_check(client):
    response = client.get("/healthz")
    assert response.json == {"status": "ok"}
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_seed_demo_is_idempotent(app, app_ctx):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "talentbank-demo-2026" in first.output
    counts = (db.session.scalar(select(func.count(City.id))), db.session.scalar(select(func.count(User.id))),
              db.session.scalar(select(func.count(TravelTime.id))))
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "talentbank-demo-2026" not in second.output
    again = (db.session.scalar(select(func.count(City.id))), db.session.scalar(select(func.count(User.id))),
             db.session.scalar(select(func.count(TravelTime.id))))
    assert counts == again
    assert counts[0] >= 8 and counts[2] >= 28
    zushi = db.session.scalars(select(City).where(City.code == "142085")).one()
    assert zushi.population == 57425 and zushi.is_sample_indicators and zushi.is_coordinating


def test_menu_marks_only_the_deepest_matching_entry(make, client, auth):
    zushi = make.city()
    auth.login(make.user(Role.CITY_HR, city=zushi).email)
    page = client.get("/requests/board").text
    current = [line for line in page.splitlines() if 'aria-current="page"' in line]
    assert len(current) == 1 and "/requests/board" in current[0]
