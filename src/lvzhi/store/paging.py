"""One page of a query's rows and the total, both counted by the database; a Beijing date range on a column."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Callable, Iterator

from sqlalchemy import Select, func, select

from ..clock import to_utc
from sqlalchemy.orm import Session


def page(session: Session, query: Select, order_by, limit: int, offset: int) -> tuple[int, list]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return total, list(session.scalars(query.order_by(order_by).limit(limit).offset(offset)))


def in_batches(store, query: Select, order_by, convert: Callable[[Session, list], list],
               batch: int = 500) -> Iterator:
    """Every row of `query` in order, converted `batch` rows at a time (convert(session, rows) → plain data).
    The matching ids are read at once (one column); each batch of rows is then read and converted in its own short
    transaction, so a long export holds neither a transaction nor every row in memory. A row deleted meanwhile is
    left out; a row changed meanwhile is given as it is when its batch is read."""
    model = query.column_descriptions[0]["entity"]
    with store.transaction() as session:
        ids = list(session.scalars(query.with_only_columns(model.id).order_by(order_by)))
    return _batches(store, model, ids, convert, batch)


def _batches(store, model, ids: list[int], convert, batch: int) -> Iterator:
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        with store.transaction() as session:
            rows = {row.id: row for row in session.scalars(select(model).where(model.id.in_(chunk)))}
            found = convert(session, [rows[i] for i in chunk if i in rows])
        yield from found


def within_days(query: Select, column, since: date | None, until: date | None) -> Select:
    """Rows whose time (stored UTC) falls on or between two Beijing dates."""
    if since:
        query = query.where(column >= to_utc(datetime.combine(since, datetime.min.time())))
    if until:
        query = query.where(column < to_utc(datetime.combine(until, datetime.min.time())) + timedelta(days=1))
    return query
