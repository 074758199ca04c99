"""a registry the cities can trust: licence particulars and checks, confirmed addresses, one-time account links

Licences already declared stay unchecked (pending) and count for nothing in a round until the
coordinating city checks them, except serving officers': their own city registered them and holds
their personnel record, so their licences and experience are marked checked by the employer.
Profiles that signed themselves up must confirm their address (their page offers the link).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 18:15:51

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('account_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("purpose IN ('confirm_email', 'reset_password', 'unlock')", name=op.f('ck_account_tokens_purpose_known')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_tokens_token_hash'))
    )
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_account_tokens_user_purpose', ['user_id', 'purpose'], unique=False)

    with op.batch_alter_table('specialist_experiences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checked_by', sa.String(length=12), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_specialist_experiences_verified_by_id_users'), 'users', ['verified_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('specialist_licences', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('issuer', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('issued_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('status', sa.String(length=10), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('checked_by', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('review_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('document_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('document_name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('document_type', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('document_size', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('details_updated_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_specialist_licences_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint('status_known', "status IN ('pending', 'verified', 'rejected')")
        batch_op.create_check_constraint('checked_has_checker', "status = 'pending' OR checked_by IS NOT NULL")

    with op.batch_alter_table('specialist_professions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('checked_by', sa.String(length=12), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_specialist_professions_verified_by_id_users'), 'users', ['verified_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('specialists', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(), nullable=True))

    serving = "SELECT id FROM specialists WHERE kind = 'serving'"
    op.execute("UPDATE specialist_licences SET status = 'verified', checked_by = 'employer', "
               f"reviewed_at = CURRENT_TIMESTAMP WHERE specialist_id IN ({serving})")
    op.execute("UPDATE specialist_professions SET checked_by = 'employer', verified_at = CURRENT_TIMESTAMP "
               f"WHERE specialist_id IN ({serving})")
    op.execute("UPDATE specialist_experiences SET checked_by = 'employer', verified_at = CURRENT_TIMESTAMP "
               f"WHERE specialist_id IN ({serving})")



def downgrade():
    # Not a batch copy: SQLite's days-per-week triggers (0006) name the specialists table.
    op.execute("ALTER TABLE specialists DROP COLUMN email_confirmed_at")

    with op.batch_alter_table('specialist_licences', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_specialist_licences_checked_has_checker'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_specialist_licences_status_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_specialist_licences_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('details_updated_at')
        batch_op.drop_column('document_size')
        batch_op.drop_column('document_type')
        batch_op.drop_column('document_name')
        batch_op.drop_column('document_key')
        batch_op.drop_column('review_reason')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('checked_by')
        batch_op.drop_column('status')
        batch_op.drop_column('issued_on')
        batch_op.drop_column('issuer')
        batch_op.drop_column('number')

    with op.batch_alter_table('specialist_professions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_specialist_professions_verified_by_id_users'), type_='foreignkey')
        batch_op.drop_column('checked_by')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verified_at')

    with op.batch_alter_table('specialist_experiences', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_specialist_experiences_verified_by_id_users'), type_='foreignkey')
        batch_op.drop_column('checked_by')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('verified_at')

    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_account_tokens_user_purpose')

    op.drop_table('account_tokens')
