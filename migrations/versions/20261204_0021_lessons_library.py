"""the lessons library (事例・ノウハウ): after-action notes, published summaries, uploaded documents, Japanese text search

``library_entries``: one row per after-action note, published consultation summary or uploaded document,
with ``search_text`` (title, body and file name, NFKC and case folded). ``library_note_requests``: each side
of an ended dispatch asked once for an after-action note, reminded once.

Search by substring (Japanese has no spaces): on SQLite an FTS5 table ``library_fts`` with the ``trigram``
tokenizer (SQLite >= 3.34), kept in step with ``search_text`` by three triggers; on PostgreSQL the
``pg_trgm`` extension and a GIN index on ``search_text`` serving ``LIKE '%term%'``.

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

SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS library_fts USING fts5(search_text, tokenize = 'trigram')",
    "CREATE TRIGGER library_entries_fts_insert AFTER INSERT ON library_entries BEGIN "
    "INSERT INTO library_fts (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER library_entries_fts_update AFTER UPDATE OF search_text ON library_entries BEGIN "
    "DELETE FROM library_fts WHERE rowid = old.id; "
    "INSERT INTO library_fts (rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER library_entries_fts_delete AFTER DELETE ON library_entries BEGIN "
    "DELETE FROM library_fts WHERE rowid = old.id; END",
    # Rows already there (none on a new installation; kept for a re-run after a downgrade).
    "DELETE FROM library_fts",
    "INSERT INTO library_fts (rowid, search_text) SELECT id, search_text FROM library_entries",
)


def upgrade():
    dialect = op.get_bind().dialect.name
    op.create_table('library_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('is_shared', sa.Boolean(), nullable=False),
    sa.Column('profession_id', sa.Integer(), nullable=True),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('source_key', sa.String(length=120), nullable=True),
    sa.Column('dispatch_id', sa.Integer(), nullable=True),
    sa.Column('party', sa.String(length=10), nullable=True),
    sa.Column('file_key', sa.String(length=80), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('file_type', sa.String(length=10), nullable=True),
    sa.Column('file_size', sa.Integer(), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('consultation', 'after_action', 'document')", name=op.f('ck_library_entries_kind_known')),
    sa.CheckConstraint("status IN ('published', 'withdrawn')", name=op.f('ck_library_entries_status_known')),
    sa.CheckConstraint("party IS NULL OR party IN ('receiving', 'sending', 'specialist')", name=op.f('ck_library_entries_party_known')),
    sa.CheckConstraint("file_type IS NULL OR file_type IN ('pdf', 'docx', 'xlsx', 'pptx', 'txt')", name=op.f('ck_library_entries_file_type_known')),
    sa.CheckConstraint("kind = 'after_action' OR is_shared", name=op.f('ck_library_entries_only_notes_private')),
    sa.CheckConstraint("status <> 'withdrawn' OR withdrawn_at IS NOT NULL", name=op.f('ck_library_entries_withdrawn_stamped')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_library_entries_city_id_cities')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_library_entries_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], name=op.f('fk_library_entries_dispatch_id_dispatches'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['field_id'], ['experience_fields.id'], name=op.f('fk_library_entries_field_id_experience_fields'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['profession_id'], ['professions.id'], name=op.f('fk_library_entries_profession_id_professions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_library_entries_withdrawn_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_entries')),
    sa.UniqueConstraint('file_key', name=op.f('uq_library_entries_file_key')),
    sa.UniqueConstraint('source_key', name=op.f('uq_library_entries_source_key'))
    )
    op.create_index(op.f('ix_library_entries_city_id'), 'library_entries', ['city_id'], unique=False)
    op.create_index(op.f('ix_library_entries_dispatch_id'), 'library_entries', ['dispatch_id'], unique=False)
    op.create_index(op.f('ix_library_entries_field_id'), 'library_entries', ['field_id'], unique=False)
    op.create_index(op.f('ix_library_entries_profession_id'), 'library_entries', ['profession_id'], unique=False)
    op.create_index('ix_library_entries_status_kind_created', 'library_entries', ['status', 'kind', 'created_at'],
                    unique=False)
    op.create_table('library_note_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dispatch_id', sa.Integer(), nullable=False),
    sa.Column('party', sa.String(length=10), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("party IN ('receiving', 'sending', 'specialist')", name=op.f('ck_library_note_requests_party_known')),
    sa.CheckConstraint("party = 'specialist' OR city_id IS NOT NULL", name=op.f('ck_library_note_requests_city_side_has_city')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_library_note_requests_city_id_cities')),
    sa.ForeignKeyConstraint(['dispatch_id'], ['dispatches.id'], name=op.f('fk_library_note_requests_dispatch_id_dispatches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['library_entries.id'], name=op.f('fk_library_note_requests_entry_id_library_entries'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_library_note_requests')),
    sa.UniqueConstraint('dispatch_id', 'party', name=op.f('uq_library_note_requests_dispatch_id_party')),
    sa.UniqueConstraint('entry_id', name=op.f('uq_library_note_requests_entry_id'))
    )
    op.create_index(op.f('ix_library_note_requests_dispatch_id'), 'library_note_requests', ['dispatch_id'], unique=False)
    if dialect == 'sqlite':
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    elif dialect == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.execute('CREATE INDEX ix_library_entries_search_trgm ON library_entries '
                   'USING gin (search_text gin_trgm_ops)')


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for trigger in ('insert', 'update', 'delete'):
            op.execute(f'DROP TRIGGER IF EXISTS library_entries_fts_{trigger}')
        op.execute('DROP TABLE IF EXISTS library_fts')
    elif dialect == 'postgresql':
        op.execute('DROP INDEX IF EXISTS ix_library_entries_search_trgm')
        # pg_trgm stays: other schemas of the same database may use it.
    op.drop_index(op.f('ix_library_note_requests_dispatch_id'), table_name='library_note_requests')
    op.drop_table('library_note_requests')
    op.drop_index('ix_library_entries_status_kind_created', table_name='library_entries')
    op.drop_index(op.f('ix_library_entries_profession_id'), table_name='library_entries')
    op.drop_index(op.f('ix_library_entries_field_id'), table_name='library_entries')
    op.drop_index(op.f('ix_library_entries_dispatch_id'), table_name='library_entries')
    op.drop_index(op.f('ix_library_entries_city_id'), table_name='library_entries')
    op.drop_table('library_entries')
