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
    client.get(url, headers=_as(tokens, who))  # a token's last use is written at most once a minute: not counted
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


def test_deadlines_overdue_filters_search_and_export(env):
    """Urgency sets the time limit; the queue shows time left and overdue, filters and searches, and exports
    what it shows; statistics count overdue tickets per unit (times in Beijing time)."""
    import io

    from openpyxl import load_workbook

    client, store, tokens = env
    headers = _as(tokens, "dispatcher")
    late = client.post("/api/v1/tickets", headers=headers, json={
        "text": KTV, "urgency": "紧急", "received_at": "2026-01-05T09:00:00", "external_id": "RX-1"}).json()
    assert late["due_at"] == "2026-01-05T03:00:00" and late["overdue"] and late["time_left"].startswith("超时")
    fresh = client.post("/api/v1/tickets", headers=headers, json={"text": "我想申请低保", "external_id": "RX-2"}).json()
    assert not fresh["overdue"] and fresh["time_left"].startswith("剩余") and fresh["urgency"] == "一般"
    assert client.post("/api/v1/tickets", headers=headers, json={"text": KTV, "urgency": "马上"}).status_code == 422
    overdue = client.get("/api/v1/tickets?overdue=true", headers=headers).json()
    assert [t["external_id"] for t in overdue["tickets"]] == ["RX-1"]
    assert [t["external_id"] for t in client.get("/api/v1/tickets?q=低保", headers=headers).json()["tickets"]] == ["RX-2"]
    assert client.get("/api/v1/tickets?since=2026-01-05&until=2026-01-05", headers=headers).json()["total"] == 1
    assert client.get("/api/v1/tickets?sort=due", headers=headers).json()["tickets"][0]["external_id"] == "RX-1"
    queue = client.get("/dispatch?state=&overdue=1", headers=headers).text
    assert "工单 RX-1" in queue and "超时" in queue and "工单 RX-2" not in queue
    assert client.get("/dispatch?since=昨天", headers=headers).status_code == 422
    export = client.get("/tickets/export.xlsx?state=&q=低保", headers=headers)
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "热线工单编号" and [r[0] for r in rows[1:]] == ["RX-2"]
    assert client.get("/api/v1/dispatch/stats", headers=headers).json()["overdue_by_assignee"] == {"（待分派）": 1}
    page = client.get(f"/tickets/{late['id']}", headers=headers).text
    assert "受理 2026-01-05 09:00（北京时间）" in page and "办理时限 2026-01-05 11:00" in page


def test_each_role_lands_on_its_own_work(env):
    client, store, tokens = env
    from lvzhi.work import accounts
    from lvzhi.work.audit import Actor

    store.run(lambda s: accounts.add_user(s, Actor.command_line(), "paidan", "pw-landing-1", "dispatcher"))
    response = client.post("/login", data={"username": "paidan", "password": "pw-landing-1", "next": ""},
                           follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/dispatch"
    again = client.post("/login", data={"username": "paidan", "password": "pw-landing-1", "next": "/dispatch/stats"},
                        follow_redirects=False)
    assert again.headers["location"] == "/dispatch/stats"  # a page the user came from wins


def test_the_dispatcher_can_pick_an_alternative_item(env):
    client, store, tokens = env
    headers = _as(tokens, "dispatcher")
    ticket = client.post("/api/v1/tickets", headers=headers, json={"text": KTV}).json()
    page = client.get(f"/tickets/{ticket['id']}", headers=headers).text
    assert "其他可能的事项" in page and "按 " in page
    import re
    picked = re.search(r'name="assignee" value="([^"]+)">\s*<input type="hidden" name="note" value="([^"]+)"', page)
    assert picked, page[-2000:]
    done = client.post(f"/api/v1/tickets/{ticket['id']}/dispatch", headers=headers,
                       json={"assignee": picked.group(1), "note": picked.group(2)}).json()
    assert done["assignee"] == picked.group(1) and "改按" in done["dispatch_note"]


def test_own_password_change_and_admin_unlock(env):
    client, store, tokens = env
    from lvzhi.work import accounts
    from lvzhi.work.audit import Actor

    store.run(lambda s: accounts.add_user(s, Actor.command_line(), "clerk2", "pw-clerk-001", "dispatcher"))
    for _ in range(accounts.MAX_FAILED_LOGINS):
        client.post("/login", data={"username": "clerk2", "password": "wrong-wrong"})
    assert client.post("/login", data={"username": "clerk2", "password": "pw-clerk-001"}).status_code == 429
    users = client.get("/admin/users", headers=_as(tokens, "admin")).text
    assert "登录已锁定" in users and "/admin/users/clerk2/unlock" in users
    assert client.post("/admin/users/clerk2/unlock", headers=_as(tokens, "admin"), follow_redirects=False).status_code == 303
    client.cookies.clear()
    signed = client.post("/login", data={"username": "clerk2", "password": "pw-clerk-001"}, follow_redirects=False)
    assert signed.status_code == 303
    page = client.get("/account")
    assert "修改密码" in page.text and 'minlength="8"' in page.text
    import re
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    wrong = client.post("/account/password", data={"csrf_token": csrf, "old": "nope-nope", "new": "pw-clerk-002"})
    assert wrong.status_code == 422 and "当前密码不对" in wrong.text
    changed = client.post("/account/password", data={"csrf_token": csrf, "old": "pw-clerk-001", "new": "pw-clerk-002"},
                          follow_redirects=False)
    assert changed.status_code == 303
    client.cookies.clear()
    assert client.post("/login", data={"username": "clerk2", "password": "pw-clerk-001"}).status_code == 401
    assert client.post("/login", data={"username": "clerk2", "password": "pw-clerk-002"},
                       follow_redirects=False).status_code == 303
