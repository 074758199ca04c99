"""round pages read only what they show: a small review digest beside the stored problem and answer, and
the process running a round

``matching_rounds.review_json`` holds the part of the solver's answer the review and city pages show
(priority order, kept pairings, unmatched offers, warnings, licences of requests left with empty
slots), so they no longer load ``problem_json`` and ``result_json`` (megabytes each; the model defers
them). Rounds stored before this revision have none: the pages derive it from the stored answer once
per process (matching/digest.py).

``matching_rounds.runner`` is "host:pid" of the process running the round (the scheduler or
``flask rounds run``), so a round whose process died is marked failed at once instead of staying
"running".

On SQLite the two payload columns are moved to the end of the row (see ``upgrade``).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 23:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


PAYLOADS = ('problem_json', 'result_json')


def upgrade():
    # Plain ADD COLUMN on both databases (no batch: matching_rounds is referenced with ON DELETE CASCADE).
    op.add_column('matching_rounds', sa.Column('review_json', sa.Text(), nullable=True))
    op.add_column('matching_rounds', sa.Column('runner', sa.String(length=120), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite keeps a row's columns in order, a long text spilling into a chain of overflow pages: reading
        # any column stored after a 20 MB problem walks the whole chain (the round list took 0.4-0.6 s with
        # 50 large rounds). Move the two payloads to the end of the row, in place (RENAME, ADD, copy, DROP
        # COLUMN: no table copy, so nothing cascades). PostgreSQL stores long values apart (TOAST) already.
        for name in PAYLOADS:
            op.execute(f"ALTER TABLE matching_rounds RENAME COLUMN {name} TO {name}_moving")
            op.execute(f"ALTER TABLE matching_rounds ADD COLUMN {name} TEXT")
            op.execute(f"UPDATE matching_rounds SET {name} = {name}_moving WHERE {name}_moving IS NOT NULL")
            op.execute(f"ALTER TABLE matching_rounds DROP COLUMN {name}_moving")


def downgrade():
    # SQLite 3.35+ and PostgreSQL both drop a column in place (a batch copy would cascade-delete proposals).
    op.execute("ALTER TABLE matching_rounds DROP COLUMN runner")
    op.execute("ALTER TABLE matching_rounds DROP COLUMN review_json")
