"""One page of a query's rows and the total, both counted by the database."""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def page(session: Session, query: Select, order_by, limit: int, offset: int) -> tuple[int, list]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return total, list(session.scalars(query.order_by(order_by).limit(limit).offset(offset)))
