"""Commands for 动态调整 (`lvzhi proposal …`): propose, submit, consult, give opinions, decide, publish, notice.

The command line acts with the administrator's rights, audited as the command line; `--as 用户名` acts as that
account instead (with its rights, audited under its name), so a town's or department's step can be recorded
on the server itself.
"""
from __future__ import annotations

import json
import sys
from datetime import date
from typing import Optional

import typer
from rich.table import Table

from ..lists.catalog import Catalog
from ..work import accounts
from ..work.proposals import REASONS, Draft, ProposalDesk, item_from_fields
from .app import Failure, app, console, open_catalog

proposals = typer.Typer(help="动态调整：提出、提交、会商、审定调整申请，发布新版本，查看公示。", no_args_is_help=True,
                        rich_markup_mode=None)
app.add_typer(proposals, name="proposal")

AS_HELP = "以该账号的身份和权限操作（缺省为命令行，具有管理员权限）"


def _desk(ctx: typer.Context) -> tuple[Catalog, ProposalDesk]:
    lists = open_catalog(ctx)
    return lists, ProposalDesk(lists.store)


def _user(lists: Catalog, username: Optional[str]) -> accounts.User:
    if not username:
        return accounts.command_line_user()
    with lists.store.transaction() as session:
        return accounts.find_user(session, username)


def _print(proposal: dict, fmt: str) -> None:
    if fmt == "json":
        sys.stdout.write(json.dumps(proposal, ensure_ascii=False, indent=2) + "\n")
        return
    code = proposal["code"] or "（新增，发布时编号）"
    scope = f"{proposal['scope']}（事项以{proposal['town']}为准）" if proposal["district"] else proposal["town"]
    console.print(f"调整申请 {proposal['id']}：{scope} {proposal['kind_name']} {code}"
                  f"“{proposal['title']}”——{proposal['state_name']}", highlight=False)
    console.print(f"  理由：{proposal['reason_kind_name']}。{proposal['reason']}", highlight=False)
    basis = " ".join(x for x in (proposal["basis_document"], proposal["basis_number"], proposal["basis_article"]) if x)
    if basis:
        console.print(f"  依据：{basis}", highlight=False)
    for o in proposal["opinions"]:
        said = "尚未答复" if o["given_at"] is None else ("同意" if o["agree"] else "不同意") + f"：{o['opinion']}"
        console.print(f"  会商 {o['department']}：{said}", highlight=False)
    if proposal["decided_at"]:
        console.print(f"  审定：{proposal['state_name'] if proposal['state'] != 'published' else '已批准'}"
                      f"（{proposal['decided_by']}）{proposal['decision_reason'] or ''}", highlight=False)
    if proposal["published_version"]:
        console.print(f"  已发布：{proposal['published_version']}，{proposal['effective_date']} 起生效，"
                      f"编码 {proposal['published_code']}", highlight=False)
    if proposal["district"]:
        for p in proposal["publications"]:
            went = f"未发布：{p['problem']}" if p["problem"] else f"已发布：{p['version']}，{p['code']}"
            console.print(f"  {p['town']}：{went}", highlight=False)


def _item(*fields) -> dict:
    try:
        return item_from_fields(*fields)
    except ValueError as exc:
        raise Failure(str(exc)) from None


def _print_towns(towns: list[dict]) -> None:
    for t in towns:
        what = f"{t['target_code'] or '（新增）'} {t['title'] or ''}".strip()
        console.print(f"  {t['town']}：" + (f"不适用——{t['problem']}" if t["problem"] else what), highlight=False)


