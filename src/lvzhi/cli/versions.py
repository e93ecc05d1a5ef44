"""Commands on list versions: versions, diff, history."""
from __future__ import annotations

import json
import sys

import typer
from rich.table import Table

from ..diff import FIELD_NAMES, diff_datasets
from ..ingest import DEFAULT_TOWN
from ..model import LIST_SHORT_NAMES
from ..store.versions import dataset_of, find_version, in_force_from, item_history, versions_of
from .app import app, console, open_store


@app.command("versions")
def versions_command(ctx: typer.Context, town: str = typer.Option(DEFAULT_TOWN.name, "--town", help="镇街名称"),
                     fmt: str = typer.Option("text", "--format", help="text 或 json")) -> None:
    """列出一个镇街的全部清单版本（每次导入一个版本，已发布的版本不可修改）。"""
    store = open_store(ctx)
    with store.transaction() as session:
        rows = [{"id": v.id, "label": v.label, "effective_date": in_force_from(v).isoformat(),
                 "source_name": v.source_name, "sha256": v.sha256, "imported_at": v.imported_at.isoformat(),
                 "items": len(v.items), "unsure_items": v.codes_to_check()} for v in versions_of(session, town)]
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{town}的清单版本")
    for column in ("编号", "名称", "生效日期", "来源文件", "事项数", "待核对", "sha256"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["id"]), row["label"], row["effective_date"], row["source_name"], str(row["items"]),
                      "、".join(row["unsure_items"]) or "—", row["sha256"][:12])
    console.print(table)


def _value(value) -> str:
    if isinstance(value, list):
        return "\n".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "、".join(value.get("departments", [])) + "：" + "；".join(value.get("duties", value.get("methods", [])))
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return LIST_SHORT_NAMES.get(value, str(value)) if isinstance(value, str) else str(value)


@app.command("diff")
def diff_command(
    ctx: typer.Context,
    old: str = typer.Argument(..., help="旧版本的编号或名称"),
    new: str = typer.Argument(..., help="新版本的编号或名称"),
    town: str = typer.Option(DEFAULT_TOWN.name, "--town", help="镇街名称"),
    fmt: str = typer.Option("text", "--format", help="text 或 json"),
) -> None:
    """比较两个版本：新增、删除的事项，以及逐字段的改动（像一条变更记录）。"""
    store = open_store(ctx)
    with store.transaction() as session:
        before = dataset_of(session, find_version(session, town, old))
        after = dataset_of(session, find_version(session, town, new))
    diff = diff_datasets(before, after)
    if fmt == "json":
        sys.stdout.write(json.dumps(diff.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    console.print(f"[bold]{town}：“{diff.old_version}” → “{diff.new_version}”[/bold]", highlight=False)
    if diff.empty:
        console.print("两个版本的事项完全相同。")
        return
    console.print(f"新增 {len(diff.added)} 项、删除 {len(diff.removed)} 项、修改 {len(diff.changed)} 项", highlight=False)
    for item in diff.added:
        console.print(f"[green]+ {item.code} {item.title}[/green]（{LIST_SHORT_NAMES[item.list]}·{item.category}）",
                      highlight=False)
    for item in diff.removed:
        console.print(f"[red]- {item.code} {item.title}[/red]（{LIST_SHORT_NAMES[item.list]}·{item.category}）",
                      highlight=False)
    for change in diff.changed:
        table = Table(title=f"~ {change.code} {change.title[:40]}", show_lines=True, title_justify="left")
        for column in ("字段", "原为", "现为"):
            table.add_column(column)
        for f in change.fields:
            table.add_row(FIELD_NAMES.get(f.field, f.field), _value(f.before), _value(f.after))
        console.print(table)


@app.command("history")
def history_command(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="事项编码，如 C74"),
    town: str = typer.Option(DEFAULT_TOWN.name, "--town", help="镇街名称"),
    fmt: str = typer.Option("text", "--format", help="text 或 json"),
) -> None:
    """一个事项在各版本中的样子：哪一版出现、改动或删除。"""
    store = open_store(ctx)
    with store.transaction() as session:
        history = [(v.id, v.label, in_force_from(v).isoformat(), item) for v, item in item_history(session, town, code)]
    rows, previous = [], None
    for vid, label, since, item in history:
        data = item.to_dict() if item else None
        state = "无" if data is None else ("新增" if previous is None else ("修改" if data != previous else "未变"))
        rows.append({"version": vid, "label": label, "effective_date": since, "state": state, "item": data})
        previous = data
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{town} {code.upper()} 的历史")
    for column in ("版本", "名称", "生效日期", "状态", "事项名称"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["version"]), row["label"], row["effective_date"], row["state"],
                      row["item"]["title"] if row["item"] else "（该版本无此事项）")
    console.print(table)
