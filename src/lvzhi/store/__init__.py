"""Storage of towns, list versions and items (SQLAlchemy 2 + Alembic; SQLite or PostgreSQL)."""
from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Callable, Iterator, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..errors import DatabaseError, NotFound
from .db import make_engine, migrate, session_factory
from .schema import TownRow

__all__ = ["Store", "DatabaseError", "NotFound"]

T = TypeVar("T")


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

    def run(self, work: Callable[[Session], T], attempts: int = 3) -> T:
        """work(session) in one transaction, tried again when SQLite reports a write clash between
        processes ("database is locked"): the retry sees the other writer's result and decides anew."""
        for attempt in range(attempts):
            try:
                with self.transaction() as session:
                    return work(session)
            except OperationalError as exc:
                if "locked" not in str(exc).lower() or attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def is_empty(self) -> bool:
        with self._sessions() as session:
            return session.scalar(select(TownRow.id).limit(1)) is None

    def close(self) -> None:
        self.engine.dispose()
