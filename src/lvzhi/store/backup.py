"""Backing up and restoring a whole database, and the state of its schema (migrations).

SQLite: SQLite's online backup API inside one read transaction, so the copy is one consistent moment even while
a server writes (WAL readers do not block writers); the copy is checked (quick_check) before it replaces the
target file. PostgreSQL: `pg_dump -Fc` and `pg_restore` found on PATH, whose major version must not be older than
the server's (the archive is one snapshot; the restore is one transaction).

A restore never writes over a database that holds data unless asked to (`force`), checks that the file is an
lvzhi backup of the right kind and not from a newer lvzhi, and brings the restored schema up to this version.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util.exc import CommandError
from sqlalchemy import Engine, func, inspect, select, table, text

from ..errors import DatabaseError, InvalidInput
from .db import MIGRATIONS, make_engine, migrate

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
STEP_PAGES = 1024  # 4 MiB a step at SQLite's default page size
KINDS = {"sqlite": "SQLite 数据库文件", "postgresql": "PostgreSQL 归档（pg_dump -Fc）"}
TARGETS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

Progress = Callable[[str, int, int], None]  # (what is being done, done, total)


class BackupError(InvalidInput):
    """A backup or restore that cannot be done as asked; the message says why and what to do."""


@dataclass
class Outcome:
    kind: str
    path: Path
    tables: dict[str, int] = field(default_factory=dict)  # rows per table
    revision_before: str | None = None
    revision: str | None = None


# -- the schema's state --------------------------------------------------------------------------------

def _scripts() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    return _scripts().get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def pending_migrations(revision: str | None) -> list[tuple[str, str]]:
    """(revision, description) of every migration after `revision`, oldest first."""
    scripts = _scripts()
    try:
        steps = list(scripts.iterate_revisions(scripts.get_current_head(), revision))
    except (CommandError, RevisionError) as exc:
        raise BackupError(f"数据库的结构版本“{revision}”不是本程序的迁移：它来自更新（或别的）版本的 lvzhi，"
                          "请先升级 lvzhi") from exc
    return [(step.revision, (step.doc or "").strip().splitlines()[0] if step.doc else "") for step in reversed(steps)]


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows of every table in the database's own schema (Alembic's bookkeeping table left out)."""
    names = sorted(n for n in inspect(engine).get_table_names() if n != "alembic_version")
    with engine.connect() as connection:
        return {name: connection.scalar(select(func.count()).select_from(table(name))) for name in names}


def upgrade(engine: Engine) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """Runs the migrations still to run: (revision before, revision after, the migrations run)."""
    pending_migrations(current_revision(engine))  # a database from a newer lvzhi is refused before anything runs
    before, after = migrate(engine)  # another process may have run them meanwhile: `before` is under the lock
    done = pending_migrations(before)
    return before, after, done


# -- backup ----------------------------------------------------------------------------------------------

def backup(url: str, path: Path, progress: Progress | None = None, force: bool = False) -> Outcome:
    engine = make_engine(url)
    try:
        if path.exists() and not force:
            raise BackupError(f"文件“{path}”已存在；要覆盖它请加 --force")
        if not path.resolve().parent.is_dir():
            raise BackupError(f"备份文件的目录不存在：{path.resolve().parent}")
        if engine.dialect.name == "sqlite":
            return _sqlite_backup(engine, path, progress or _quiet)
        if engine.dialect.name == "postgresql":
            return _pg_backup(engine, path, progress or _quiet)
        raise BackupError(f"不支持备份 {engine.dialect.name} 数据库（只支持 SQLite 和 PostgreSQL）")
    finally:
        engine.dispose()


def _quiet(_what: str, _done: int, _total: int) -> None:
    return None


