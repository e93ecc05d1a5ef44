"""Reports as sheets: the 准入 monitor and the audit log (sheets.table_bytes writes them)."""
from __future__ import annotations

import json
from typing import Iterable

from ..clock import beijing_text
from .sheets import Sheet


def monitor_table(data: dict) -> list[Sheet]:
    columns = data["columns"]
    counts = [[row["department"], row["month"], *(row[k] for k in columns)] for row in data["rows"]]
    returned = [[r["id"], r["department"], r["town"], r["title"], beijing_text(r["submitted_at"]),
                 "、".join(f"{i['code']} {i['title']}" for i in r["items"]), "是" if r["repeated"] else ""]
                for r in data["returned"]]
    candidates = [[c["department"], c["title"], c["times"], "、".join(c["towns"]),
                   "、".join(str(i) for i in c["review_ids"]), beijing_text(c["first_at"]), beijing_text(c["last_at"]),
                   f"调整申请 {c['proposal']}" if c["proposal"] else ""] for c in data.get("candidates", [])]
    return [("统计", ["交办部门", "月份", *columns.values()], counts),
            ("退回的任务", ["编号", "交办部门", "镇街", "任务", "提交时间", "引用事项", "再次推送"], returned),
            ("可申请列入清单", ["交办部门", "任务", "经批准承接次数", "镇街", "准入审查", "首次提交（北京时间）",
                          "最近提交（北京时间）", "已提出的调整申请"], candidates)]


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def audit_table(rows: Iterable[dict]) -> list[Sheet]:
    """The audit log, one row per entry; the rows are made as they are written (`rows` may be a generator)."""
    body = ([r["id"], beijing_text(r["at"]), r["actor"], r["actor_role"], r["action_name"], r["object_type"],
             r["object_id"], r["changes_text"], _json(r["before"]), _json(r["after"]), r["list_version"] or ""]
            for r in rows)
    return [("审计日志", ["序号", "时间（北京时间）", "操作人", "角色", "操作", "对象类型", "对象", "改动", "之前（原始数据）",
                      "之后（原始数据）"] + ["清单版本"], body)]


def ticket_sheet(tickets: Iterable[dict]) -> list[Sheet]:
    """Tickets as a queue shows them, one row each (times in Beijing time); `tickets` may be a generator."""
    body = ([t["external_id"] or "", t["id"], beijing_text(t["received_at"]), t["channel"], t["town"], t["text"],
             t["urgency"], beijing_text(t["due_at"]), t["time_left"], t["state_name"],
             t["suggestion"].get("assignee") or "", t["suggestion"].get("item") or "", t["assignee"] or "",
             t["item"] or ""] for t in tickets)
    return [("工单", ["热线工单编号", "系统编号", "受理时间（北京时间）", "渠道", "镇街", "诉求内容", "紧急程度", "办理时限",
                    "剩余/超时", "状态", "建议承办单位", "建议事项", "承办单位", "事项"], body)]


def review_sheet(reviews: Iterable[dict]) -> list[Sheet]:
    """准入审查 as the list shows them, one row each (times in Beijing time); `reviews` may be a generator."""
    body = ([r["id"], beijing_text(r["submitted_at"]), r["issuing_department"], r["town"], r["title"],
             r["proposal_name"], r["state_name"], r.get("decision_name") or "",
             "、".join(c["code"] for c in r["cited_items"]), r["list_version"] or ""] for r in reviews)
    return [("准入审查", ["编号", "提交时间（北京时间）", "交办部门", "镇街", "任务", "系统建议", "状态", "决定", "引用事项",
                      "清单版本"], body)]
