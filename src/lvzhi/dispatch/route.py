"""Where a hotline request goes, by the lists: the town, the department that took the work back, or the
dispatcher's call when no list covers it."""
from __future__ import annotations

from dataclasses import dataclass

from ..resolve import Answer, Resolver

CHANNELS = ("12345", "民呼我为", "窗口", "其他")


@dataclass
class Suggestion:
    verdict: str | None  # None when the ticket's text could not be judged (see `error`)
    assignee: str
    assignee_kind: str  # "town", "department", or "" for the dispatcher to decide
    item: str
    lead: str
    confidence: float
    explanation: str
    error: str | None = None

    def to_dict(self) -> dict:
        data = {"verdict": self.verdict, "assignee": self.assignee, "assignee_kind": self.assignee_kind,
                "item": self.item, "lead": self.lead, "confidence": self.confidence, "explanation": self.explanation}
        if self.error:
            data["error"] = self.error
        return data


def confidence(answer: Answer) -> float:
    """How clearly the best item beats the next one: 0 (a tie, or nothing listed) to 1."""
    if not answer.candidates or answer.verdict == "unlisted":
        return 0.0
    best = answer.candidates[0].score
    runner_up = answer.candidates[1].score if len(answer.candidates) > 1 else 0.0
    return round(max(0.0, min(1.0, (best - runner_up) / best)) if best > 0 else 0.0, 2)


def from_answer(answer: Answer, town: str) -> Suggestion:
    code = answer.item.code if answer.item else ""
    if answer.error:
        return Suggestion(None, "", "", "", "", 0.0, answer.error, error=answer.error)
    if answer.verdict == "basic":
        return Suggestion("basic", town, "town", code, town, confidence(answer), answer.explanation)
    if answer.verdict == "cooperative":
        # the town handles its listed part; the department leads and is named so the town can involve it
        return Suggestion("cooperative", town, "town", code, answer.lead, confidence(answer), answer.explanation)
    if answer.verdict == "reclaimed":
        return Suggestion("reclaimed", answer.lead, "department", code, answer.lead, confidence(answer),
                          answer.explanation)
    lead = answer.handled_elsewhere_by if answer.verdict == "unlisted" else ""
    return Suggestion(answer.verdict, "", "", code, lead, confidence(answer), answer.explanation)


def suggest(resolver: Resolver, text: object) -> Suggestion:
    return from_answer(resolver.resolve(text, top=3), resolver.town)