def _sqlite_file(engine: Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:":
        raise BackupError("内存中的 SQLite 数据库没有可备份或恢复的文件")
    return Path(name)


def _temporary_beside(path: Path) -> Path:
    handle, name = tempfile.mkstemp(dir=path.resolve().parent, prefix=".lvzhi-", suffix=path.suffix or ".tmp")
    os.close(handle)
    return Path(name)


def _sqlite_backup(engine: Engine, path: Path, progress: Progress) -> Outcome:
    source_file = _sqlite_file(engine)
    if not source_file.exists():
        raise BackupError(f"数据库文件不存在：{source_file}")
    temporary = _temporary_beside(path)
    try:
        source = sqlite3.connect(f"file:{source_file}?mode=ro", uri=True, isolation_level=None, timeout=30)
        target = sqlite3.connect(temporary)
        try:
            # one read transaction over every step: the copy is one moment, and writers are not blocked (WAL)
            source.execute("BEGIN")
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()
            source.backup(target, pages=STEP_PAGES,
                          progress=lambda _status, remaining, total: progress("复制数据页", total - remaining, total))
            source.execute("COMMIT")
            target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            revision = _check_sqlite(target, path)
            names = [row[0] for row in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name != 'alembic_version' ORDER BY name")]
            counts = {name: target.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in names}
        finally:
            source.close()
            target.close()
        os.replace(temporary, path)
    except sqlite3.Error as exc:
        raise BackupError(f"备份 SQLite 数据库失败：{exc}") from exc
    finally:
        if temporary.exists():
            temporary.unlink()
    return Outcome("sqlite", path, counts, revision=revision)


def _check_sqlite(connection: sqlite3.Connection, name: Path) -> str | None:
    """Checks a SQLite file is whole and an lvzhi database; its schema revision."""
    verdict = connection.execute("PRAGMA quick_check").fetchone()[0]
    if verdict != "ok":
        raise BackupError(f"“{name}”已损坏（SQLite 完整性检查：{verdict}）")
    names = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not {"alembic_version", "towns"} <= names:
        raise BackupError(f"“{name}”是 SQLite 数据库，但不是 lvzhi 的数据库（没有 towns、alembic_version 表）")
    found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return found[0] if found else None


# -- PostgreSQL tools ------------------------------------------------------------------------------------

def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}：备份和恢复 PostgreSQL 数据库要用 PostgreSQL 的客户端工具 pg_dump 和 "
                          "pg_restore（Debian/Ubuntu：apt-get install postgresql-client），其主版本不能低于数据库服务器；"
                          "装好后确认它在 PATH 中")
    return found


def _major(tool: str) -> int:
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    if not found:
        raise BackupError(f"无法读出 {tool} 的版本（{output.strip()}）")
    return int(found.group(1))


def _server_major(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SHOW server_version_num"))) // 10000


def _check_versions(engine: Engine, tool: str) -> None:
    mine, server = _major(tool), _server_major(engine)
    if mine < server:
        raise BackupError(f"本机的 {Path(tool).name} 是 PostgreSQL {mine} 版，数据库服务器是 {server} 版："
                          f"{Path(tool).name} 的主版本不能低于服务器。请安装 PostgreSQL {server}（或更高）的客户端工具"
                          f"（Debian/Ubuntu：apt-get install postgresql-client-{server}），并让它排在 PATH 前面")


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The database as a libpq URI without the password, and the environment that carries the password."""
    url = engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _run_tool(command: list[str], env: dict[str, str], follow: re.Pattern, what: str, total: int,
              progress: Progress) -> None:
    """Runs pg_dump or pg_restore with --verbose, reporting each table it reaches; its errors in Chinese."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True,
                               errors="replace")
    done, problems = 0, []
    assert process.stderr is not None
    for line in process.stderr:
        reached = follow.search(line)
        if reached:
            done += 1
            progress(f"{what} {reached.group(1)}", min(done, total), total)
        elif "error" in line.lower() or "错误" in line or "fatal" in line.lower():
            problems.append(line.strip())
    if process.wait() != 0:
        detail = "；".join(problems[-5:]) or f"退出码 {process.returncode}"
        if "unsupported version" in detail or "version mismatch" in detail:
            raise BackupError(f"{Path(command[0]).name} 与备份或服务器的版本不匹配：{detail}。"
                              "请使用与数据库服务器主版本相同（或更高）的 PostgreSQL 客户端工具")
        raise BackupError(f"{Path(command[0]).name} 失败：{detail}")


def _pg_backup(engine: Engine, path: Path, progress: Progress) -> Outcome:
    tool = _tool("pg_dump")
    _check_versions(engine, tool)
    counts = row_counts(engine)
    revision = current_revision(engine)
    uri, env = _libpq(engine)
    temporary = _temporary_beside(path)
    try:
        _run_tool([tool, "--format=custom", "--verbose", f"--file={temporary}", f"--dbname={uri}"], env,
                  re.compile(r'dumping contents of table "(?:[^".]+\.)?([^"]+)"'), "导出表", len(counts) + 1, progress)
        _pg_archive_tables(temporary)  # readable, and an lvzhi database
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return Outcome("postgresql", path, counts, revision=revision)


def _pg_archive_tables(path: Path) -> set[str]:
    """The tables in a pg_dump archive (its table of contents), checked to be an lvzhi database's."""
    listing = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True, timeout=300)
    if listing.returncode != 0:
        detail = listing.stderr.strip()
        if "unsupported version" in detail:
            raise BackupError(f"本机的 pg_restore 读不了“{path}”：它由更新版本的 pg_dump 写成（{detail}）。"
                              "请使用与备份时相同（或更高）主版本的 PostgreSQL 客户端工具")
        raise BackupError(f"无法读取归档“{path}”：{detail}")
    tables = set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing.stdout, flags=re.M))
    if not {"alembic_version", "towns"} <= tables:
        raise BackupError(f"“{path}”是 PostgreSQL 归档，但不是 lvzhi 的数据库（没有 towns、alembic_version 表）")
    return tables


