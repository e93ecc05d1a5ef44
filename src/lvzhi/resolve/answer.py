"""What the resolver answers: a verdict, who leads, the items, the town's part and why."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ..model import Item
from ..vocab import VERDICT_WORDS

if TYPE_CHECKING:
    from .unlisted import Unlisted

Verdict = Literal["basic", "cooperative", "reclaimed", "abolished", "unlisted"]



@dataclass
class Candidate:
    item: Item
    score: float

    def to_dict(self) -> dict:
        return {"code": self.item.code, "score": round(float(self.score), 3), "list": self.item.list,
                "title": self.item.title}


@dataclass
class Question:
    """The one question that decides between two answers, and the answer each choice gives."""

    text: str
    source: str
    answers: dict[bool, "Answer"]

    def to_dict(self) -> dict:
        def brief(answer: "Answer") -> dict:
            return {"verdict": answer.verdict, "verdict_text": VERDICT_WORDS[answer.verdict], "lead": answer.lead,
                    "item": answer.item.code if answer.item else None,
                    "title": answer.item.title if answer.item else None,
                    "handled_elsewhere_by": answer.handled_elsewhere_by or None}
        return {"question": self.text, "source": self.source,
                "choices": [{"answer": "是", "assume": True, **brief(self.answers[True])},
                            {"answer": "否", "assume": False, **brief(self.answers[False])}]}


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
    deciding_facts: list[str] = field(default_factory=list)  # the item's own facts, stated, that set it apart
    question: Question | None = None  # asked back when the request is silent on what decides
    # share of the request's known-word weight that the best document contains (0 to 1): how fully it is covered
    coverage: float = 0.0
    unlisted: "Unlisted | None" = None  # the calibrated 清单外 judgement (its probability and what it was read from)

    @property
    def unlisted_probability(self) -> float | None:
        """The probability that no item covers the request (None when no judgement was made)."""
        return self.unlisted.probability if self.unlisted is not None else None

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
        if self.unlisted is not None:
            data["unlisted_probability"] = self.unlisted.probability
        if self.handled_elsewhere_by:
            data["handled_elsewhere_by"] = self.handled_elsewhere_by
        if self.deciding_facts:
            data["deciding_facts"] = list(self.deciding_facts)
        if self.question:
            data["question"] = self.question.to_dict()
        return data


def failed(message: str, request_id: str | None = None) -> Answer:
    """An answer that could not be given: the request itself is unusable."""
    return Answer(None, "", [], [], message, id=request_id, error=message)
