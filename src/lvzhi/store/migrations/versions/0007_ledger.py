"""The town's own organisation (offices, staff, item assignments), its ledger of work (履职台账), and district
assessment schemes with their indicators checked against the lists (依单考核).

Revision ID: 0007
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "town_offices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("town", "name"),
    )
    op.create_table(
        "town_staff",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town", sa.String(64), nullable=False, index=True),
        sa.Column("office_id", sa.Integer, sa.ForeignKey("town_offices.id"), nullable=False, index=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("post", sa.String(64), nullable=False, server_default=""),
        sa.UniqueConstraint("town", "name"),
    )
    op.create_table(
        "item_assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town", sa.String(64), nullable=False, index=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=False, index=True),
        sa.Column("code", sa.String(8), nullable=False),
        sa.Column("content", sa.String(64), nullable=False),
        sa.Column("lead_office_id", sa.Integer, sa.ForeignKey("town_offices.id"), nullable=False, index=True),
        sa.Column("co_office_ids", sa.JSON, nullable=False),
        sa.Column("staff_id", sa.Integer, sa.ForeignKey("town_staff.id"), nullable=True),
        sa.Column("assigned_by", sa.String(64), nullable=False),
        sa.Column("assigned_at", sa.DateTime, nullable=False),
        sa.Column("carried_from", sa.Integer, nullable=True),
        sa.UniqueConstraint("version_id", "code"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town", sa.String(64), nullable=False, index=True),
        sa.Column("code", sa.String(8), nullable=False, index=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("office_id", sa.Integer, sa.ForeignKey("town_offices.id"), nullable=True, index=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_id", sa.Integer, nullable=True),
        sa.Column("received_on", sa.Date, nullable=False, index=True),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("done_on", sa.Date, nullable=True),
        sa.Column("work", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("attachments", sa.JSON, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("source", "source_id"),
    )
    op.create_table(
        "assessment_schemes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town", sa.String(64), nullable=False, index=True),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("source_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("list_version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=False),
        sa.Column("imported_by", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "assessment_indicators",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scheme_id", sa.Integer, sa.ForeignKey("assessment_schemes.id"), nullable=False, index=True),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("department", sa.String(128), nullable=False, index=True),
        sa.Column("points", sa.Float, nullable=True),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("proposed_code", sa.String(8), nullable=True),
        sa.Column("code", sa.String(8), nullable=True),
        sa.Column("confirmed_by", sa.String(64), nullable=True),
        sa.Column("confirmed_at", sa.DateTime, nullable=True),
        sa.Column("flag", sa.String(16), nullable=True, index=True),
        sa.Column("flag_reason", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("assessment_indicators", "assessment_schemes", "ledger_entries", "item_assignments", "town_staff",
                  "town_offices"):
        op.drop_table(table)
