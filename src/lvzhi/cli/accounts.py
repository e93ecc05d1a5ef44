"""Commands for accounts (`lvzhi user …`), the pre-check of a pushed task (`lvzhi review`) and the audit log."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..clock import beijing_text
from ..work import accounts
from ..work.audit import Actor, entries, entry_dict
from ..review import propose
from ..review.kinds import DECISION_MEANINGS
from .app import TOWN_HELP, Failure, app, console, open_catalog, open_store, town_of

users = typer.Typer(help="账号：新增、列出、停用、启用、改角色、改密码、发放 API 令牌。", no_args_is_help=True,
                    rich_markup_mode=None)
app.add_typer(users, name="user")


def _run(ctx: typer.Context, work):
    store = open_store(ctx)
    try:
        return store.run(work)
    except accounts.InvalidInput as exc:
        raise Failure(str(exc)) from None


def _password(given: Optional[str]) -> str:
    if given:
        return given
    first = typer.prompt("密码", hide_input=True)
    if typer.prompt("再输一次", hide_input=True) != first:
        raise Failure("两次输入的密码不一致")
    return first


@users.command("add")
def user_add(ctx: typer.Context, username: str = typer.Argument(..., help="用户名"),
             role: str = typer.Option(..., "--role", help="admin（管理员）、town（镇街）、department（部门）、dispatcher（派单员）"),
             town: Optional[str] = typer.Option(None, "--town", help="镇街工作人员绑定的镇街"),
             department: Optional[str] = typer.Option(None, "--department", help="部门工作人员绑定的部门"),
             name: str = typer.Option("", "--name", help="姓名"),
             password: Optional[str] = typer.Option(None, "--password", help="初始密码（不给则提示输入）")) -> None:
    """新增账号。"""
    secret = _password(password)
    user = _run(ctx, lambda s: accounts.add_user(s, Actor.command_line(), username, secret, role, town, department, name))
    console.print(f"已新增账号 {user.username}：{user.label}", highlight=False)


@users.command("list")
def user_list(ctx: typer.Context, fmt: str = typer.Option("text", "--format", help="text 或 json")) -> None:
    """列出全部账号。"""
    people = _run(ctx, accounts.list_users)
    if fmt == "json":
        sys.stdout.write(json.dumps([p.to_dict() for p in people], ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="账号")
    for column in ("用户名", "姓名", "角色", "镇街或部门", "状态"):
        table.add_column(column)
    for p in people:
        table.add_row(p.username, p.display_name, p.role_name, p.town or p.department or "", "启用" if p.active else "已停用")
    console.print(table)


@users.command("disable")
def user_disable(ctx: typer.Context, username: str) -> None:
    """停用账号（同时退出其全部登录；API 令牌随之失效）。"""
    _run(ctx, lambda s: accounts.set_active(s, Actor.command_line(), username, False))
    console.print(f"已停用 {username}")


@users.command("enable")
def user_enable(ctx: typer.Context, username: str) -> None:
    """重新启用账号。"""
    _run(ctx, lambda s: accounts.set_active(s, Actor.command_line(), username, True))
    console.print(f"已启用 {username}")


@users.command("set-role")
def user_set_role(ctx: typer.Context, username: str, role: str = typer.Argument(..., help="admin、town、department 或 dispatcher"),
                  town: Optional[str] = typer.Option(None, "--town"),
                  department: Optional[str] = typer.Option(None, "--department")) -> None:
    """修改角色及绑定的镇街或部门。"""
    user = _run(ctx, lambda s: accounts.set_role(s, Actor.command_line(), username, role, town, department))
    console.print(f"{username} 现为 {user.label}", highlight=False)


@users.command("password")
def user_password(ctx: typer.Context, username: str,
                  password: Optional[str] = typer.Option(None, "--password", help="新密码（不给则提示输入）")) -> None:
    """修改密码（其全部登录随之退出）。"""
    secret = _password(password)
    _run(ctx, lambda s: accounts.set_password(s, Actor.command_line(), username, secret))
    console.print(f"已修改 {username} 的密码")


@users.command("token")
def user_token(ctx: typer.Context, username: str, name: str = typer.Option("api", "--name", help="令牌用途"),
               days: int = typer.Option(accounts.DEFAULT_TOKEN_DAYS, "--days", min=0, max=3650,
                                        help="有效天数（0 表示永不过期）")) -> None:
    """为账号发放 API 令牌（只显示这一次）。"""
    token = _run(ctx, lambda s: accounts.issue_token(s, Actor.command_line(), username, name, days or None))
    console.print(f"{username} 的 API 令牌（请妥善保存，不会再显示）：", highlight=False)
    sys.stdout.write(token + "\n")


@users.command("token-list")
def user_token_list(ctx: typer.Context, username: Optional[str] = typer.Argument(None, help="只列此账号的令牌"),
                    fmt: str = typer.Option("text", "--format", help="text 或 json")) -> None:
    """列出 API 令牌：编号、账号、用途、发放、最后使用、到期、状态（令牌本身不再显示）。"""
    tokens = _run(ctx, lambda s: accounts.list_tokens(s, username))
    if fmt == "json":
        sys.stdout.write(json.dumps(tokens, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="API 令牌")
    for column in ("编号", "账号", "用途", "发放", "最后使用", "到期", "状态"):
        table.add_column(column)
    for t in tokens:
        table.add_row(str(t["id"]), t["username"], t["name"], beijing_text(t["created_at"]),
                      beijing_text(t["last_used_at"]) or "从未", beijing_text(t["expires_at"]) or "永不", t["state_name"])
    console.print(table)


@users.command("token-revoke")
def user_token_revoke(ctx: typer.Context, token_id: Optional[int] = typer.Argument(None, help="令牌编号（见 token-list）"),
                      all_of: Optional[str] = typer.Option(None, "--all", help="吊销此账号的全部令牌")) -> None:
    """吊销一个 API 令牌，或用 --all 账号 吊销某账号的全部令牌。"""
    if (token_id is None) == (all_of is None):
        raise Failure("请给出一个令牌编号，或用 --all 指定账号")
    if all_of is not None:
        count = _run(ctx, lambda s: accounts.revoke_tokens(s, Actor.command_line(), all_of))
        console.print(f"已吊销 {all_of} 的 {count} 个令牌", highlight=False)
        return
    token = _run(ctx, lambda s: accounts.revoke_token(s, Actor.command_line(), token_id))
    console.print(f"已吊销令牌 {token['id']}（{token['username']} · {token['name']}）", highlight=False)


@app.command("review")
def review_command(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="交给镇街的任务或通知的文字"),
    issuing: str = typer.Option(..., "--from", help="交办部门，如 区卫生健康委"),
    town: Optional[str] = typer.Option(None, "--town", help=TOWN_HELP),
    fmt: str = typer.Option("text", "--format", help="text 或 json"),
) -> None:
    """准入预审：按清单给出建议的决定（准入 / 配合准入 / 退回 / 不再开展 / 清单外）和引用的事项。不作记录。"""
    if not text.strip():
        raise Failure("任务内容不能为空")
    lists = open_catalog(ctx)
    town = town_of(lists, town)
    with lists.store.transaction() as session:
        department = accounts.canonical_department(session, issuing)
    proposal = propose(lists.resolver(town), text)
    data = {"town": town, "issuing_department": department, "list_version": lists.version(town).label,
            **proposal.to_dict()}
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    console.print(f"建议决定：[bold]{proposal.name}[/bold]——{DECISION_MEANINGS[proposal.kind]}")
    for cited in proposal.cited():
        console.print(f"引用事项：{cited['code']} {cited['title']}", highlight=False)
    if proposal.answer.lead:
        console.print(f"牵头/承接：{proposal.answer.lead}", highlight=False)
    item = proposal.answer.item
    if item is not None and item.list == "cooperative":
        console.print("镇配合职责（镇只承担这些）：")
        for n, duty in enumerate(item.town_duties, 1):
            console.print(f"  {n}. {duty}", highlight=False)
    for n, method in enumerate(proposal.answer.handler_methods, 1):
        console.print(f"  {n}. {method}", highlight=False)
    for note in proposal.notes:
        console.print(f"[yellow]提示：[/yellow]{note}", highlight=False)
    console.print(f"理由：{proposal.answer.explanation}", highlight=False)


@app.command("audit")
def audit_command(ctx: typer.Context, fmt: str = typer.Option("text", "--format", help="text、json、csv 或 xlsx"),
                  output: Optional[Path] = typer.Option(None, "--output", help="csv 或 xlsx 写入的文件"),
                  limit: int = typer.Option(50, "--limit", min=1, help="text/json 时列出的条数"),
                  verify: bool = typer.Option(False, "--verify", help="重算哈希链，检查记录是否被改动、删除或插入")) -> None:
    """查看或导出审计日志（只增不改）。"""
    store = open_store(ctx)
    if verify:
        from ..work.audit import AuditLog

        report = AuditLog(store).verify(Actor.command_line())
        if fmt == "json":
            sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        if not report["ok"]:
            raise Failure(f"审计日志哈希链校验失败：{report['problem']}（已校验 {report['count']} 条）")
        if fmt != "json":
            console.print(f"审计日志哈希链完整：共 {report['count']} 条，最后一条的哈希 {report['head']}", highlight=False)
            console.print("（请把条数和最后哈希另行记下：只有对照它，才能发现末尾记录被删除）", highlight=False)
        return
    if fmt in ("csv", "xlsx"):
        from ..formats.reports import audit_table
        from ..formats.sheets import write_table
        from ..work.audit import AuditLog

        if output is None:
            raise Failure("导出 csv 或 xlsx 时请用 --output 指定文件")
        if output.suffix.lower() != f".{fmt}":
            raise Failure(f"--format {fmt} 的输出文件应以 .{fmt} 结尾：{output}")
        counted = [0]

        def counting(rows):
            for row in rows:
                counted[0] += 1
                yield row
        write_table(output, audit_table(counting(AuditLog(store).everything(Actor.command_line()))))
        console.print(f"已导出 {counted[0]} 条审计记录到 {output}")
        return
    with store.transaction() as session:
        _, rows = entries(session, limit)
        data = [entry_dict(r) for r in rows]
    if fmt == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table(title="审计日志（新的在前）")
    for column in ("时间（北京时间）", "操作人", "操作", "对象", "改动"):
        table.add_column(column)
    for e in data:
        table.add_row(beijing_text(e["at"]), e["actor"], e["action_name"], f"{e['object_name']} {e['object_id']}",
                      e["changes_text"])
    console.print(table)
