"""staffing requests (派遣要請) and exchange offers (交流職員の提供)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 15:50:54.843135

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staffing_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('section', sa.String(length=100), nullable=False),
    sa.Column('profession_id', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('days_per_week', sa.Integer(), nullable=False),
    sa.Column('work_mode', sa.String(length=10), nullable=False),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('urgency_reason', sa.Text(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('internal_notes', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('filled_count', sa.Integer(), nullable=False),
    sa.Column('carry_over_count', sa.Integer(), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'open', 'partly_filled', 'filled', 'withdrawn', 'expired')", name=op.f('ck_staffing_requests_status_known')),
    sa.CheckConstraint("urgency = 'ordinary' OR urgency_reason IS NOT NULL", name=op.f('ck_staffing_requests_urgency_has_reason')),
    sa.CheckConstraint("urgency IN ('disaster', 'statutory', 'ordinary')", name=op.f('ck_staffing_requests_urgency_known')),
    sa.CheckConstraint("work_mode IN ('onsite', 'remote', 'either')", name=op.f('ck_staffing_requests_work_mode_known')),
    sa.CheckConstraint('carry_over_count >= 0', name=op.f('ck_staffing_requests_carry_over_not_negative')),
    sa.CheckConstraint('days_per_week >= 1 AND days_per_week <= 5', name=op.f('ck_staffing_requests_days_range')),
    sa.CheckConstraint('filled_count >= 0 AND filled_count <= people', name=op.f('ck_staffing_requests_filled_within_people')),
    sa.CheckConstraint('people >= 1 AND people <= 99', name=op.f('ck_staffing_requests_people_range')),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_staffing_requests_period_in_order')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_staffing_requests_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_staffing_requests_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['profession_id'], ['professions.id'], name=op.f('fk_staffing_requests_profession_id_professions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staffing_requests'))
    )
    with op.batch_alter_table('staffing_requests', schema=None) as batch_op:
        batch_op.create_index('ix_staffing_requests_city_created', ['city_id', 'created_at'], unique=False)
        batch_op.create_index('ix_staffing_requests_status_city', ['status', 'city_id'], unique=False)
        batch_op.create_index('ix_staffing_requests_status_profession', ['status', 'profession_id'], unique=False)
        batch_op.create_index('ix_staffing_requests_status_urgency', ['status', 'urgency'], unique=False)

    op.create_table('exchange_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('is_one_way', sa.Boolean(), nullable=False),
    sa.Column('wants_profession_id', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('posted_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status IN ('draft', 'open', 'matched', 'withdrawn', 'expired')", name=op.f('ck_exchange_offers_status_known')),
    sa.CheckConstraint('(is_one_way AND wants_profession_id IS NULL) OR (NOT is_one_way AND wants_profession_id IS NOT NULL)', name=op.f('ck_exchange_offers_wants_unless_one_way')),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_exchange_offers_period_in_order')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_exchange_offers_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_exchange_offers_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['officer_id'], ['specialists.id'], name=op.f('fk_exchange_offers_officer_id_specialists')),
    sa.ForeignKeyConstraint(['wants_profession_id'], ['professions.id'], name=op.f('fk_exchange_offers_wants_profession_id_professions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_offers'))
    )
    with op.batch_alter_table('exchange_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_offers_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index('ix_exchange_offers_status_city', ['status', 'city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exchange_offers_wants_profession_id'), ['wants_profession_id'], unique=False)

    op.create_table('staffing_request_fields',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['field_id'], ['experience_fields.id'], name=op.f('fk_staffing_request_fields_field_id_experience_fields')),
    sa.ForeignKeyConstraint(['request_id'], ['staffing_requests.id'], name=op.f('fk_staffing_request_fields_request_id_staffing_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'field_id', name=op.f('pk_staffing_request_fields'))
    )
    with op.batch_alter_table('staffing_request_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staffing_request_fields_field_id'), ['field_id'], unique=False)

    op.create_table('staffing_request_licences',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['licence_id'], ['licences.id'], name=op.f('fk_staffing_request_licences_licence_id_licences')),
    sa.ForeignKeyConstraint(['request_id'], ['staffing_requests.id'], name=op.f('fk_staffing_request_licences_request_id_staffing_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'licence_id', name=op.f('pk_staffing_request_licences'))
    )
    with op.batch_alter_table('staffing_request_licences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staffing_request_licences_licence_id'), ['licence_id'], unique=False)

    op.create_table('exchange_offer_licences',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['licence_id'], ['licences.id'], name=op.f('fk_exchange_offer_licences_licence_id_licences')),
    sa.ForeignKeyConstraint(['offer_id'], ['exchange_offers.id'], name=op.f('fk_exchange_offer_licences_offer_id_exchange_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'licence_id', name=op.f('pk_exchange_offer_licences'))
    )
    with op.batch_alter_table('exchange_offer_licences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_offer_licences_licence_id'), ['licence_id'], unique=False)



def downgrade():
    with op.batch_alter_table('exchange_offer_licences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_offer_licences_licence_id'))

    op.drop_table('exchange_offer_licences')
    with op.batch_alter_table('staffing_request_licences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staffing_request_licences_licence_id'))

    op.drop_table('staffing_request_licences')
    with op.batch_alter_table('staffing_request_fields', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staffing_request_fields_field_id'))

    op.drop_table('staffing_request_fields')
    with op.batch_alter_table('exchange_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_offers_wants_profession_id'))
        batch_op.drop_index('ix_exchange_offers_status_city')
        batch_op.drop_index(batch_op.f('ix_exchange_offers_officer_id'))

    op.drop_table('exchange_offers')
    with op.batch_alter_table('staffing_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_staffing_requests_status_urgency')
        batch_op.drop_index('ix_staffing_requests_status_profession')
        batch_op.drop_index('ix_staffing_requests_status_city')
        batch_op.drop_index('ix_staffing_requests_city_created')

    op.drop_table('staffing_requests')
