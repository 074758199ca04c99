"""the standard vocabularies and priority-rule version 1, so that a new installation can post a
request and run a round without demo data

Runs the same seeding functions the demo loader and the tests use
(``talentbank.vocabulary.standard.seed_standard_terms``, ``talentbank.matching.standard.seed_first_rule_set``):
they add only what is missing. The downgrade leaves the data in place (earlier downgrades drop
the tables themselves).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 16:40:00

"""
from alembic import op

from talentbank.matching.standard import seed_first_rule_set
from talentbank.vocabulary.standard import seed_standard_terms


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    seed_standard_terms(connection)
    seed_first_rule_set(connection)


def downgrade():
    pass
