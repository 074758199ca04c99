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
    pass


def downgrade():
    pass
