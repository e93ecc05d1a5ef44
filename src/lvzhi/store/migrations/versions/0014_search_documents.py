"""Cross-town search in the database: a document per distinct item content, its postings, what counts today;
existing versions are indexed (tokenised) and counted by 0015.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("digest", sa.String(32), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("departments", sa.Text, nullable=False),
        sa.Column("title_length", sa.Integer, nullable=False),
        sa.Column("body_length", sa.Integer, nullable=False),
        sa.Column("departments_length", sa.Integer, nullable=False),
        sa.Column("entries", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "search_document_departments",
        sa.Column("document_id", sa.Integer, sa.ForeignKey("search_documents.id"), primary_key=True),
        sa.Column("name", sa.String(128), primary_key=True, index=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "search_terms",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("term", sa.String(255), nullable=False, unique=True),
        sa.Column("title_df", sa.Integer, nullable=False, server_default="0"),
        sa.Column("body_df", sa.Integer, nullable=False, server_default="0"),
        sa.Column("departments_df", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(  # a term's postings read in key order with what scoring needs (see schema.SearchPostingRow)
        "search_postings",
        sa.Column("term_id", sa.Integer, nullable=False),
        sa.Column("field", sa.SmallInteger, nullable=False),
        sa.Column("document_id", sa.Integer, nullable=False, index=True),
        sa.Column("tf", sa.Integer, nullable=False),
        sa.Column("length", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("term_id", "field", "document_id", postgresql_include=["tf", "length"]),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "search_counted",
        sa.Column("town_id", sa.Integer, sa.ForeignKey("towns.id"), primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=False, index=True),
    )
    op.create_table(
        "search_totals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("documents", sa.Integer, nullable=False),
        sa.Column("title_length", sa.BigInteger, nullable=False),
        sa.Column("body_length", sa.BigInteger, nullable=False),
        sa.Column("departments_length", sa.BigInteger, nullable=False),
        sa.Column("as_of", sa.Date, nullable=True),
    )
    op.add_column("list_versions", sa.Column("indexed", sa.Boolean, nullable=False, server_default=sa.false()))
    # a plain column (SQLite adds a foreign key only by copying the table, which its own references forbid)
    op.add_column("items", sa.Column("document_id", sa.Integer, nullable=True))
    op.create_index("ix_items_document_version", "items", ["document_id", "version_id", "id"])
    # the versions stored before are indexed by 0015, with the documents' columns of today


def downgrade() -> None:
    op.drop_index("ix_items_document_version", "items")
    with op.batch_alter_table("items") as batch:
        batch.drop_column("document_id")
    with op.batch_alter_table("list_versions") as batch:
        batch.drop_column("indexed")
    for table in ("search_totals", "search_counted", "search_postings", "search_terms", "search_document_departments",
                  "search_documents"):
        op.drop_table(table)
