"""specialists registry and vocabularies

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 15:47:05.474657

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('professions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=150), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_professions')),
    sa.UniqueConstraint('code', name=op.f('uq_professions_code')),
    sa.UniqueConstraint('name_ja', name=op.f('uq_professions_name_ja'))
    )
    op.create_table('experience_fields',
    sa.Column('profession_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=150), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['profession_id'], ['professions.id'], name=op.f('fk_experience_fields_profession_id_professions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experience_fields')),
    sa.UniqueConstraint('code', name=op.f('uq_experience_fields_code')),
    sa.UniqueConstraint('name_ja', name=op.f('uq_experience_fields_name_ja'))
    )
    with op.batch_alter_table('experience_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experience_fields_profession_id'), ['profession_id'], unique=False)

    op.create_table('licences',
    sa.Column('profession_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=150), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['profession_id'], ['professions.id'], name=op.f('fk_licences_profession_id_professions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_licences')),
    sa.UniqueConstraint('code', name=op.f('uq_licences_code')),
    sa.UniqueConstraint('name_ja', name=op.f('uq_licences_name_ja'))
    )
    with op.batch_alter_table('licences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_licences_profession_id'), ['profession_id'], unique=False)

    op.create_table('specialists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('employer_city_id', sa.Integer(), nullable=True),
    sa.Column('home_city_id', sa.Integer(), nullable=False),
    sa.Column('name_kanji', sa.String(length=100), nullable=True),
    sa.Column('name_kana', sa.String(length=100), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('former_employer', sa.String(length=100), nullable=True),
    sa.Column('retirement_year', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('days_per_week', sa.Integer(), nullable=False),
    sa.Column('can_work_onsite', sa.Boolean(), nullable=False),
    sa.Column('can_work_remote', sa.Boolean(), nullable=False),
    sa.Column('max_travel_minutes', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('consent_version', sa.String(length=40), nullable=True),
    sa.Column('consented_at', sa.DateTime(), nullable=True),
    sa.Column('availability_confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('paused_at', sa.DateTime(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('registration_source', sa.String(length=20), nullable=False),
    sa.Column('claim_token_hash', sa.String(length=64), nullable=True),
    sa.Column('claim_expires_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind = 'retired' OR employer_city_id IS NOT NULL", name=op.f('ck_specialists_serving_has_employer')),
    sa.CheckConstraint("kind IN ('retired', 'serving')", name=op.f('ck_specialists_kind_known')),
    sa.CheckConstraint("status = 'withdrawn' OR (name_kanji IS NOT NULL AND email IS NOT NULL)", name=op.f('ck_specialists_contact_unless_withdrawn')),
    sa.CheckConstraint("status IN ('active', 'paused', 'withdrawn')", name=op.f('ck_specialists_status_known')),
    sa.CheckConstraint('days_per_week >= 1 AND days_per_week <= 5', name=op.f('ck_specialists_days_per_week_range')),
    sa.CheckConstraint('max_travel_minutes IS NULL OR (max_travel_minutes >= 0 AND max_travel_minutes <= 600)', name=op.f('ck_specialists_max_travel_range')),
    sa.CheckConstraint('retirement_year IS NULL OR (retirement_year >= 1950 AND retirement_year <= 2100)', name=op.f('ck_specialists_retirement_year_range')),
    sa.ForeignKeyConstraint(['employer_city_id'], ['cities.id'], name=op.f('fk_specialists_employer_city_id_cities')),
    sa.ForeignKeyConstraint(['home_city_id'], ['cities.id'], name=op.f('fk_specialists_home_city_id_cities')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_specialists_registered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_specialists_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_specialists')),
    sa.UniqueConstraint('claim_token_hash', name=op.f('uq_specialists_claim_token_hash')),
    sa.UniqueConstraint('email', name=op.f('uq_specialists_email')),
    sa.UniqueConstraint('user_id', name=op.f('uq_specialists_user_id'))
    )
    with op.batch_alter_table('specialists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_specialists_availability_confirmed_at'), ['availability_confirmed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_specialists_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_specialists_employer_city_id'), ['employer_city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_specialists_home_city_id'), ['home_city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_specialists_name_kana'), ['name_kana'], unique=False)
        batch_op.create_index('ix_specialists_status_home_city', ['status', 'home_city_id'], unique=False)
        batch_op.create_index('ix_specialists_status_kind', ['status', 'kind'], unique=False)

    op.create_table('availability_windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.CheckConstraint('end_date >= start_date', name=op.f('ck_availability_windows_dates_in_order')),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_availability_windows_specialist_id_specialists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_windows'))
    )
    with op.batch_alter_table('availability_windows', schema=None) as batch_op:
        batch_op.create_index('ix_availability_windows_specialist_dates', ['specialist_id', 'start_date', 'end_date'], unique=False)

    op.create_table('specialist_excluded_cities',
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_specialist_excluded_cities_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_specialist_excluded_cities_specialist_id_specialists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('specialist_id', 'city_id', name=op.f('pk_specialist_excluded_cities'))
    )
    with op.batch_alter_table('specialist_excluded_cities', schema=None) as batch_op:
        batch_op.create_index('ix_specialist_excluded_cities_city_id_specialist', ['city_id', 'specialist_id'], unique=False)

    op.create_table('specialist_experiences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.CheckConstraint('years >= 0 AND years <= 60', name=op.f('ck_specialist_experiences_years_range')),
    sa.ForeignKeyConstraint(['field_id'], ['experience_fields.id'], name=op.f('fk_specialist_experiences_field_id_experience_fields')),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_specialist_experiences_specialist_id_specialists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_specialist_experiences')),
    sa.UniqueConstraint('specialist_id', 'field_id', name=op.f('uq_specialist_experiences_specialist_id_field_id'))
    )
    with op.batch_alter_table('specialist_experiences', schema=None) as batch_op:
        batch_op.create_index('ix_specialist_experiences_field_specialist', ['field_id', 'specialist_id'], unique=False)

    op.create_table('specialist_licences',
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('licence_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['licence_id'], ['licences.id'], name=op.f('fk_specialist_licences_licence_id_licences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_specialist_licences_specialist_id_specialists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('specialist_id', 'licence_id', name=op.f('pk_specialist_licences'))
    )
    with op.batch_alter_table('specialist_licences', schema=None) as batch_op:
        batch_op.create_index('ix_specialist_licences_licence_id_specialist', ['licence_id', 'specialist_id'], unique=False)

    op.create_table('specialist_preferred_cities',
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_specialist_preferred_cities_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_specialist_preferred_cities_specialist_id_specialists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('specialist_id', 'city_id', name=op.f('pk_specialist_preferred_cities'))
    )
    with op.batch_alter_table('specialist_preferred_cities', schema=None) as batch_op:
        batch_op.create_index('ix_specialist_preferred_cities_city_id_specialist', ['city_id', 'specialist_id'], unique=False)

    op.create_table('specialist_professions',
    sa.Column('specialist_id', sa.Integer(), nullable=False),
    sa.Column('profession_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['profession_id'], ['professions.id'], name=op.f('fk_specialist_professions_profession_id_professions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['specialist_id'], ['specialists.id'], name=op.f('fk_specialist_professions_specialist_id_specialists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('specialist_id', 'profession_id', name=op.f('pk_specialist_professions'))
    )
    with op.batch_alter_table('specialist_professions', schema=None) as batch_op:
        batch_op.create_index('ix_specialist_professions_profession_id_specialist', ['profession_id', 'specialist_id'], unique=False)



def downgrade():
    with op.batch_alter_table('specialist_professions', schema=None) as batch_op:
        batch_op.drop_index('ix_specialist_professions_profession_id_specialist')

    op.drop_table('specialist_professions')
    with op.batch_alter_table('specialist_preferred_cities', schema=None) as batch_op:
        batch_op.drop_index('ix_specialist_preferred_cities_city_id_specialist')

    op.drop_table('specialist_preferred_cities')
    with op.batch_alter_table('specialist_licences', schema=None) as batch_op:
        batch_op.drop_index('ix_specialist_licences_licence_id_specialist')

    op.drop_table('specialist_licences')
    with op.batch_alter_table('specialist_experiences', schema=None) as batch_op:
        batch_op.drop_index('ix_specialist_experiences_field_specialist')

    op.drop_table('specialist_experiences')
    with op.batch_alter_table('specialist_excluded_cities', schema=None) as batch_op:
        batch_op.drop_index('ix_specialist_excluded_cities_city_id_specialist')

    op.drop_table('specialist_excluded_cities')
    with op.batch_alter_table('availability_windows', schema=None) as batch_op:
        batch_op.drop_index('ix_availability_windows_specialist_dates')

    op.drop_table('availability_windows')
    with op.batch_alter_table('specialists', schema=None) as batch_op:
        batch_op.drop_index('ix_specialists_status_kind')
        batch_op.drop_index('ix_specialists_status_home_city')
        batch_op.drop_index(batch_op.f('ix_specialists_name_kana'))
        batch_op.drop_index(batch_op.f('ix_specialists_home_city_id'))
        batch_op.drop_index(batch_op.f('ix_specialists_employer_city_id'))
        batch_op.drop_index(batch_op.f('ix_specialists_created_at'))
        batch_op.drop_index(batch_op.f('ix_specialists_availability_confirmed_at'))

    op.drop_table('specialists')
    with op.batch_alter_table('licences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_licences_profession_id'))

    op.drop_table('licences')
    with op.batch_alter_table('experience_fields', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experience_fields_profession_id'))

    op.drop_table('experience_fields')
    op.drop_table('professions')
