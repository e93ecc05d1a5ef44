"""The words of a task review (准入审查): proposals and decisions, states, and what each verdict proposes."""
from __future__ import annotations

DECISIONS = {
    "admit": "准入",
    "cooperate": "配合准入",
    "return": "退回",
    "abolished": "不再开展",
    "unlisted": "清单外",
}
DECISION_MEANINGS = {
    "admit": "属于镇的基本履职事项，镇承接办理",
    "cooperate": "属于配合履职事项，镇只承担清单所列的配合职责，超出部分不予承接",
    "return": "属于上级部门收回事项，退回并告知承接部门办理",
    "abolished": "属于已取消的考核事项，不再开展此项工作",
    "unlisted": "不在三张清单内，须经管理员审批（写明理由）后镇才可承接",
}
PROPOSAL_FOR_VERDICT = {"basic": "admit", "cooperative": "cooperate", "reclaimed": "return",
                        "abolished": "abolished", "unlisted": "unlisted"}
STATES = {"pending": "待审查", "awaiting_approval": "待管理员审批", "decided": "已决定"}
APPROVALS = {"approved": "批准承接", "refused": "不予承接"}
MAX_TEXT_CHARS = 10_000
MAX_ATTACHMENT_CHARS = 50_000
MAX_REASON_CHARS = 2_000