FMT = typer.Option("text", "--format", help="text 或 json")
# The item's fields, the same for proposing and for editing a proposal (only those given are taken)
LIST_OPTION = typer.Option(None, "--list", help="所属清单：basic、cooperative、reclaimed")
CATEGORY_OPTION = typer.Option(None, "--category", help="类别")
TITLE_OPTION = typer.Option(None, "--title", help="事项名称")
DEPARTMENT_OPTION = typer.Option([], "--department", help="对应上级部门（配合事项，可多次给出）")
DEPARTMENT_DUTY_OPTION = typer.Option([], "--department-duty", help="上级部门职责：“部门：职责”，可多次给出")
TOWN_DUTY_OPTION = typer.Option([], "--town-duty", help="镇配合职责，可多次给出")
HANDLER_OPTION = typer.Option([], "--handler", help="承接部门及工作方式：“部门：工作方式”，可多次给出")


@proposals.command("add")
def proposal_add(
    ctx: typer.Context,
    kind: str = typer.Option(..., "--kind", help="add 新增、change 修改、remove 删除、move 调整所属清单"),
    town: str = typer.Option("", "--town", help="镇街（镇街账号缺省为本镇；全区调整时为据以确定事项编码的镇街）"),
    district: Optional[str] = typer.Option(None, "--district", help="区县：为该区县的全部镇街提出（管理员，或部门就本部门的事项）"),
    code: Optional[str] = typer.Option(None, "--code", help="要修改、删除或调整清单的事项编码，如 C74"),
    reason_kind: str = typer.Option(..., "--reason-kind", help="、".join(f"{k}（{v}）" for k, v in REASONS.items())),
    reason: str = typer.Option(..., "--reason", help="调整理由"),
    basis_document: str = typer.Option("", "--basis-document", help="依据文件名称"),
    basis_number: str = typer.Option("", "--basis-number", help="依据文号"),
    basis_article: str = typer.Option("", "--basis-article", help="依据条款"),
    kind_list: Optional[str] = LIST_OPTION, category: Optional[str] = CATEGORY_OPTION,
    title: Optional[str] = TITLE_OPTION, department: list[str] = DEPARTMENT_OPTION,
    department_duty: list[str] = DEPARTMENT_DUTY_OPTION, town_duty: list[str] = TOWN_DUTY_OPTION,
    handler: list[str] = HANDLER_OPTION,
    submit: bool = typer.Option(False, "--submit", help="存为草稿后立即提交"),
    who: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    fmt: str = FMT,
) -> None:
    """提出调整申请（存为草稿；--submit 同时提交）。新增时给出整个事项，修改和调整清单时只给出变化的字段。"""
    lists, desk = _desk(ctx)
    user = _user(lists, who)
    item = _item(kind_list, category, title, department, department_duty, town_duty, handler)
    proposal = desk.create(user, Draft(town, kind, reason_kind, reason, code, item, basis_document, basis_number,
                                       basis_article, district))
    if submit:
        proposal = desk.submit(user, proposal["id"])
    _print(proposal, fmt)


@proposals.command("edit")
def proposal_edit(
    ctx: typer.Context,
    proposal_id: int = typer.Argument(..., help="调整申请编号（只有草稿和已退回的申请可以修改）"),
    reason_kind: Optional[str] = typer.Option(None, "--reason-kind", help="、".join(f"{k}（{v}）" for k, v in REASONS.items())),
    reason: Optional[str] = typer.Option(None, "--reason", help="调整理由"),
    basis_document: Optional[str] = typer.Option(None, "--basis-document", help="依据文件名称"),
    basis_number: Optional[str] = typer.Option(None, "--basis-number", help="依据文号"),
    basis_article: Optional[str] = typer.Option(None, "--basis-article", help="依据条款"),
    kind_list: Optional[str] = LIST_OPTION, category: Optional[str] = CATEGORY_OPTION,
    title: Optional[str] = TITLE_OPTION, department: list[str] = DEPARTMENT_OPTION,
    department_duty: list[str] = DEPARTMENT_DUTY_OPTION, town_duty: list[str] = TOWN_DUTY_OPTION,
    handler: list[str] = HANDLER_OPTION,
    submit: bool = typer.Option(False, "--submit", help="修改后立即提交（已退回的申请即重新提交）"),
    who: Optional[str] = typer.Option(None, "--as", help=AS_HELP),
    fmt: str = FMT,
) -> None:
    """修改草稿或已退回的调整申请：只改给出的字段，其余不变（事项内容按字段合并）。"""
    lists, desk = _desk(ctx)
    user = _user(lists, who)
    item = _item(kind_list, category, title, department, department_duty, town_duty, handler)
    given = {"reason_kind": reason_kind, "reason": reason, "basis_document": basis_document,
             "basis_number": basis_number, "basis_article": basis_article}
    changes = {key: value for key, value in given.items() if value is not None}
    if item:
        changes["item"] = item
    if not changes and not submit:
        raise Failure("没有要修改的内容：请至少给出一个字段（如 --reason、--title、--town-duty）")
    proposal = desk.patch(user, proposal_id, changes) if changes else None
    if submit:
        proposal = desk.submit(user, proposal_id)
    _print(proposal, fmt)


