"""Listings cost the same number of queries whatever the page holds: no query per row (no N+1)."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from lvzhi.lists.bundled import BUNDLED_SOURCE, bundled_dataset
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset
from lvzhi.web import create_app
from sample_lists import add_people

PEOPLE = {"dispatcher": ("dispatcher", None, None), "admin": ("admin", None, None),
          "culture": ("department", None, "区文化旅游委")}
KTV = "我们小区附近的KTV晚上接待未成年人进去唱歌"


@contextmanager
def counted(store: Store):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(store.engine, "before_cursor_execute", count)


@pytest.fixture
def env(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    with store.transaction() as session:
        save_dataset(session, bundled_dataset(), source_name=BUNDLED_SOURCE)
    tokens = add_people(store, PEOPLE, "listing-pw-1")
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        yield client, store, tokens
    store.close()


def _as(tokens, who):
    return {"authorization": f"Bearer {tokens[who]}"}


def _add_tickets(client, tokens, n: int) -> None:
    """n tickets, each dispatched to 区文化旅游委 and disputed by it: every row has people and a dispute."""
    for _ in range(n):
        ticket = client.post("/api/v1/tickets", json={"text": KTV}, headers=_as(tokens, "dispatcher")).json()
        client.post(f"/api/v1/tickets/{ticket['id']}/dispatch", json={}, headers=_as(tokens, "dispatcher"))
        client.post(f"/api/v1/tickets/{ticket['id']}/disputes", json={"reason": "测试", "cited_item": "R140"},
                    headers=_as(tokens, "culture"))


def _queries_for(client, store, tokens, url: str, who: str = "dispatcher") -> int:
    with counted(store) as statements:
        response = client.get(url, headers=_as(tokens, who))
    assert response.status_code == 200, response.text
    return len(statements)


def test_ticket_listing_queries_do_not_grow_with_the_page(env):
    client, store, tokens = env
    _add_tickets(client, tokens, 3)
    small = _queries_for(client, store, tokens, "/api/v1/tickets?per_page=50")
    _add_tickets(client, tokens, 12)
    large = _queries_for(client, store, tokens, "/api/v1/tickets?per_page=50")
    assert client.get("/api/v1/tickets", headers=_as(tokens, "dispatcher")).json()["total"] == 15
    assert large == small, f"{small} queries for 3 tickets, {large} for 15"
    assert _queries_for(client, store, tokens, "/open311/v2/requests.json") == \
        _queries_for(client, store, tokens, "/open311/v2/requests.json")


def test_the_queue_page_pages_past_the_first_fifty(env):
    client, store, tokens = env
    _add_tickets(client, tokens, 55)
    first = client.get("/dispatch?state=", headers=_as(tokens, "dispatcher"))
    assert first.status_code == 200 and "第 1 / 2 页" in first.text and "下一页" in first.text
    second = client.get("/dispatch?state=&page=2", headers=_as(tokens, "dispatcher")).text
    assert "第 2 / 2 页" in second and second.count('class="ticket ') == 5
    listing = client.get("/api/v1/tickets?page=2&per_page=50", headers=_as(tokens, "dispatcher")).json()
    assert listing["total"] == 55 and len(listing["tickets"]) == 5


def test_review_listing_queries_do_not_grow_with_the_page(env):
    client, store, tokens = env

    def submit(n):
        for i in range(n):
            client.post("/api/v1/reviews", headers=_as(tokens, "culture"),
                        json={"text": f"请镇里配合开展文化市场检查第{i}次", "title": f"检查{i}"})

    submit(2)
    small = _queries_for(client, store, tokens, "/api/v1/reviews?per_page=50", "admin")
    submit(10)
    large = _queries_for(client, store, tokens, "/api/v1/reviews?per_page=50", "admin")
    assert large == small
