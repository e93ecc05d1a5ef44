"""Writing many rows in few statements, on SQLite and PostgreSQL alike."""
from __future__ import annotations

from typing import Iterator, Sequence, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

T = TypeVar("T")

# Values per IN (…) list: within SQLite's limit on a statement's parameters, small enough for a good plan.
IN_CHUNK = 1000


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


# Rows per INSERT … RETURNING: within one statement batch of SQLAlchemy's "insertmanyvalues" (1,000 by default),
# since it joins the returned rows of several batches in time growing with the square of their number.
INSERT_CHUNK = 500


def inserted(session: Session, table, rows: list[dict]) -> list[int]:
    """Inserts the rows, returning their new ids in the rows' order.

    SQLite cannot return the ids of a many-row insert in order, so SQLAlchemy would insert its rows one statement
    each: there the ids are given (after the largest one in the table) and the rows go in one executemany. It is
    safe because SQLite has one writer: were another connection to write in between, this transaction's
    insert would fail ("database is locked", retried by Store.run), never reuse an id."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "sqlite":
        first = (session.scalar(select(func.max(table.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
        insert_rows(session, table, [{**row, "id": n} for row, n in zip(rows, ids)])
        return ids
    ids: list[int] = []
    for start in range(0, len(rows), INSERT_CHUNK):
        ids += session.scalars(insert(table).returning(table.id, sort_by_parameter_order=True),
                               rows[start:start + INSERT_CHUNK]).all()
    return ids


def insert_rows(session: Session, table, rows: list[dict]) -> None:
    """One executemany through the table itself (SQLAlchemy's ORM bulk path costs ~3× more a row); the rows are
    keyed by the mapped attributes, as everywhere else."""
    if rows:
        columns = {attribute: column.key for attribute, column in table.__mapper__.columns.items()}
        session.execute(table.__table__.insert(), [{columns[k]: v for k, v in row.items()} for row in rows])


