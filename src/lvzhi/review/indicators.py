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

from ..model import Item
from ..resolve import Resolver
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
