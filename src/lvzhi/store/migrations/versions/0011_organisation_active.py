"""Offices and staff of a town can be removed: one that earlier list versions or the ledger name is kept
inactive (the history still shows its name), one nothing names is deleted.

Revision ID: 0011
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("town_offices", "town_staff"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()))


def downgrade() -> None:
    for table in ("town_offices", "town_staff"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("active")
