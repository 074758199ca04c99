"""notifications (inbox, e-mail outbox, reminder log) and the scheduler (job runs, heartbeat,
round schedule, round triggers)

APScheduler's own job table (apscheduler_jobs) is created by the library, not here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 15:57:00.233105

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_logs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_type', sa.String(length=40), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('basis_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('stage >= 1', name=op.f('ck_reminder_logs_stage_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_logs')),
    sa.UniqueConstraint('subject_type', 'subject_id', 'stage', 'basis_at', name=op.f('uq_reminder_logs_subject_type_subject_id_stage_basis_at'))
    )
    op.create_table('scheduler_heartbeats',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance', sa.String(length=120), nullable=False),
    sa.Column('lock_kind', sa.String(length=40), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('beat_at', sa.DateTime(), nullable=False),
    sa.Column('stopped_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_scheduler_heartbeats_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_heartbeats'))
    )
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_name', sa.String(length=100), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('summary', sa.String(length=500), nullable=True),
    sa.Column('summary_params', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('runner', sa.String(length=120), nullable=True),
    sa.CheckConstraint("source IN ('schedule', 'manual')", name=op.f('ck_job_runs_source_known')),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'skipped', 'failed')", name=op.f('ck_job_runs_status_known')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_job_runs_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs'))
    )
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.create_index('ix_job_runs_job_name_id', ['job_name', 'id'], unique=False)
        batch_op.create_index('ix_job_runs_status', ['status'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_user_created', ['user_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at'], unique=False)

    op.create_table('schedule_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('is_regular_enabled', sa.Boolean(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('week_of_month', sa.Integer(), nullable=True),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('minute', sa.Integer(), nullable=False),
    sa.Column('is_fast_track_enabled', sa.Boolean(), nullable=False),
    sa.Column('fast_track_delay_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('fast_track_delay_minutes >= 1 AND fast_track_delay_minutes <= 120', name=op.f('ck_schedule_settings_fast_track_delay_range')),
    sa.CheckConstraint('hour >= 0 AND hour <= 23', name=op.f('ck_schedule_settings_hour_range')),
    sa.CheckConstraint('id = 1', name=op.f('ck_schedule_settings_single_row')),
    sa.CheckConstraint('minute >= 0 AND minute <= 59', name=op.f('ck_schedule_settings_minute_range')),
    sa.CheckConstraint('week_of_month IS NULL OR (week_of_month >= 1 AND week_of_month <= 5)', name=op.f('ck_schedule_settings_week_of_month_range')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_schedule_settings_weekday_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_schedule_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_settings'))
    )
    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("language IN ('ja', 'en')", name=op.f('ck_outbox_messages_language_known')),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')", name=op.f('ck_outbox_messages_status_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_messages_attempts_not_negative')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_outbox_messages_notification_id_notifications'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_outbox_messages_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_messages_dedupe_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_user_id'), ['user_id'], unique=False)

    op.create_table('round_triggers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('profession_id', sa.Integer(), nullable=True),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.Column('result', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('scheduled', 'fast_track', 'manual')", name=op.f('ck_round_triggers_kind_known')),
    sa.CheckConstraint("status IN ('pending', 'running', 'done', 'skipped', 'failed')", name=op.f('ck_round_triggers_status_known')),
    sa.ForeignKeyConstraint(['profession_id'], ['professions.id'], name=op.f('fk_round_triggers_profession_id_professions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['staffing_requests.id'], name=op.f('fk_round_triggers_request_id_staffing_requests'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_round_triggers')),
    sa.UniqueConstraint('key', name=op.f('uq_round_triggers_key'))
    )
    with op.batch_alter_table('round_triggers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_triggers_request_id'), ['request_id'], unique=False)
        batch_op.create_index('ix_round_triggers_status_due', ['status', 'due_at'], unique=False)



def downgrade():
    with op.batch_alter_table('round_triggers', schema=None) as batch_op:
        batch_op.drop_index('ix_round_triggers_status_due')
        batch_op.drop_index(batch_op.f('ix_round_triggers_request_id'))

    op.drop_table('round_triggers')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_user_id'))
        batch_op.drop_index('ix_outbox_messages_status_next')

    op.drop_table('outbox_messages')
    op.drop_table('schedule_settings')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')
        batch_op.drop_index('ix_notifications_user_created')

    op.drop_table('notifications')
    with op.batch_alter_table('job_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_job_runs_status')
        batch_op.drop_index('ix_job_runs_job_name_id')

    op.drop_table('job_runs')
    op.drop_table('scheduler_heartbeats')
    op.drop_table('reminder_logs')
