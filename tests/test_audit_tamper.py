"""The audit log against tampering, on SQLite and PostgreSQL: every SQL path that rewrites rows is refused by
the database, and what the owner can still do (drop or disable triggers) is found by the hash chain."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from lvzhi.store import Store
from lvzhi.work.audit import Actor, AuditLog, record

from helpers import lvzhi

ADMIN = Actor("管理员甲", "admin")


@pytest.fixture
def logged(database_url):
    store = Store(database_url)
    for n in range(5):
        with store.transaction() as session:
            record(session, ADMIN, "user.add", "user", f"u{n}", after={"role": "town", "n": n, "名": "镇街"})
    try:
        yield store, database_url
    finally:
        store.close()


def _refused(store, sql: str, words: str = "审计日志") -> None:
    with pytest.raises(Exception, match=words):
        with store.engine.begin() as connection:
            connection.execute(text(sql))


COLUMNS = "id, at, actor, actor_role, action, object_type, object_id, prev_hash, hash"


def test_a_clean_log_verifies(logged):
    store, url = logged
    report = AuditLog(store).verify(ADMIN)
    assert report["ok"] and report["count"] == 5 and len(report["head"]) == 64
    result = lvzhi(url, "audit", "--verify")
    assert result.returncode == 0 and "哈希链完整：共 5 条" in result.stdout and report["head"] in result.stdout


def test_update_delete_and_rewrite_by_insert_are_refused(logged):
    store, _ = logged
    _refused(store, "UPDATE audit_log SET actor = 'someone'")
    _refused(store, "DELETE FROM audit_log WHERE id = 3")
    # a row that does not extend the chain: a new id with a made-up link, an old id, no id at all
    _refused(store, f"INSERT INTO audit_log ({COLUMNS}) VALUES (6, '2026-01-01', 'x', 'admin', 'user.add', 'user', 'x', "
                    f"'{'0' * 64}', '{'1' * 64}')", "链尾")
    _refused(store, "INSERT INTO audit_log (at, actor, actor_role, action, object_type, object_id) "
                    "VALUES ('2026-01-01', 'x', 'admin', 'user.add', 'user', 'x')", "链尾")
    if store.engine.dialect.name == "sqlite":
        for verb in ("REPLACE INTO", "INSERT OR REPLACE INTO"):
            _refused(store, f"{verb} audit_log ({COLUMNS}) SELECT {COLUMNS.replace('actor,', quote_actor())} "
                            "FROM audit_log WHERE id = 2", "链尾")
        _refused(store, f"INSERT INTO audit_log ({COLUMNS}) SELECT {COLUMNS} FROM audit_log WHERE id = 2 "
                        "ON CONFLICT (id) DO UPDATE SET actor = 'someone'", "审计日志")
    else:
        _refused(store, "TRUNCATE audit_log", "只能追加")
        _refused(store, f"INSERT INTO audit_log ({COLUMNS}) SELECT {COLUMNS} FROM audit_log WHERE id = 2 "
                        "ON CONFLICT (id) DO UPDATE SET actor = 'someone'", "链尾")
        _refused(store, f"INSERT INTO audit_log ({COLUMNS}) SELECT {COLUMNS} FROM audit_log WHERE id = 2 "
                        "ON CONFLICT DO NOTHING", "链尾")
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 5
        assert connection.execute(text("SELECT actor FROM audit_log WHERE id = 2")).scalar() == "管理员甲"
    assert AuditLog(store).verify(ADMIN)["ok"]


def quote_actor() -> str:
    return "'someone' AS actor,"


def _as_owner(store, *statements: str) -> None:
    """What the database owner (or whoever holds the SQLite file) can do: put the triggers aside."""
    with store.engine.begin() as connection:
        if store.engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            for sql in statements:
                connection.execute(text(sql))
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        else:
            names = [r[0] for r in connection.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"))]
            sqls = [r[0] for r in connection.execute(text(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"))]
            for name in names:
                connection.execute(text(f"DROP TRIGGER {name}"))
            for sql in statements:
                connection.execute(text(sql))
            for sql in sqls:
                connection.execute(text(sql))


@pytest.mark.parametrize("change, broken, words", [
    ("UPDATE audit_log SET actor = 'someone' WHERE id = 3", 3, "内容与其哈希不符"),
    ("UPDATE audit_log SET after = NULL WHERE id = 2", 2, "内容与其哈希不符"),
    ("DELETE FROM audit_log WHERE id = 3", 4, "前一哈希与上一条不符"),
])
def test_what_the_owner_can_still_do_the_chain_finds(logged, change, broken, words):
    store, url = logged
    _as_owner(store, change)
    report = AuditLog(store).verify(ADMIN)
    assert not report["ok"] and report["broken_id"] == broken and words in report["problem"]
    result = lvzhi(url, "audit", "--verify")
    assert result.returncode != 0 and "哈希链校验失败" in result.stderr + result.stdout


def test_removing_the_tail_shortens_the_chain_and_changes_the_head(logged):
    store, _ = logged
    before = AuditLog(store).verify(ADMIN)
    _as_owner(store, "DELETE FROM audit_log WHERE id = 5")
    after = AuditLog(store).verify(ADMIN)
    assert after["ok"] and after["count"] == 4 and after["head"] != before["head"]


def test_concurrent_appends_keep_one_chain(logged):
    store, _ = logged
    errors: list[Exception] = []

    def append(n: int) -> None:
        for k in range(5):
            try:
                store.run(lambda s: record(s, ADMIN, "user.role", "user", f"c{n}-{k}", after={"k": k}), attempts=20)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    report = AuditLog(store).verify(ADMIN)
    assert report["ok"] and report["count"] == 5 + 30
