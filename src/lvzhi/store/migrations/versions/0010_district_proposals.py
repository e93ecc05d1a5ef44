"""动态调整 for every town of a district at once; proposals made from several 准入 reviews; earlier rounds of a
returned proposal; where each published proposal went, town by town (existing publications copied over).

Revision ID: 0010
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("proposals") as batch:
        batch.add_column(sa.Column("district", sa.String(64), nullable=True))
        batch.add_column(sa.Column("review_ids", sa.JSON, nullable=True))
        batch.add_column(sa.Column("rounds", sa.JSON, nullable=True))
        batch.create_index("ix_proposals_district", ["district"])
    publications = op.create_table(
        "proposal_publications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposal_id", sa.Integer, sa.ForeignKey("proposals.id"), nullable=False, index=True),
        sa.Column("town", sa.String(64), nullable=False, index=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("list_versions.id"), nullable=True, index=True),
        sa.Column("code", sa.String(8), nullable=True),
        sa.Column("target_code", sa.String(8), nullable=True),
        sa.Column("before", sa.JSON, nullable=True),
        sa.Column("after", sa.JSON, nullable=True),
        sa.Column("problem", sa.Text, nullable=True),
    )
    proposals = sa.table("proposals", sa.column("id", sa.Integer), sa.column("town", sa.String),
                         sa.column("state", sa.String), sa.column("published_version_id", sa.Integer),
                         sa.column("published_code", sa.String), sa.column("target_code", sa.String),
                         sa.column("before", sa.JSON), sa.column("after", sa.JSON),
                         sa.column("review_id", sa.Integer), sa.column("review_ids", sa.JSON))
    bind = op.get_bind()
    rows = bind.execute(sa.select(proposals.c.id, proposals.c.town, proposals.c.published_version_id,
                                  proposals.c.published_code, proposals.c.target_code, proposals.c.before,
                                  proposals.c.after).where(proposals.c.published_version_id.is_not(None))).all()
    if rows:
        op.bulk_insert(publications, [{"proposal_id": r.id, "town": r.town, "version_id": r.published_version_id,
                                       "code": r.published_code, "target_code": r.target_code, "before": r.before,
                                       "after": r.after, "problem": None} for r in rows])
    for review_id, proposal_id in bind.execute(sa.select(proposals.c.review_id, proposals.c.id)
                                               .where(proposals.c.review_id.is_not(None))).all():
        bind.execute(proposals.update().where(proposals.c.id == proposal_id).values(review_ids=[review_id]))


def downgrade() -> None:
    op.drop_table("proposal_publications")
    with op.batch_alter_table("proposals") as batch:
        batch.drop_index("ix_proposals_district")
        batch.drop_column("rounds")
        batch.drop_column("review_ids")
        batch.drop_column("district")
