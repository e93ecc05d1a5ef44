"""Commands for the town's organisation (`lvzhi org …`), its ledger (`lvzhi ledger …`) and assessment schemes
(`lvzhi indicators …`): the same services as the web, run with the administrator's rights of the command line."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..formats.files import atomic_write
from ..work.accounts import command_line_user
from ..work.services import Services
from .app import TOWN_HELP, Failure, app, console, open_catalog, town_of

org = typer.Typer(help="镇街机构分工：科室、人员、事项分工（模板导入导出、按类别、新版本承接）。", no_args_is_help=True,
                  rich_markup_mode=None)
ledger = typer.Typer(help="履职台账：查看、登记、导出。", no_args_is_help=True, rich_markup_mode=None)
indicators = typer.Typer(help="考核指标核查：导入区县考核方案，对照清单标出问题指标。", no_args_is_help=True,
                         rich_markup_mode=None)
app.add_typer(org, name="org")
app.add_typer(ledger, name="ledger")
app.add_typer(indicators, name="indicators")


def _services(ctx: typer.Context) -> tuple[Services, None]:
    return Services.over(open_catalog(ctx)), None


def _read(path: Path) -> bytes:
    if not path.exists():
        raise Failure(f"找不到文件 {path}")
    return path.read_bytes()


def _json(data) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


@org.command("office")
def org_office(ctx: typer.Context, name: str = typer.Argument(..., help="科室名称"),
               town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """新增科室。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    work.organisation.add_office(command_line_user(), town, name)
    console.print(f"{town}已新增科室 {name}", highlight=False)


