"""依单考核: what an assessment indicator assesses on the lists, and whether the town may be assessed on it.

An indicator may assess the town only on its own work: a basic item, or the town's listed part of a cooperative
item. It is flagged, with the reason and the item cited, when it assesses
  * a reclaimed item (收回事项: the work is the department's),
  * an abolished assessment (不再开展, such as R18 医保码签发),
  * cooperative work beyond the town's listed part (超出镇配合职责),
  * nothing on the lists (清单外考核: needs the list authority's approval).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..model import Item
from ..resolve import Resolver
from .opinion import Opinion, Section, numbered
from .scope import clauses_beyond

FLAGS = {"reclaimed": "考核收回事项", "abolished": "考核已取消事项", "beyond": "超出镇配合职责",
         "unlisted": "清单外考核"}
FLAG_MEANINGS = {
    "reclaimed": "该项工作已由上级部门收回，应由部门自身承担，不得考核镇街",
    "abolished": "清单载明该考核不再开展，不得再列入考核",
    "beyond": "考核内容超出配合事项所列镇配合职责，超出部分应考核牵头部门",
    "unlisted": "清单之外无事项：考核镇街须经清单管理部门审批",
}


@dataclass(frozen=True)
class Check:
    flag: str | None
    reason: str

    @property
    def flag_name(self) -> str:
        return FLAGS.get(self.flag or "", "符合清单")


# The words of assessment itself ("…完成率达到 100%", "完成区下达目标任务"): they say how work is scored, not which
# work, and would otherwise draw every indicator towards the abolished assessments (对完成…任务的考核).
BOILERPLATE = re.compile(r"(?:完成情况|完成率|完成区下达(?:的)?(?:目标)?(?:任务)?|完成(?:目标)?任务|目标任务|达到\s*\d+(?:\.\d+)?\s*%|"
                         r"\d+(?:\.\d+)?\s*%|增速|数量|场次|得满分|不得分|扣\s*\d+(?:\.\d+)?\s*分|每低.*?分)")


def reading(text: str, description: str = "") -> str:
    return BOILERPLATE.sub("", f"{text}\n{description}").strip()


def _beyond(resolver: Resolver, item: Item, request: str) -> list[str]:
    """Clauses asking for work the town's part does not cover, or that the department's own duties cover better."""
    own = clauses_beyond(resolver.tokenizer, request, [item.title, *item.town_duties])
    theirs = clauses_beyond(resolver.tokenizer, request, [d for g in item.department_duties for d in g.duties])
    return [mine.text for mine, other in zip(own, theirs)
            if mine.beyond or (other.covered >= 0.6 and other.covered > mine.covered + 0.2)]


def propose_item(resolver: Resolver, text: str, description: str = "") -> Item | None:
    """The item the resolver reads the indicator as assessing; None when no item covers it (清单外)."""
    answer = resolver.resolve(reading(text, description), top=3)
    if answer.error or answer.verdict in (None, "unlisted"):
        return None
    return answer.item


def check(resolver: Resolver, item: Item | None, text: str, description: str = "") -> Check:
    """The flag of an indicator assessing `item` (None: it assesses nothing on the lists), with its reason."""
    if item is None:
        return Check("unlisted", "该指标考核的内容不在本镇三张清单之内（清单外考核），须经清单管理部门审批后方可考核镇街。")
    cited = f"{item.code}“{item.title}”"
    if item.list == "reclaimed" and item.abolished:
        return Check("abolished", f"考核 {cited}：清单载明“{item.note or '不再开展此项工作'}”，该考核应取消。")
    if item.list == "reclaimed":
        handlers = "、".join(item.lead_departments) or "上级部门"
        return Check("reclaimed", f"考核 {cited}：该事项已由{handlers}收回，工作由部门承担，不得考核镇街。")
    if item.list == "cooperative":
        beyond = _beyond(resolver, item, f"{text}。{description}")
        if beyond:
            lead = "、".join(item.departments) or "牵头部门"
            return Check("beyond", f"考核 {cited}：以下要求超出所列镇配合职责（"
                                   f"{'；'.join(item.town_duties) or '无'}），应由{lead}负责：{'；'.join(beyond)}")
        return Check(None, f"考核 {cited} 中镇的配合职责，符合清单。")
    return Check(None, f"考核 {cited}（基本履职事项），符合清单。")


def _where(indicator: dict) -> str:
    """"（5 分，方案第 12 行）": its points (if any) and its row in the scheme file."""
    points = "" if indicator["points"] is None else f"{indicator['points']:g} 分，"
    return f"（{points}方案第 {indicator['row']} 行）"


def scheme_opinion(report: dict, department: str | None = None, on: date | None = None) -> Opinion:
    """The 考核指标核查意见 on a checked scheme (the indicators a report shows; one department's with
    `department`): what was checked, each kind of flagged indicator with its reason and the item cited, and the
    advice. The page and the .docx are both this."""
    scheme = report["scheme"]
    rows = [i for i in report["indicators"] if not department or i["department"] == department]
    flagged = [i for i in rows if i["flag"]]
    whose = f"中{department}设置的" if department else "的"
    counts = "、".join(f"{name} {sum(1 for i in flagged if i['flag'] == k)} 条" for k, name in FLAGS.items()
                      if any(i["flag"] == k for i in flagged))
    sections = [Section(numbered(1, "核查依据和范围"), [
        f"依据{scheme['town']}《履行职责事项清单》，对《{scheme['name']}》{whose}考核指标共 {len(rows)} 条逐条核查，"
        f"查明每条指标考核的是清单中的哪个事项。",
        f"其中符合清单 {len(rows) - len(flagged)} 条，有问题 {len(flagged)} 条" + (f"：{counts}。" if counts else "。")])]
    for kind, name in FLAGS.items():
        mine = [i for i in flagged if i["flag"] == kind]
        if not mine:
            continue
        lines = [f"{FLAG_MEANINGS[kind]}。"]
        lines += [f"{n}. {i['department']}：“{i['text']}”{_where(i)}。{i['flag_reason']}"
                  for n, i in enumerate(mine, 1)]
        sections.append(Section(numbered(len(sections) + 1, f"{name}（{len(mine)} 条）"), lines))
    fine = len(rows) - len(flagged)
    advice = [f"其余 {fine} 条指标符合清单。" if fine else "所核查的指标均有问题，没有符合清单的指标。"]
    if flagged:
        advice.append("建议对上述指标予以取消或调整考核对象：收回事项和已取消的考核不得考核镇街；超出镇配合职责的部分"
                      "应考核牵头部门；清单外考核事项须报清单管理部门审批后方可考核镇街。")
    sections.append(Section(numbered(len(sections) + 1, "意见和建议"), advice))
    day = on or date.today()
    title = f"关于{scheme['year']}年度考核指标的核查意见" + (f"（{department}）" if department else "")
    return Opinion(title, f"考核方案：《{scheme['name']}》（编号 {scheme['id']}）", sections, scheme["town"],
                   f"{day.year}年{day.month}月{day.day}日")
