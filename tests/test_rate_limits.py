"""Per-client rate and cost limits on the public endpoints that cost CPU: 429 with a Chinese message and
Retry-After past the budget, 413 for a batch or a request larger than the asker may send, a bigger budget for
API tokens, and one budget for every app over the same database (as the workers of one server are)."""
from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from lvzhi.errors import InvalidInput
from lvzhi.store import Store
from lvzhi.web import create_app
from lvzhi.work import accounts
from lvzhi.work.audit import Actor
from lvzhi.work.limits import Limits, spent

from helpers import lvzhi

ADMIN = Actor("管理员", "admin")
SMALL = Limits(enabled=True, window=3600, anonymous_requests=3, anonymous_cost=400, anonymous_batch=2,
               signed_in_requests=8, signed_in_cost=4000, signed_in_batch=20, login_requests=2)
TEXT = "小区楼下那家托育机构消防通道堆满杂物，谁来查？"


def _app(store, limits=SMALL):
    return TestClient(create_app(store, warm=False, limits=limits), raise_server_exceptions=False)


def _refused(response, status: int = 429) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert not error["message"].isascii()
    if status == 429:
        assert error["code"] == "rate_limited"
        assert 1 <= int(response.headers["retry-after"]) <= SMALL.window
    return error["message"]


def test_past_the_budget_429_with_retry_after_and_two_apps_share_it(database_url):
    store, other = Store(database_url), Store(database_url)  # two apps on one database, as two workers
    with _app(store) as first, _app(other) as second:
        assert first.post("/api/v1/resolve", json={"text": TEXT}).status_code == 200
        assert second.post("/api/v1/dispatch/suggest", json={"texts": [TEXT]}).status_code == 200
        assert first.get("/api/v1/search", params={"q": "献血"}).status_code == 200
        message = _refused(second.post("/api/v1/resolve", json={"text": TEXT}))
        assert "请求过于频繁" in message and "IP 地址" in message and "API 令牌" in message
        _refused(first.get("/api/v1/search", params={"q": "献血"}))
        # what is not limited still answers
        assert first.get("/api/v1/towns").status_code == 200
    assert spent(store, "ip:testclient")[0][1:] == (5, len(TEXT) * 2 + 2)
    store.close(), other.close()


def test_cost_counts_texts_times_characters(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'cost.db'}")
    with _app(store) as client:
        long = "请镇里组织一次无偿献血活动" * 12  # 156 characters
        assert client.post("/api/v1/resolve", json={"requests": [{"text": long}, {"text": long}]}).status_code == 200
        message = _refused(client.post("/api/v1/dispatch/suggest", json={"texts": [long, long]}))
        assert "400 字" in message
        # one request dearer than the whole budget is refused as too large, not "try later"
        assert "超过" in _refused(client.post("/api/v1/resolve", json={"text": "献血" * 300}), 413)
    store.close()


def test_anonymous_batches_are_smaller_and_tokens_get_the_bigger_budget(database_url):
    store = Store(database_url)
    store.run(lambda s: accounts.add_user(s, ADMIN, "sync", "sync-password-1", "dispatcher"))
    token = store.run(lambda s: accounts.issue_token(s, ADMIN, "sync", "对接系统"))
    auth = {"authorization": f"Bearer {token}"}
    batch = {"texts": [TEXT] * 5}
    with _app(store) as client:
        message = _refused(client.post("/api/v1/dispatch/suggest", json=batch), 413)
        assert "未登录的请求一批最多 2 条" in message and "API 令牌（一批最多 20 条）" in message
        answered = client.post("/api/v1/dispatch/suggest", json=batch, headers=auth)
        assert answered.status_code == 200 and len(answered.json()["suggestions"]) == 5
        for _ in range(4):  # anonymous is spent after 3, the token goes on
            assert client.get("/api/v1/search", params={"q": "低保"}, headers=auth).status_code == 200
        _refused(client.post("/api/v1/resolve", json={"requests": [{"text": TEXT}] * 21}, headers=auth), 413)
        for _ in range(3):
            client.get("/api/v1/search", params={"q": "低保"}, headers=auth)
        assert "本账号" in _refused(client.get("/api/v1/search", params={"q": "低保"}, headers=auth))
    store.close()


def test_login_attempts_per_address_and_the_pages(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'login.db'}")
    with _app(store) as client:
        for _ in range(2):
            assert client.post("/login", data={"username": "nobody", "password": "x"}).status_code == 401
        refused = client.post("/login", data={"username": "nobody", "password": "x"})
        assert refused.status_code == 429 and "登录" in refused.text and int(refused.headers["retry-after"]) >= 1
        # the resolve page counts against the same budget as the API
        for _ in range(3):
            assert client.post("/", data={"q": TEXT}).status_code == 200
        page = client.post("/", data={"q": TEXT})
        assert page.status_code == 429 and "请求过于频繁" in page.text and page.headers["retry-after"]
    store.close()


def test_off_by_switch_and_configured_by_environment_and_command(tmp_path, monkeypatch):
    assert not Limits.from_environment({"LVZHI_RATE_LIMITS": "off"}).enabled
    env = Limits.from_environment({"LVZHI_RATE_ANONYMOUS_BATCH": "10", "LVZHI_RATE_WINDOW": "30"})
    assert env.enabled and env.anonymous_batch == 10 and env.window == 30
    with pytest.raises(InvalidInput, match="LVZHI_RATE_ANONYMOUS_BATCH"):
        Limits.from_environment({"LVZHI_RATE_ANONYMOUS_BATCH": "many"})
    with pytest.raises(InvalidInput, match="没有名为“speed”的限额"):
        Limits().with_setting("speed", "3", "--rate-limit")
    store = Store(f"sqlite:///{tmp_path / 'off.db'}")
    with _app(store, replace(SMALL, enabled=False)) as client:
        for _ in range(5):
            assert client.get("/api/v1/search", params={"q": "献血"}).status_code == 200
    store.close()
    bad = lvzhi(f"sqlite:///{tmp_path / 'off.db'}", "serve", "--rate-limit", "speed=3")
    assert bad.returncode != 0 and "speed" in bad.stderr
