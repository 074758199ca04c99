"""the lessons library (事例・ノウハウ): after-action notes, published summaries, uploaded documents, Japanese text search

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
