"""Building each kind of answer with the words a clerk reads: what it is, who leads, what the town does, why."""
from __future__ import annotations

from ..model import Item
from .answer import Answer, Candidate
from ..knowledge import OffListTopic


def _cite(item: Item) -> str:
    return f"{item.code}「{item.title}」"


def _because(matched: list[str]) -> str:
    return f"依据请求中的“{'、'.join(matched[:6])}”等词。" if matched else ""


def telling_apart(item: Item, facts: list[str], siblings: list[Item]) -> str:
    """Which fact of the item's own text decided it over a sibling the words also fit."""
    if not facts or not siblings:
        return ""
    return (f"与相近的 {'、'.join(s.code for s in siblings[:3])} 相比，请求说到了本事项所写的"
            f"“{'、'.join(facts[:3])}”。")


def basic(item: Item, town: str, candidates: list[Candidate], matched: list[str]) -> Answer:
    text = f"属于基本履职事项 {_cite(item)}，由{town}负责办理。{_because(matched)}"
    return Answer("basic", town, candidates, [item.title], text, item=item, matched=matched)


def cooperative(item: Item, lead: str, duties: list[str], candidates: list[Candidate], matched: list[str]) -> Answer:
    text = (f"属于配合履职事项 {_cite(item)}：由{lead}牵头负责，镇只承担清单所列的 {len(item.town_duties)} 项配合职责，"
            f"超出部分不属于镇的职责。{_because(matched)}")
    return Answer("cooperative", lead, candidates, list(item.town_duties), text, item=item,
                  department_part=list(duties), matched=matched)


def reclaimed(item: Item, lead: str, methods: list[str], candidates: list[Candidate], matched: list[str]) -> Answer:
    text = (f"属于上级部门收回事项 {_cite(item)}：已由{lead}承接，不得再交由镇承担，"
            f"应转{lead}办理。{_because(matched)}")
    return Answer("reclaimed", lead, candidates, [], text, item=item, handler_methods=list(methods), matched=matched)


def abolished(item: Item, candidates: list[Candidate], matched: list[str]) -> Answer:
    text = f"属于已取消的考核事项 {_cite(item)}：{item.note or '不再开展此项工作'}镇不应再接受此项考核。{_because(matched)}"
    return Answer("abolished", "", candidates, [], text, item=item, matched=matched)


def off_list(topic: OffListTopic, candidates: list[Candidate], matched: list[str]) -> Answer:
    where = f"通常由{topic.handled_by}办理。" if topic.handled_by else ""
    text = (f"三张清单均未列入：{topic.topic}{'，' if where else '。'}{where}"
            "如需镇承担，须按职责准入程序报批（清单之外无事项）。")
    return Answer("unlisted", "", candidates, [], text, matched=matched, handled_elsewhere_by=topic.handled_by)


def nothing_covers(candidates: list[Candidate], matched: list[str]) -> Answer:
    nearest = f"最接近的是 {_cite(candidates[0].item)}，但覆盖不足。" if candidates else ""
    text = ("三张清单均未找到覆盖此请求的事项，属清单外事项：如需镇承担，须按职责准入程序报批；"
            f"请核实实际主管部门。{nearest}")
    return Answer("unlisted", "", candidates, [], text, matched=matched)