def _pg_archive_revision(path: Path) -> str | None:
    script = subprocess.run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)],
                            capture_output=True, text=True, timeout=300).stdout
    found = re.search(r"^COPY \S*alembic_version .*FROM stdin;\n([^\n\\]+)\n", script, flags=re.M)
    return found.group(1).strip() if found else None


# -- restore ---------------------------------------------------------------------------------------------

def backup_kind(path: Path) -> str:
    """'sqlite' or 'postgresql' by the file's first bytes; a clear error for anything else."""
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise BackupError(f"“{path}”不是 lvzhi 的备份：既不是 SQLite 数据库文件，也不是 pg_dump -Fc 写的 PostgreSQL 归档")


def restore(path: Path, url: str, progress: Progress | None = None, force: bool = False) -> Outcome:
    """Replaces the database at `url` by the backup in `path`, then migrates it to this version."""
    progress = progress or _quiet
    kind = backup_kind(path)
    engine = make_engine(url)
    try:
        target = engine.dialect.name
        if target != kind:
            raise BackupError(f"“{path}”是 {KINDS[kind]}，而要恢复到的是 {TARGETS.get(target, target)} 数据库："
                              f"{KINDS[kind]}只能恢复到 {TARGETS[kind]} 数据库（用 --database 指定）")
        if kind == "sqlite":
            revision = _sqlite_revision(path)
        else:
            _pg_archive_tables(path)
            revision = _pg_archive_revision(path)
        pending_migrations(revision)  # refuses a backup from a newer lvzhi before anything is written
        occupied = _occupied(engine)
        if occupied and not force:
            listed = "、".join(f"{name} {rows} 行" for name, rows in list(occupied.items())[:5])
            raise BackupError(f"目标数据库不是空的（{listed}{' 等' if len(occupied) > 5 else ''}）：恢复会用备份替换其中的"
                              "全部内容。确认要覆盖，请加 --force（最好先备份它）")
        if kind == "sqlite":
            _sqlite_restore(path, _sqlite_file(engine), progress)
        else:
            _pg_restore(path, engine, bool(occupied), progress)
    finally:
        engine.dispose()
    restored = make_engine(url)
    try:
        progress("升级数据库结构", 0, 1)
        before, after = migrate(restored)
        progress("升级数据库结构", 1, 1)
        return Outcome(kind, path, row_counts(restored), before, after)
    finally:
        restored.dispose()


def _occupied(engine: Engine) -> dict[str, int]:
    if engine.dialect.name == "sqlite":
        file = _sqlite_file(engine)
        if not file.exists() or file.stat().st_size == 0:
            return {}
    try:
        return {name: rows for name, rows in row_counts(engine).items() if rows}
    except Exception as exc:  # noqa: BLE001 - any driver error: the target cannot be read
        raise DatabaseError(f"无法读取目标数据库：{exc}") from exc


def _sqlite_revision(path: Path) -> str | None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return _check_sqlite(connection, path)
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise BackupError(f"无法读取备份“{path}”：{exc}") from exc


def _sqlite_restore(path: Path, file: Path, progress: Progress) -> None:
    if not file.resolve().parent.is_dir():
        raise BackupError(f"数据库文件的目录不存在：{file.resolve().parent}")
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        target = sqlite3.connect(file, timeout=30)
        try:
            target.execute("PRAGMA busy_timeout=30000")
            source.backup(target, pages=STEP_PAGES,
                          progress=lambda _status, remaining, total: progress("复制数据页", total - remaining, total))
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            source.close()
            target.close()
    except sqlite3.Error as exc:
        raise BackupError(f"恢复到 SQLite 数据库失败（原有内容未改动）：{exc}") from exc


def _pg_restore(path: Path, engine: Engine, occupied: bool, progress: Progress) -> None:
    tool = _tool("pg_restore")
    _check_versions(engine, tool)
    archived = _pg_archive_tables(path)
    if occupied:
        # tables the backup does not have (a newer lvzhi made them) go too: the database becomes the backup
        extra = [name for name in inspect(engine).get_table_names() if name not in archived]
        if extra:
            progress("删除备份中没有的表 " + "、".join(extra), 0, len(extra))
            with engine.begin() as connection:
                for name in extra:
                    connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    uri, env = _libpq(engine)
    command = [tool, "--verbose", "--single-transaction", "--exit-on-error", "--no-owner", "--no-privileges",
               f"--dbname={uri}"]
    if occupied:
        command += ["--clean", "--if-exists"]
    _run_tool(command + [str(path)], env, re.compile(r'processing data for table "(?:[^".]+\.)?([^"]+)"'),
              "恢复表", len(archived), progress)
