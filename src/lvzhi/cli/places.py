"""`lvzhi places show|set|import`: a town's places (城市建成区、乡道村道、园区…) and the words that put a request
there, kept by the list office; the same service as the portal, with the administrator's rights of the command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..work.accounts import command_line_user
from ..work.services import Services
from .app import TOWN_HELP, Failure, app, console, open_catalog, town_of

places = typer.Typer(help="地点用词：按地点划分职责的地点（城市建成区、乡道村道、园区…）及属于、不属于该地点的词。",
                     no_args_is_help=True, rich_markup_mode=None)
app.add_typer(places, name="places")


def _services(ctx: typer.Context) -> Services:
    return Services.over(open_catalog(ctx))



@places.command("show")
def show(ctx: typer.Context, town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
         fmt: str = typer.Option("text", "--format", help="text 或 json")) -> None:
    """列出镇街的地点、用词和它决定的事项。"""
    if fmt not in ("text", "json"):
        raise Failure(f"不支持的输出格式“{fmt}”，可选：text、json")
    work = _services(ctx)
    shown = work.places.show(town_of(work.lists, town))
    if fmt == "json":
        sys.stdout.write(json.dumps(shown, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{shown['town']}地点用词（{len(shown['places'])} 个地点）", show_lines=True)
    for column in ("地点", "决定事项", "属于该地点的词", "不属于该地点的词", "来源"):
        table.add_column(column, overflow="fold")
    for p in shown["places"]:
        table.add_row(p["name"], "、".join(p.get("items", [])), "、".join(p["says"]) or "—", "、".join(p["not"]) or "—",
                      p["kept_in"] + (f"（{p['updated_by']}）" if p["updated_by"] else ""))
    console.print(table)


@places.command("set")
def set_words(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="地点名称，如 城市建成区"),
    says: Optional[str] = typer.Option(None, "--says", help="属于该地点的词，整体替换（用顿号或逗号分隔）"),
    not_: Optional[str] = typer.Option(None, "--not", help="不属于该地点的词，整体替换（用顿号或逗号分隔）"),
    add: list[str] = typer.Option([], "--add", help="增加一个属于该地点的词（可重复）"),
    add_not: list[str] = typer.Option([], "--add-not", help="增加一个不属于该地点的词（可重复）"),
    remove: list[str] = typer.Option([], "--remove", help="删除一个词（可重复）"),
    town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
) -> None:
    """修改一个地点的用词：立即用于该镇的归属判定和派单，记入审计日志。"""
    if says is None and not_ is None and not (add or add_not or remove):
        raise Failure("请至少给出 --says、--not、--add、--add-not 或 --remove 之一")
    work = _services(ctx)
    town = town_of(work.lists, town)
    saved = work.places.set(command_line_user(), town, name, says, not_, add=add, remove=remove, add_not=add_not)
    console.print(f"已保存{town}“{saved['name']}”的用词（第 {saved['revision']} 版）：属于 {len(saved['says'])} 个，"
                  f"不属于 {len(saved['not'])} 个", highlight=False)


@places.command("import")
def import_file(ctx: typer.Context, file: Path = typer.Argument(..., help="地点文件（.yaml，格式同 places.yaml）"),
                town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """从 .yaml 文件导入地点用词：文件中列出的地点整体替换，未列出的不变；一次事务，记入审计日志。"""
    if not file.exists():
        raise Failure(f"找不到文件 {file}")
    work = _services(ctx)
    town = town_of(work.lists, town)
    saved = work.places.import_places(command_line_user(), town, file.read_bytes(), f"文件 {file}")
    console.print(f"已导入{town}的 {len(saved)} 个地点：{'、'.join(p['name'] for p in saved)}", highlight=False)
