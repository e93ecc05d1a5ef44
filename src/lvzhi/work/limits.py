"""Per-client rate and cost limits on the public endpoints that cost CPU (resolve, dispatch suggestions, search,
pre-checks, Open311 posts, login).

A fixed window (60 s by default): each client may send so many requests and so many characters of text in it;
anonymous clients (counted by IP address) get a smaller budget and smaller batches than signed-in ones (API token
or browser login, counted by account). The counters live in the database (`rate_counters`), one row per client and
window, so every worker process of a server, and every server on the same database, counts against the same budget.
Turned off with LVZHI_RATE_LIMITS=off (the tests do that, except those of the limits themselves).
"""
from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, fields, replace
from typing import Callable, Mapping

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..errors import InvalidInput, TooLarge, TooManyAttempts
from ..store import Store
from ..store.schema import RateCounterRow

ENV_PREFIX = "LVZHI_RATE_"
SWITCH_ENV = "LVZHI_RATE_LIMITS"


class RateLimited(TooManyAttempts):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limits:
    """The budgets; every number can be set by an environment variable LVZHI_RATE_<NAME> (e.g.
    LVZHI_RATE_ANONYMOUS_COST=200000) or by `lvzhi serve --rate-limit NAME=VALUE`."""

    enabled: bool = True
    window: int = 60                     # seconds
    anonymous_requests: int = 60         # per client and window
    anonymous_cost: int = 200_000        # characters of text per client and window
    anonymous_batch: int = 50            # texts in one batch
    signed_in_requests: int = 600
    signed_in_cost: int = 5_000_000
    signed_in_batch: int = 1_000
    login_requests: int = 30             # sign-in attempts per IP address and window

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if env is None else env
        limits = cls()
        switch = env.get(SWITCH_ENV, "on").strip().lower()
        if switch not in ("on", "off", "1", "0", "true", "false"):
            raise InvalidInput(f"环境变量 {SWITCH_ENV} 只能是 on 或 off，现为“{switch}”")
        limits = replace(limits, enabled=switch in ("on", "1", "true"))
        for name in (f.name for f in fields(cls) if f.name != "enabled"):
            value = env.get(ENV_PREFIX + name.upper())
            if value is not None:
                limits = limits.with_setting(name, value, f"环境变量 {ENV_PREFIX + name.upper()}")
        return limits

    def with_setting(self, name: str, value: str, where: str) -> Limits:
        names = [f.name for f in fields(self) if f.name != "enabled"]
        if name not in names:
            raise InvalidInput(f"{where}：没有名为“{name}”的限额，可选：{'、'.join(names)}")
        if not value.strip().isdigit() or int(value) < 1:
            raise InvalidInput(f"{where}：限额 {name} 应为正整数，现为“{value}”")
        return replace(self, **{name: int(value)})

    def batch(self, signed_in: bool) -> int:
        return self.signed_in_batch if signed_in else self.anonymous_batch


def text_cost(*texts: str | None) -> int:
    """What a request costs: the characters of text it asks to read (at least 1 per text)."""
    return sum(max(len(t or ""), 1) for t in texts)


def _who(signed_in: bool) -> str:
    return "本账号（已登录或使用 API 令牌，按账号计）" if signed_in else "本客户端（未登录，按 IP 地址计）"


class Limiter:
    def __init__(self, store: Store, limits: Limits, clock: Callable[[], float] = time.time):
        self.store, self.limits, self.clock = store, limits, clock

    def check_batch(self, count: int, signed_in: bool) -> None:
        """A batch larger than the asker may send at once: 413 with both limits named."""
        if not self.limits.enabled or count <= self.limits.batch(signed_in):
            return
        if signed_in:
            raise TooLarge(f"一批最多 {self.limits.signed_in_batch} 条，本次 {count} 条；请分批提交")
        raise TooLarge(f"未登录的请求一批最多 {self.limits.anonymous_batch} 条，本次 {count} 条；"
                       f"请分批提交，或使用 API 令牌（一批最多 {self.limits.signed_in_batch} 条）")

    def charge(self, client: str, signed_in: bool, cost: int = 0, login: bool = False) -> None:
        """Counts one request of `cost` characters for `client`; over the window's budget: 429 with Retry-After."""
        limits = self.limits
        if not limits.enabled:
            return
        requests = limits.login_requests if login else (
            limits.signed_in_requests if signed_in else limits.anonymous_requests)
        budget = limits.signed_in_cost if signed_in else limits.anonymous_cost
        if cost > budget:
            raise TooLarge(f"本次请求含 {cost} 字的文字，超过{_who(signed_in)}每 {limits.window} 秒 {budget} 字的上限；"
                           "请分批提交" + ("" if signed_in else "，或使用 API 令牌（额度更大）"))
        now = self.clock()
        start = int(now // limits.window) * limits.window
        key = f"{'login' if login else 'use'}:{client}"
        allowed = self.store.run(lambda s: _spend(s, key, start, limits.window, requests, cost, budget))
        if not allowed:
            wait = max(1, math.ceil(start + limits.window - now))
            what = (f"每 {limits.window} 秒最多登录 {requests} 次" if login else
                    f"每 {limits.window} 秒最多 {requests} 次请求、共 {budget} 字的文字")
            raise RateLimited(f"请求过于频繁：{_who(signed_in)}{what}，已用完；请 {wait} 秒后再试"
                              + ("" if signed_in or login else "，或使用 API 令牌（额度更大）"), wait)


def _spend(session: Session, client: str, start: int, window: int, most: int, cost: int, budget: int) -> bool:
    """Adds one request (always) and `cost` (only if within budget) to the client's row for this window, under
    the row's lock (PostgreSQL) or the database's write lock (SQLite); whether the request may go ahead."""
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    table = RateCounterRow
    statement = insert(table).values(client=client, window_start=start, requests=1, cost=0)
    statement = statement.on_conflict_do_update(index_elements=["client", "window_start"],
                                                set_={"requests": table.requests + 1})
    requests, spent = session.execute(statement.returning(table.requests, table.cost)).one()
    if requests == 1:  # a new window: the windows before the last one are of no use any more
        session.execute(delete(table).where(table.window_start < start - window))
    if requests > most or spent + cost > budget:
        return False
    if cost:
        session.execute(update(table).where(table.client == client, table.window_start == start)
                        .values(cost=table.cost + cost))
    return True


def spent(store: Store, client: str) -> list[tuple[int, int, int]]:
    """(window start, requests, cost) of a client's use rows, oldest first (for tests and the operator)."""
    with store.transaction() as session:
        return [tuple(r) for r in session.execute(
            select(RateCounterRow.window_start, RateCounterRow.requests, RateCounterRow.cost)
            .where(RateCounterRow.client == f"use:{client}").order_by(RateCounterRow.window_start))]
