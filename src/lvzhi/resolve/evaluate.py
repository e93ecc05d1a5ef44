"""Scoring the resolver on labelled requests (`lvzhi eval`)."""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InvalidInput
from ..registry import strip_parenthesised
from ..vocab import VERDICTS
from .answer import Answer
from .calibration import brier, reliability
from .resolver import Resolver


class LabelError(InvalidInput):
    """A labelled file that cannot be scored: names the line and the problem."""


@dataclass
class Labelled:
    id: str
    text: str
    verdict: str
    items: list[str]
    lead: str
    kind: str = ""  # citizen (a resident's own words) or task (a department's notice)


@dataclass
class Miss:
    labelled: Labelled
    answer: Answer


@dataclass
class Scores:
    total: int = 0
    verdict_right: int = 0
    lead_right: int = 0
    listed: int = 0
    item_at_1: int = 0
    item_at_3: int = 0
    unlisted_true_positive: int = 0
    unlisted_answered: int = 0
    unlisted_labelled: int = 0
    confusion: Counter = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)
    by_kind: dict[str, list[int]] = field(default_factory=dict)  # kind → [requests, verdicts right]
    # (P(清单外) the resolver gave, 1 if labelled 清单外 else 0) of every request it judged
    unlisted_predictions: list[tuple[float, int]] = field(default_factory=list)

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return a / b if b else 0.0

    @property
    def verdict_accuracy(self) -> float:
        return self._ratio(self.verdict_right, self.total)

    @property
    def lead_accuracy(self) -> float:
        return self._ratio(self.lead_right, self.total)

    @property
    def item_at_1_rate(self) -> float:
        return self._ratio(self.item_at_1, self.listed)

    @property
    def item_at_3_rate(self) -> float:
        return self._ratio(self.item_at_3, self.listed)

    @property
    def unlisted_precision(self) -> float:
        return self._ratio(self.unlisted_true_positive, self.unlisted_answered)

    @property
    def unlisted_recall(self) -> float:
        return self._ratio(self.unlisted_true_positive, self.unlisted_labelled)

    @property
    def unlisted_f1(self) -> float:
        p, r = self.unlisted_precision, self.unlisted_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def unlisted_reliability(self) -> dict:
        """How well P(清单外) is calibrated here: per bin of predicted probability, the observed frequency."""
        p = [a for a, _ in self.unlisted_predictions]
        y = [b for _, b in self.unlisted_predictions]
        return {"requests": len(p), "brier": round(brier(p, y), 4), "bins": reliability(p, y)}

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "verdict_accuracy": round(self.verdict_accuracy, 4),
            "lead_accuracy": round(self.lead_accuracy, 4),
            "item_at_1": round(self.item_at_1_rate, 4),
            "item_at_3": round(self.item_at_3_rate, 4),
            "listed": self.listed,
            "unlisted_precision": round(self.unlisted_precision, 4),
            "unlisted_recall": round(self.unlisted_recall, 4),
            "unlisted_f1": round(self.unlisted_f1, 4),
            "confusion": {f"{a}→{b}": n for (a, b), n in sorted(self.confusion.items())},
            "verdict_by_kind": {kind: {"total": n, "verdict_accuracy": round(self._ratio(right, n), 4)}
                                for kind, (n, right) in sorted(self.by_kind.items())},
            "unlisted_reliability": self.unlisted_reliability(),
        }


def read_labelled(path: Path) -> list[Labelled]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise LabelError(f"找不到评测文件 {path}") from None
    except UnicodeDecodeError:
        raise LabelError(f"评测文件 {path} 不是 UTF-8 编码") from None
    labelled = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            labelled.append(Labelled(str(data["id"]), str(data["text"]), str(data["verdict"]),
                                     [str(c) for c in data.get("items") or []], str(data.get("lead") or ""),
                                     str(data.get("kind") or "")))
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise LabelError(f"评测文件 {path} 第 {number} 行无法读取：缺少字段或不是 JSON（{error}）") from None
        if labelled[-1].verdict not in VERDICTS:
            raise LabelError(f"评测文件 {path} 第 {number} 行：未知的 verdict “{labelled[-1].verdict}”")
    return labelled


def same_lead(a: str, b: str) -> bool:
    return strip_parenthesised(a) == strip_parenthesised(b)


def evaluate(resolver: Resolver, labelled: list[Labelled]) -> Scores:
    scores = Scores()
    for case in labelled:
        answer = resolver.resolve(case.text, case.id)
        codes = [c.item.code for c in answer.candidates]
        scores.total += 1
        scores.confusion[(case.verdict, answer.verdict)] += 1
        verdict_ok = answer.verdict == case.verdict
        lead_ok = same_lead(answer.lead, case.lead)
        scores.verdict_right += verdict_ok
        scores.lead_right += lead_ok
        if case.kind:
            tally = scores.by_kind.setdefault(case.kind, [0, 0])
            tally[0] += 1
            tally[1] += verdict_ok
        item_ok = True
        if case.verdict == "unlisted":
            scores.unlisted_labelled += 1
        else:
            scores.listed += 1
            first = codes[0] if codes else None
            item_ok = first in case.items
            scores.item_at_1 += item_ok
            scores.item_at_3 += any(c in case.items for c in codes[:3])
        if answer.unlisted_probability is not None:
            scores.unlisted_predictions.append((answer.unlisted_probability, int(case.verdict == "unlisted")))
        if answer.verdict == "unlisted":
            scores.unlisted_answered += 1
            scores.unlisted_true_positive += case.verdict == "unlisted"
        if not (verdict_ok and lead_ok and item_ok):
            scores.misses.append(Miss(case, answer))
    return scores
