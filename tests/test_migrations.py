"""The schema is built by migrations alone, and they agree with the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from talentbank.core.constraints import built_on
from talentbank.extensions import db


def _differences():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": built_on(connection.dialect.name)})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(app_ctx):
    assert _differences() == []


def test_migrations_go_down_to_nothing_and_up_again(app_ctx):
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert _differences() == []
    assert "cities" in inspect(db.engine).get_table_names()


def test_ring_members_survive_the_move_from_json_lists_and_back(app_ctx, make):
    """0008 turns each ring's JSON lists into member rows (and back on downgrade), keeping confirmations."""
    import json

    from sqlalchemy import select, text

    from talentbank.core.permissions import Role
    from talentbank.exchange.rings.models import ExchangeCycle, ExchangeCycleConfirmation

    cities = make.demo_cities()
    zushi, yokosuka = cities["142085"], cities["142018"]
    offers = [make.exchange_offer(zushi, wants="social_welfare"),
              make.exchange_offer(yokosuka, make.serving_officer(yokosuka, professions=("social_welfare",)),
                                  wants="civil")]
    ring = make.exchange_ring(offers, status="approved")
    hr = make.user(Role.CITY_HR, city=zushi)
    db.session.add(ExchangeCycleConfirmation(cycle_id=ring.id, city_id=zushi.id, confirmed_by_id=hr.id))
    db.session.commit()
    ring_id, offer_ids, city_ids = ring.id, [o.id for o in offers], [zushi.id, yokosuka.id]
    db.session.remove()

    downgrade(revision="0007")
    with db.engine.connect() as connection:
        stored_offers, stored_cities = connection.execute(
            text("SELECT offers, cities FROM exchange_cycles WHERE id = :id"), {"id": ring_id}).one()
        kept = connection.execute(text("SELECT count(*) FROM exchange_cycle_confirmations")).scalar()
    as_list = (lambda v: json.loads(v) if isinstance(v, str) else v)
    assert as_list(stored_offers) == offer_ids and as_list(stored_cities) == city_ids
    assert kept == 1

    upgrade()
    back = db.session.scalar(select(ExchangeCycle).where(ExchangeCycle.id == ring_id))
    assert back.offers == offer_ids and back.cities == city_ids and back.status == "approved"
    assert [(m.start_date, m.end_date) for m in back.members] == [(offers[1].start_date, offers[1].end_date),
                                                                  (offers[0].start_date, offers[0].end_date)]
    assert [c.city_id for c in back.confirmations] == [zushi.id]
    assert _differences() == []


def test_a_new_installation_has_the_standard_vocabularies_and_rule_version_1(app_ctx):
    """Without demo data, an HR officer can choose a profession and the coordinator can run a round."""
    from sqlalchemy import func, select

    from talentbank.matching.models import RuleSetVersion
    from talentbank.matching.services import current_rule_set
    from talentbank.vocabulary.models import ExperienceField, Licence, Profession
    from talentbank.vocabulary.standard import STANDARD_FIELDS, STANDARD_LICENCES, STANDARD_PROFESSIONS

    downgrade(revision="base")
    upgrade()
    assert db.session.scalar(select(func.count(Profession.id))) == len(STANDARD_PROFESSIONS)
    assert db.session.scalar(select(func.count(Licence.id))) == len(STANDARD_LICENCES)
    assert db.session.scalar(select(func.count(ExperienceField.id))) == len(STANDARD_FIELDS)
    published = current_rule_set()
    assert published is not None and published.version == 1 and published.exchange_priority == "after_statutory"
    assert db.session.scalar(select(func.count(RuleSetVersion.id))) == 1
    licence = db.session.scalar(select(Licence).where(Licence.code == "gijutsushi_construction"))
    assert licence.profession_id == db.session.scalar(select(Profession.id).where(Profession.code == "civil"))
