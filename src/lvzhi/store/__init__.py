"""Storage of towns, list versions and items (SQLAlchemy 2 + Alembic; SQLite or PostgreSQL)."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import DatabaseError, make_engine, migrate, session_factory
from .repository import NotFound
from .schema import TownRow

__all__ = ["Store", "DatabaseError", "NotFound"]


class Store:
    """An open, migrated database."""

    def __init__(self, url: str | None = None):
        self.engine = make_engine(url)
        migrate(self.engine)
        self._sessions = session_factory(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed whole, or rolled back whole on any error."""
        with self._sessions() as session:
            with session.begin():
                yield session

    def is_empty(self) -> bool:
        with self._sessions() as session:
            return session.scalar(select(TownRow.id).limit(1)) is None

    def close(self) -> None:
        self.engine.dispose()
