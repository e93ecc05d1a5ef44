"""Written opinions: the 审查意见 on a pushed task (and, in indicators.py, the 考核指标核查意见), each built once
as an Opinion — title, reference line, numbered sections — that the page shows and that .docx writes out in the
official-document layout (formats/documents.py)."""
from __future__ import annotations

from dataclasses import dataclass

from ..clock import beijing_text
from ..formats.documents import official_docx

from .kinds import APPROVALS, DECISION_MEANINGS, DECISIONS, STATES


@dataclass
class Section:
    heading: str
    lines: list[str]


@dataclass
class Opinion:
    title: str
    reference: str
    sections: list[Section]
    issuer: str
    date: str

    def docx(self) -> bytes:
        """The opinion as a Word file: A4, 方正小标宋 title, 仿宋 三号 body, the issuer (盖章) and date at the foot."""
        return official_docx(self.title, self.reference, [(s.heading, s.lines) for s in self.sections],
                             self.issuer, self.date)


NUMERALS = "一二三四五六七八九十"


def numbered(n: int, heading: str) -> str:
    """"一、heading" for the n-th (from 1) section."""
    return f"{NUMERALS[n - 1] if n <= len(NUMERALS) else n}、{heading}"


def opinion_sections(review: dict) -> tuple[str, list[Section]]:
    """(title, sections) of the opinion for a review as `review_dict` gives it."""
    detail = review["proposal_detail"]
    answer = detail.get("answer", {})
    item = answer.get("item")
    decision = review["decision"]
    basis = [f"{c['code']}「{c['title']}」" for c in review["cited_items"]] or ["（三张清单均未列入）"]
    sections = [
        Section("一、基本情况", [f"交办部门：{review['issuing_department']}", f"承接镇街：{review['town']}",
                             f"任务：{review['title']}", f"提交时间：{beijing_text(review['submitted_at'])}",
                             *([f"办理期限：{review['deadline']}"] if review["deadline"] else []),
                             f"审查依据：{review['town']}履行职责事项清单（{review['list_version']}）"]),
        Section("二、任务内容", [review["text"]]),
        Section("三、清单依据", basis + ([answer.get("explanation", "")] if answer.get("explanation") else [])),
    ]
    if item and item.get("list") == "cooperative":
        sections.append(Section("四、镇配合职责（镇只承担以下职责）",
                                [f"{n}. {d}" for n, d in enumerate(item.get("town_duties", []), 1)]))
    if item and item.get("list") == "reclaimed" and answer.get("handler_methods"):
        sections.append(Section(f"四、承接部门（{answer.get('lead', '')}）的工作方式",
                                [f"{n}. {d}" for n, d in enumerate(answer["handler_methods"], 1)]))
    if detail.get("notes"):
        sections.append(Section("提示", list(detail["notes"])))
    if decision:
        conclusion = [f"审查决定：{DECISIONS[decision]}——{DECISION_MEANINGS[decision]}。"]
        if review["overridden"]:
            conclusion.append(f"系统建议为“{DECISIONS[review['proposal']]}”，审查人改为“{DECISIONS[decision]}”，"
                              f"理由：{review['reason']}")
        elif review["reason"]:
            conclusion.append(f"说明：{review['reason']}")
        conclusion.append(f"审查人：{review['decided_by']}，{beijing_text(review['decided_at'])}")
        if review["approval"]:
            conclusion.append(f"管理员审批：{APPROVALS[review['approval']]}，理由：{review['approval_reason']}"
                              f"（{review['approved_by']}，{beijing_text(review['approved_at'])}）")
    else:
        conclusion = [f"系统建议：{DECISIONS[review['proposal']]}——{DECISION_MEANINGS[review['proposal']]}。",
                      f"状态：{STATES[review['state']]}（尚未作出决定）"]
    sections.append(Section("审查结论", conclusion))
    return f"关于“{review['title']}”的职责准入审查意见", sections


def review_opinion(review: dict, issuer: str = "") -> Opinion:
    title, sections = opinion_sections(review)
    return Opinion(title, f"审查编号：{review['id']}", sections, issuer or review.get("town", ""),
                   beijing_text(review.get("decided_at") or review["submitted_at"])[:10])


def opinion_docx(review: dict, issuer: str = "") -> bytes:
    """The review's opinion as a Word file in the official-document layout."""
    return review_opinion(review, issuer).docx()
