"""P(清单外): the probability that no item of the lists covers a request, and the 清单外 decision made from it.

The probability is read off what the resolver has already computed for the request — how high the best item
scores on words, how much of the request's words it covers, how far it leads the runner-up, how the best 清单外
topic compares with it, how long the request is, whether the words it shares with the item are only the lists'
common ones — by a logistic model whose output is mapped through an isotonic table to the frequency observed on
labelled requests. Both live in a reviewable data file, `unlisted.yaml`, written by `scripts/fit_unlisted.py`
(cross-validated over the labelled sets; refit whenever the ranking changes).

The resolver answers 清单外 when the probability is at least `DECIDE_AT` (0.5), or when a 清单外 topic clearly
wins over every item (its score at least `OFF_LIST_WINS` times the best item's).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Sequence

import numpy as np
import yaml

from .calibration import Calibrated

if TYPE_CHECKING:
    from .resolver import Resolver

DATA_FILE = "unlisted.yaml"
FEATURES = ("log_word_score", "log_score", "coverage", "margin", "off_list_lead", "log_length", "specific",
            "log_matched", "unknown_share", "weak_words", "foreign_action")
DECIDE_AT = 0.5
OFF_LIST_WINS = 1.25
# A word shared with the item is "generic" when at least this share of all documents contain it (管理、工作、安全…)
GENERIC_SHARE = 0.05
# Below this word score the best item shares next to nothing with the request in words (small talk, character
# soup, a matter the lists never mention): the hinge feature `weak_words` grows from 0 there, and the probability is
# at least the frequency of 清单外 observed among labelled requests this weak (the data file's `weak`).
WEAK_WORD_SCORE = 3.0


@dataclass
class Unlisted:
    """What decided 清单外 or not for one request: the features, the probability, the best topic's lead."""

    features: dict[str, float]
    probability: float
    off_list_wins: bool = False
    decided: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.decided = self.off_list_wins or self.probability >= DECIDE_AT


def measure(resolver: "Resolver", text: str, tokens: Sequence[str], scores: np.ndarray,
            pairs: np.ndarray) -> tuple[dict[str, float], int, int]:
    """The features of a request, and the positions of the best item and the best 清单外 topic (-1: none)."""
    is_item = resolver.item_mask
    items, topics = np.flatnonzero(is_item), np.flatnonzero(~is_item)
    item_scores = scores[items]
    best = int(items[int(np.argmax(item_scores))])
    topic = int(topics[int(np.argmax(scores[topics]))]) if len(topics) else -1
    first = max(float(scores[best]), 0.0)
    second = max(float(np.partition(item_scores, -2)[-2]), 0.0) if len(items) > 1 else 0.0
    word = max(first - float(pairs[best]), 0.0)
    off = float(max(scores[topic], 0.0)) if topic >= 0 else 0.0
    index = resolver.index
    distinct = [t for t in dict.fromkeys(tokens)]
    known = [t for t in distinct if index.known(t)]
    matched = [t for t in index.matched(tokens, best) if t in text]
    rare = index.idf("\u2205\u2205")  # a word no document contains
    generic = math.log(1 + (1 - GENERIC_SHARE) / GENERIC_SHARE)  # the idf of a word in GENERIC_SHARE of documents
    specific = max((index.idf(t) for t in matched), default=0.0)
    values = {
        "log_word_score": math.log1p(word),
        "log_score": math.log1p(first),
        "coverage": index.coverage(tokens, best),
        "margin": (first - second) / first if first > 0 else 0.0,
        "off_list_lead": math.log1p(off) - math.log1p(first),
        "log_length": math.log1p(sum(1 for c in text if "\u4e00" <= c <= "\u9fff")),
        "specific": max(0.0, specific - generic) / max(rare - generic, 1e-9),
        "log_matched": math.log1p(len(matched)),
        "unknown_share": 1 - len(known) / len(distinct) if distinct else 1.0,
        "weak_words": max(0.0, math.log1p(WEAK_WORD_SCORE) - math.log1p(word)),
        "foreign_action": resolver.foreign_action(text, best),
    }
    return values, best, topic


def judge(resolver: "Resolver", text: str, tokens: Sequence[str], scores: np.ndarray,
          pairs: np.ndarray) -> tuple[Unlisted, int]:
    """The 清单外 judgement of a request, and the position of the best 清单外 topic (-1: none)."""
    values, best, topic = measure(resolver, text, tokens, scores, pairs)
    wins = topic >= 0 and scores[topic] > 0 and scores[topic] >= OFF_LIST_WINS * max(float(scores[best]), 0.0)
    return Unlisted(values, round(probability(values), 3), bool(wins)), topic


def probability(values: dict[str, float]) -> float:
    """The calibrated model's probability; for a request that shares next to nothing with any item in words, at
    least the frequency of 清单外 observed among such requests."""
    p = model().probability(values)
    return max(p, weak_probability()) if values["weak_words"] > 0 else p


@lru_cache(maxsize=1)
def _shipped() -> str:
    return (resources.files("lvzhi") / "resolve" / DATA_FILE).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def model() -> Calibrated:
    return read_model(_shipped())


@lru_cache(maxsize=1)
def weak_probability() -> float:
    return float((yaml.safe_load(_shipped()).get("weak") or {}).get("probability", 0.0))


def fitted_on() -> list[str]:
    """The file names of the labelled sets the shipped model was fitted on."""
    return [str(s).split(" (")[0] for s in yaml.safe_load(_shipped()).get("sets") or ()]


def read_model(text: str) -> Calibrated:
    data = yaml.safe_load(text)
    names = set(data["weights"])
    if names != set(FEATURES):
        raise ValueError(f"{DATA_FILE}: features {sorted(names)} are not the resolver's {sorted(FEATURES)}; refit")
    knots = data.get("isotonic") or {}
    return Calibrated(float(data["intercept"]), {k: float(v) for k, v in data["weights"].items()},
                      tuple(knots.get("model", ())), tuple(knots.get("observed", ())),
                      {k: float(v) for k, v in data["mean"].items()}, {k: float(v) for k, v in data["scale"].items()})


def in_words(probability: float) -> str:
    """How sure the answer is that no item covers the request, as an official reads it."""
    percent = round(probability * 100)
    if probability >= 0.9:
        return f"清单内事项基本不覆盖此请求（清单外可能性约 {percent}%）"
    if probability >= DECIDE_AT:
        return f"较可能属清单外（可能性约 {percent}%），请核实"
    if probability >= 0.2:
        return f"可能属清单外（可能性约 {percent}%），请核对所列事项是否确实覆盖"
    return f"清单内事项覆盖此请求（清单外可能性约 {percent}%）"


def features_of(resolver: "Resolver", text: str) -> dict[str, float]:
    """The features of a request as the resolver computes them when answering it (for fitting the model)."""
    from ..search.normalize import normalize

    clean = normalize(text)
    query = resolver.tokenizer.query_tokens(clean)
    scores, pairs = resolver._scores(clean, query)
    return measure(resolver, clean, query.all(), scores, pairs)[0]
