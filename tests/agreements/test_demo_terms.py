"""A fresh demo has agreed dispatches with terms: the ledger shows the ring and a retiree split over two years."""
from __future__ import annotations

from sqlalchemy import select

from talentbank.agreements import ledger, terms
from talentbank.core.fiscal import fiscal_year_of
from talentbank.dispatches.models import Dispatch
from talentbank.extensions import db


def test_the_demo_dispatches_carry_terms_and_fill_the_ledger(app, app_ctx):
    from talentbank.accounts.models import User

    seeded = app.test_cli_runner().invoke(args=["seed-demo"])
    assert seeded.exit_code == 0, seeded.output
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "already present" in again.output
    dispatches = db.session.scalars(select(Dispatch)).all()
    legs = [d for d in dispatches if d.is_exchange]
    retirees = [d for d in dispatches if not d.is_exchange]
    assert len(legs) == 3 and len(retirees) == 1
    for leg in legs:
        t = terms.current_terms(leg.id)
        assert t.legal_form == "exchange" and terms.is_confirmed(t)
    history = terms.terms_history(retirees[0].id)
    assert [t.version for t in history] == [1, 2] and history[1].special_grant and terms.is_confirmed(history[1])
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.talentbank.example"))
    start_year = fiscal_year_of(retirees[0].start_date)
    assert [r.dispatch_id for r in ledger.ledger(coordinator, start_year)] == [retirees[0].id]
    assert {r.dispatch_id for r in ledger.ledger(coordinator, start_year + 1)} == {d.id for d in dispatches}
    assert [r.dispatch_id for r in ledger.special_grant_rows(coordinator, start_year)] == [retirees[0].id]
