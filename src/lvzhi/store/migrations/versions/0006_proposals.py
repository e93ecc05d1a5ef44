"""List adjustments (动态调整): change proposals and the departments' consultation opinions on them.

Revision ID: 0006
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town", sa.String(64), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target_code", sa.String(8), nullable=True, index=True),
        sa.Column("base_version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=False),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
        sa.Column("reason_kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("basis_document", sa.String(255), nullable=False, server_default=""),
        sa.Column("basis_number", sa.String(128), nullable=False, server_default=""),
        sa.Column("basis_article", sa.String(255), nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
        sa.Column("created_by_name", sa.String(64), nullable=False, server_default=""),
        sa.Column("proposer", sa.String(160), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("submitted_at", sa.DateTime, nullable=True),
        sa.Column("review_id", sa.Integer, sa.ForeignKey("reviews.id"), nullable=True),
        sa.Column("decided_by_name", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("decision_reason", sa.Text, nullable=True),
        sa.Column("published_version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=True, index=True),
        sa.Column("published_code", sa.String(8), nullable=True, index=True),
    )
    op.create_table(
        "proposal_opinions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True),
        sa.Column("department", sa.String(128), nullable=False, index=True),
        sa.Column("agree", sa.Boolean, nullable=True),
        sa.Column("opinion", sa.Text, nullable=True),
        sa.Column("given_by_name", sa.String(64), nullable=True),
        sa.Column("given_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("proposal_id", "department"),
    )


def downgrade() -> None:
    op.drop_table("proposal_opinions")
    op.drop_table("proposals")
