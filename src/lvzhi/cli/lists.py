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
from ..ingest import read_list_file
from ..model import LIST_KINDS, LIST_TITLES
from ..work.audit import Actor
from ..work.publishing import confirm, publish
from .app import TOWN_HELP, Failure, app, console, open_catalog, open_store, town_of
from .browse import browse
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
    file: Path = typer.Argument(..., help="清单文件：官方 PDF 导出的文本、lvzhi 的 JSON 或 xlsx"),
    town: Optional[str] = typer.Option(None, "--town", help="镇街名称（文本文件不含镇街名，默认珞璜镇）"),
    district: Optional[str] = typer.Option(None, "--district", help="所属区县"),
    city: Optional[str] = typer.Option(None, "--city", help="所属市"),
    label: Optional[str] = typer.Option(None, "--label", help="版本名称"),
    effective: Optional[str] = typer.Option(None, "--effective-date", help="生效日期 YYYY-MM-DD"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只读取并检查文件，报告结果，不写入数据库"),
) -> None:
    """导入一个镇街的清单（一次导入为一个版本，全部成功或全部不写入）。"""
    effective_date = _parse_date(effective)
    dataset = read_list_file(file, town, district, city)
    counts = "、".join(f"{LIST_TITLES[k]} {len(dataset.items_of(k))} 项" for k in LIST_KINDS)
    if dry_run:
        console.print(f"已检查 {file.name}（{dataset.town.name}）：{counts}；未写入数据库。")
    else:
        result = publish(open_store(ctx), Actor.command_line(), dataset, source_name=file.name, label=label,
                         effective_date=effective_date)
        if result.created:
            console.print(f"已导入 {result.town}：{counts}（版本“{result.label}”）", highlight=False)
            console.print(_taking_effect(effective_date), highlight=False)
        else:
            console.print(f"{result.town} 已有内容相同的版本“{result.label}”，未重复导入。")
    if dataset.unsure:
        console.print(
            f"[yellow]请核对：[/yellow]{'、'.join(dataset.unsure)} 在分页处的若干要点，版面无法判定属于上级部门职责"
            "还是镇配合职责，已按措辞归入较可能的一栏。请对照原件核对（lvzhi show 编码）：有误的，改正导出的 JSON 或 xlsx "
            "后重新导入；无误的，运行 lvzhi confirm 编码 记录已核对。",
            highlight=False,
        )


def _taking_effect(effective: Optional[date]) -> str:
    if effective is None:
        return ("未给出生效日期（--effective-date）：按导入日起生效；若是该镇街的第一个版本，视为一直有效。"
                "生效日期可在导入时用 --effective-date 写明。")
    if effective > date.today():
        return f"该版本自 {effective.isoformat()} 起生效；在此之前仍按现行版本回答（待生效）。"
    return f"该版本自 {effective.isoformat()} 起生效。"


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
