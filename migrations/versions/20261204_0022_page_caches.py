"""cheaper pages: cache versions shared by every worker

Every worker (and the scheduler) keeps the vocabularies and the city list in memory
(``talentbank/core/cache.py``). ``cache_versions`` holds one random token per cached table; a
trigger on each table gives it a new token in the same transaction as any INSERT, UPDATE or DELETE
(PostgreSQL: once per statement, TRUNCATE included; SQLite: per row), so a change made anywhere is seen
by every process once committed. A later migration that recreates one of these tables on SQLite
(batch mode) must create its trigger again.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

CACHED_TABLES = ("professions", "licences", "experience_fields", "cities", "travel_times")

PG_FUNCTION = """
CREATE FUNCTION talentbank_bump_cache_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO cache_versions (name, token) VALUES (TG_TABLE_NAME, md5(random()::text || clock_timestamp()::text))
    ON CONFLICT (name) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""

SQLITE_TOKEN = "lower(hex(randomblob(16)))"


def upgrade():
    op.create_table(
        "cache_versions",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_cache_versions")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql(PG_FUNCTION.replace("%", "%%"))
        for table in CACHED_TABLES:
            bind.exec_driver_sql(
                f"CREATE TRIGGER {table}_cache_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION talentbank_bump_cache_version()")
            bind.exec_driver_sql("INSERT INTO cache_versions (name, token) VALUES "
                                 f"('{table}', md5(random()::text || clock_timestamp()::text))")
    else:
        for table in CACHED_TABLES:
            for what in ("INSERT", "UPDATE", "DELETE"):
                bind.exec_driver_sql(
                    f"CREATE TRIGGER {table}_cache_version_{what.lower()} AFTER {what} ON {table} BEGIN "
                    f"INSERT OR REPLACE INTO cache_versions (name, token) VALUES ('{table}', {SQLITE_TOKEN}); END")
            bind.exec_driver_sql(f"INSERT INTO cache_versions (name, token) VALUES ('{table}', {SQLITE_TOKEN})")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in CACHED_TABLES:
            bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_cache_version ON {table}")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS talentbank_bump_cache_version()")
    else:
        for table in CACHED_TABLES:
            for what in ("insert", "update", "delete"):
                bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_cache_version_{what}")
    op.drop_table("cache_versions")
