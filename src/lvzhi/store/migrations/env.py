"""Alembic environment: lvzhi passes the connection in; nothing is read from alembic.ini."""
from alembic import context

from lvzhi.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
