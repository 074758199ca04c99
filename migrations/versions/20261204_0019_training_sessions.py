"""training across cities (研修): sessions, registrations, waiting list, attendance

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('training_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('is_online', sa.Boolean(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=True),
    sa.Column('online_url', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=12), nullable=False),
    sa.Column('registration_deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('cancel_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("audience IN ('staff', 'specialists', 'both')", name=op.f('ck_training_sessions_audience_known')),
    sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name=op.f('ck_training_sessions_status_known')),
    sa.CheckConstraint('capacity >= 1 AND capacity <= 1000', name=op.f('ck_training_sessions_capacity_range')),
    sa.CheckConstraint('is_online = false OR online_url IS NOT NULL', name=op.f('ck_training_sessions_online_has_url')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_training_sessions_time_in_order')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_training_sessions_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_training_sessions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    op.create_index('ix_training_sessions_city_starts', 'training_sessions', ['city_id', 'starts_at'], unique=False)
    op.create_index('ix_training_sessions_status_starts', 'training_sessions', ['status', 'starts_at'], unique=False)
    op.create_table('training_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('specialist_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('promoted_at', sa.DateTime(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('attendance', sa.String(length=10), nullable=True),
    sa.Column('attendance_recorded_at', sa.DateTime(), nullable=True),
    sa.Column('attendance_recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("attendance IS NULL OR attendance IN ('attended', 'absent')", name=op.f('ck_training_registrations_attendance_known')),
    sa.CheckConstraint("attendance IS NULL OR status = 'confirmed'", name=op.f('ck_training_registrations_attendance_only_confirmed')),
    sa.CheckConstraint("status IN ('confirmed', 'waiting', 'cancelled', 'removed')", name=op.f('ck_training_registrations_status_known')),
    sa.CheckConstraint('(specialist_id IS NULL) <> (user_id IS NULL)', name=op.f('ck_training_registrations_one_participant')),
    sa.ForeignKeyConstraint(['attendance_recorded_by_id'], ['users.id'], name=op.f('fk_training_registrations_attendance_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_training_registrations_registered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_registrations_session_id_training_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_training_registrations_specialist_id_specialists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_training_registrations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_registrations')),
    sa.UniqueConstraint('session_id', 'specialist_id', name='uq_training_registrations_session_specialist'),
    sa.UniqueConstraint('session_id', 'user_id', name='uq_training_registrations_session_user')
    )
    op.create_index('ix_training_registrations_session_status', 'training_registrations', ['session_id', 'status', 'queued_at'], unique=False)
    op.create_index('ix_training_registrations_specialist', 'training_registrations', ['specialist_id'], unique=False)
    op.create_index('ix_training_registrations_user', 'training_registrations', ['user_id'], unique=False)
    op.create_table('training_session_professions',
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('profession_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['profession_id'], ['professions.id'], name=op.f('fk_training_session_professions_profession_id_professions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_session_professions_session_id_training_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_id', 'profession_id', name=op.f('pk_training_session_professions'))
    )
    op.create_index(op.f('ix_training_session_professions_profession_id'), 'training_session_professions', ['profession_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_training_session_professions_profession_id'), table_name='training_session_professions')
    op.drop_table('training_session_professions')
    op.drop_index('ix_training_registrations_user', table_name='training_registrations')
    op.drop_index('ix_training_registrations_specialist', table_name='training_registrations')
    op.drop_index('ix_training_registrations_session_status', table_name='training_registrations')
    op.drop_table('training_registrations')
    op.drop_index('ix_training_sessions_status_starts', table_name='training_sessions')
    op.drop_index('ix_training_sessions_city_starts', table_name='training_sessions')
    op.drop_table('training_sessions')
