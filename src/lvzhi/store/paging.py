"""One page of a query's rows and the total, both counted by the database; a Beijing date range on a column."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, func, select

from ..clock import to_utc
from sqlalchemy.orm import Session


def page(session: Session, query: Select, order_by, limit: int, offset: int) -> tuple[int, list]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return total, list(session.scalars(query.order_by(order_by).limit(limit).offset(offset)))


def within_days(query: Select, column, since: date | None, until: date | None) -> Select:
    """Rows whose time (stored UTC) falls on or between two Beijing dates."""
    if since:
        query = query.where(column >= to_utc(datetime.combine(since, datetime.min.time())))
    if until:
        query = query.where(column < to_utc(datetime.combine(until, datetime.min.time())) + timedelta(days=1))
    return query
