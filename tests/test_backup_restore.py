"""`lvzhi backup` and `lvzhi restore` on SQLite and PostgreSQL: a database with lists, accounts, a review, a
ticket and audit rows goes through a backup into a fresh database, and every table comes back row for row with
its audit chain intact; the refusals (occupied target, wrong kind of file, newer schema) and `lvzhi db`."""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import column, inspect, select, table

from lvzhi.lists.catalog import Catalog
from lvzhi.lists.bundled import ensure_bundled
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset
from lvzhi.work.accounts import command_line_user, find_user
from lvzhi.work.reviews import Submission
from lvzhi.work.services import Services
from lvzhi.work.tickets import NewTicket

from conftest import fresh_database
from helpers import lvzhi
from sample_lists import amended_lists


def _fill(url: str) -> None:
    """Everything a working town has: two list versions, accounts, a decided review, a dispatched ticket."""
    store = Store(url)
    ensure_bundled(store)
    with store.transaction() as session:
        save_dataset(session, amended_lists(), source_name="amended.json", label="2026年调整版")
    work = Services.over(Catalog(store, refresh_seconds=0))
    admin = command_line_user()
    work.accounts.add(admin, "clerk", "clerk-pass-Lh7", "town", "珞璜镇", None, "镇街甲")
    work.accounts.add(admin, "disp", "disp-pass-Lh7", "dispatcher", None, None, "派单员乙")
    work.accounts.issue_token(admin, "disp", "热线平台", 30)
    with store.transaction() as session:
        clerk, dispatcher = find_user(session, "clerk"), find_user(session, "disp")
    review = work.reviews.submit(clerk, Submission("珞璜镇", "区卫生健康委", "请各镇对辖区内所有托育机构开展一次全面检查",
                                                   "托育机构检查"))
    work.reviews.decide(clerk, review["id"], "return", None)
    ticket = work.tickets.create(dispatcher, NewTicket("我家生活困难，想申请低保，去哪里办", "珞璜镇", "12345", None, "GD-1",
                                                  "珞璜老街", "张三", "13800000000"))
    work.tickets.dispatch(dispatcher, ticket["id"], None, "")
    store.close()


