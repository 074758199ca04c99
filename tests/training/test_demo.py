"""A fresh demo shows training: a full Fujisawa session with a waiting list, Yokohama's past seminar with
attendance (the demo retiree's training record), a Machida session."""
from __future__ import annotations

from sqlalchemy import select

from talentbank.demo.accounts import DEMO_PASSWORD
from talentbank.extensions import db
from talentbank.training.models import TrainingSession


def test_a_fresh_demo_shows_sessions_waiting_list_and_the_retirees_record(app, app_ctx, client):
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "Training: demo sessions already present" in again.output
    assert db.session.scalar(select(db.func.count(TrainingSession.id))) == 3

    assert client.post("/login", data={"email": "specialist@demo.talentbank.example",
                                       "password": DEMO_PASSWORD}).status_code == 302
    listing = client.get("/training/").text
    assert "法面の点検と応急対応の実務" in listing and "（キャンセル待ち2名）" in listing
    assert "地域の健康づくりと保健師の連携（オンライン）" in listing
    assert "崖防災に関する技術・法務研修" in client.get("/training/?when=past").text
    me = client.get("/me").text
    assert 'id="training-record"' in me and "崖防災に関する技術・法務研修" in me
