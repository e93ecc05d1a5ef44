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
from ..work.organisation import NOBODY
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


@org.command("offices")
def org_offices(ctx: typer.Context, town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
                fmt: str = typer.Option("text", "--format", help="text 或 json")) -> None:
    """列出科室和人员，及各自牵头、配合、负责的事项数。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    offices = work.organisation.offices(command_line_user(), town)
    if fmt == "json":
        _json(offices)
        return
    table = Table("科室", "牵头事项", "配合事项", "人员（责任事项数）", title=f"{town}的科室与人员")
    for o in offices:
        table.add_row(o["name"], str(o["items"]), str(o["co_items"]),
                      "、".join(f"{p['name']}（{p['items']}）" for p in o["staff"]))
    console.print(table)


@org.command("staff")
def org_staff(ctx: typer.Context, name: str = typer.Argument(..., help="姓名"),
              office: str = typer.Option(..., "--office", help="所在科室"),
              post: str = typer.Option("", "--post", help="职务"),
              town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """新增人员。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    work.organisation.add_staff(command_line_user(), town, office, name, post)
    console.print(f"{town}已新增人员 {name}（{office}）", highlight=False)


@org.command("rename")
def org_rename(ctx: typer.Context, old: str = typer.Argument(..., help="科室现名"),
               new: str = typer.Argument(..., help="新名称"),
               town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """科室改名（分工、台账和历史随之显示新名）。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    desk = work.organisation
    desk.rename_office(command_line_user(), town, desk.office_id(town, old), new)
    console.print(f"{town}：科室 {old} 已改名为 {new}", highlight=False)


@org.command("remove-office")
def org_remove_office(ctx: typer.Context, name: str = typer.Argument(..., help="要撤销的科室"),
                      move_to: Optional[str] = typer.Option(None, "--move-to", help="接手其事项、人员和未办结台账的科室"),
                      town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """撤销科室：仍有事项或人员的须用 --move-to 指定接手的科室，否则列出事项、不予撤销。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    desk = work.organisation
    result = desk.remove_office(command_line_user(), town, desk.office_id(town, name), move_to)
    kept = "（历史记录中保留名称）" if result["outcome"] == "deactivated" else ""
    console.print(f"{town}已撤销科室 {name}{kept}", highlight=False)
    if result["moved_to"]:
        console.print(f"  交给 {result['moved_to']}：牵头事项 {len(result['lead_moved'])} 个、配合事项 "
                      f"{len(result['co_moved'])} 个、人员 {len(result['staff_moved'])} 名、未办结台账 "
                      f"{result['open_entries_moved']} 条", highlight=False)


@org.command("edit-staff")
def org_edit_staff(ctx: typer.Context, person: str = typer.Argument(..., help="人员现姓名"),
                   name: Optional[str] = typer.Option(None, "--name", help="新姓名"),
                   office: Optional[str] = typer.Option(None, "--office", help="调到的科室"),
                   post: Optional[str] = typer.Option(None, "--post", help="职务"),
                   town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """修改人员的姓名、科室或职务。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    desk = work.organisation
    result = desk.edit_staff(command_line_user(), town, desk.staff_id(town, person), name, office, post)
    console.print(f"已保存：{result['name']}（{result['office']}{'，' + result['post'] if result['post'] else ''}）"
                  if result["changed"] else "没有改动", highlight=False)


@org.command("remove-staff")
def org_remove_staff(ctx: typer.Context, person: str = typer.Argument(..., help="要移除的人员"),
                     replace_with: Optional[str] = typer.Option(
                         None, "--replace-with", help=f"接替其责任事项的人员；“{NOBODY}”表示这些事项不再设责任人"),
                     town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """移除人员：是事项责任人的须用 --replace-with 指定接替的人员，否则列出事项、不予移除。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    desk = work.organisation
    result = desk.remove_staff(command_line_user(), town, desk.staff_id(town, person), replace_with)
    console.print(f"{town}已移除人员 {person}" + (f"，{len(result['items'])} 个事项改由"
                                                 f"{result['replaced_by'] or NOBODY}负责" if result["items"] else ""),
                  highlight=False)


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


@ledger.command("list")
def ledger_list(ctx: typer.Context, town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
                code: Optional[str] = typer.Option(None, "--code", help="事项编码"),
                month: Optional[str] = typer.Option(None, "--month", help="月份，如 2026-03"),
                state: Optional[str] = typer.Option(None, "--state", help="open 办理中、overdue 逾期未完成、done 已完成、late 逾期完成"),
                fmt: str = typer.Option("text", "--format", help="text 或 json")) -> None:
    """台账记录（带编号，办结时用）。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    entries = work.ledger.entries(command_line_user(), town, code, month, None, state)
    if fmt == "json":
        _json(entries)
        return
    table = Table("编号", "事项", "科室", "来源", "收到", "期限", "完成", "办理情况", "状态", title=f"{town}台账记录（{len(entries)} 条）")
    for e in entries:
        table.add_row(str(e["id"]), e["code"], e["office"] or "（未分工）", e["source_name"], e["received_on"],
                      e["due_on"] or "", e["done_on"] or "", e["work"][:40], e["state_name"])
    console.print(table)


@ledger.command("finish")
def ledger_finish(ctx: typer.Context, entry: int = typer.Argument(..., help="台账记录编号（lvzhi ledger list）"),
                  result: str = typer.Option(..., "--result", help="办理结果"),
                  on: Optional[str] = typer.Option(None, "--date", help="完成日期（缺省为今天）"),
                  attachment: list[str] = typer.Option([], "--attachment", help="附件名称（可多次给出）"),
                  town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP)) -> None:
    """办结一条台账记录：完成日期和办理结果。"""
    work, _ = _services(ctx)
    town = town_of(work.lists, town)
    day = _date(on) or date.today()
    done = work.ledger.finish(command_line_user(), town, entry, day, result, attachment)
    console.print(f"台账记录 {entry}（{done['code']}）已于 {done['done_on']} 办结" + ("（逾期完成）" if done["late"] else ""),
                  highlight=False)


def _date(text: Optional[str]) -> Optional[date]:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Failure(f"日期“{text}”不对，应写成 2026-03-01 的形式") from None


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
    day = _date(on) or date.today()
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
        if department and d["department"] != department:
            continue
        table.add_row(d["department"], str(d["total"]), str(d["flagged"]),
                      *(str(d["flags"].get(k, 0)) for k in report["flag_names"]))
    console.print(table)
    for i in report["indicators"]:
        if i["flag"]:
            console.print(f"第 {i['row']} 行 [{i['flag_name']}] {i['department']}：{i['text']}\n  {i['flag_reason']}",
                          highlight=False, markup=False)


@indicators.command("opinion")
def indicators_opinion(ctx: typer.Context, scheme: int = typer.Argument(..., help="考核方案编号"),
                       output: Path = typer.Option(..., "--output", help="输出的 .docx 文件"),
                       department: Optional[str] = typer.Option(None, "--department", help="只写一个考核部门的指标")) -> None:
    """写出考核指标核查意见（Word，A4 公文版式）。"""
    work, _ = _services(ctx)
    atomic_write(output, work.indicators.opinion(command_line_user(), scheme, department).docx())
    console.print(f"已写出 {output}", highlight=False)
