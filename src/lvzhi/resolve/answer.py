"""What the resolver answers: a verdict, who leads, the items, the town's part and why."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ..model import Item

Verdict = Literal["basic", "cooperative", "reclaimed", "abolished", "unlisted"]

VERDICT_WORDS: dict[str, str] = {
    "basic": "基本履职事项（镇自己负责）",
    "cooperative": "配合履职事项（上级部门牵头，镇只做清单所列的配合部分）",
    "reclaimed": "上级部门收回事项（不得交由镇承担，由承接部门办理）",
    "abolished": "已取消的考核事项（不再开展此项工作）",
    "unlisted": "清单外事项（三张清单均未列入）",
}


@dataclass
class Candidate:
    item: Item
    score: float

    def to_dict(self) -> dict:
        return {"code": self.item.code, "score": round(float(self.score), 3), "list": self.item.list,
                "title": self.item.title}


@dataclass
class Answer:
    verdict: Verdict | None  # None only when the request itself is unusable (see `error`)
    lead: str
    candidates: list[Candidate]
    town_part: list[str]
    explanation: str
    id: str | None = None
    item: Item | None = None
    department_part: list[str] = field(default_factory=list)
    handler_methods: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    handled_elsewhere_by: str = ""
    error: str | None = None
    # share of the request's known-word weight that the best document contains (0 to 1): how fully it is covered
    coverage: float = 0.0

    def to_dict(self) -> dict:
        if self.error:
            # no verdict was reached: nothing about lists, leads or items may be read from it
            return {"id": self.id, "verdict": None, "error": self.error}
        data: dict = {
            "id": self.id,
            "verdict": self.verdict,
            "verdict_text": VERDICT_WORDS[self.verdict],
            "lead": self.lead,
            "items": [c.to_dict() for c in self.candidates],
            "town_part": list(self.town_part),
            "department_part": list(self.department_part),
            "handler_methods": list(self.handler_methods),
            "explanation": self.explanation,
            "matched_words": list(self.matched),
        }
        if self.handled_elsewhere_by:
            data["handled_elsewhere_by"] = self.handled_elsewhere_by
        return data


def failed(message: str, request_id: str | None = None) -> Answer:
    """An answer that could not be given: the request itself is unusable."""
    return Answer(None, "", [], [], message, id=request_id, error=message)
