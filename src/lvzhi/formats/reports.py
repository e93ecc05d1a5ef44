"""Reports as sheets: the 准入 monitor and the audit log (sheets.table_bytes writes them)."""
from __future__ import annotations

import json

from .sheets import Sheet


def monitor_table(data: dict) -> list[Sheet]:
    columns = data["columns"]
    counts = [[row["department"], row["month"], *(row[k] for k in columns)] for row in data["rows"]]
    returned = [[r["id"], r["department"], r["town"], r["title"], r["submitted_at"][:16].replace("T", " "),
                 "、".join(f"{i['code']} {i['title']}" for i in r["items"]), "是" if r["repeated"] else ""]
                for r in data["returned"]]
    return [("统计", ["交办部门", "月份", *columns.values()], counts),
            ("退回的任务", ["编号", "交办部门", "镇街", "任务", "提交时间", "引用事项", "再次推送"], returned)]


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False)


def audit_table(rows: list[dict]) -> list[Sheet]:
    body = [[r["id"], r["at"][:19].replace("T", " "), r["actor"], r["actor_role"], r["action_name"], r["object_type"],
             r["object_id"], _json(r["before"]), _json(r["after"]), r["list_version"] or ""] for r in rows]
    return [("审计日志", ["序号", "时间（UTC）", "操作人", "角色", "操作", "对象类型", "对象", "之前", "之后", "清单版本"], body)]
