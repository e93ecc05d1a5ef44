"""A lock held until the transaction ends, so a read-then-write step is not raced by another worker process:
a PostgreSQL advisory lock on a key; on SQLite the database's write lock (taken by a write that changes nothing,
or failing at once as "locked" so that Store.run tries again)."""
from __future__ import annotations

import zlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def hold(session: Session, name: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(name.encode("utf-8"))
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        session.execute(text("UPDATE audit_log SET id = id WHERE 0"))
