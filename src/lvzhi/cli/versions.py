"""Commands on list versions: versions, diff, history."""
from __future__ import annotations

import json
import sys
from typing import Optional

import typer
from rich.table import Table

from ..lists.diff import FIELD_NAMES
from ..model import LIST_SHORT_NAMES
from ..work.proposals import ProposalDesk, with_reasons
from .app import TOWN_HELP, app, console, open_catalog, town_of


@app.command("versions")
def versions_command(ctx: typer.Context, town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
                     fmt: str = typer.Option("text", "--format", help="text 或 json")) -> None:
    """列出一个镇街的全部清单版本（每次导入一个版本，已发布的版本不可修改）及其状态：现行、待生效、已被取代。"""
    lists = open_catalog(ctx)
    info = lists.town(town_of(lists, town))
    rows = [{**v.to_dict(), "items": v.items, "state": info.state(v)} for v in info.versions]
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{info.name}的清单版本")
    for column in ("编号", "名称", "状态", "生效", "来源文件", "事项数", "待核对", "sha256"):
        table.add_column(column)
    for v, row in zip(info.versions, rows):
        table.add_row(str(v.id), v.label, row["state"], v.since_text, v.source_name, str(v.items),
                      "、".join(v.unsure) or "—", v.sha256[:12])
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


def _because(proposal: dict | None) -> str:
    """The proposal behind a change, as one line: its number, reason and basis."""
    if not proposal:
        return ""
    basis = " ".join(x for x in (proposal["basis_document"], proposal["basis_number"], proposal["basis_article"]) if x)
    return (f"\n    调整申请 {proposal['id']}（{proposal['kind_name']}）：{proposal['reason_kind_name']}，{proposal['reason']}"
            + (f"；依据：{basis}" if basis else ""))


@app.command("diff")
def diff_command(
    ctx: typer.Context,
    old: str = typer.Argument(..., help="旧版本的编号或名称"),
    new: str = typer.Argument(..., help="新版本的编号或名称"),
    town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
    fmt: str = typer.Option("text", "--format", help="text 或 json"),
) -> None:
    """比较两个版本：新增、删除的事项，以及逐字段的改动（像一条变更记录）；由动态调整发布的改动注明其调整申请、理由和依据。"""
    lists = open_catalog(ctx)
    town = town_of(lists, town)
    diff = lists.diff(town, old, new)
    why = ProposalDesk(lists.store).between(lists.town(town), lists.version(town, old).id, lists.version(town, new).id)
    if fmt == "json":
        sys.stdout.write(json.dumps(with_reasons(diff.to_dict(), why), ensure_ascii=False, indent=2) + "\n")
        return
    console.print(f"[bold]{town}：“{diff.old_version}” → “{diff.new_version}”[/bold]", highlight=False)
    if diff.empty:
        console.print("两个版本的事项完全相同。")
        return
    console.print(f"新增 {len(diff.added)} 项、删除 {len(diff.removed)} 项、修改 {len(diff.changed)} 项", highlight=False)
    for item in diff.added:
        console.print(f"[green]+ {item.code} {item.title}[/green]（{LIST_SHORT_NAMES[item.list]}·{item.category}）"
                      + _because(why.get(item.code)), highlight=False)
    for item in diff.removed:
        console.print(f"[red]- {item.code} {item.title}[/red]（{LIST_SHORT_NAMES[item.list]}·{item.category}）"
                      + _because(why.get(item.code)), highlight=False)
    for change in diff.changed:
        caption = _because(why.get(change.code))
        table = Table(title=f"~ {change.code} {change.title[:40]}{caption}", show_lines=True, title_justify="left")
        for column in ("字段", "原为", "现为"):
            table.add_column(column)
        for f in change.fields:
            table.add_row(FIELD_NAMES.get(f.field, f.field), _value(f.before), _value(f.after))
        console.print(table)


@app.command("history")
def history_command(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="事项编码，如 C74"),
    town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
    fmt: str = typer.Option("text", "--format", help="text 或 json"),
) -> None:
    """一个事项在各版本中的样子：哪一版出现、改动或删除。"""
    lists = open_catalog(ctx)
    town = town_of(lists, town)
    rows, previous = [], None
    for version, item in lists.history(town, code):
        data = item.to_dict() if item else None
        state = "无" if data is None else ("新增" if previous is None else ("修改" if data != previous else "未变"))
        rows.append({"version": version.id, "label": version.label, "effective_date": version.to_dict()["effective_date"],
                     "since": version.since_text, "state": state, "item": data})
        previous = data
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"{town} {code.upper()} 的历史")
    for column in ("版本", "名称", "生效日期", "状态", "事项名称"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["version"]), row["label"], row["since"], row["state"],
                      row["item"]["title"] if row["item"] else "（该版本无此事项）")
    console.print(table)
