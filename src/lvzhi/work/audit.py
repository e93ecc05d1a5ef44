"""The audit log: who did what, when, before and after, under which list version. Append-only."""
from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..store.paging import page
from ..errors import Forbidden
from ..store.auditchain import chain_head, hash_of, verify_chain
from ..store.schema import AuditRow

ACTIONS = {
    "review.submit": "提交准入审查", "review.decide": "作出审查决定", "review.approve": "审批清单外事项",
    "user.add": "新增账号", "user.disable": "停用账号", "user.enable": "启用账号", "user.role": "修改角色",
    "user.password": "修改密码", "token.add": "发放 API 令牌", "token.revoke": "吊销 API 令牌",
    "ticket.create": "登记工单", "ticket.dispatch": "派单", "ticket.accept": "签收工单", "ticket.resolve": "办结工单",
    "ticket.close": "关闭工单", "ticket.dispute": "申请退单", "ticket.reassign": "同意退单并改派",
    "ticket.dispute_rejected": "驳回退单申请",
    "lists.import": "导入清单版本", "lists.confirm": "核对待核对事项",
}


@dataclass(frozen=True)
class Actor:
    """Who acts: a logged-in user, or the command line run by an operating-system user."""

    name: str
    role: str

    @classmethod
    def command_line(cls) -> "Actor":
        try:
            who = getpass.getuser()
        except Exception:  # no login name in some containers
            who = "unknown"
        return cls(f"命令行:{who}", "system")


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def record(session: Session, actor: Actor, action: str, object_type: str, object_id: object,
           before: dict | None = None, after: dict | None = None, list_version: str | None = None) -> AuditRow:
    """Adds one entry in the caller's transaction, so it is written if and only if the change is."""
    session.flush()  # earlier entries of this transaction first, so the chain sees them
    last_id, last_hash = chain_head(session)
    row = AuditRow(id=last_id + 1, at=now(), actor=actor.name, actor_role=actor.role, action=action,
                   object_type=object_type, object_id=str(object_id), before=before, after=after,
                   list_version=list_version, prev_hash=last_hash)
    row.hash = hash_of(row, last_hash)
    session.add(row)
    session.flush()
    return row


def entries(session: Session, limit: int = 100, offset: int = 0, action: str | None = None,
            object_type: str | None = None, object_id: str | None = None) -> tuple[int, list[AuditRow]]:
    query = select(AuditRow)
    if action:
        query = query.where(AuditRow.action == action)
    if object_type:
        query = query.where(AuditRow.object_type == object_type)
    if object_id:
        query = query.where(AuditRow.object_id == object_id)
    return page(session, query, AuditRow.id.desc(), limit, offset)


def entry_dict(row: AuditRow) -> dict:
    return {"id": row.id, "at": row.at.isoformat(), "actor": row.actor, "actor_role": row.actor_role,
            "action": row.action, "action_name": ACTIONS.get(row.action, row.action), "object_type": row.object_type,
            "object_id": row.object_id, "before": row.before, "after": row.after, "list_version": row.list_version,
            "hash": row.hash}


class AuditLog:
    """The audit log as the admin reads it: a page of entries, or all of them as a sheet."""

    def __init__(self, store):
        self.store = store

    def page(self, user, per_page: int = 100, page_number: int = 1, action: str | None = None,
             object_type: str | None = None, object_id: str | None = None) -> dict:
        _require_admin(user)
        with self.store.transaction() as session:
            total, rows = entries(session, per_page, (page_number - 1) * per_page, action, object_type, object_id)
            return {"total": total, "page": page_number, "per_page": per_page, "entries": [entry_dict(r) for r in rows]}

    def verify(self, user) -> dict:
        """The hash chain recomputed over every entry: ok, count, head (last hash), the first broken entry."""
        _require_admin(user)
        with self.store.transaction() as session:
            return verify_chain(session).as_dict()

    def everything(self, user) -> list[dict]:
        _require_admin(user)
        with self.store.transaction() as session:
            _, rows = entries(session, limit=10**9)
            return [entry_dict(r) for r in rows]


def _require_admin(user) -> None:
    if user.role not in ("admin", "system"):
        raise Forbidden(f"{user.role_name}无权查看审计日志")
