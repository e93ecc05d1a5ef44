"""Searching the items of many towns: BM25 over titles, duties and departments, with filters and facets."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..model import LIST_KINDS, Dataset, Item
from .index import EXPANSION_WEIGHT, FieldedIndex, query_scores
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
    """Built once over the current lists of every town; answers many searches.

    Towns' lists come from district templates, so most items recur word for word across towns. The index holds
    each distinct item once (a document) and remembers which towns' entries share it: ranking costs the same for
    one town or a thousand, and only the hits on the page asked for become objects.
    """

    def __init__(self, datasets: Sequence[Dataset], words: Tokenizer | None = None):
        self.tokenizer = words or tokenizer()
        self._towns = [d.town.name for d in datasets]
        self._town_number = {name: n for n, name in enumerate(self._towns)}
        self._docs: list[Item] = []
        entry_doc, entry_town, self._entry_items = [], [], []
        by_identity: dict[int, int] = {}
        by_content: dict[tuple, int] = {}
        for town_index, dataset in enumerate(datasets):
            for item in dataset.items:
                doc = by_identity.get(id(item))
                if doc is None:
                    key = (item.list, item.category, item.title, item_text(item), tuple(item.named_departments()))
                    doc = by_content.setdefault(key, len(self._docs))
                    if doc == len(self._docs):
                        self._docs.append(item)
                    by_identity[id(item)] = doc
                entry_doc.append(doc)
                entry_town.append(town_index)
                self._entry_items.append(item)
        self._entry_doc = np.array(entry_doc, dtype=np.int64)
        self._entry_town = np.array(entry_town, dtype=np.int64)
        # entries are appended town by town: a town's entries are one slice
        self._town_start = np.searchsorted(self._entry_town, np.arange(len(self._towns) + 1))
        self._by_doc = np.argsort(self._entry_doc, kind="stable")  # entries grouped by document, in entry order
        self._doc_start = np.searchsorted(self._entry_doc[self._by_doc], np.arange(len(self._docs) + 1))
        self._doc_sizes = np.diff(self._doc_start)
        self._texts = [" ".join([item.title, item_text(item), *item.named_departments()]) for item in self._docs]
        tokens = lambda text: self.tokenizer.tokens(text, simplified=True)  # noqa: E731
        fields = {
            "title": [tokens(item.title) for item in self._docs],
            "body": [tokens(item_text(item)) for item in self._docs],
            "departments": [tokens(" ".join(item.named_departments())) for item in self._docs],
        }
        self.index = FieldedIndex(fields, FIELD_WEIGHTS) if self._docs else None

    @property
    def size(self) -> int:
        """How many entries (a town's item) the engine searches."""
        return len(self._entry_items)

    def search(self, query: str, kind: str | None = None, category: str | None = None,
               department: str | None = None, town: str | None = None, limit: int = 20,
               offset: int = 0) -> SearchResult:
        text = normalize(query or "")
        filters = {"list": kind, "category": category, "department": department, "town": town}
        if not text or self.index is None:
            return SearchResult(query, 0, [], self._facets([], filters))
        tokens = self.tokenizer.query_tokens(text)
        scores = query_scores(self.index, tokens)
        scores += VERBATIM_BONUS * np.array([text in t for t in self._texts], dtype=np.float32)
        scores += TITLE_VERBATIM_BONUS * np.array([text in item.title for item in self._docs], dtype=np.float32)
        # the list's own term for an everyday word (违建 → 违法建设) found verbatim counts too, at a synonym's weight
        for term in dict.fromkeys(t for t in self.tokenizer.expansions(text) if t not in text):
            scores += EXPANSION_WEIGHT * VERBATIM_BONUS * np.array([term in t for t in self._texts], dtype=np.float32)
        floor = max(float(scores.max()) * RELATIVE_CUTOFF, 1e-9)
        found = [int(d) for d in np.argsort(-scores, kind="stable") if scores[d] >= floor]
        matching = [d for d in found if self._doc_passes(d, filters)]
        counts = self._entry_counts(filters.get("town"))
        total = int(sum(counts[d] for d in matching))
        return SearchResult(query, total, self._page(matching, scores, filters.get("town"), limit, offset),
                            self._facets(found, filters), [w for w in tokens.words + tokens.parts if w in text])

    def _doc_passes(self, doc: int, filters: dict[str, str | None], ignore: str | None = None) -> bool:
        item = self._docs[doc]
        checks = {"list": lambda v: item.list == v, "category": lambda v: item.category == v,
                  "department": lambda v: v in item.named_departments()}
        return all(check(filters[key]) for key, check in checks.items() if filters.get(key) and key != ignore)

    def _entry_counts(self, town: str | None) -> np.ndarray:
        """Per document, how many entries it has (in the one town, when filtered by town)."""
        if not town:
            return self._doc_sizes
        n = self._town_number.get(town)
        if n is None:
            return np.zeros(len(self._docs), dtype=np.int64)
        return np.bincount(self._entry_doc[self._town_start[n]:self._town_start[n + 1]], minlength=len(self._docs))

    def _entries_of(self, doc: int, town: str | None) -> np.ndarray:
        entries = self._by_doc[self._doc_start[doc]:self._doc_start[doc + 1]]
        if town:
            entries = entries[self._entry_town[entries] == self._town_number.get(town, -1)]
        return entries

    def _page(self, matching: list[int], scores: np.ndarray, town: str | None, limit: int, offset: int) -> list[Hit]:
        hits: list[Hit] = []
        skip = offset
        for doc in matching:
            if len(hits) >= limit:
                break
            entries = self._entries_of(doc, town)
            if skip >= len(entries):
                skip -= len(entries)
                continue
            for entry in entries[skip:skip + limit - len(hits)]:
                hits.append(Hit(self._towns[self._entry_town[entry]], self._entry_items[entry], float(scores[doc])))
            skip = 0
        return hits

    def _facets(self, found: list[int], filters: dict[str, str | None]) -> dict[str, dict[str, int]]:
        """Counts per value of each facet, under every filter but that facet's own (so other values stay visible)."""
        town = filters.get("town")
        counts = self._entry_counts(town)

        def tally(ignore: str, values) -> Counter:
            tallied: Counter = Counter()
            for doc in found:
                if counts[doc] and self._doc_passes(doc, filters, ignore):
                    for value in values(self._docs[doc]):
                        tallied[value] += int(counts[doc])
            return tallied

        lists = tally("list", lambda item: [item.list])
        towns = Counter()
        selected = [d for d in found if self._doc_passes(d, filters)]
        if selected:
            # only the selected documents' entries, not a pass over every entry of every town
            entries = np.concatenate([self._by_doc[self._doc_start[d]:self._doc_start[d + 1]] for d in selected])
            per_town = np.bincount(self._entry_town[entries], minlength=len(self._towns))
            for index in np.flatnonzero(per_town):
                towns[self._towns[index]] += int(per_town[index])
        return {
            "list": {k: lists[k] for k in LIST_KINDS if lists[k]},
            "category": dict(tally("category", lambda item: [item.category]).most_common()),
            "department": dict(tally("department", lambda item: item.named_departments()).most_common()),
            "town": dict(towns.most_common()),
        }