@proposals.command("from-review")
def proposal_from_review(ctx: typer.Context,
                         review_ids: list[int] = typer.Argument(..., help="准入审查编号（同一部门反复交办的同一任务可给出多个）"),
                         who: Optional[str] = typer.Option(None, "--as", help=AS_HELP), fmt: str = FMT) -> None:
    """由经批准承接的清单外准入审查生成新增事项草稿（任务文字、交办部门和理由已填好，类别等待补充）；
    多项审查涉及同一区县的几个镇街时，生成该区县的全区调整申请。"""
    lists, desk = _desk(ctx)
    _print(desk.from_reviews(_user(lists, who), review_ids), fmt)


@proposals.command("submit")
def proposal_submit(ctx: typer.Context, proposal_id: int = typer.Argument(..., help="调整申请编号"),
                    who: Optional[str] = typer.Option(None, "--as", help=AS_HELP), fmt: str = FMT) -> None:
    """提交草稿。"""
    lists, desk = _desk(ctx)
    _print(desk.submit(_user(lists, who), proposal_id), fmt)


@proposals.command("consult")
def proposal_consult(ctx: typer.Context, proposal_id: int = typer.Argument(..., help="调整申请编号"),
                     who: Optional[str] = typer.Option(None, "--as", help=AS_HELP), fmt: str = FMT) -> None:
    """组织会商：向调整前后涉及的每个部门征求意见（管理员）。"""
    lists, desk = _desk(ctx)
    _print(desk.consult(_user(lists, who), proposal_id), fmt)


@proposals.command("opinion")
def proposal_opinion(ctx: typer.Context, proposal_id: int = typer.Argument(..., help="调整申请编号"),
                     agree: bool = typer.Option(..., "--agree/--disagree", help="同意或不同意"),
                     opinion: str = typer.Option(..., "--opinion", help="书面意见"),
                     who: str = typer.Option(..., "--as", help="被征求意见的部门账号"), fmt: str = FMT) -> None:
    """被征求意见的部门提出会商意见。"""
    lists, desk = _desk(ctx)
    _print(desk.opinion(_user(lists, who), proposal_id, agree, opinion), fmt)


@proposals.command("approve")
def proposal_approve(ctx: typer.Context, proposal_id: int = typer.Argument(..., help="调整申请编号"),
                     reason: str = typer.Option("", "--reason", help="审定理由（有部门不同意或未答复时必填）"),
                     who: Optional[str] = typer.Option(None, "--as", help=AS_HELP), fmt: str = FMT) -> None:
    """批准调整申请（管理员）。"""
    lists, desk = _desk(ctx)
    _print(desk.decide(_user(lists, who), proposal_id, True, reason), fmt)


@proposals.command("return")
def proposal_return(ctx: typer.Context, proposal_id: int = typer.Argument(..., help="调整申请编号"),
                    reason: str = typer.Option(..., "--reason", help="退回理由"),
                    who: Optional[str] = typer.Option(None, "--as", help=AS_HELP), fmt: str = FMT) -> None:
    """退回调整申请（管理员，须写明理由）。"""
    lists, desk = _desk(ctx)
    _print(desk.decide(_user(lists, who), proposal_id, False, reason), fmt)


