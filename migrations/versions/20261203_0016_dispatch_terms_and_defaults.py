"""terms of dispatches, their confirmations and defaults; offered rate on requests

``dispatch_terms``: one row per version of the terms of one dispatch (legal form, who bears each cost
item, rates, days per week, period, 特別交付税 flag); a change is a new version, never an update.
``dispatch_terms_confirmations``: each city's confirmation of one version.
``terms_defaults``: the coordinating city's default terms per legal form, versioned; version 1 of each
form is seeded here with the standard split (talentbank/agreements/defaults.py STANDARD_DEFAULTS).
``staffing_requests.offered_rate_amount/unit``: the receiving city's offered rate, optional.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 22:01:35.018208

"""
import datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('terms_defaults',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('legal_form', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('rate_amount', sa.Integer(), nullable=True),
    sa.Column('rate_unit', sa.String(length=10), nullable=True),
    sa.Column('travel_amount', sa.Integer(), nullable=True),
    sa.Column('travel_unit', sa.String(length=10), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('salary_bearer', sa.String(length=10), nullable=False),
    sa.Column('allowances_bearer', sa.String(length=10), nullable=False),
    sa.Column('overtime_bearer', sa.String(length=10), nullable=False),
    sa.Column('travel_bearer', sa.String(length=10), nullable=False),
    sa.Column('retirement_allowance_bearer', sa.String(length=10), nullable=False),
    sa.Column('insurance_bearer', sa.String(length=10), nullable=False),
    sa.CheckConstraint("allowances_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_terms_defaults_allowances_bearer_known')),
    sa.CheckConstraint("insurance_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_terms_defaults_insurance_bearer_known')),
    sa.CheckConstraint("legal_form IN ('secondment_252_17', 'exchange', 'retiree_appointment', 'honorarium')", name=op.f('ck_terms_defaults_legal_form_known')),
    sa.CheckConstraint("overtime_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_terms_defaults_overtime_bearer_known')),
    sa.CheckConstraint("rate_unit IS NULL OR rate_unit IN ('day', 'hour')", name=op.f('ck_terms_defaults_rate_unit_known')),
    sa.CheckConstraint("retirement_allowance_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_terms_defaults_retirement_allowance_bearer_known')),
    sa.CheckConstraint("salary_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_terms_defaults_salary_bearer_known')),
    sa.CheckConstraint("travel_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_terms_defaults_travel_bearer_known')),
    sa.CheckConstraint("travel_unit IS NULL OR travel_unit IN ('day', 'trip')", name=op.f('ck_terms_defaults_travel_unit_known')),
    sa.CheckConstraint('rate_amount IS NULL OR (rate_amount >= 0 AND rate_amount <= 1000000)', name=op.f('ck_terms_defaults_rate_range')),
    sa.CheckConstraint('travel_amount IS NULL OR (travel_amount >= 0 AND travel_amount <= 1000000)', name=op.f('ck_terms_defaults_travel_range')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_terms_defaults_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_terms_defaults_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms_defaults')),
    sa.UniqueConstraint('legal_form', 'version', name=op.f('uq_terms_defaults_legal_form_version'))
    )
    op.create_table('dispatch_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('legal_form', sa.String(length=20), nullable=False),
    sa.Column('rate_amount', sa.Integer(), nullable=True),
    sa.Column('rate_unit', sa.String(length=10), nullable=True),
    sa.Column('travel_amount', sa.Integer(), nullable=True),
    sa.Column('travel_unit', sa.String(length=10), nullable=True),
    sa.Column('days_per_week', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('special_grant', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('receiving_city_id', sa.Integer(), nullable=False),
    sa.Column('sending_city_id', sa.Integer(), nullable=True),
    sa.Column('defaults_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('salary_bearer', sa.String(length=10), nullable=False),
    sa.Column('allowances_bearer', sa.String(length=10), nullable=False),
    sa.Column('overtime_bearer', sa.String(length=10), nullable=False),
    sa.Column('travel_bearer', sa.String(length=10), nullable=False),
    sa.Column('retirement_allowance_bearer', sa.String(length=10), nullable=False),
    sa.Column('insurance_bearer', sa.String(length=10), nullable=False),
    sa.CheckConstraint("allowances_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_dispatch_terms_allowances_bearer_known')),
    sa.CheckConstraint("insurance_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_dispatch_terms_insurance_bearer_known')),
    sa.CheckConstraint("legal_form IN ('secondment_252_17', 'exchange', 'retiree_appointment', 'honorarium')", name=op.f('ck_dispatch_terms_legal_form_known')),
    sa.CheckConstraint("overtime_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_dispatch_terms_overtime_bearer_known')),
    sa.CheckConstraint("rate_unit IS NULL OR rate_unit IN ('day', 'hour')", name=op.f('ck_dispatch_terms_rate_unit_known')),
    sa.CheckConstraint("retirement_allowance_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_dispatch_terms_retirement_allowance_bearer_known')),
    sa.CheckConstraint("salary_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_dispatch_terms_salary_bearer_known')),
    sa.CheckConstraint("travel_bearer IN ('receiving', 'sending', 'none')", name=op.f('ck_dispatch_terms_travel_bearer_known')),
    sa.CheckConstraint("travel_unit IS NULL OR travel_unit IN ('day', 'trip')", name=op.f('ck_dispatch_terms_travel_unit_known')),
    sa.CheckConstraint('days_per_week >= 1 AND days_per_week <= 5', name=op.f('ck_dispatch_terms_days_range')),
    sa.CheckConstraint('rate_amount IS NULL OR (rate_amount >= 0 AND rate_amount <= 1000000)', name=op.f('ck_dispatch_terms_rate_range')),
    sa.CheckConstraint('start_date <= end_date', name=op.f('ck_dispatch_terms_period_in_order')),
    sa.CheckConstraint('travel_amount IS NULL OR (travel_amount >= 0 AND travel_amount <= 1000000)', name=op.f('ck_dispatch_terms_travel_range')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_dispatch_terms_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_dispatch_terms_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['defaults_id'], ['terms_defaults.id'], name=op.f('fk_dispatch_terms_defaults_id_terms_defaults'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], name=op.f('fk_dispatch_terms_dispatch_id_dispatches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['receiving_city_id'], ['cities.id'], name=op.f('fk_dispatch_terms_receiving_city_id_cities')),
    sa.ForeignKeyConstraint(['sending_city_id'], ['cities.id'], name=op.f('fk_dispatch_terms_sending_city_id_cities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_terms')),
    sa.UniqueConstraint('dispatch_id', 'version', name=op.f('uq_dispatch_terms_dispatch_id_version'))
    )
    with op.batch_alter_table('dispatch_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispatch_terms_dispatch_id'), ['dispatch_id'], unique=False)

    op.create_table('dispatch_terms_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('terms_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.String(length=10), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("party IN ('receiving', 'sending')", name=op.f('ck_dispatch_terms_confirmations_party_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_dispatch_terms_confirmations_city_id_cities')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_dispatch_terms_confirmations_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['terms_id'], ['dispatch_terms.id'], name=op.f('fk_dispatch_terms_confirmations_terms_id_dispatch_terms'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_terms_confirmations')),
    sa.UniqueConstraint('terms_id', 'party', name=op.f('uq_dispatch_terms_confirmations_terms_id_party'))
    )
    with op.batch_alter_table('staffing_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('offered_rate_amount', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('offered_rate_unit', sa.String(length=10), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_staffing_requests_offered_rate_range'),
            'offered_rate_amount IS NULL OR (offered_rate_amount >= 0 AND offered_rate_amount <= 1000000)')
        batch_op.create_check_constraint(
            op.f('ck_staffing_requests_offered_rate_unit_known'), "offered_rate_unit IS NULL OR offered_rate_unit IN ('day', 'hour')")
        batch_op.create_check_constraint(
            op.f('ck_staffing_requests_offered_rate_whole'), '(offered_rate_amount IS NULL) = (offered_rate_unit IS NULL)')

    # Version 1 of the defaults of each legal form: the standard split of the schemes (issue 17).
    defaults = sa.table('terms_defaults', *(sa.column(c) for c in (
        'legal_form', 'version', 'rate_amount', 'rate_unit', 'travel_amount', 'travel_unit', 'note', 'reason',
        'created_at', 'salary_bearer', 'allowances_bearer', 'overtime_bearer', 'travel_bearer',
        'retirement_allowance_bearer', 'insurance_bearer')))
    items = ('salary', 'allowances', 'overtime', 'travel', 'retirement_allowance', 'insurance')
    standard = {
        'secondment_252_17': (('receiving', 'receiving', 'receiving', 'receiving', 'sending', 'receiving'),
                              None, 'day'),
        'exchange': (('sending', 'sending', 'receiving', 'receiving', 'sending', 'sending'), None, 'day'),
        'retiree_appointment': (('receiving', 'none', 'receiving', 'receiving', 'none', 'receiving'), 'day', 'day'),
        'honorarium': (('receiving', 'none', 'none', 'receiving', 'none', 'none'), 'day', 'trip'),
    }
    now = datetime.datetime(2026, 12, 3, 13, 0, 0)
    op.bulk_insert(defaults, [
        {'legal_form': form, 'version': 1, 'rate_amount': None, 'rate_unit': rate_unit, 'travel_amount': None,
         'travel_unit': travel_unit, 'note': '', 'reason': '標準の負担区分', 'created_at': now,
         **{f'{item}_bearer': bearer for item, bearer in zip(items, bearers)}}
        for form, (bearers, rate_unit, travel_unit) in standard.items()])



def downgrade():
    with op.batch_alter_table('staffing_requests', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_staffing_requests_offered_rate_whole'), type_='check')
        batch_op.drop_constraint(op.f('ck_staffing_requests_offered_rate_unit_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_staffing_requests_offered_rate_range'), type_='check')
        batch_op.drop_column('offered_rate_unit')
        batch_op.drop_column('offered_rate_amount')

    op.drop_table('dispatch_terms_confirmations')
    with op.batch_alter_table('dispatch_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispatch_terms_dispatch_id'))

    op.drop_table('dispatch_terms')
    op.drop_table('terms_defaults')
