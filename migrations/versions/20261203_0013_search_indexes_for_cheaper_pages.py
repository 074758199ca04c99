"""search indexes for cheaper pages: trigram indexes for the name search, the candidates' order, the check queue


The registry and candidate searches look for a fragment anywhere in the name or address
(``lower(name) LIKE '%…%'``), which a B-tree index cannot serve: with 50,000 profiles every search
read the whole table. On PostgreSQL, GIN trigram indexes (extension pg_trgm) on lower(name_kanji),
lower(name_kana) and email let such a search read only the matching rows. SQLite has no such index
and keeps scanning (it is for development and tests).

On PostgreSQL also an index in the candidate search's default order (last confirmed first, and its
reverse), so a page is read in order instead of sorting every match. On both databases, partial indexes
on the rows
still waiting for the coordinating city (pending licences, unverified professions and experiences),
which the queue and the count in the coordinator's menu (on every page) look for.

If the extension cannot be created (the migrating role is not allowed to), the indexes are left out
with a warning and searches keep working, only slower; create the extension as a superuser
(``CREATE EXTENSION pg_trgm``) and run ``flask db downgrade 0012 && flask db upgrade`` to add them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 23:00:00

"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

# name -> indexed expression (each with the operator class gin_trgm_ops)
TRIGRAM_INDEXES = {
    "ix_specialists_name_kanji_trgm": "lower(name_kanji)",
    "ix_specialists_name_kana_trgm": "lower(name_kana)",
    "ix_specialists_email_trgm": "email",
}


def _has_trigrams(bind) -> bool:
    """pg_trgm is there, or we may create it; False (and a warning) if not."""
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return True
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        return True
    except sa.exc.DBAPIError as error:
        log.warning("pg_trgm could not be created (%s): the name search stays without trigram indexes",
                    str(error).splitlines()[0])
        return False


# name -> (table, column, condition): the rows the check queue looks for
WAITING_INDEXES = {
    "ix_specialist_licences_pending": ("specialist_licences", "status = 'pending'"),
    "ix_specialist_professions_unverified": ("specialist_professions", "verified_at IS NULL"),
    "ix_specialist_experiences_unverified": ("specialist_experiences", "verified_at IS NULL"),
}


def upgrade():
    # Plain CREATE INDEX on SQLite too (no batch mode: the specialists table has triggers).
    for name, (table, condition) in WAITING_INDEXES.items():
        op.create_index(name, table, ["specialist_id"], unique=False, postgresql_where=sa.text(condition),
                        sqlite_where=sa.text(condition))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.create_index("ix_specialists_confirmed_order", "specialists",
                    [sa.text("availability_confirmed_at DESC NULLS LAST"), sa.text("id DESC")], unique=False)
    if not _has_trigrams(bind):
        return
    for name, expression in TRIGRAM_INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON specialists USING gin ({expression} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in reversed(TRIGRAM_INDEXES):
            op.execute(f"DROP INDEX IF EXISTS {name}")
        op.drop_index("ix_specialists_confirmed_order", table_name="specialists")
    for name, (table, _condition) in reversed(WAITING_INDEXES.items()):
        op.drop_index(name, table_name=table)
