"""Commands that look across the lists: search and the department view."""
from __future__ import annotations

import json
import sys
from typing import Optional

import typer
from rich.table import Table

from ..model import LIST_KINDS, LIST_SHORT_NAMES
from .app import Failure, app, console, open_catalog

LIST_OPTION_HELP = "只看一张清单：basic（基本）、cooperative（配合）、reclaimed（收回）"


@app.command("search")
def search_command(
    ctx: typer.Context,
    query: str = typer.Argument(..., help="关键词，如 低保、违建、托育"),
    kind: Optional[str] = typer.Option(None, "--list", help=LIST_OPTION_HELP),
    category: Optional[str] = typer.Option(None, "--category", help="类别，如 民生服务"),
    department: Optional[str] = typer.Option(None, "--department", help="部门（简称、全称或别称均可）"),
    town: Optional[str] = typer.Option(None, "--town", help="镇街名称"),
    limit: int = typer.Option(20, "--limit", min=1, max=500, help="最多列出的条数"),
    fmt: str = typer.Option("text", "--format", help="text 或 json"),
) -> None:
    """在所有镇街的清单中检索事项名称、职责、工作方式和部门；给出按清单、类别、部门、镇街的分面计数。"""
    if kind and kind not in LIST_KINDS:
        raise Failure(f"不认识的清单“{kind}”，可选：{'、'.join(LIST_KINDS)}")
    if not query.strip():
        raise Failure("请输入关键词")
    lists = open_catalog(ctx)
    if department:
        department = lists.department_name(department)
    result = lists.search_engine().search(query, kind, category, department, town, limit)
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"“{query}”：共 {result.total} 项" + (f"（列出前 {len(result.hits)} 项）" if result.total > len(result.hits) else ""))
    for column in ("镇街", "编码", "清单", "类别", "事项名称", "得分"):
        table.add_column(column)
    for hit in result.hits:
        table.add_row(hit.town, hit.item.code, LIST_SHORT_NAMES[hit.item.list], hit.item.category,
                      hit.item.title[:60], f"{hit.score:.1f}")
    console.print(table)
    for facet, title in (("list", "清单"), ("category", "类别"), ("department", "部门"), ("town", "镇街")):
        counts = result.facets.get(facet, {})
        if counts:
            shown = "、".join(f"{LIST_SHORT_NAMES.get(k, k)} {n}" for k, n in list(counts.items())[:12])
            console.print(f"[bold]{title}：[/bold]{shown}", highlight=False)


@app.command("department")
def department_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="部门名称，如 区应急管理局、区人社局"),
    fmt: str = typer.Option("text", "--format", help="text 或 json"),
) -> None:
    """部门视图：一个部门在各镇街牵头的配合事项（含镇配合职责）和收回的事项（含工作方式），按镇街、清单计数。"""
    view = open_catalog(ctx).department(name)
    if fmt == "json":
        sys.stdout.write(json.dumps(view.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    header = view.name + (f"（{view.full_name}）" if view.full_name else "")
    console.print(f"[bold]{header}[/bold]：牵头配合事项 {len(view.cooperative)} 项，收回事项 {len(view.reclaimed)} 项",
                  highlight=False)
    counts = Table(title="按镇街计数")
    for column in ("镇街", "配合（部门牵头）", "收回（部门承接）"):
        counts.add_column(column)
    for town, c in view.counts().items():
        counts.add_row(town, str(c["cooperative"]), str(c["reclaimed"]))
    console.print(counts)
    if view.cooperative:
        table = Table(title="配合履职事项：部门牵头，镇只做所列部分", show_lines=True)
        for column in ("镇街", "编码", "事项", "部门职责", "镇配合职责"):
            table.add_column(column)
        for e in view.cooperative:
            table.add_row(e.town, e.item.code, e.item.title, "\n".join(e.department_duties) or "（见事项）",
                          "\n".join(e.item.town_duties))
        console.print(table)
    if view.reclaimed:
        table = Table(title="上级部门收回事项：不得再交由镇承担", show_lines=False)
        for column in ("镇街", "编码", "事项", "工作方式"):
            table.add_column(column)
        for e in view.reclaimed:
            table.add_row(e.town, e.item.code, e.item.title[:50], "；".join(e.methods)[:80])
        console.print(table)
