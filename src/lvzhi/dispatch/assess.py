"""Pre-assessing a dispute (退单申请): by the item that best covers the request, does it belong elsewhere?

The item the assignee cites is weighed, but what decides is the item the lists give for the request itself: a
dispute is supported only when that item sends the request to someone other than the assignee. Work that a
department took back (a reclaimed item naming the disputing department) is never moved onto the town, even when
the cited item is a town item that also matches some of the words.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..model import Dataset, Item
from ..registry import is_body
from ..resolve import Answer, Resolver
from .route import routes_to

# A reclaimed item scoring at least this share of the best item's score is part of what the ticket asks: moving
# that work to the town needs a person's judgement, never the pre-check's support.
RECLAIMED_NEAR = 0.4
# A cited item scoring at least this share of the best item's is related to the request, if not the best fit.
RELATED = 0.4


@dataclass
class Assessment:
    supports: bool
    cited: str | None
    responsible: list[str]
    rank: int | None
    suggested_assignee: str
    advice: str
    basis: str | None = None  # the item that best covers the request, on which the advice rests

    def to_dict(self) -> dict:
        return {"supports": self.supports, "cited": self.cited, "responsible": self.responsible, "rank": self.rank,
                "suggested_assignee": self.suggested_assignee, "advice": self.advice, "basis": self.basis}


def _cite(item: Item) -> str:
    return f"{item.code}「{item.title}」"


def _responsible(answer: Answer, town: str) -> list[str]:
    """Who the request goes to under the best item: the town, or the department the answer chose to lead."""
    if answer.verdict in ("basic", "cooperative"):
        return [town]
    if answer.lead and is_body(answer.lead):
        return [answer.lead]
    return sorted(d for d in routes_to(answer.item, town) if is_body(d))


def _on_cited(cited: Item | None, answer: Answer, basis: Item | None) -> str:
    if cited is None:
        return ""
    if basis is not None and cited.code == basis.code:
        return f"引用的 {_cite(cited)}正是最符合诉求的事项。"
    best = answer.candidates[0].score if answer.candidates else 0.0
    ranked = [(n, c.score) for n, c in enumerate(answer.candidates, 1) if c.item.code == cited.code]
    if ranked and best > 0 and ranked[0][1] >= RELATED * best:
        return f"引用的 {_cite(cited)}与诉求有关，但不是最符合的事项（候选中排第 {ranked[0][0]} 位）。"
    return f"引用的 {_cite(cited)}与诉求不符。"


def _reclaimed_from(answer: Answer, assignee: str, town: str) -> Item | None:
    """A reclaimed item close to the best that gives the work to the disputing department itself."""
    if not answer.candidates:
        return None
    best = answer.candidates[0].score
    for candidate in answer.candidates:
        item = candidate.item
        if best > 0 and candidate.score >= RECLAIMED_NEAR * best and item.list == "reclaimed" \
                and not item.abolished and assignee in routes_to(item, town):
            return item
    return None


def assess_dispute(resolver: Resolver, dataset: Dataset, text: str, assignee: str, cited: str | None,
                   proposed: str | None) -> Assessment:
    town = dataset.town.name
    code = (cited or "").strip().upper() or None
    by_code = dataset.by_code()
    cited_item = by_code.get(code) if code else None
    answer = resolver.resolve(text, top=10)
    ranks = [n for n, c in enumerate(answer.candidates, 1) if code and c.item.code == code]
    rank = ranks[0] if ranks else None
    responsible = list(routes_to(cited_item, town)) if cited_item else []
    if cited_item is None:
        where = f"编码“{cited}”不在{town}的现行清单中" if code else "退单申请没有引用清单事项"
        intro = f"{where}，以下按诉求本身判断。"
    else:
        intro = ""
    basis = answer.item if answer.verdict in ("basic", "cooperative", "reclaimed") else None

    def verdict(supports: bool, target: str, advice: str, who: list[str]) -> Assessment:
        return Assessment(supports, code, who, rank, target, intro + _on_cited(cited_item, answer, basis) + advice,
                          basis.code if basis else None)

    if basis is None:
        if answer.verdict == "abolished" and answer.item is not None:
            return verdict(False, "", f"诉求属于已取消的考核事项 {_cite(answer.item)}，不再开展；请派单员核实后处理。",
                           responsible)
        elsewhere = f"（通常由{answer.handled_elsewhere_by}办理）" if answer.handled_elsewhere_by else ""
        return verdict(False, "", f"三张清单均未找到覆盖此诉求的事项{elsewhere}，无法按清单判定归属；"
                                  f"请派单员按实际主管部门决定是否改派。", responsible)
    # the item once: when the dispute cites the best item, the first sentence has already named it
    fits = "" if cited_item is not None and cited_item.code == basis.code else f"诉求最符合 {_cite(basis)}，"
    who = _responsible(answer, town)
    if not who:
        return verdict(False, "", f"{fits}但清单写的承接单位“{answer.lead}”不是具体单位，"
                                  f"无法按清单确定改派给谁；请派单员确定承办单位。", who)
    if assignee in who:
        return verdict(False, "", f"{fits}该事项由{assignee}负责，不支持退单。", who)
    kept = _reclaimed_from(answer, assignee, town)
    if town in who and kept is not None:
        return verdict(False, "", f"{fits}但也涉及上级部门收回事项 {_cite(kept)}："
                                  f"该部分已由{assignee}承接，不得交由{town}承担。不支持整体改派给{town}；"
                                  f"属于{town}的部分请派单员核实后另行派单。", who)
    target = proposed if proposed in who else who[0]
    return verdict(True, target, f"{fits}该事项由{'、'.join(who)}负责，"
                                 f"不由{assignee}承办：支持改派给{target}。", who)
