"""`lvzhi dispatch`: route a file of hotline tickets by the lists."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from ..work.accounts import command_line_user
from ..dispatch.batch import route_texts
from ..work.ticket_import import import_tickets
from ..formats.tickets import TicketFileError, read_tickets, repeats, write_table
from ..vocab import VERDICT_LABELS
from .app import Failure, app, console, errors, open_catalog, town_of

# The columns the result adds, in Chinese (the file is for clerks); a script reads them by these names.
ADDED_COLUMNS = ["建议承办单位", "判定", "事项", "把握", "牵头单位", "说明", "错误"]


@app.command("dispatch")
def dispatch_command(
    ctx: typer.Context,
    input_file: Path = typer.Option(..., "--input", help="工单文件：.csv（UTF-8 或 GBK）或 .xlsx，至少有 id 和 text 两列"),
    output_file: Path = typer.Option(..., "--output", help="结果文件：.csv 或 .xlsx"),
    town: Optional[str] = typer.Option(None, "--town", help="工单文件没有镇街列时使用的镇街；缺省为默认镇街"),
) -> None:
    """批量派单建议：逐条判定工单归谁办（镇街、承接部门，清单外留空由派单员决定），写入结果文件。"""
    tickets = _read(input_file)
    catalog = open_catalog(ctx)
    town = town_of(catalog, town)
    lists = town_lists(catalog)
    repeated = repeats(tickets)
    for repeat in repeated.values():
        # a conflicting id gets no suggestion on any of its rows; an identical repeat is routed on its first row
        for row in repeat.rows if repeat.conflicting else repeat.rows[1:]:
            row.problem = (repeat.conflict("给出派单建议") if repeat.conflicting else
                           f"与第 {repeat.rows[0].line} 行重复（工单编号 {repeat.id}，诉求内容相同），建议见第 {repeat.rows[0].line} 行")
    usable = [row for row in tickets.rows if row.problem is None]
    resolvers = {name: lists(name)[0] for name in sorted({row.fields.get("town") or town for row in usable})}
    suggestions = {}
    with Progress(TextColumn("派单建议"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=errors, transient=True) as progress:
        task = progress.add_task("route", total=len(usable))
        for name, resolver in resolvers.items():
            rows = [row for row in usable if (row.fields.get("town") or town) == name]
            routed = route_texts(resolver, [row.fields["text"] for row in rows],
                                 progress=lambda n: progress.advance(task, n))
            suggestions.update((row.line, s) for row, s in zip(rows, routed))
    headers = [h for h in tickets.headers if h] + [c for c in ADDED_COLUMNS if c not in tickets.headers]
    out_rows = []
    for row in tickets.rows:
        kept = [row.values.get(h, "") for h in tickets.headers if h]
        s = suggestions.get(row.line)
        if s is None or s.error:
            # a row that could not be judged has no verdict, assignee or confidence: only its error
            out_rows.append(kept + ["", "", "", "", "", "", row.problem if s is None else s.error])
        else:
            out_rows.append(kept + [s.assignee, VERDICT_LABELS.get(s.verdict, ""), s.item, s.confidence, s.lead,
                                    s.explanation, s.error or ""])
    try:
        write_table(output_file, headers, out_rows)
    except TicketFileError as exc:
        raise Failure(str(exc)) from None
    problems = list(dict.fromkeys(row.problem for row in tickets.rows if row.problem))
    counts = {label: sum(1 for s in suggestions.values() if VERDICT_LABELS.get(s.verdict) == label)
              for label in VERDICT_LABELS.values()}
    console.print(f"已处理 {len(suggestions)} 条工单，写入 {output_file}："
                  + "，".join(f"{k} {v}" for k, v in counts.items() if v)
                  + "".join(f"，无法判断 {n}" for n in [sum(1 for s in suggestions.values() if s.error)] if n),
                  highlight=False)
    if tickets.skipped_empty:
        console.print(f"跳过空行 {tickets.skipped_empty} 行", highlight=False)
    for problem in problems[:20]:
        errors.print(f"[yellow]未处理：[/yellow]{problem}", highlight=False)
    if len(problems) > 20:
        errors.print(f"……另有 {len(problems) - 20} 行未处理，原因见结果文件的 error 列", highlight=False)


tickets_app = typer.Typer(help="诉求工单：从热线平台导出的文件导入派单队列。", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(tickets_app, name="tickets")


@tickets_app.command("import")
def tickets_import(
    ctx: typer.Context,
    input_file: Path = typer.Argument(..., help="工单文件：.csv（UTF-8 或 GBK）或 .xlsx，至少有 id 和 text 两列"),
    town: Optional[str] = typer.Option(None, "--town", help="文件没有镇街列时使用的镇街；缺省为默认镇街"),
    channel: str = typer.Option("12345", "--channel", help="文件没有渠道列时使用的渠道：12345、民呼我为、窗口、其他"),
) -> None:
    """把工单导入派单队列（待分派，附派单建议）。好的行一次写入，坏的行逐行说明；已导入过的编号跳过。"""
    tickets = _read(input_file)
    catalog = open_catalog(ctx)
    report = import_tickets(catalog.store, command_line_user(), tickets, town_of(catalog, town), town_lists(catalog),
                            channel)
    console.print(f"已导入 {len(report.created)} 条工单到派单队列"
                  + (f"，{len(report.already)} 条此前已导入、跳过" if report.already else "")
                  + (f"，跳过空行 {report.skipped_empty} 行" if report.skipped_empty else ""), highlight=False)
    for note in report.repeated:
        console.print(f"重复：{note}", highlight=False)
    for problem in report.problems[:20]:
        errors.print(f"[yellow]未导入：[/yellow]{problem}", highlight=False)
    if len(report.problems) > 20:
        errors.print(f"……另有 {len(report.problems) - 20} 行未导入", highlight=False)


def _read(path: Path):
    try:
        return read_tickets(path)
    except TicketFileError as exc:
        raise Failure(str(exc)) from None


def town_lists(catalog):
    """town → (resolver, version id, version label) of the lists in force today."""
    def lists(name: str):
        version = catalog.version(name)
        return catalog.resolver(name), version.id, version.label

    return lists
