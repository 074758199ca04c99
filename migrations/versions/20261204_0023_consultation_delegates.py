"""consultation delegates: serving officers an HR officer authorised to post consultations for their city

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "consultation_delegates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("city_id", sa.Integer(), nullable=False),
        sa.Column("specialist_id", sa.Integer(), nullable=False),
        sa.Column("authorised_by_id", sa.Integer(), nullable=True),
        sa.Column("authorised_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["city_id"], ["cities.id"], name=op.f("fk_consultation_delegates_city_id_cities")),
        sa.ForeignKeyConstraint(["specialist_id"], ["specialists.id"],
                                name=op.f("fk_consultation_delegates_specialist_id_specialists"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["authorised_by_id"], ["users.id"],
                                name=op.f("fk_consultation_delegates_authorised_by_id_users"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["revoked_by_id"], ["users.id"],
                                name=op.f("fk_consultation_delegates_revoked_by_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_delegates")),
    )
    op.create_index("ix_consultation_delegates_specialist_city", "consultation_delegates",
                    ["specialist_id", "city_id"], unique=False)
    op.create_index(op.f("ix_consultation_delegates_city_id"), "consultation_delegates", ["city_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_consultation_delegates_city_id"), table_name="consultation_delegates")
    op.drop_index("ix_consultation_delegates_specialist_city", table_name="consultation_delegates")
    op.drop_table("consultation_delegates")
