"""`lvzhi import`: one file, a town's published files, or a district's folder; one version per town,
each in its own transaction, with a progress bar and a summary per town."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..ingest import IngestError
from ..ingest.batch import TownImport, expand, plan_import
from ..model import LIST_KINDS, LIST_TITLES
from ..registry import unregistered
from ..work.audit import Actor
from ..work.publishing import publish
from .app import Failure, console, errors, open_store

UNSURE_ADVICE = ("在分页处的若干要点，版面无法判定属于上级部门职责还是镇配合职责，已按措辞归入较可能的一栏；"
                 "或单元格内容未能完全按格式读出。请对照原件核对（lvzhi show 编码）：有误的，改正导出的 JSON 或 xlsx "
                 "后重新导入；无误的，运行 lvzhi confirm 编码 记录已核对。")


def run_import(ctx: typer.Context, files: list[Path], town: str | None, district: str | None, city: str | None,
               label: str | None, effective_date: date | None, dry_run: bool) -> None:
    paths = expand(files)
    many = len(paths) > 1
    if many:
        with Progress(TextColumn("读取文件"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      TextColumn("{task.description}"), console=console, transient=True) as progress:
            task = progress.add_task("", total=len(paths))
            plans = plan_import(paths, town, district, city, workers=min(4, os.cpu_count() or 1),
                                progress=lambda path: progress.update(task, advance=1, description=path.name))
    else:
        plans = plan_import(paths, town, district, city)
    if not many and len(plans) == 1 and plans[0].error is not None:
        raise plans[0].error
    store = None if dry_run else open_store(ctx)
    outcomes: list[str] = []
    for plan in plans:
        outcomes.append(_land(store, plan, label, effective_date))
    if many or len(plans) > 1:
        console.print(_summary(plans, outcomes))
    failed = [plan for plan in plans if plan.error is not None]
    for plan in failed:
        errors.print(f"[red]错误：[/red]{plan.error}", highlight=False)
    if failed:
        landed = len(plans) - len(failed)
        raise Failure(f"{len(failed)} 个镇街未导入（见上），其余 {landed} 个已{'检查' if dry_run else '导入'}")


def taking_effect(effective: date | None) -> str:
    if effective is None:
        return ("未给出生效日期（--effective-date）：按导入日起生效；若是该镇街的第一个版本，视为一直有效。"
                "生效日期可在导入时用 --effective-date 写明。")
    if effective > date.today():
        return f"该版本自 {effective.isoformat()} 起生效；在此之前仍按现行版本回答（待生效）。"
    return f"该版本自 {effective.isoformat()} 起生效。"


def _counts(plan: TownImport) -> str:
    assert plan.dataset is not None
    return "、".join(f"{LIST_TITLES[k]} {len(plan.dataset.items_of(k))} 项" for k in LIST_KINDS)


def _land(store, plan: TownImport, label: str | None, effective_date: date | None) -> str:
    """Writes one town's version in its own transaction; returns what happened, in a few words."""
    if plan.dataset is None:
        return "未导入"
    dataset = plan.dataset
    if store is None:
        console.print(f"已检查 {plan.source_name}（{dataset.town.name}）：{_counts(plan)}；未写入数据库。", highlight=False)
        outcome = "已检查"
    else:
        try:
            result = publish(store, Actor.command_line(), dataset, source_name=plan.source_name, label=label,
                             effective_date=effective_date)
        except IngestError as exc:
            plan.error = exc
            return "未导入"
        if result.created:
            console.print(f"已导入 {result.town}：{_counts(plan)}（版本“{result.label}”）", highlight=False)
            console.print(taking_effect(effective_date), highlight=False)
            outcome = "已导入"
        else:
            console.print(f"{result.town} 已有内容相同的版本“{result.label}”，未重复导入。", highlight=False)
            outcome = "未重复导入"
    unknown = unregistered(dataset.departments())
    if unknown:
        console.print(f"[yellow]未登记的部门名称：[/yellow]{dataset.town.name} 的 {'、'.join(unknown)} 不在部门登记"
                      "（src/lvzhi/registry/departments.yaml）中；同一部门的不同写法登记为别称后，各镇街的事项即归到同一部门。",
                      highlight=False)
    if dataset.unsure:
        console.print(f"[yellow]请核对：[/yellow]{dataset.town.name} 的 {'、'.join(dataset.unsure)} {UNSURE_ADVICE}",
                      highlight=False)
    return outcome


def _summary(plans: list[TownImport], outcomes: list[str]) -> Table:
    table = Table(title="导入结果")
    for column in ("镇街", "文件", "基本", "配合", "收回", "待核对", "结果"):
        table.add_column(column, overflow="fold")
    for plan, outcome in zip(plans, outcomes):
        if plan.dataset is not None and plan.error is None:
            counts = [str(len(plan.dataset.items_of(k))) for k in LIST_KINDS]
            table.add_row(plan.dataset.town.name, plan.source_name, *counts, str(len(plan.dataset.unsure)), outcome)
        else:
            table.add_row(plan.town, plan.source_name, "—", "—", "—", "—", f"[red]错误：{plan.error.problem if plan.error else ''}[/red]")
    return table
