"""A fresh demo shows consultations: the README's demo retiree takes advice work and has one offered to them
(and can open and accept it); a closed one about 法面の崩落 is in the library; Kamakura's HR finds it."""
from __future__ import annotations

from sqlalchemy import select

from talentbank.consultations.models import Consultation, ConsultationOffer
from talentbank.demo.accounts import DEMO_PASSWORD
from talentbank.demo.specialists import DEMO_SPECIALIST_EMAIL
from talentbank.extensions import db
from talentbank.specialists.models import Specialist


def test_a_fresh_demo_shows_consultations(app, app_ctx, client, auth):
    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    retiree = db.session.scalar(select(Specialist).where(Specialist.email == DEMO_SPECIALIST_EMAIL))
    assert retiree.accepts_advice and retiree.advice_hours_per_month
    statuses = sorted(db.session.scalars(select(Consultation.status)))
    assert statuses == ["closed", "open", "taken"]
    offer = db.session.scalar(select(ConsultationOffer).where(ConsultationOffer.specialist_id == retiree.id,
                                                             ConsultationOffer.status == "pending"))
    assert offer is not None
    assert auth.login(DEMO_SPECIALIST_EMAIL, DEMO_PASSWORD).status_code == 302
    assert offer.consultation.title in client.get("/consultations/").text
    page = client.get(f"/consultations/{offer.consultation_id}").text
    assert "この相談を引き受ける" in page
    auth.logout()
    assert auth.login("hr.kamakura@demo.talentbank.example", DEMO_PASSWORD).status_code == 302
    found = client.get("/library/?q=法面の").text
    assert "法面の崩落直後の応急対策と通行止めの判断" in found
    # Re-running the seed doubles nothing.
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    assert len(db.session.scalars(select(Consultation.id)).all()) == 3
