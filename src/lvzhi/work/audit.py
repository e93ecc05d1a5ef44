"""The audit log: who did what, when, before and after, under which list version. Append-only."""
from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Iterator
from datetime import datetime, timezone

from sqlalchemy import func, select
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
    "lists.import": "导入清单版本", "user.unlock": "解除账号锁定", "lists.confirm": "核对待核对事项",
    "org.office": "新增科室", "org.staff": "新增人员", "org.assign": "事项分工", "org.assign_bulk": "按类别分工",
    "org.import": "导入分工表", "org.carry": "新版本承接分工", "org.unassign": "取消分工",
    "org.office_rename": "科室改名", "org.office_remove": "撤销科室", "org.staff_edit": "修改人员",
    "org.staff_remove": "移除人员",
    "ledger.add": "登记台账", "ledger.finish": "台账办结",
    "scheme.import": "导入考核方案", "indicator.confirm": "确认考核指标对应事项", "indicator.change": "改变考核指标对应事项",
    "proposal.create": "提出调整申请", "proposal.edit": "修改调整申请", "proposal.submit": "提交调整申请",
    "proposal.consult": "组织会商", "proposal.opinion": "提出会商意见", "proposal.approve": "批准调整申请",
    "proposal.return": "退回调整申请", "proposal.publish": "发布动态调整",
    "directory.set": "登记单位联系方式", "directory.clear": "清除单位联系方式", "directory.import": "导入单位名录",
    "places.set": "修改地点用词", "places.import": "导入地点用词",
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


# Who acted and on what, in Chinese (accounts.ROLES are the people's roles; "system" is the command line).
ACTOR_ROLES = {"admin": "管理员", "town": "镇街工作人员", "department": "部门工作人员", "dispatcher": "派单员",
               "system": "命令行"}
OBJECT_NAMES = {"assignment": "分工", "directory": "单位名录", "indicator": "考核指标", "ledger": "台账", "office": "科室",
                "proposal": "调整申请", "review": "审查", "scheme": "考核方案", "staff": "人员", "ticket": "工单",
                "user": "账号", "version": "清单版本"}

# How an entry's before/after fields read in Chinese (pages, CLI, CSV and xlsx alike).
FIELD_LABELS = {
    "state": "状态", "assignee": "承办单位", "suggested": "建议承办单位", "note": "说明", "reason": "理由",
    "suggestion": "派单建议", "verdict": "判定", "item": "事项", "confidence": "把握", "lead": "牵头单位",
    "cited_item": "引用事项", "cited": "引用事项", "proposed_assignee": "建议改派给", "assessment": "清单预审", "supports": "支持退单",
    "town": "镇街", "issuing_department": "交办部门", "title": "标题", "proposal": "系统建议", "decision": "决定",
    "cited_items": "引用事项", "approval": "审批", "overridden": "改变了建议", "username": "用户名",
    "display_name": "显示名", "role": "角色", "role_name": "角色", "department": "部门", "active": "启用",
    "token_name": "令牌用途", "revoked": "吊销令牌数", "label": "版本名称", "source": "来源文件", "items": "事项数",
    "effective_date": "生效日期", "unsure_items": "待核对事项", "checked": "已核对事项", "cleared_failures": "清除的失败登录次数", "explanation": "理由",
    "assignee_kind": "承办单位类别", "error": "错误", "needs_person": "需人工研判", "basis": "依据事项",
    "advice": "预审意见", "responsible": "负责单位", "rank": "排名", "suggested_assignee": "建议改派给",
    "name": "名称", "office": "科室", "post": "职务", "outcome": "处理", "moved_to": "接手科室",
    "lead_moved": "移交的牵头事项", "co_moved": "移交的配合事项", "staff_moved": "调入接手科室的人员",
    "open_entries_moved": "移交的未办结台账", "replaced_by": "接替人员", "codes": "事项", "code": "事项",
    "received_on": "日期", "done_on": "完成日期", "due_on": "期限", "work": "办理情况", "result": "办理结果",
    "attachments": "附件", "changed": "有改动",
    "district": "区县", "kind": "类别", "phone": "电话", "address": "地址", "hours": "办公时间",
    "website": "网站", "rows": "行数",
    "place": "地点", "says": "属于该地点的词", "not": "不属于该地点的词",
}
STATE_WORDS = {"pending": "待分派/待审查", "assigned": "已分派", "in_progress": "办理中", "disputed": "退单申请中",
               "resolved": "已办结", "closed": "已关闭", "awaiting_approval": "待管理员审批", "decided": "已决定",
               "basic": "基本履职", "cooperative": "配合履职", "reclaimed": "上级部门收回", "abolished": "不再开展",
               "unlisted": "清单外", "admit": "准入", "cooperate": "配合准入", "return": "退回",
               "approved": "批准承接", "refused": "不予承接", "town": "镇街", "department": "部门",
               "deactivated": "停用（历史记录中保留）", "deleted": "删除",
               "enterprise": "企业、平台", "hotline": "热线"}


def _value_text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(f"{FIELD_LABELS.get(k, k)}：{_value_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_value_text(v.get("code", v) if isinstance(v, dict) else v) for v in value) or "—"
    return STATE_WORDS.get(value, str(value)) if isinstance(value, str) else str(value)


def changes(before: dict | None, after: dict | None) -> list[tuple[str, str, str]]:
    """(field in Chinese, before, after) for every field an entry records, in the order it records them."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(FIELD_LABELS.get(k, k), _value_text(before.get(k)) if k in before else "",
             _value_text(after.get(k)) if k in after else "") for k in keys]


def changes_text(before: dict | None, after: dict | None) -> str:
    """One line: 状态：待分派 → 已分派；承办单位：— → 珞璜镇."""
    return "；".join(f"{label}：{old} → {new}" if old else f"{label}：{new}" for label, old, new in changes(before, after))


def entry_dict(row: AuditRow) -> dict:
    return {"id": row.id, "at": row.at.isoformat(), "actor": row.actor, "actor_role": row.actor_role,
            "actor_role_name": ACTOR_ROLES.get(row.actor_role, row.actor_role),
            "action": row.action, "action_name": ACTIONS.get(row.action, row.action), "object_type": row.object_type,
            "object_name": OBJECT_NAMES.get(row.object_type, row.object_type), "object_id": row.object_id, "before": row.before, "after": row.after, "list_version": row.list_version,
            "changes": changes(row.before, row.after), "changes_text": changes_text(row.before, row.after),
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

    def everything(self, user, batch: int = 1000) -> Iterator[dict]:
        """Every entry, newest first, read `batch` at a time, each batch in its own short transaction, so a long
        export holds neither a transaction nor the whole log. The log only grows, so the entries up to the newest
        one at the start are exactly the ones given. The permission is checked at once, not at the first row."""
        _require_admin(user)
        with self.store.transaction() as session:
            newest = session.scalar(select(func.max(AuditRow.id)))
        return self._from(newest, batch)

    def _from(self, newest: int | None, batch: int) -> Iterator[dict]:
        while newest is not None:
            with self.store.transaction() as session:
                rows = session.scalars(select(AuditRow).where(AuditRow.id <= newest)
                                       .order_by(AuditRow.id.desc()).limit(batch)).all()
                found = [entry_dict(r) for r in rows]
            if not found:
                return
            yield from found
            newest = found[-1]["id"] - 1


def _require_admin(user) -> None:
    if user.role not in ("admin", "system"):
        raise Forbidden(f"{user.role_name}无权查看审计日志")
