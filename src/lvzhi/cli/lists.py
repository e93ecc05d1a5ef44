"""Commands on the lists themselves: browse, import, export, show, towns."""
from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..formats.lists import FORMATS, write
from ..model import LIST_KINDS
from ..work.audit import Actor
from ..work.publishing import confirm
from .app import TOWN_HELP, Failure, app, console, open_catalog, town_of
from .importing import run_import
from .browse import browse
from .importing import run_import
from .render import item_panel


@app.callback(invoke_without_command=True)
def main_callback(
    ctx: typer.Context,
    database: Optional[str] = typer.Option(None, "--database", help="数据库地址（SQLite 文件路径或 postgresql:// URL）；默认用环境变量 LVZHI_DATABASE_URL 或用户数据目录中的 SQLite 文件"),
) -> None:
    ctx.obj = {"database": database}
    if ctx.invoked_subcommand is None:
        browse_command(ctx, None)


@app.command("browse")
def browse_command(ctx: typer.Context, town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """在终端中浏览一个镇街的三张清单。"""
    lists = open_catalog(ctx)
    browse(lists.dataset(town_of(lists, town)), console)


@app.command("import")
def import_command(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(..., help="清单文件或文件夹：官方清单的 PDF、Word、xlsx、csv（可多个，如附件1、2、3），PDF 导出的文本，lvzhi 的 JSON 或 xlsx"),
    town: Optional[str] = typer.Option(None, "--town", help="镇街名称（标题中没有镇街名时指定；文本文件默认珞璜镇）"),
    district: Optional[str] = typer.Option(None, "--district", help="所属区县"),
    city: Optional[str] = typer.Option(None, "--city", help="所属市"),
    label: Optional[str] = typer.Option(None, "--label", help="版本名称"),
    effective: Optional[str] = typer.Option(None, "--effective-date", help="生效日期 YYYY-MM-DD"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只读取并检查文件，报告结果，不写入数据库"),
) -> None:
    """导入清单：每个镇街一个版本，各自全部成功或全部不写入。"""
    run_import(ctx, files, town, district, city, label, _parse_date(effective), dry_run)


def _parse_date(text: Optional[str], what: str = "生效日期") -> Optional[date]:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Failure(f"{what}“{text}”格式不对，应为 YYYY-MM-DD，例如 2025-01-01") from None


@app.command("confirm")
def confirm_command(
    ctx: typer.Context,
    codes: list[str] = typer.Argument(..., help="已对照原件核对无误的事项编码，如 C31 C44"),
    town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
) -> None:
    """记录现行版本中“待核对”的事项已对照清单原件核对无误（版本内容不变，核对记录另存）。"""
    lists = open_catalog(ctx)
    town = town_of(lists, town)
    confirmed = confirm(lists.store, Actor.command_line(), lists.version(town).id, codes)
    console.print(f"已记录 {town} 的 {'、'.join(confirmed)} 已核对，不再标为待核对。", highlight=False)


@app.command("export")
def export_command(
    ctx: typer.Context,
    fmt: str = typer.Option("json", "--format", help="json、csv 或 xlsx"),
    output: Path = typer.Option(..., "--output", "-o", help="输出文件"),
    town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
) -> None:
    """导出一个镇街现行版本的三张清单。"""
    if fmt not in FORMATS:
        raise Failure(f"不支持的导出格式“{fmt}”，可选：{'、'.join(FORMATS)}")
    lists = open_catalog(ctx)
    dataset = lists.dataset(town_of(lists, town))
    try:
        write(dataset, output, fmt)
    except OSError as exc:
        raise Failure(f"无法写入 {output}：{exc.strerror or exc}") from exc
    console.print(f"已导出 {dataset.town.name} 的 {len(dataset.items)} 个事项到 {output}")


@app.command("show")
def show_command(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="事项编码，如 B51、C74、R163"),
    town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
    fmt: str = typer.Option("text", "--format", help="text 或 json"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="按某日生效的版本回答，YYYY-MM-DD；缺省为今天"),
) -> None:
    """显示一个事项的全部内容（配合事项并列显示部门职责与镇配合职责）。"""
    lists = open_catalog(ctx)
    town = town_of(lists, town)
    item = lists.item(town, code.strip(), on=_parse_date(as_of, "日期"))
    if fmt == "json":
        sys.stdout.write(json.dumps(item.to_dict(), ensure_ascii=False, indent=2) + "\n")
    else:
        console.print(item_panel(item, town))


@app.command("towns")
def towns_command(ctx: typer.Context) -> None:
    """列出数据库中的镇街、现行版本（今天生效的）、待生效的版本及现行版本的事项数。"""
    lists = open_catalog(ctx)
    table = Table(title="镇街")
    for column in ("镇街", "区县", "现行版本", "待生效", "基本", "配合", "收回", "合计"):
        table.add_column(column)
    for town in lists.towns():
        current = town.current
        counts = lists.counts(town.name) if current else {}
        coming = "、".join(f"{v.label}（{v.in_force_from.isoformat()} 起）" for v in town.upcoming()) or "—"
        table.add_row(town.name, town.district, f"{current.label}（{current.since_text}）" if current else "（尚无生效版本）",
                      coming, *(str(counts.get(k, 0)) for k in LIST_KINDS), str(sum(counts.values())))
    console.print(table)
