"""Hotline requests (诉求工单) and their disputes (退单申请).

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("external_id", sa.String(64), nullable=True, index=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False, index=True),
        sa.Column("town", sa.String(64), nullable=False, index=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("location", sa.String(255), nullable=False),
        sa.Column("contact_name", sa.String(64), nullable=False),
        sa.Column("contact_phone", sa.String(32), nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("list_version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=False),
        sa.Column("suggestion", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("assignee", sa.String(128), nullable=True, index=True),
        sa.Column("assignee_kind", sa.String(16), nullable=True),
        sa.Column("item_code", sa.String(8), nullable=True),
        sa.Column("dispatched_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("dispatched_at", sa.DateTime, nullable=True),
        sa.Column("dispatch_note", sa.Text, nullable=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "ticket_disputes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False, index=True),
        sa.Column("raised_by", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("raised_at", sa.DateTime, nullable=False),
        sa.Column("assignee", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("cited_item", sa.String(8), nullable=True),
        sa.Column("proposed_assignee", sa.String(128), nullable=True),
        sa.Column("assessment", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("decision_reason", sa.Text, nullable=True),
        sa.Column("new_assignee", sa.String(128), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("ticket_disputes")
    op.drop_table("tickets")
