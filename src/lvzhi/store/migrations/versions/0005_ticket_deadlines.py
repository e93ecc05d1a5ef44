"""Tickets carry their urgency and the time they are due (办理时限).

Existing tickets get the default urgency and a due time counted from their 受理时间 by the same rule.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from lvzhi.dispatch.deadlines import default_urgency, time_limit

    with op.batch_alter_table("tickets") as table:
        table.add_column(sa.Column("urgency", sa.String(8), nullable=False, server_default=default_urgency()))
        table.add_column(sa.Column("due_at", sa.DateTime, nullable=True))
        table.create_index("ix_tickets_due_at", ["due_at"])
    tickets = sa.table("tickets", sa.column("id", sa.Integer), sa.column("received_at", sa.DateTime),
                       sa.column("due_at", sa.DateTime))
    connection = op.get_bind()
    limit = time_limit(default_urgency())
    for ticket_id, received in connection.execute(sa.select(tickets.c.id, tickets.c.received_at)).all():
        connection.execute(tickets.update().where(tickets.c.id == ticket_id).values(due_at=limit.due(received)))


def downgrade() -> None:
    with op.batch_alter_table("tickets") as table:
        table.drop_index("ix_tickets_due_at")
        table.drop_column("due_at")
        table.drop_column("urgency")
