"""Searching the items of many towns: BM25 over titles, duties and departments, with filters and facets."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..model import LIST_KINDS, Dataset, Item
from .index import FieldedIndex, query_scores
from .normalize import normalize
from .tokenize import Tokenizer, tokenizer

FIELD_WEIGHTS = {"title": 1.0, "body": 0.4, "departments": 0.6}
# A query found verbatim in an item counts on top of its word scores, so that one- and two-character
# queries (罚, 托育) always find the items that contain them.
VERBATIM_BONUS = 2.0
TITLE_VERBATIM_BONUS = 1.0
# Hits scoring below this share of the best one are noise from common words, not matches.
RELATIVE_CUTOFF = 0.2


def item_text(item: Item) -> str:
    """What search reads besides the title: duties, methods and the note."""
    return " ".join([*item.duty_texts(), item.note or ""])


@dataclass
class Hit:
    town: str
    item: Item
    score: float

    def to_dict(self) -> dict:
        return {"code": self.item.code, "town": self.town, "title": self.item.title, "score": round(self.score, 3),
                "list": self.item.list, "category": self.item.category,
                "departments": self.item.named_departments()}


@dataclass
class SearchResult:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"query": self.query, "total": self.total, "items": [h.to_dict() for h in self.hits],
                "facets": self.facets, "words": self.words}


class SearchEngine:
    """Built once over the current lists of every town; answers many searches."""

    def __init__(self, datasets: Sequence[Dataset], words: Tokenizer | None = None):
        self.tokenizer = words or tokenizer()
        self._entries = [(d.town.name, item) for d in datasets for item in d.items]
        self._texts = [" ".join([item.title, item_text(item), *item.named_departments()])
                       for _, item in self._entries]
        tokens = lambda text: self.tokenizer.tokens(text, simplified=True)  # noqa: E731
        fields = {
            "title": [tokens(item.title) for _, item in self._entries],
            "body": [tokens(item_text(item)) for _, item in self._entries],
            "departments": [tokens(" ".join(item.named_departments())) for _, item in self._entries],
        }
        self.index = FieldedIndex(fields, FIELD_WEIGHTS) if self._entries else None

    def search(self, query: str, kind: str | None = None, category: str | None = None,
               department: str | None = None, town: str | None = None, limit: int = 20,
               offset: int = 0) -> SearchResult:
        text = normalize(query or "")
        if not text or self.index is None:
            return SearchResult(query, 0, [], self._facets([], np.zeros(0), {}))
        tokens = self.tokenizer.query_tokens(text)
        scores = query_scores(self.index, tokens)
        scores += VERBATIM_BONUS * np.array([text in t for t in self._texts], dtype=np.float32)
        scores += TITLE_VERBATIM_BONUS * np.array([text in item.title for _, item in self._entries], dtype=np.float32)
        floor = max(float(scores.max()) * RELATIVE_CUTOFF, 1e-9)
        found = [n for n in np.argsort(-scores, kind="stable") if scores[n] >= floor]
        filters = {"list": kind, "category": category, "department": department, "town": town}
        hits = [self._hit(n, scores) for n in found if self._passes(n, filters)]
        return SearchResult(query, len(hits), hits[offset:offset + limit], self._facets(found, scores, filters),
                            [w for w in tokens.words + tokens.parts if w in text])

    def _hit(self, n: int, scores: np.ndarray) -> Hit:
        return Hit(self._entries[n][0], self._entries[n][1], float(scores[n]))

    def _passes(self, n: int, filters: dict[str, str | None], ignore: str | None = None) -> bool:
        town_name, item = self._entries[n]
        checks = {"list": lambda v: item.list == v, "category": lambda v: item.category == v,
                  "town": lambda v: town_name == v, "department": lambda v: v in item.named_departments()}
        return all(check(filters[key]) for key, check in checks.items() if filters.get(key) and key != ignore)

    def _facets(self, found: list[int], scores: np.ndarray, filters: dict[str, str | None]) -> dict[str, dict[str, int]]:
        """Counts per value of each facet, under every filter but that facet's own (so other values stay visible)."""
        def among(ignore: str) -> list[Hit]:
            return [self._hit(n, scores) for n in found if self._passes(n, filters, ignore)]

        lists = Counter(h.item.list for h in among("list"))
        return {
            "list": {kind: lists[kind] for kind in LIST_KINDS if lists[kind]},
            "category": dict(Counter(h.item.category for h in among("category")).most_common()),
            "department": dict(Counter(d for h in among("department") for d in h.item.named_departments()).most_common()),
            "town": dict(Counter(h.town for h in among("town")).most_common()),
        }
