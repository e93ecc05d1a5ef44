"""`lvzhi directory …`: the directory of bodies per district (单位名录) — list, set one body's public contact,
import and export a sheet. The same service as the portal and the API, with the command line's admin rights."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..formats.files import atomic_write
from ..work.accounts import command_line_user
from ..work.services import Services
from .app import Failure, app, console, open_catalog

directory = typer.Typer(help="单位名录：各单位（镇街、区级部门、企业和平台、12345 热线）对外的电话、地址、办公时间，"
                             "群众问“归谁管”时据此告诉他们怎么联系。", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(directory, name="directory")
DISTRICT_HELP = "区县；缺省为默认镇街所在的区县"


def _desk(ctx: typer.Context):
    return Services.over(open_catalog(ctx)).directory


@directory.command("list")
def directory_list(ctx: typer.Context, district: Optional[str] = typer.Option(None, "--district", help=DISTRICT_HELP),
                   fmt: str = typer.Option("text", "--format", help="text 或 json"),
                   only_listed: bool = typer.Option(False, "--listed", help="只列已登记联系方式的单位")) -> None:
    """列出区县内的单位及其联系方式（未登记的留空）。"""
    if fmt not in ("text", "json"):
        raise Failure(f"不支持的输出格式“{fmt}”，可选：text、json")
    listing = _desk(ctx).listing(command_line_user(), district)
    entries = [e for e in listing["entries"] if e["listed"] or not only_listed]
    if fmt == "json":
        console.print_json(json.dumps({**listing, "entries": entries}, ensure_ascii=False))
        return
    table = Table(title=f"{listing['district']}单位名录（{len(listing['entries'])} 个单位，{listing['listed']} 个已登记联系方式）")
    for column in ("单位", "类别", "电话", "地址", "办公时间", "网站", "备注"):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(e["name"], e["kind_name"], e["phone"] or "—", e["address"] or "—", e["hours"] or "—",
                      e["website"] or "—", e["note"])
    console.print(table)


@directory.command("set")
def directory_set(ctx: typer.Context, name: str = typer.Argument(..., help="单位名称（清单所印名称、全称或别称；12345 即热线）"),
                  district: Optional[str] = typer.Option(None, "--district", help=DISTRICT_HELP),
                  kind: Optional[str] = typer.Option(None, "--kind", help="类别：区级部门、镇街、企业、平台、热线、其他单位"),
                  phone: Optional[str] = typer.Option(None, "--phone", help="对外公开的电话，多个用、分隔"),
                  address: Optional[str] = typer.Option(None, "--address", help="办事大厅或办公地址"),
                  hours: Optional[str] = typer.Option(None, "--hours", help="办公时间"),
                  website: Optional[str] = typer.Option(None, "--website", help="网站（http:// 或 https:// 开头）"),
                  note: Optional[str] = typer.Option(None, "--note", help="备注"),
                  clear: bool = typer.Option(False, "--clear", help="清除该单位的全部联系方式")) -> None:
    """登记或修改一个单位的联系方式：只改给出的字段（给空字符串即清空该字段）；--clear 清除全部。"""
    desk = _desk(ctx)
    user = command_line_user()
    given = {"phone": phone, "address": address, "hours": hours, "website": website, "note": note}
    if clear:
        if any(v is not None for v in given.values()):
            raise Failure("--clear 不能与 --phone、--address 等同时使用")
        saved = desk.clear(user, district, name)
        console.print(f"已清除{saved['name']}的联系方式", highlight=False)
        return
    if all(v is None for v in given.values()) and kind is None:
        raise Failure("请至少给出一项：--phone、--address、--hours、--website、--note（或 --clear 清除）")
    current = desk.entry(user, district, name)
    contact = {f: (v if v is not None else current.get(f, "")) for f, v in given.items()}
    saved = desk.set(user, district, name, contact, kind)
    shown = "；".join(f"{label}：{saved[f]}" for f, label in (("phone", "电话"), ("address", "地址"), ("hours", "办公时间"),
                                                             ("website", "网站"), ("note", "备注")) if saved[f])
    console.print(f"已保存{saved['name']}（{saved['kind_name']}）：{shown or '（无联系方式）'}", highlight=False)


@directory.command("import")
def directory_import(ctx: typer.Context, path: Path = typer.Argument(..., help="单位名录 .xlsx 或 .csv（UTF-8 或 GBK）"),
                     district: Optional[str] = typer.Option(None, "--district", help=DISTRICT_HELP)) -> None:
    """导入填好的单位名录：列名 单位、类别、电话、地址、办公时间、网站、备注；任何一行有误时一行也不导入。"""
    if not path.exists():
        raise Failure(f"找不到文件 {path}")
    result = _desk(ctx).import_file(command_line_user(), district, path.read_bytes(), path.name)
    changed = "、".join(result["changed"]) or "无"
    console.print(f"{result['district']}：导入 {result['rows']} 行，{len(result['changed'])} 个单位有变化（{changed}），"
                  f"{result['unchanged']} 个不变", highlight=False)


@directory.command("export")
def directory_export(ctx: typer.Context, output: Path = typer.Option(..., "--output", help="输出的 .xlsx 或 .csv 文件"),
                     district: Optional[str] = typer.Option(None, "--district", help=DISTRICT_HELP)) -> None:
    """导出单位名录（可填好后再导入）。"""
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "csv"):
        raise Failure(f"{output.name}：输出只支持 .xlsx 和 .csv 文件")
    atomic_write(output, _desk(ctx).export(command_line_user(), district, fmt))
    console.print(f"已写出 {output}", highlight=False)
