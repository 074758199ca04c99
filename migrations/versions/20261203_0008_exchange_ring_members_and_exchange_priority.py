"""exchange rings: a membership table instead of JSON lists, a superseded status; the rule set says
where the exchange market stands among the urgency classes

Each ring's ``offers`` and ``cities`` JSON lists become rows of ``exchange_cycle_members`` (ring,
leg order, offer, officer, city, the period the officer is away), so "is this offer or officer in a
live ring?" is an indexed query. ``rule_set_versions.exchange_priority`` defaults to
``after_statutory`` (after disaster-recovery and statutory requests, before ordinary ones).

On SQLite the two tables are rebuilt (batch mode); foreign keys are switched off for that, since
dropping the old ``exchange_cycles`` with them on would delete every confirmation by cascade.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 16:30:00

"""
import json

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

OLD_STATUSES = "('proposed', 'approved', 'rejected', 'confirmed', 'cancelled')"
NEW_STATUSES = "('proposed', 'approved', 'rejected', 'confirmed', 'cancelled', 'superseded')"
PRIORITIES = "('first', 'after_disaster', 'after_statutory', 'last')"


def _foreign_keys(on: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    bind.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    if not on and bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        # Inside a transaction SQLite ignores the pragma; rebuilding would then cascade-delete.
        if bind.exec_driver_sql("SELECT count(*) FROM exchange_cycle_confirmations").scalar():
            raise RuntimeError("run this migration on its own: SQLite cannot switch foreign keys off "
                               "inside a transaction, and rebuilding exchange_cycles would delete confirmations")


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def upgrade():
    _foreign_keys(False)
    op.create_table('exchange_cycle_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_exchange_cycle_members_period_in_order')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_exchange_cycle_members_city_id_cities')),
    sa.ForeignKeyConstraint(['cycle_id'], ['exchange_cycles.id'], name=op.f('fk_exchange_cycle_members_cycle_id_exchange_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_id'], ['exchange_offers.id'], name=op.f('fk_exchange_cycle_members_offer_id_exchange_offers')),
    sa.ForeignKeyConstraint(['officer_id'], ['specialists.id'], name=op.f('fk_exchange_cycle_members_officer_id_specialists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_cycle_members')),
    sa.UniqueConstraint('cycle_id', 'offer_id', name=op.f('uq_exchange_cycle_members_cycle_id_offer_id')),
    sa.UniqueConstraint('cycle_id', 'position', name=op.f('uq_exchange_cycle_members_cycle_id_position'))
    )
    with op.batch_alter_table('exchange_cycle_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_cycle_members_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index('ix_exchange_cycle_members_officer_period', ['officer_id', 'start_date', 'end_date'], unique=False)

    bind = op.get_bind()
    offers = {row.id: row for row in bind.execute(sa.text(
        "SELECT id, officer_id, city_id, start_date, end_date FROM exchange_offers"))}
    members = []
    for cycle_id, offer_ids in bind.execute(sa.text("SELECT id, offers FROM exchange_cycles ORDER BY id")):
        ids = [int(o) for o in _json(offer_ids) or []]
        for i, offer_id in enumerate(ids):
            offer, receiving = offers[offer_id], offers[ids[(i + 1) % len(ids)]]
            members.append({"cycle_id": cycle_id, "position": i, "offer_id": offer_id,
                            "officer_id": offer.officer_id, "city_id": offer.city_id,
                            "start_date": receiving.start_date, "end_date": receiving.end_date})
    if members:
        table = sa.table('exchange_cycle_members', *(sa.column(c) for c in (
            'cycle_id', 'position', 'offer_id', 'officer_id', 'city_id', 'start_date', 'end_date')))
        op.bulk_insert(table, members)

    with op.batch_alter_table('exchange_cycles', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_exchange_cycles_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_exchange_cycles_status_known'), f"status IN {NEW_STATUSES}")
        batch_op.drop_column('offers')
        batch_op.drop_column('cities')
        batch_op.create_index('ix_exchange_cycles_status', ['status'], unique=False)

    with op.batch_alter_table('rule_set_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exchange_priority', sa.String(length=20), server_default='after_statutory',
                                      nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_rule_set_versions_exchange_priority_known'),
                                         f"exchange_priority IN {PRIORITIES}")
    _foreign_keys(True)


def downgrade():
    _foreign_keys(False)
    with op.batch_alter_table('rule_set_versions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_rule_set_versions_exchange_priority_known'), type_='check')
        batch_op.drop_column('exchange_priority')

    bind = op.get_bind()
    rings: dict[int, list[tuple[int, int, int]]] = {}
    for cycle_id, position, offer_id, city_id in bind.execute(sa.text(
            "SELECT cycle_id, position, offer_id, city_id FROM exchange_cycle_members ORDER BY cycle_id, position")):
        rings.setdefault(cycle_id, []).append((position, offer_id, city_id))
    bind.execute(sa.text("UPDATE exchange_cycles SET status = 'cancelled' WHERE status = 'superseded'"))
    with op.batch_alter_table('exchange_cycles', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_cycles_status')
        batch_op.add_column(sa.Column('offers', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('cities', sa.JSON(), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_exchange_cycles_status_known'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_exchange_cycles_status_known'), f"status IN {OLD_STATUSES}")
    cycles = sa.table('exchange_cycles', sa.column('id'), sa.column('offers', sa.JSON()), sa.column('cities', sa.JSON()))
    for cycle_id, legs in rings.items():
        bind.execute(cycles.update().where(cycles.c.id == cycle_id).values(
            offers=[o for _p, o, _c in legs], cities=[c for _p, _o, c in legs]))
    bind.execute(sa.text("UPDATE exchange_cycles SET offers = '[]', cities = '[]' WHERE offers IS NULL"))
    with op.batch_alter_table('exchange_cycles', schema=None) as batch_op:
        batch_op.alter_column('offers', existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column('cities', existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table('exchange_cycle_members', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_cycle_members_officer_period')
        batch_op.drop_index(batch_op.f('ix_exchange_cycle_members_offer_id'))
    op.drop_table('exchange_cycle_members')
    _foreign_keys(True)
