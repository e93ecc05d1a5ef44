"""Search documents tell whether each field is the text its tokens were cut from (a term holding the query then
means the document holds it verbatim) and which characters its spaces join (a query with a space is looked for
only where they fit): only the other candidates' texts are read. The versions stored
before 0014 are indexed (tokenised) and counted here.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("search_documents", sa.Column("literal", sa.Boolean, nullable=True))
    op.add_column("search_documents", sa.Column("joints", sa.Text, nullable=True))

    from sqlalchemy.orm import Session

    from lvzhi.search.documents import index_pending, mark_documents

    session = Session(bind=op.get_bind())
    mark_documents(session)  # documents indexed before
    index_pending(session)  # versions stored before 0014 (their documents are marked as they are written)


def downgrade() -> None:
    with op.batch_alter_table("search_documents") as batch:
        batch.drop_column("joints")
        batch.drop_column("literal")