def _tables(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order, as plain values."""
    store = Store(url)
    try:
        schema = inspect(store.engine)
        found = {}
        with store.engine.connect() as connection:
            for name in sorted(schema.get_table_names()):
                columns = [column(c["name"]) for c in schema.get_columns(name)]
                found[name] = sorted((tuple(row) for row in connection.execute(select(table(name, *columns)))), key=repr)
        return found
    finally:
        store.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_backup_restores_every_table_row_for_row(tmp_path, kind):
    archive = tmp_path / ("lvzhi-backup.db" if kind == "sqlite" else "lvzhi-backup.dump")
    with fresh_database(kind, tmp_path) as original:
        _fill(original)
        made = lvzhi(original, "backup", str(archive))
        assert made.returncode == 0, made.stderr
        assert "已备份到" in made.stdout and "工单 1" in made.stdout and "准入审查 1" in made.stdout
        before = _tables(original)
        (tmp_path / "restored").mkdir()
        with fresh_database(kind, tmp_path / "restored") as fresh:
            done = lvzhi(fresh, "restore", str(archive))
            assert done.returncode == 0, done.stdout + done.stderr
            assert "已恢复" in done.stdout and "审计日志哈希链完整" in done.stdout
            after = _tables(fresh)
            assert sorted(after) == sorted(before)
            for name in before:
                assert after[name] == before[name], f"表 {name} 恢复后不同"
            assert sum(len(rows) for rows in before.values()) > 1000
            assert len(before["audit_log"]) >= 6 and len(before["users"]) == 2 and len(before["tickets"]) == 1
            assert lvzhi(fresh, "audit", "--verify").returncode == 0
            # the restored database keeps working: new audited changes extend the restored chain
            assert lvzhi(fresh, "user", "add", "late", "--role", "dispatcher", "--password", "late-pass-Lh7").returncode == 0
            assert lvzhi(fresh, "audit", "--verify").returncode == 0
            # a second restore over it is refused without --force, and with --force gives the backup back
            again = lvzhi(fresh, "restore", str(archive))
            assert again.returncode == 1 and "目标数据库不是空的" in again.stderr and "--force" in again.stderr
            forced = lvzhi(fresh, "restore", str(archive), "--force")
            assert forced.returncode == 0, forced.stderr
            assert _tables(fresh) == before


def test_a_sqlite_backup_is_one_moment_while_a_server_writes(tmp_path):
    """Writers keep committing during the backup; the copy is whole, verifies, and holds a prefix of their rows."""
    database = tmp_path / "busy.db"
    url = f"sqlite:///{database}"
    _fill(url)
    store = Store(url)
    stop = threading.Event()
    written = []

    def writer():
        admin = command_line_user()
        work = Services.over(Catalog(store, refresh_seconds=0))
        n = 0
        while not stop.is_set():
            work.accounts.add(admin, f"user{n}", "busy-pass-Lh7", "dispatcher")
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3:
            stop.wait(0.05)
        made = lvzhi(url, "backup", str(tmp_path / "copy.db"))
    finally:
        stop.set()
        thread.join()
        store.close()
    assert made.returncode == 0, made.stderr
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    users = {row[0] for row in copy.execute("SELECT username FROM users")}
    copy.close()
    numbered = sorted(int(name[4:]) for name in users if name.startswith("user"))
    assert numbered == list(range(len(numbered)))  # a prefix: no later row without the ones before it
    assert lvzhi(str(tmp_path / "copy.db"), "audit", "--verify").returncode == 0


def _sql(path: Path, statement: str) -> None:
    connection = sqlite3.connect(path)
    connection.execute(statement)
    connection.commit()
    connection.close()


def test_restore_refuses_what_it_should_and_says_why(tmp_path):
    url = str(tmp_path / "lvzhi.db")
    assert lvzhi(url, "towns").returncode == 0
    text_file = tmp_path / "notes.txt"
    text_file.write_text("这不是备份", encoding="utf-8")
    result = lvzhi(str(tmp_path / "new.db"), "restore", str(text_file))
    assert result.returncode == 1 and "不是 lvzhi 的备份" in result.stderr
    result = lvzhi(str(tmp_path / "new.db"), "restore", str(tmp_path / "missing.db"))
    assert result.returncode == 1 and "备份文件不存在" in result.stderr
    _sql(tmp_path / "other.db", "CREATE TABLE t (x)")
    result = lvzhi(str(tmp_path / "new.db"), "restore", str(tmp_path / "other.db"))
    assert result.returncode == 1 and "不是 lvzhi 的数据库" in result.stderr
    assert lvzhi(url, "backup", str(tmp_path / "copy.db")).returncode == 0
    exists = lvzhi(url, "backup", str(tmp_path / "copy.db"))
    assert exists.returncode == 1 and "已存在" in exists.stderr
    _sql(tmp_path / "copy.db", "UPDATE alembic_version SET version_num = '9999'")  # as a newer lvzhi leaves it
    result = lvzhi(str(tmp_path / "new.db"), "restore", str(tmp_path / "copy.db"))
    assert result.returncode == 1 and "更新" in result.stderr and "升级 lvzhi" in result.stderr
    assert not (tmp_path / "new.db").exists() or not sqlite3.connect(tmp_path / "new.db").execute(
        "SELECT name FROM sqlite_master").fetchall()  # nothing written


def test_a_backup_of_one_kind_is_not_restored_into_the_other(tmp_path):
    url = str(tmp_path / "lvzhi.db")
    missing = lvzhi(url, "backup", str(tmp_path / "copy.db"))
    assert missing.returncode == 1 and "数据库文件不存在" in missing.stderr
    assert lvzhi(url, "towns").returncode == 0
    assert lvzhi(url, "backup", str(tmp_path / "copy.db")).returncode == 0
    with fresh_database("postgresql", tmp_path) as postgres:
        result = lvzhi(postgres, "restore", str(tmp_path / "copy.db"))
    assert result.returncode == 1 and "只能恢复到 SQLite 数据库" in result.stderr


def test_postgresql_backup_without_pg_dump_says_what_to_install(tmp_path, monkeypatch):
    with fresh_database("postgresql", tmp_path) as postgres:
        assert lvzhi(postgres, "towns").returncode == 0
        monkeypatch.setenv("PATH", str(tmp_path))  # no PostgreSQL client tools here
        result = lvzhi(postgres, "backup", str(tmp_path / "x.dump"))
    assert result.returncode == 1 and "找不到 pg_dump" in result.stderr and "postgresql-client" in result.stderr
    assert not (tmp_path / "x.dump").exists()


def test_postgresql_tools_older_than_the_server_are_refused(tmp_path, monkeypatch):
    fake = tmp_path / "bin"
    fake.mkdir()
    tool = fake / "pg_dump"
    tool.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n", encoding="utf-8")
    tool.chmod(0o755)
    with fresh_database("postgresql", tmp_path) as postgres:
        assert lvzhi(postgres, "towns").returncode == 0
        monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
        result = lvzhi(postgres, "backup", str(tmp_path / "x.dump"))
    assert result.returncode == 1 and "9 版" in result.stderr and "不能低于服务器" in result.stderr


def test_db_status_and_upgrade(tmp_path):
    url = str(tmp_path / "lvzhi.db")
    empty = lvzhi(url, "db", "status")
    assert empty.returncode == 0 and "空库" in empty.stdout and "待执行的迁移" in empty.stdout
    upgraded = lvzhi(url, "db", "upgrade")
    assert upgraded.returncode == 0 and "升级到" in upgraded.stdout
    status = lvzhi(url, "db", "status")
    assert "结构已是最新" in status.stdout and "towns" in status.stdout
    assert "无需升级" in lvzhi(url, "db", "upgrade").stdout
    with sqlite3.connect(tmp_path / "lvzhi.db") as connection:
        head = connection.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert head in status.stdout


def test_processes_upgrading_one_postgresql_at_once_all_succeed(tmp_path):
    """Several hosts started after an upgrade migrate the same database: one does the work, the others find it done."""
    import os
    import subprocess
    import sys

    with fresh_database("postgresql", tmp_path) as postgres:
        env = {**os.environ, "COLUMNS": "200"}
        runs = [subprocess.Popen([sys.executable, "-m", "lvzhi", "--database", postgres, "db", "upgrade"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(4)]
        results = [(run.wait(timeout=300), *run.communicate()) for run in runs]
        assert [code for code, _, _ in results] == [0] * 4, results
        assert sum("升级到" in out for _, out, _ in results) == 1
        assert "结构已是最新" in lvzhi(postgres, "db", "status").stdout
