"""Where a hotline request goes, by the lists: the town, the department that took the work back, or the
dispatcher's call when no list covers it; and how likely that suggested assignee is right.

Confidence is a logistic model over what the resolver's answer shows (how high the best item scores, how far it
leads the next one, how much of the request it covers, whether the runner-up would send the ticket elsewhere…);
its weights are a reviewable data file, `confidence.yaml`, fitted by `scripts/fit_confidence.py` on labelled
requests. A suggestion without an assignee (清单外, 不再开展, a text that cannot be judged) has nothing to be
right about: its confidence is 0, and a person decides.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
from ..yamltext import load_yaml

from ..model import Item
from ..registry import is_body
from ..resolve import Answer, Resolver

CHANNELS = ("12345", "民呼我为", "窗口", "其他")
# How hotline exports name the channels: the channel is the first whose words the cell contains.
CHANNEL_WORDS = (("12345", ("12345", "便民热线", "市民热线", "热线")), ("民呼我为", ("民呼我为",)),
                 ("窗口", ("窗口", "大厅", "现场")))


def channel_of(value: str) -> str | None:
    """The channel a file's cell names (“12345热线”“12345政务服务便民热线”→ 12345, “民呼我为平台”→ 民呼我为), or None."""
    cell = "".join(value.split())
    if cell in CHANNELS:
        return cell
    return next((channel for channel, words in CHANNEL_WORDS if any(w in cell for w in words)), None)
FEATURES = ("log_top_score", "margin", "coverage", "log_matched", "log_score_per_word", "runner_up_elsewhere",
            "reclaimed", "cooperative")


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

    @property
    def needs_person(self) -> bool:
        """No assignee to follow, or one the lists' answer is not sure enough of: a dispatcher must judge."""
        return not self.assignee or self.confidence < calibration().review_below

    def to_dict(self) -> dict:
        data = {"verdict": self.verdict, "assignee": self.assignee, "assignee_kind": self.assignee_kind,
                "item": self.item, "lead": self.lead, "confidence": self.confidence,
                "needs_person": self.needs_person, "explanation": self.explanation}
        if self.error:
            data["error"] = self.error
        return data


def routes_to(item: Item, town: str) -> frozenset[str]:
    """Who a ticket under this item is sent to: the town for basic and cooperative items, else the handlers."""
    if item.list in ("basic", "cooperative"):
        return frozenset((town,))
    return frozenset(item.lead_departments)


def features(answer: Answer, town: str) -> dict[str, float]:
    scores = [c.score for c in answer.candidates]
    top = scores[0] if scores else 0.0
    second = scores[1] if len(scores) > 1 else 0.0
    elsewhere = 0.0
    if answer.item is not None and len(answer.candidates) > 1:
        elsewhere = float(routes_to(answer.candidates[1].item, town) != routes_to(answer.item, town))
    return {
        "log_top_score": math.log1p(max(top, 0.0)),
        "margin": (top - second) / top if top > 0 else 0.0,
        "coverage": answer.coverage,
        "log_matched": math.log1p(len(answer.matched)),
        # many common words (管理、工作、开展…) add up to a score without saying anything specific
        "log_score_per_word": math.log1p(max(top, 0.0) / max(1, len(answer.matched))),
        "runner_up_elsewhere": elsewhere,
        "reclaimed": float(answer.verdict == "reclaimed"),
        "cooperative": float(answer.verdict == "cooperative"),
    }


@dataclass(frozen=True)
class Calibration:
    intercept: float
    weights: dict[str, float]
    model: tuple[float, ...]  # isotonic knots: the logistic model's probability …
    right: tuple[float, ...]  # … and the share of suggestions that were right there
    review_below: float  # suggestions less sure than this are marked for a person to judge

    def probability(self, values: dict[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(name, 0.0) * values[name] for name in FEATURES)
        logistic = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))
        return float(np.interp(logistic, self.model, self.right)) if self.model else logistic


@lru_cache(maxsize=1)
def calibration() -> Calibration:
    text = (resources.files("lvzhi") / "dispatch" / "confidence.yaml").read_text(encoding="utf-8")
    data = load_yaml(text)
    knots = data.get("isotonic") or {}
    return Calibration(float(data["intercept"]), {k: float(v) for k, v in data["weights"].items()},
                       tuple(knots.get("model", ())), tuple(knots.get("right", ())), float(data["review_below"]))


def confidence(answer: Answer, town: str, assignee: str) -> float:
    """The calibrated probability that `assignee` is the right one for the request (0 when there is none)."""
    if not assignee or answer.error:
        return 0.0
    return round(calibration().probability(features(answer, town)), 2)


def from_answer(answer: Answer, town: str) -> Suggestion:
    code = answer.item.code if answer.item else ""
    if answer.error:
        return Suggestion(None, "", "", "", "", 0.0, answer.error, error=answer.error)
    if answer.verdict in ("basic", "cooperative"):
        # cooperative: the town handles its listed part; the department leads and is named so the town can involve it
        return Suggestion(answer.verdict, town, "town", code, answer.lead, confidence(answer, town, town),
                          answer.explanation)
    if answer.verdict == "reclaimed" and not is_body(answer.lead):
        # the item was taken back, but the lists name no body to take it (区级相关部门): not the town's, and no
        # fake assignee either; the dispatcher finds the department
        return Suggestion("reclaimed", "", "", code, "", 0.0,
                          f"属于上级部门收回事项 {code}「{answer.item.title}」，不得派给{town}；但清单所写的承接单位"
                          f"“{answer.lead or '（未写明）'}”不是具体单位，请派单员确定具体承接部门并写明理由。")
    if answer.verdict == "reclaimed":
        return Suggestion("reclaimed", answer.lead, "department", code, answer.lead,
                          confidence(answer, town, answer.lead), answer.explanation)
    lead = answer.handled_elsewhere_by if answer.verdict == "unlisted" else ""
    return Suggestion(answer.verdict, "", "", code, lead, 0.0, answer.explanation)


def suggest(resolver: Resolver, text: object) -> Suggestion:
    return from_answer(resolver.resolve(text, top=3), resolver.town)


def alternatives(resolver: Resolver, text: str, top: int = 4) -> list[dict]:
    """The other items the request could be under, each with where it would send the ticket: for a dispatcher
    who judges the suggestion wrong and picks another."""
    answer = resolver.resolve(text, top=top)
    town = resolver.town
    options = []
    for candidate in answer.candidates[1:]:
        item = candidate.item
        if item.list in ("basic", "cooperative"):
            assignee = town
        else:
            bodies = [d for d in item.lead_departments if is_body(d)]
            assignee = bodies[0] if bodies and not item.abolished else ""
        options.append({"code": item.code, "title": item.title, "list": item.list, "assignee": assignee})
    return options
