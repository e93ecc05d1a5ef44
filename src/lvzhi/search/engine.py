"""Searching the items of many towns: BM25 over titles, duties and departments, with filters and facets."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..model import Dataset, Item
from .documents import content_key, field_texts, haystack, item_text  # noqa: F401 - item_text: the engine's API
from .entries import KINDS, Entries
from .index import EXPANSION_WEIGHT, FieldedIndex, numbered, query_scores
from .normalize import normalize
from .tokenize import Tokenizer, tokenizer

FIELD_WEIGHTS = {"title": 1.0, "body": 0.4, "departments": 0.6}
# A query found verbatim in an item counts on top of its word scores, so that one- and two-character
# queries (罚, 托育) always find the items that contain them.
VERBATIM_BONUS = 2.0
TITLE_VERBATIM_BONUS = 1.0
# Hits scoring below this share of the best one are noise from common words, not matches.
RELATIVE_CUTOFF = 0.2


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
        self._docs: list[Item] = []
        entry_doc, entry_town, self._entry_items = [], [], []
        by_identity: dict[int, int] = {}
        by_content: dict[tuple, int] = {}
        for town_index, dataset in enumerate(datasets):
            for item in dataset.items:
                doc = by_identity.get(id(item))
                if doc is None:
                    doc = by_content.setdefault(content_key(item), len(self._docs))
                    if doc == len(self._docs):
                        self._docs.append(item)
                    by_identity[id(item)] = doc
                entry_doc.append(doc)
                entry_town.append(town_index)
                self._entry_items.append(item)
        self._texts = _Haystack([haystack(item) for item in self._docs])
        self._titles = _Haystack([item.title for item in self._docs])
        self.entries = _entries(self._towns, self._docs, entry_doc, entry_town)
        # each document's tokens as numbers at once: a province's tens of thousands of documents would otherwise
        # hold three lists of strings each until the index is built
        tokens = lambda text: numbered(self.tokenizer.tokens(text, simplified=True))  # noqa: E731
        texts = [field_texts(item) for item in self._docs]
        fields = {name: [tokens(t[n]) for t in texts] for n, name in enumerate(FIELD_WEIGHTS)}
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
            return SearchResult(query, 0, [], self.entries.facets([], filters))
        tokens = self.tokenizer.query_tokens(text)
        scores = query_scores(self.index, tokens)
        scores += VERBATIM_BONUS * self._texts.containing(text)
        scores += TITLE_VERBATIM_BONUS * self._titles.containing(text)
        # the list's own term for an everyday word (违建 → 违法建设) found verbatim counts too, at a synonym's weight
        for term in dict.fromkeys(t for t in self.tokenizer.expansions(text) if t not in text):
            scores += EXPANSION_WEIGHT * VERBATIM_BONUS * self._texts.containing(term)
        found = ranked_found(scores)
        matching = found[self.entries.passing(filters)[found]]
        total = int(self.entries.counts(filters.get("town"))[matching].sum())
        page = self.entries.page([int(d) for d in matching], filters.get("town"), limit, offset)
        hits = [Hit(self._towns[self.entries.entry_town[e]], self._entry_items[e], float(scores[d])) for d, e in page]
        return SearchResult(query, total, hits, self.entries.facets(found, filters),
                            [w for w in tokens.words + tokens.parts if w in text])


def ranked_found(scores: np.ndarray, order: np.ndarray | None = None, rounded: bool = False) -> np.ndarray:
    """The documents scoring at least RELATIVE_CUTOFF of the best, best first; of equal scores, in `order`
    (each document's place; default: its number). `rounded`: scores equal to 9 decimals are equal (sums of the
    same numbers in another order)."""
    floor = max(float(scores.max(initial=0.0)) * RELATIVE_CUTOFF, 1e-9)
    above = np.flatnonzero(scores >= floor)
    if order is None and not rounded:
        return above[np.argsort(-scores[above], kind="stable")]
    key = np.round(scores[above], 9) if rounded else scores[above]
    return above[np.lexsort((above if order is None else order[above], -key))]


def _entries(towns: list[str], docs: list[Item], entry_doc: list[int], entry_town: list[int]) -> Entries:
    """The entries table over the engine's documents (numbered in order of first appearance)."""
    categories: list[str] = list(dict.fromkeys(item.category for item in docs))
    category_number = {c: n for n, c in enumerate(categories)}
    named = [item.named_departments() for item in docs]
    departments: list[str] = list(dict.fromkeys(d for names in named for d in names))
    department_number = {d: n for n, d in enumerate(departments)}
    return Entries(towns, np.array(entry_doc, dtype=np.int64), np.array(entry_town, dtype=np.int64), len(docs),
                   np.array([KINDS.index(item.list) for item in docs], dtype=np.int64), categories,
                   np.array([category_number[item.category] for item in docs], dtype=np.int64), departments,
                   np.repeat(np.arange(len(named), dtype=np.int64), [len(n) for n in named]),
                   np.array([department_number[d] for names in named for d in names], dtype=np.int64))


class _Haystack:
    """Many texts in one string, for finding which of them contain a piece of text at C speed."""

    def __init__(self, texts: list[str]):
        self.size = len(texts)
        self._joined = "\x00".join(texts)  # a text never contains NUL, so no match spans two texts
        self._starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]) if texts else np.zeros(0, dtype=np.int64)

    def containing(self, text: str) -> np.ndarray:
        """1.0 for each text that contains `text`, else 0.0 (float32, to add to scores)."""
        hits = np.zeros(self.size, dtype=np.float32)
        if not text or "\x00" in text:
            return hits
        joined, find, at = self._joined, self._joined.find, 0
        while (at := find(text, at)) >= 0:
            n = int(np.searchsorted(self._starts, at, side="right")) - 1
            hits[n] = 1.0
            at = int(self._starts[n + 1]) if n + 1 < self.size else len(joined)  # on to the next text
        return hits
