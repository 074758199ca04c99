"""matching rounds, rule sets, proposals, exchange cycles

Adds the priority rule's versions (with version 1, the prefecture's ordered comparison of staff
per 10,000 residents, regional allowance rate and fiscal capability index, rings of at most 3),
matching rounds with their solver input and answer, proposals, empty slots, exchange rings and
their confirmations, and the pairs a later round must never propose again.

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-29 15:52:47.708361

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rule_set_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=20), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('max_cycle_length', sa.Integer(), nullable=False),
    sa.Column('is_published', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("method IN ('lexicographic', 'weighted')", name=op.f('ck_rule_set_versions_method_known')),
    sa.CheckConstraint('max_cycle_length >= 2 AND max_cycle_length <= 6', name=op.f('ck_rule_set_versions_max_cycle_range')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_rule_set_versions_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_rule_set_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_set_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_rule_set_versions_version'))
    )
    with op.batch_alter_table('rule_set_versions', schema=None) as batch_op:
        batch_op.create_index('uq_rule_set_versions_published', ['is_published'], unique=True, sqlite_where=sa.text('is_published'), postgresql_where=sa.text('is_published'))

    op.create_table('matching_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=True),
    sa.Column('profession_code', sa.String(length=60), nullable=True),
    sa.Column('rule_set_version_id', sa.Integer(), nullable=False),
    sa.Column('parent_round_id', sa.Integer(), nullable=True),
    sa.Column('started_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('problem_json', sa.Text(), nullable=True),
    sa.Column('result_json', sa.Text(), nullable=True),
    sa.Column('input_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('solver_status', sa.String(length=20), nullable=True),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('manual', 'scheduled', 'fast_track', 'what_if', 'resolve')", name=op.f('ck_matching_rounds_kind_known')),
    sa.CheckConstraint("phase IS NULL OR phase IN ('snapshot', 'solving', 'storing')", name=op.f('ck_matching_rounds_phase_known')),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name=op.f('ck_matching_rounds_status_known')),
    sa.ForeignKeyConstraint(['parent_round_id'], ['matching_rounds.id'], name=op.f('fk_matching_rounds_parent_round_id_matching_rounds'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rule_set_version_id'], ['rule_set_versions.id'], name=op.f('fk_matching_rounds_rule_set_version_id_rule_set_versions')),
    sa.ForeignKeyConstraint(['started_by_id'], ['users.id'], name=op.f('fk_matching_rounds_started_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_rounds'))
    )
    with op.batch_alter_table('matching_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_rounds_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_matching_rounds_parent_round_id'), ['parent_round_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matching_rounds_rule_set_version_id'), ['rule_set_version_id'], unique=False)
        batch_op.create_index('ix_matching_rounds_status_kind', ['status', 'kind'], unique=False)

    op.create_table('exchange_cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('offers', sa.JSON(), nullable=False),
    sa.Column('cities', sa.JSON(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('proposed', 'approved', 'rejected', 'confirmed', 'cancelled')", name=op.f('ck_exchange_cycles_status_known')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_exchange_cycles_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['round_id'], ['matching_rounds.id'], name=op.f('fk_exchange_cycles_round_id_matching_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_cycles')),
    sa.UniqueConstraint('round_id', 'position', name=op.f('uq_exchange_cycles_round_id_position'))
    )
    with op.batch_alter_table('exchange_cycles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_cycles_round_id'), ['round_id'], unique=False)

    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('score', sa.JSON(), nullable=False),
    sa.Column('priority_position', sa.Integer(), nullable=False),
    sa.Column('served_mode', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('proposed', 'approved', 'rejected', 'offered', 'accepted', 'declined', 'lapsed', 'superseded')", name=op.f('ck_proposals_status_known')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_proposals_city_id_cities')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_proposals_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['staffing_requests.id'], name=op.f('fk_proposals_request_id_staffing_requests')),
    sa.ForeignKeyConstraint(['round_id'], ['matching_rounds.id'], name=op.f('fk_proposals_round_id_matching_rounds'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_proposals_specialist_id_specialists')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals')),
    sa.UniqueConstraint('round_id', 'request_id', 'specialist_id', name=op.f('uq_proposals_round_id_request_id_specialist_id'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index('ix_proposals_request_id', ['request_id'], unique=False)
        batch_op.create_index('ix_proposals_round_id_city_id', ['round_id', 'city_id'], unique=False)
        batch_op.create_index('ix_proposals_round_id_status', ['round_id', 'status'], unique=False)
        batch_op.create_index('ix_proposals_specialist_id', ['specialist_id'], unique=False)

    op.create_table('unfilled_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('slots', sa.Integer(), nullable=False),
    sa.Column('priority_position', sa.Integer(), nullable=False),
    sa.Column('reason', sa.JSON(), nullable=False),
    sa.CheckConstraint('slots >= 1', name=op.f('ck_unfilled_slots_slots_positive')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_unfilled_slots_city_id_cities')),
    sa.ForeignKeyConstraint(['request_id'], ['staffing_requests.id'], name=op.f('fk_unfilled_slots_request_id_staffing_requests')),
    sa.ForeignKeyConstraint(['round_id'], ['matching_rounds.id'], name=op.f('fk_unfilled_slots_round_id_matching_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unfilled_slots')),
    sa.UniqueConstraint('round_id', 'request_id', name=op.f('uq_unfilled_slots_round_id_request_id'))
    )
    with op.batch_alter_table('unfilled_slots', schema=None) as batch_op:
        batch_op.create_index('ix_unfilled_slots_request_id', ['request_id'], unique=False)
        batch_op.create_index('ix_unfilled_slots_round_id_city_id', ['round_id', 'city_id'], unique=False)

    op.create_table('exchange_cycle_confirmations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_exchange_cycle_confirmations_city_id_cities')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_exchange_cycle_confirmations_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cycle_id'], ['exchange_cycles.id'], name=op.f('fk_exchange_cycle_confirmations_cycle_id_exchange_cycles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_cycle_confirmations')),
    sa.UniqueConstraint('cycle_id', 'city_id', name=op.f('uq_exchange_cycle_confirmations_cycle_id_city_id'))
    )
    with op.batch_alter_table('exchange_cycle_confirmations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exchange_cycle_confirmations_city_id'), ['city_id'], unique=False)

    op.create_table('forbidden_pairs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('reason_kind', sa.String(length=10), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("reason_kind IN ('rejected', 'declined')", name=op.f('ck_forbidden_pairs_reason_kind_known')),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_forbidden_pairs_proposal_id_proposals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['staffing_requests.id'], name=op.f('fk_forbidden_pairs_request_id_staffing_requests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_forbidden_pairs_specialist_id_specialists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_forbidden_pairs')),
    sa.UniqueConstraint('specialist_id', 'request_id', name=op.f('uq_forbidden_pairs_specialist_id_request_id'))
    )
    with op.batch_alter_table('forbidden_pairs', schema=None) as batch_op:
        batch_op.create_index('ix_forbidden_pairs_request_id', ['request_id'], unique=False)

    _insert_first_rule_set()


def _insert_first_rule_set():
    """Version 1, published: the prefectural rule (fewer staff, lower allowance, weaker tax base first)."""
    rule_sets = sa.table(
        'rule_set_versions',
        sa.column('version', sa.Integer), sa.column('method', sa.String), sa.column('criteria', sa.JSON),
        sa.column('max_cycle_length', sa.Integer), sa.column('is_published', sa.Boolean),
        sa.column('note', sa.Text), sa.column('created_at', sa.DateTime), sa.column('published_at', sa.DateTime))
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(rule_sets, [{
        'version': 1, 'method': 'lexicographic',
        'criteria': [{'indicator': 'staff_per_10k', 'weight': 1.0},
                     {'indicator': 'allowance_rate', 'weight': 1.0},
                     {'indicator': 'fiscal_index', 'weight': 1.0}],
        'max_cycle_length': 3, 'is_published': True,
        'note': '初期設定：神奈川県の市町村専門職員派遣要綱に準じた順序（人口1万人あたり職員数、地域手当支給率、財政力指数）',
        'created_at': now, 'published_at': now,
    }])


def downgrade():
    with op.batch_alter_table('forbidden_pairs', schema=None) as batch_op:
        batch_op.drop_index('ix_forbidden_pairs_request_id')

    op.drop_table('forbidden_pairs')
    with op.batch_alter_table('exchange_cycle_confirmations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_cycle_confirmations_city_id'))

    op.drop_table('exchange_cycle_confirmations')
    with op.batch_alter_table('unfilled_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_unfilled_slots_round_id_city_id')
        batch_op.drop_index('ix_unfilled_slots_request_id')

    op.drop_table('unfilled_slots')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_specialist_id')
        batch_op.drop_index('ix_proposals_round_id_status')
        batch_op.drop_index('ix_proposals_round_id_city_id')
        batch_op.drop_index('ix_proposals_request_id')

    op.drop_table('proposals')
    with op.batch_alter_table('exchange_cycles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exchange_cycles_round_id'))

    op.drop_table('exchange_cycles')
    with op.batch_alter_table('matching_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_matching_rounds_status_kind')
        batch_op.drop_index(batch_op.f('ix_matching_rounds_rule_set_version_id'))
        batch_op.drop_index(batch_op.f('ix_matching_rounds_parent_round_id'))
        batch_op.drop_index(batch_op.f('ix_matching_rounds_created_at'))

    op.drop_table('matching_rounds')
    with op.batch_alter_table('rule_set_versions', schema=None) as batch_op:
        batch_op.drop_index('uq_rule_set_versions_published', sqlite_where=sa.text('is_published'), postgresql_where=sa.text('is_published'))

    op.drop_table('rule_set_versions')
