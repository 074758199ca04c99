"""a ring's leg can be released: when an agreed ring's dispatch is cancelled, that officer is free again

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exchange_cycle_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('released_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('exchange_cycle_members', schema=None) as batch_op:
        batch_op.drop_column('released_at')
