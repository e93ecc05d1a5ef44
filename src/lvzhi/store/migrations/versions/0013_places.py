"""A town's places as data the list office edits in the portal (城市建成区's streets, the park's roads and
companies…), seeded from the bundled towns' places.yaml.

Revision ID: 0013
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "town_places",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("town", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("says", sa.JSON, nullable=False),
        sa.Column("not_words", sa.JSON, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_by", sa.String(64), nullable=False, server_default=""),
        sa.Column("updated_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("town", "name"),
    )
    from lvzhi.knowledge import town_folders

    op.bulk_insert(table, [{"town": folder.town, "name": place.name, "says": list(place.says),
                            "not_words": list(place.not_), "revision": 1, "updated_by": "places.yaml"}
                           for folder in town_folders() for place in folder.places.values()])


def downgrade() -> None:
    op.drop_table("town_places")
