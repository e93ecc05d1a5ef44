"""Rows of an imported version that the document's layout left open (decided by wording, to be checked),
and the records that a person checked them against the original (a version itself never changes).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("list_versions", sa.Column("unsure_codes", sa.JSON, nullable=True))
    op.create_table(
        "version_checks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=False, index=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("checked_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("version_checks")
    op.drop_column("list_versions", "unsure_codes")