@proposals.command("publish")
def proposal_publish(ctx: typer.Context, proposal_ids: list[int] = typer.Argument(..., help="已批准的调整申请编号"),
                     label: str = typer.Option(..., "--label", help="版本名称，如“2027年第一次动态调整”"),
                     effective_date: str = typer.Option(..., "--effective-date", help="生效日期 YYYY-MM-DD，今天或以后"),
                     who: Optional[str] = typer.Option(None, "--as", help=AS_HELP), fmt: str = FMT) -> None:
    """把已批准的调整申请发布为新版本（每个镇街一个版本：现有最新版本加上这些调整）。"""
    try:
        on = date.fromisoformat(effective_date)
    except ValueError:
        raise Failure(f"生效日期“{effective_date}”格式不对，应为 YYYY-MM-DD，例如 2027-01-01") from None
    lists, desk = _desk(ctx)
    published = desk.publish(_user(lists, who), proposal_ids, label, on)
    if fmt == "json":
        sys.stdout.write(json.dumps(published, ensure_ascii=False, indent=2) + "\n")
        return
    for r in published["versions"]:
        codes = "、".join(f"{p['code']}（申请 {p['id']}）" for p in r["proposals"])
        console.print(f"已发布{r['town']}“{r['label']}”（版本 {r['version_id']}，在“{r['from']}”基础上），"
                      f"{r['effective_date']} 起生效：{codes}", highlight=False)
    for miss in published["left_out"]:
        console.print(f"[yellow]未发布到{miss['town']}（调整申请 {miss['proposal']}）：{miss['problem']}[/yellow]",
                      highlight=False)


@proposals.command("list")
def proposal_list(ctx: typer.Context, state: Optional[str] = typer.Option(None, "--state", help="按状态筛选"),
                  town: Optional[str] = typer.Option(None, "--town", help="按镇街筛选"),
                  who: Optional[str] = typer.Option(None, "--as", help=AS_HELP), fmt: str = FMT) -> None:
    """列出调整申请。"""
    lists, desk = _desk(ctx)
    rows = desk.listing(_user(lists, who), state, town)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title=f"调整申请（{len(rows)} 项）")
    for column in ("编号", "镇街", "类型", "事项", "理由", "状态"):
        table.add_column(column)
    for p in rows:
        table.add_row(str(p["id"]), p["scope"], p["kind_name"], f"{p['code'] or ''} {p['title']}".strip(),
                      p["reason_kind_name"], p["state_name"])
    console.print(table)


@proposals.command("show")
def proposal_show(ctx: typer.Context, proposal_id: int = typer.Argument(..., help="调整申请编号"),
                  who: Optional[str] = typer.Option(None, "--as", help=AS_HELP), fmt: str = FMT) -> None:
    """显示一条调整申请：理由、依据、会商意见、审定和发布情况；全区调整另列各镇街能否适用（发布前为预览）。"""
    lists, desk = _desk(ctx)
    user = _user(lists, who)
    proposal = desk.one(user, proposal_id)
    if proposal["district"] and proposal["state"] != "published":
        proposal["towns"] = desk.coverage(user, proposal_id)
    _print(proposal, fmt)
    if fmt != "json" and proposal.get("towns"):
        console.print("  适用的镇街（按各镇街现有最新清单预览）：", highlight=False)
        _print_towns(proposal["towns"])


@proposals.command("notice")
def proposal_notice(ctx: typer.Context, town: Optional[str] = typer.Option(None, "--town", help="镇街"),
                    fmt: str = FMT) -> None:
    """动态调整公示：一个镇街已发布的调整（改了什么、为什么、依据、生效日期）。"""
    lists, desk = _desk(ctx)
    name = lists.town(town).name if town else lists.default_town()
    rows = desk.published(name)
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        console.print(f"{name}还没有发布过动态调整", highlight=False)
    for p in rows:
        _print(p, "text")

