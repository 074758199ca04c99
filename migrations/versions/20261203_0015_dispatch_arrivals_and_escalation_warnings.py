"""arrival details of a dispatch, and the escalation warnings already sent

``dispatch_arrivals``: the receiving city's contact person and first-day details of one dispatch
(name, phone, e-mail, place, first day, meeting time, what to bring), one row per dispatch.

``escalation_warnings``: one row per urgent request and threshold (days before its start) the
coordinating city was warned about, so the escalation job warns once (requests/escalation.py).

``ix_staffing_requests_start_date_status``: the escalation job and the home pages read live requests
starting within a few days; ``ix_proposals_waiting_city_round`` (partial: proposed only) lets them count
the pairings waiting for review among those past rounds left (scripts/bench_dashboard.py).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 21:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('escalation_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('threshold_days', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['staffing_requests.id'], name=op.f('fk_escalation_warnings_request_id_staffing_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalation_warnings')),
    sa.UniqueConstraint('request_id', 'threshold_days', name=op.f('uq_escalation_warnings_request_id_threshold_days'))
    )
    op.create_table('dispatch_arrivals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=False),
    sa.Column('contact_phone', sa.String(length=30), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('first_day_on', sa.Date(), nullable=False),
    sa.Column('meeting_time', sa.Time(), nullable=True),
    sa.Column('what_to_bring', sa.Text(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], name=op.f('fk_dispatch_arrivals_dispatch_id_dispatches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_dispatch_arrivals_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispatch_arrivals')),
    sa.UniqueConstraint('dispatch_id', name=op.f('uq_dispatch_arrivals_dispatch_id'))
    )
    op.create_index('ix_staffing_requests_start_date_status', 'staffing_requests', ['start_date', 'status'],
                    unique=False)
    op.create_index('ix_proposals_waiting_city_round', 'proposals', ['city_id', 'round_id'], unique=False,
                    postgresql_where=sa.text("status = 'proposed'"), sqlite_where=sa.text("status = 'proposed'"))


def downgrade():
    op.drop_index('ix_proposals_waiting_city_round', table_name='proposals')
    op.drop_index('ix_staffing_requests_start_date_status', table_name='staffing_requests')
    op.drop_table('dispatch_arrivals')
    op.drop_table('escalation_warnings')
