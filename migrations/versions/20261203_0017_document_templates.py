"""replacement DOCX templates of the agreements' documents

``document_templates``: one row per DOCX template the coordinating city uploaded for a document kind
(協定書 ``agreement``, 任用・勤務条件通知書（案） ``appointment``, 送付状 ``cover``), versioned; the file
itself lives in DOCUMENT_TEMPLATES_DIR, outside the web root. Generated documents are not stored:
each edition is rendered again from its terms version and the template in force when it was confirmed.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 22:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('file_key', sa.String(length=80), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('agreement', 'appointment', 'cover')", name=op.f('ck_document_templates_kind_known')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_document_templates_version_positive')),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_document_templates_size_positive')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_document_templates_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_templates')),
    sa.UniqueConstraint('file_key', name=op.f('uq_document_templates_file_key')),
    sa.UniqueConstraint('kind', 'version', name=op.f('uq_document_templates_kind_version'))
    )
    with op.batch_alter_table('document_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_templates_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('document_templates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_templates_created_at'))
    op.drop_table('document_templates')
