"""API tokens: named, last use noted, expiring, revocable by command, API and page; disabling an account or
changing its password revokes them, and re-enabling the account does not bring them back."""
from __future__ import annotations

import json
import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from lvzhi.clock import beijing_text
from lvzhi.store import Store
from lvzhi.store.schema import ApiTokenRow
from lvzhi.web import create_app
from lvzhi.work import accounts
from lvzhi.work.audit import Actor, now

from helpers import lvzhi

ADMIN = Actor("管理员", "admin")


def _setup(url):
    store = Store(url)
    store.run(lambda s: accounts.add_user(s, ADMIN, "root", "root-password-1", "admin"))
    store.run(lambda s: accounts.add_user(s, ADMIN, "sync", "sync-password-1", "dispatcher"))
    admin_token = store.run(lambda s: accounts.issue_token(s, ADMIN, "root", "管理脚本"))
    return store, admin_token


def _me(client, token):
    return client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})


def test_token_lifecycle_by_api(database_url):
    store, admin = _setup(database_url)
    auth = {"authorization": f"Bearer {admin}"}
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        made = client.post("/api/v1/users/sync/tokens", json={"name": "对接系统", "days": 30}, headers=auth)
        assert made.status_code == 201
        token = made.json()["token"]
        assert _me(client, token).status_code == 200
        listed = client.get("/api/v1/tokens", params={"username": "sync"}, headers=auth).json()["tokens"]
        assert len(listed) == 1 and listed[0]["name"] == "对接系统" and listed[0]["state"] == "active"
        assert listed[0]["last_used_at"] is not None and listed[0]["expires_at"] is not None
        assert "token" not in listed[0] and token not in str(listed)
        # the non-admin cannot list or revoke
        assert client.get("/api/v1/tokens", headers={"authorization": f"Bearer {token}"}).status_code == 403
        revoked = client.post(f"/api/v1/tokens/{listed[0]['id']}/revoke", headers=auth)
        assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
        assert _me(client, token).status_code == 401
        again = client.post(f"/api/v1/tokens/{listed[0]['id']}/revoke", headers=auth)
        assert again.status_code == 409 and "已于" in again.json()["error"]["message"]
        assert client.post("/api/v1/tokens/99999/revoke", headers=auth).status_code == 404
        # an expired token is refused
        late = client.post("/api/v1/users/sync/tokens", json={"name": "过期"}, headers=auth).json()["token"]
        with store.transaction() as session:
            session.execute(update(ApiTokenRow).where(ApiTokenRow.name == "过期")
                            .values(expires_at=now() - timedelta(minutes=1)))
        assert _me(client, late).status_code == 401
        states = {t["name"]: t["state_name"] for t in client.get("/api/v1/tokens", headers=auth).json()["tokens"]}
        assert states == {"管理脚本": "有效", "对接系统": "已吊销", "过期": "已过期"}
        assert client.post("/api/v1/users/sync/tokens", json={"days": 0}, headers=auth).status_code == 422
        actions = [e["action"] for e in client.get("/api/v1/audit", params={"object_id": "sync"}, headers=auth)
                   .json()["entries"]]
        assert actions.count("token.revoke") == 1 and actions.count("token.add") == 2
    store.close()


def test_disable_and_password_change_revoke_for_good(database_url):
    store, admin = _setup(database_url)
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        token = store.run(lambda s: accounts.issue_token(s, ADMIN, "sync", "a"))
        store.run(lambda s: accounts.set_active(s, ADMIN, "sync", False))
        store.run(lambda s: accounts.set_active(s, ADMIN, "sync", True))
        assert _me(client, token).status_code == 401  # re-enabled, the old token stays dead
        second = store.run(lambda s: accounts.issue_token(s, ADMIN, "sync", "b"))
        assert _me(client, second).status_code == 200
        store.run(lambda s: accounts.set_password(s, ADMIN, "sync", "another-password-2"))
        assert _me(client, second).status_code == 401
        with store.transaction() as session:
            assert {t["state"] for t in accounts.list_tokens(session, "sync")} == {"revoked"}
    store.close()


def test_token_commands(database_url):
    store, _ = _setup(database_url)
    store.close()
    made = lvzhi(database_url, "user", "token", "sync", "--name", "夜间同步", "--days", "7")
    assert made.returncode == 0
    listed = lvzhi(database_url, "user", "token-list", "sync")
    assert listed.returncode == 0 and "夜间同步" in listed.stdout and "有效" in listed.stdout and "从未" in listed.stdout
    token_id = re.search(r"│\s*(\d+)\s*│\s*sync", listed.stdout).group(1)
    issued = json.loads(lvzhi(database_url, "user", "token-list", "sync", "--format", "json").stdout)[0]["created_at"]
    assert "UTC" not in listed.stdout and beijing_text(issued)[11:] in listed.stdout  # times in Beijing time
    revoked = lvzhi(database_url, "user", "token-revoke", token_id)
    assert revoked.returncode == 0 and "已吊销令牌" in revoked.stdout
    assert "已吊销" in lvzhi(database_url, "user", "token-list", "sync").stdout
    twice = lvzhi(database_url, "user", "token-revoke", token_id)
    assert twice.returncode != 0 and "已于" in twice.stderr + twice.stdout
    every = lvzhi(database_url, "user", "token-revoke", "--all", "root")
    assert every.returncode == 0 and "已吊销 root 的 1 个令牌" in every.stdout


def test_the_admin_page_lists_and_revokes(database_url):
    store, _ = _setup(database_url)
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        login = client.post("/login", data={"username": "root", "password": "root-password-1"}, follow_redirects=False)
        assert login.status_code in (302, 303), login.text
        page = client.get("/admin/users")
        assert page.status_code == 200 and "管理脚本" in page.text and "吊销" in page.text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        token_id = re.search(r'/admin/tokens/(\d+)/revoke', page.text).group(1)
        assert client.post(f"/admin/tokens/{token_id}/revoke", data={}, follow_redirects=False).status_code == 403
        done = client.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf}, follow_redirects=False)
        assert done.status_code == 303
        assert "已吊销" in client.get("/admin/users").text
    store.close()
