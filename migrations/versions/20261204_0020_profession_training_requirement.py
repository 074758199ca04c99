"""a profession may require a training within N months for disaster-recovery requests

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    # N months (1..60, checked by vocabulary/services.py); NULL = no training required. A plain ADD COLUMN:
    # on SQLite a batch would recreate `professions`, and dropping it would set licences' and fields'
    # profession_id to NULL through their ON DELETE SET NULL.
    op.add_column('professions', sa.Column('disaster_training_months', sa.Integer(), nullable=True))


def downgrade():
    op.drop_column('professions', 'disaster_training_months')
