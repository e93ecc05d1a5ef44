"""Towns, list versions, items, the department registry.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "towns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("city", sa.String(64), nullable=False),
    )
    op.create_table(
        "list_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town_id", sa.Integer, sa.ForeignKey("towns.id"), nullable=False, index=True),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("effective_date", sa.Date, nullable=True),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("town_id", "sha256"),
    )
    op.create_table(
        "departments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("full_name", sa.String(255), nullable=False),
        sa.Column("aliases", sa.JSON, nullable=False),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=False, index=True),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("list", sa.String(16), nullable=False, index=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("abolished", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.UniqueConstraint("version_id", "code"),
    )
    op.create_table(
        "item_departments",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("department_id", sa.Integer, sa.ForeignKey("departments.id"), primary_key=True, index=True),
        sa.Column("role", sa.String(16), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("item_departments", "items", "departments", "list_versions", "towns"):
        op.drop_table(table)
