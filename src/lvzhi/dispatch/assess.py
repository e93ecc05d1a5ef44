"""Pre-assessing a dispute (退单申请): does the item the assignee cites really put the request elsewhere?"""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Dataset
from ..resolve import Resolver

RELEVANT_RANK = 5


@dataclass
class Assessment:
    supports: bool
    cited: str | None
    responsible: list[str]
    rank: int | None
    suggested_assignee: str
    advice: str

    def to_dict(self) -> dict:
        return {"supports": self.supports, "cited": self.cited, "responsible": self.responsible, "rank": self.rank,
                "suggested_assignee": self.suggested_assignee, "advice": self.advice}


def responsible_for(dataset: Dataset, code: str) -> list[str]:
    """Who a request under this item goes to: the town for basic and cooperative items, else the handlers."""
    item = dataset.by_code()[code]
    if item.list in ("basic", "cooperative"):
        return [dataset.town.name]
    return list(item.lead_departments)


def assess_dispute(resolver: Resolver, dataset: Dataset, text: str, assignee: str, cited: str | None,
                   proposed: str | None) -> Assessment:
    code = (cited or "").strip().upper() or None
    if code is None or code not in dataset.by_code():
        where = f"编码“{cited}”不在{dataset.town.name}的现行清单中" if code else "退单申请没有引用清单事项"
        return Assessment(False, code, [], None, "", f"{where}，无法按清单支持退单；请派单员核实。")
    item = dataset.by_code()[code]
    responsible = responsible_for(dataset, code)
    answer = resolver.resolve(text, top=10)
    ranks = [n for n, c in enumerate(answer.candidates, 1) if c.item.code == code]
    rank = ranks[0] if ranks else None
    cite = f"{code}「{item.title}」"
    if rank is None or rank > RELEVANT_RANK:
        return Assessment(False, code, responsible, rank, "",
                          f"引用的 {cite} 与诉求内容不符（不在最相关的 {RELEVANT_RANK} 个事项中），不支持退单。")
    if assignee in responsible:
        return Assessment(False, code, responsible, rank, "",
                          f"按 {cite}，此类诉求正由{assignee}负责（{'、'.join(responsible)}），不支持退单。")
    target = proposed if proposed in responsible else (answer.lead if answer.lead in responsible else responsible[0])
    return Assessment(True, code, responsible, rank, target,
                      f"引用的 {cite} 与诉求相符（第 {rank} 位），该事项由{'、'.join(responsible)}负责，"
                      f"不由{assignee}承办：支持改派给{target}。")
