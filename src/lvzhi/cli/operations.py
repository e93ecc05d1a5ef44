"""Operating a deployment: `lvzhi backup`, `lvzhi restore`, `lvzhi db status`, `lvzhi db upgrade`."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from ..errors import DatabaseError
from ..store import Store
from ..store import backup as backups
from ..store.db import default_url, make_engine
from ..work.audit import Actor, AuditLog
from .app import Failure, app, console, errors

db = typer.Typer(help="数据库：结构版本（迁移）的状态与升级。", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(db, name="db")

KEY_TABLES = (("towns", "镇街"), ("list_versions", "清单版本"), ("items", "事项"), ("users", "账号"),
              ("reviews", "准入审查"), ("tickets", "工单"), ("audit_log", "审计记录"))


def _url(ctx: typer.Context) -> str:
    return (ctx.obj or {}).get("database") or default_url()


def _shown(url: str) -> str:
    engine = make_engine(url)
    try:
        return engine.url.render_as_string(hide_password=True)
    finally:
        engine.dispose()


@contextmanager
def _progress() -> Iterator[backups.Progress]:
    """Progress on standard error (a bar on a terminal), in the words the backup module reports."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=errors,
                  transient=True) as bar:
        task = bar.add_task("准备", total=None)

        def report(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total or None)

        yield report


def _summary(counts: dict[str, int]) -> str:
    known = [f"{label} {counts[name]}" for name, label in KEY_TABLES if name in counts]
    return f"{len(counts)} 张表、{sum(counts.values())} 行（" + "，".join(known) + "）"


@app.command("backup")
def backup_command(ctx: typer.Context, file: Path = typer.Argument(..., help="备份写入的文件"),
                   force: bool = typer.Option(False, "--force", help="文件已存在时覆盖它")) -> None:
    """备份整个数据库（服务运行时也可以做，得到同一时刻的一致副本）：SQLite 用在线备份，PostgreSQL 用 pg_dump -Fc。"""
    url = _url(ctx)
    console.print(f"正在备份 {_shown(url)} → {file}", highlight=False, soft_wrap=True)
    with _progress() as report:
        outcome = backups.backup(url, file, report, force)
    console.print(f"已备份到 {file}（{backups.KINDS[outcome.kind]}，{file.stat().st_size / 1024 / 1024:.1f} MB，"
                  f"结构版本 {outcome.revision}）：{_summary(outcome.tables)}", highlight=False, soft_wrap=True)


@app.command("restore")
def restore_command(ctx: typer.Context, file: Path = typer.Argument(..., help="lvzhi backup 写的备份文件"),
                    force: bool = typer.Option(False, "--force", help="目标数据库已有数据时，用备份替换其全部内容")) -> None:
    """从备份恢复数据库：检查备份文件的类型和完整性；目标已有数据时须加 --force；恢复后升级结构并校验审计日志。
    恢复前请先停止使用该数据库的服务。"""
    url = _url(ctx)
    console.print(f"正在从 {file} 恢复到 {_shown(url)}", highlight=False, soft_wrap=True)
    with _progress() as report:
        outcome = backups.restore(file, url, report, force)
    console.print(f"已恢复：{_summary(outcome.tables)}", highlight=False, soft_wrap=True)
    if outcome.revision_before != outcome.revision:
        console.print(f"数据库结构已从 {outcome.revision_before} 升级到 {outcome.revision}", highlight=False, soft_wrap=True)
    store = Store(url)
    try:
        chain = AuditLog(store).verify(Actor.command_line())
    finally:
        store.close()
    if not chain["ok"]:
        raise Failure(f"已恢复，但审计日志哈希链校验失败：{chain['problem']}（备份中的审计日志被改动过）")
    console.print(f"审计日志哈希链完整：共 {chain['count']} 条，最后一条的哈希 {chain['head']}", highlight=False, soft_wrap=True)


@db.command("status")
def status_command(ctx: typer.Context) -> None:
    """数据库地址、结构版本（当前与最新）、待执行的迁移和各表行数；只读，不做任何改动。"""
    url = _url(ctx)
    engine = make_engine(url)
    try:
        try:
            revision = backups.current_revision(engine)
            counts = backups.row_counts(engine)
        except Exception as exc:  # noqa: BLE001 - any driver error: the database cannot be read
            raise DatabaseError(f"无法读取数据库 {_shown(url)}：{exc}") from exc
        pending = backups.pending_migrations(revision)
    finally:
        engine.dispose()
    console.print(f"数据库：{_shown(url)}（{backups.TARGETS.get(engine.dialect.name, engine.dialect.name)}）",
                  highlight=False, soft_wrap=True)
    console.print(f"结构版本：{revision or '（空库，尚未建表）'}；本程序最新：{backups.head_revision()}", highlight=False, soft_wrap=True)
    if pending:
        console.print(f"待执行的迁移 {len(pending)} 个：" + "；".join(f"{r} {doc}".strip() for r, doc in pending),
                      highlight=False, soft_wrap=True)
        console.print("运行 lvzhi db upgrade 执行（lvzhi serve 和其他命令打开数据库时也会自动执行）", highlight=False, soft_wrap=True)
    else:
        console.print("结构已是最新，无待执行的迁移", highlight=False, soft_wrap=True)
    if counts:
        table = Table(title="各表行数")
        table.add_column("表")
        table.add_column("行数", justify="right")
        for name, rows in counts.items():
            table.add_row(name, str(rows))
        console.print(table)


@db.command("upgrade")
def upgrade_command(ctx: typer.Context) -> None:
    """执行待执行的数据库迁移（建表或升级到本程序的结构版本）。多台主机共用一个 PostgreSQL 时，升级 lvzhi 后先在一台上运行。"""
    url = _url(ctx)
    engine = make_engine(url)
    try:
        before, after, done = backups.upgrade(engine)
    finally:
        engine.dispose()
    if not done:
        console.print(f"{_shown(url)} 的结构已是最新（{after}），无需升级", highlight=False, soft_wrap=True)
        return
    for revision, doc in done:
        console.print(f"已执行迁移 {revision} {doc}".rstrip(), highlight=False, soft_wrap=True)
    console.print(f"数据库结构已从 {before or '（空库）'} 升级到 {after}", highlight=False, soft_wrap=True)
