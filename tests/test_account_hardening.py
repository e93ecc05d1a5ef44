"""Smaller hardening: weak passwords, control characters in user names, the last admin, login CSRF,
%00 as text, HSTS behind HTTPS, pruning of old login attempts and sessions, the lockout across workers."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lvzhi.errors import Conflict, InvalidInput
from lvzhi.store import Store
from lvzhi.store.schema import LoginAttemptRow, WebSessionRow
from lvzhi.web import create_app
from lvzhi.work import accounts
from lvzhi.work.audit import Actor, now

ADMIN = Actor("管理员", "admin")


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'a.db'}")
    store.run(lambda s: accounts.add_user(s, ADMIN, "root", "root-password-1", "admin"))
    yield store
    store.close()


@pytest.mark.parametrize("password, words", [
    ("aaaaaaaa", "4 种不同的字符"), ("12345678", "常见密码"), ("password", "常见密码"), ("Password1", "常见密码"),
    ("zhangsan-1", "与用户名相同"), ("short", "至少 8 个字符"),
])
def test_weak_passwords_are_refused_with_the_rule(store, password, words):
    with pytest.raises(InvalidInput, match=words) as err:
        store.run(lambda s: accounts.add_user(s, ADMIN, "zhangsan-1", password, "dispatcher"))
    assert accounts.PASSWORD_RULE in str(err.value)
    with pytest.raises(InvalidInput, match=words):
        store.run(lambda s: accounts.set_password(s, ADMIN, "root", password.replace("zhangsan-1", "root")))


@pytest.mark.parametrize("name", ["bad\x07name", "tab\tname", "nul\x00x", "del\x7f", "zero\u200bwidth"])
def test_control_characters_in_user_names_are_refused(store, name):
    with pytest.raises(InvalidInput, match="控制字符"):
        store.run(lambda s: accounts.add_user(s, ADMIN, name, "good-password-9", "dispatcher"))


def test_the_last_admin_can_neither_be_demoted_nor_disabled(store):
    with pytest.raises(Conflict, match="最后一个启用的管理员"):
        store.run(lambda s: accounts.set_role(s, ADMIN, "root", "dispatcher"))
    with pytest.raises(Conflict, match="最后一个启用的管理员"):
        store.run(lambda s: accounts.set_active(s, ADMIN, "root", False))
    store.run(lambda s: accounts.add_user(s, ADMIN, "second", "second-password-2", "admin"))
    assert store.run(lambda s: accounts.set_role(s, ADMIN, "root", "dispatcher")).role == "dispatcher"
    with pytest.raises(Conflict, match="最后一个启用的管理员"):
        store.run(lambda s: accounts.set_active(s, ADMIN, "second", False))


def test_login_from_another_site_is_refused(store):
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        form = {"username": "root", "password": "root-password-1"}
        evil = client.post("/login", data=form, headers={"origin": "https://evil.example"}, follow_redirects=False)
        assert evil.status_code == 403 and "其他网站" in evil.text and "lvzhi_session" not in evil.headers.get("set-cookie", "")
        assert client.post("/login", data=form, headers={"origin": "null"}, follow_redirects=False).status_code == 403
        same = client.post("/login", data=form, headers={"origin": "http://testserver"}, follow_redirects=False)
        assert same.status_code == 303
        plain = client.post("/login", data=form, follow_redirects=False)
        assert plain.status_code == 303


def test_percent_zero_zero_in_json_text_is_text_but_nul_is_refused(store):
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        text = "城区占道经营投诉同比增长 100%00，请核查"
        assert client.post("/api/v1/resolve", json={"text": text}).status_code != 400
        assert client.post("/api/v1/resolve", json={"text": "a\u0000b"}).status_code == 400
        assert client.get("/api/v1/search", params={"q": "a\x00b"}).status_code == 400
        assert client.post("/login", content=b"username=a%00b&password=x",
                           headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 400


def test_hsts_only_when_asked_and_over_https(store, monkeypatch):
    with TestClient(create_app(store)) as client:
        assert "strict-transport-security" not in client.get("/healthz").headers
        monkeypatch.setenv("LVZHI_HSTS_SECONDS", "31536000")
        assert "strict-transport-security" not in client.get("/healthz").headers
        forwarded = client.get("/healthz", headers={"x-forwarded-proto": "https"})
        assert forwarded.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    with TestClient(create_app(store), base_url="https://lvzhi.example") as secure:
        assert "max-age=31536000" in secure.get("/healthz").headers["strict-transport-security"]


def test_old_login_attempts_and_expired_sessions_are_pruned(store):
    with store.transaction() as session:
        session.add(LoginAttemptRow(username="old", remote="", at=now() - timedelta(days=30), succeeded=False))
        session.add(WebSessionRow(token_hash="x" * 64, user_id=1, csrf_token="c", created_at=now() - timedelta(days=3),
                                  expires_at=now() - timedelta(days=2)))
    with store.transaction() as session:
        accounts.authenticate(session, "root", "root-password-1")
    with store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(LoginAttemptRow)) == 1
        assert session.scalar(select(func.count()).select_from(WebSessionRow)) == 0


def test_the_lockout_holds_under_concurrent_attempts(tmp_path):
    """PostgreSQL workers count one name's attempts one at a time (an advisory lock per name)."""
    from conftest import fresh_database

    with fresh_database("postgresql", tmp_path) as url:
        _concurrent_lockout(url)


def _concurrent_lockout(url):
    store = Store(url)
    store.run(lambda s: accounts.add_user(s, ADMIN, "root", "root-password-1", "admin"))
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            with store.transaction() as session:
                accounts.authenticate(session, "root", "wrong-password")
            outcomes.append("failed")
        except accounts.TooManyAttempts:
            outcomes.append("locked")

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("failed") == accounts.MAX_FAILED_LOGINS and outcomes.count("locked") == 8 - accounts.MAX_FAILED_LOGINS
    store.close()