@org.command("template")
def org_template(ctx: typer.Context, output: Path = typer.Option(..., "--output", help="输出的 .xlsx 文件"),
                 town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """导出分工模板（含已有分工和科室人员）。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    atomic_write(output, work.organisation.template(command_line_user(), town))
    console.print(f"已写出 {output}", highlight=False)


@org.command("import")
def org_import(ctx: typer.Context, path: Path = typer.Argument(..., help="填好的分工表 .xlsx"),
               town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """导入分工表：任何一行有误则逐行说明、什么也不写入。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    result = work.organisation.import_sheet(command_line_user(), town, _read(path), path.name)
    console.print(f"{town}：已导入 {result['assigned']} 个事项的分工；新增科室 {len(result['offices_added'])} 个、"
                  f"人员 {len(result['people_added'])} 人", highlight=False)


@org.command("assign")
def org_assign(ctx: typer.Context, lead: str = typer.Argument(..., help="牵头科室"),
               code: Optional[str] = typer.Option(None, "--code", help="一个事项编码"),
               list_kind: Optional[str] = typer.Option(None, "--list", help="按类别批量：basic、cooperative、reclaimed"),
               category: Optional[str] = typer.Option(None, "--category", help="按类别批量：类别名称"),
               co: list[str] = typer.Option([], "--co", help="配合科室（可多次给出）"),
               person: Optional[str] = typer.Option(None, "--person", help="责任人"),
               town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """分工：一个事项（--code），或一个类别中未分工的全部事项（--list --category）。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    if code:
        work.organisation.assign(command_line_user(), town, code, lead, co, person)
        console.print(f"{code.upper()} 已分给 {lead}", highlight=False)
    elif list_kind and category:
        result = work.organisation.assign_category(command_line_user(), town, list_kind, category, lead, co)
        console.print(f"{category}：{len(result['codes'])} 个事项已分给 {lead}（已分工的 {result['skipped']} 个未改）",
                      highlight=False)
    else:
        raise Failure("请给出 --code，或同时给出 --list 和 --category")


@org.command("unassigned")
def org_unassigned(ctx: typer.Context, town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """列出未分工的事项。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    items = work.organisation.unassigned(command_line_user(), town)
    table = Table("编码", "清单", "类别", "事项", title=f"{town}未分工的事项（{len(items)} 个）")
    for i in items:
        table.add_row(i["code"], i["list_name"], i["category"], i["title"])
    console.print(table)


@org.command("carry")
def org_carry(ctx: typer.Context, town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """新版本承接上一版本中内容未变的事项的分工，列出需要重新分工的事项。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    result = work.organisation.carry_over(command_line_user(), town)
    console.print(f"已承接 {len(result['carried'])} 个事项的分工；需要重新分工 {len(result['to_review'])} 个：",
                  highlight=False)
    for r in result["to_review"]:
        console.print(f"  {r['code']} {r['title']}（{r['why']}）", highlight=False)


@ledger.command("show")
def ledger_show(ctx: typer.Context, town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
                month: Optional[str] = typer.Option(None, "--month", help="月份，如 2026-03"),
                fmt: str = typer.Option("text", "--format", help="text 或 json")) -> None:
    """按科室和月份的台账统计。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    summary = work.ledger.summary(command_line_user(), town, month)
    if fmt == "json":
        _json(summary)
        return
    table = Table("科室", "月份", "涉及事项", "收到任务", "已完成", "逾期", title=f"{town}履职台账")
    for s in summary:
        table.add_row(s["office"], s["month"], str(s["items"]), str(s["received"]), str(s["done"]), str(s["overdue"]))
    console.print(table)


@ledger.command("add")
def ledger_add(ctx: typer.Context, code: str = typer.Argument(..., help="事项编码"),
               work_done: str = typer.Argument(..., help="办理情况"),
               result: str = typer.Option("", "--result", help="办理结果"),
               on: Optional[str] = typer.Option(None, "--date", help="日期（缺省为今天）"),
               done: bool = typer.Option(False, "--done", help="当天已完成"),
               attachment: list[str] = typer.Option([], "--attachment", help="附件名称（可多次给出）"),
               town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """手工登记一条台账。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    try:
        day = date.fromisoformat(on) if on else date.today()
    except ValueError:
        raise Failure("日期应写成 2026-03-01 的形式") from None
    entry = work.ledger.add(command_line_user(), town, code, day, work_done, result, day if done else None, None,
                            attachment)
    console.print(f"已登记台账 {entry['id']}（{entry['code']}，{entry['office'] or '未分工'}）", highlight=False)


@ledger.command("export")
def ledger_export(ctx: typer.Context, output: Path = typer.Option(..., "--output", help="输出的 .xlsx 文件"),
                  month: Optional[str] = typer.Option(None, "--month", help="月份，如 2026-03"),
                  town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """导出履职台账（Excel）。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    atomic_write(output, work.ledger.workbook(command_line_user(), town, month))
    console.print(f"已写出 {output}", highlight=False)


@indicators.command("import")
def indicators_import(ctx: typer.Context, path: Path = typer.Argument(..., help="考核方案 .xlsx"),
                      year: int = typer.Option(..., "--year", help="年度"),
                      name: str = typer.Option("", "--name", help="方案名称"),
                      town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """导入区县考核方案并对照清单核查。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    scheme = work.indicators.import_scheme(command_line_user(), town, year, _read(path), path.name, name)
    flags = "、".join(f"{n} {scheme['flags'].get(k, 0)} 条" for k, n in _flag_names().items())
    console.print(f"已导入考核方案 {scheme['id']}：{scheme['indicators']} 条指标；{flags}", highlight=False)


def _flag_names() -> dict[str, str]:
    from ..review.indicators import FLAGS
    return FLAGS


@indicators.command("report")
def indicators_report(ctx: typer.Context, scheme: int = typer.Argument(..., help="考核方案编号"),
                      department: Optional[str] = typer.Option(None, "--department", help="只看一个考核部门"),
                      output: Optional[Path] = typer.Option(None, "--output", help="写出 .xlsx"),
                      fmt: str = typer.Option("text", "--format", help="text 或 json")) -> None:
    """核查结果：有问题的指标（理由引用事项）和按考核部门的统计。"""
    work, _ = _services(ctx)
    user = command_line_user()
    if output:
        atomic_write(output, work.indicators.workbook(user, scheme))
        console.print(f"已写出 {output}", highlight=False)
        return
    report = work.indicators.report(user, scheme, department)
    if fmt == "json":
        _json(report)
        return
    table = Table("考核部门", "指标", "有问题", *report["flag_names"].values(), title=report["scheme"]["name"])
    for d in report["departments"]:
        table.add_row(d["department"], str(d["total"]), str(d["flagged"]),
                      *(str(d["flags"].get(k, 0)) for k in report["flag_names"]))
    console.print(table)
    for i in report["indicators"]:
        if i["flag"]:
            console.print(f"第 {i['row']} 行 [{i['flag_name']}] {i['department']}：{i['text']}\n  {i['flag_reason']}",
                          highlight=False, markup=False)
