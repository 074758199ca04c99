"""consultations (相談): questions, offers to specialists, threads, attachments, time; advice options on specialists

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # The profile option: accepts advice work, with its own cap of hours per month. Added in place
    # (never a batch copy of ``specialists`` on SQLite).
    op.add_column('specialists', sa.Column('accepts_advice', sa.Boolean(), server_default=sa.text('false'),
                                           nullable=False))
    op.add_column('specialists', sa.Column('advice_hours_per_month', sa.Integer(), nullable=True))

    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=True),
    sa.Column('profession_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('urgency', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('hours_needed', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('work_mode', sa.String(length=10), nullable=False),
    sa.Column('wanted_by', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('offer_batches', sa.Integer(), nullable=False),
    sa.Column('last_offered_at', sa.DateTime(), nullable=True),
    sa.Column('no_fit_counts', sa.JSON(), nullable=True),
    sa.Column('no_fit_at', sa.DateTime(), nullable=True),
    sa.Column('specialist_id', sa.Integer(), nullable=True),
    sa.Column('taken_at', sa.DateTime(), nullable=True),
    sa.Column('hours_spent', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('hours_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status IN ('open', 'taken', 'closed', 'withdrawn', 'expired')",
                       name=op.f('ck_consultations_status_known')),
    sa.CheckConstraint("urgency IN ('disaster', 'statutory', 'ordinary')", name=op.f('ck_consultations_urgency_known')),
    sa.CheckConstraint("work_mode IN ('remote', 'onsite', 'either')", name=op.f('ck_consultations_work_mode_known')),
    sa.CheckConstraint('hours_needed >= 0.5 AND hours_needed <= 40', name=op.f('ck_consultations_hours_needed_range')),
    sa.CheckConstraint('hours_spent IS NULL OR (hours_spent > 0 AND hours_spent <= 80)',
                       name=op.f('ck_consultations_hours_spent_range')),
    sa.CheckConstraint("status NOT IN ('taken', 'closed') OR specialist_id IS NOT NULL",
                       name=op.f('ck_consultations_taken_has_specialist')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_consultations_city_id_cities')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['users.id'], name=op.f('fk_consultations_posted_by_id_users'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['profession_id'], ['professions.id'],
                            name=op.f('fk_consultations_profession_id_professions')),
    sa.ForeignKeyConstraint(['field_id'], ['experience_fields.id'],
                            name=op.f('fk_consultations_field_id_experience_fields'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'],
                            name=op.f('fk_consultations_specialist_id_specialists'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hours_recorded_by_id'], ['users.id'],
                            name=op.f('fk_consultations_hours_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_consultations_closed_by_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index('ix_consultations_status_city', ['status', 'city_id'], unique=False)
        batch_op.create_index('ix_consultations_specialist_status', ['specialist_id', 'status'], unique=False)

    op.create_table('consultation_licences',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                            name=op.f('fk_consultation_licences_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['licence_id'], ['licences.id'],
                            name=op.f('fk_consultation_licences_licence_id_licences'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('consultation_id', 'licence_id', name=op.f('pk_consultation_licences'))
    )

    op.create_table('consultation_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('batch', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('score', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'declined', 'taken_by_other', 'withdrawn')",
                       name=op.f('ck_consultation_offers_status_known')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                            name=op.f('fk_consultation_offers_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'],
                            name=op.f('fk_consultation_offers_specialist_id_specialists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_offers')),
    sa.UniqueConstraint('consultation_id', 'specialist_id',
                        name=op.f('uq_consultation_offers_consultation_id_specialist_id'))
    )
    with op.batch_alter_table('consultation_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_offers_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index('ix_consultation_offers_specialist_status', ['specialist_id', 'status'], unique=False)

    op.create_table('consultation_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('file_key', sa.String(length=80), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('file_type', sa.String(length=100), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("side IN ('city', 'specialist')", name=op.f('ck_consultation_messages_side_known')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                            name=op.f('fk_consultation_messages_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_consultation_messages_author_id_users'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_messages')),
    sa.UniqueConstraint('file_key', name=op.f('uq_consultation_messages_file_key'))
    )
    with op.batch_alter_table('consultation_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_messages_consultation_id'), ['consultation_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('consultation_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_messages_consultation_id'))
    op.drop_table('consultation_messages')
    with op.batch_alter_table('consultation_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_offers_specialist_status')
        batch_op.drop_index(batch_op.f('ix_consultation_offers_consultation_id'))
    op.drop_table('consultation_offers')
    op.drop_table('consultation_licences')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index('ix_consultations_specialist_status')
        batch_op.drop_index('ix_consultations_status_city')
    op.drop_table('consultations')
    # Dropped in place (SQLite 3.35+ drops a plain column without copying the table).
    op.drop_column('specialists', 'advice_hours_per_month')
    op.drop_column('specialists', 'accepts_advice')
