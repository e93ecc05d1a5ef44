"""Searching the items of many towns: BM25 over titles, duties and departments, with filters and facets."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ..model import LIST_KINDS, Dataset, Item
from .documents import content_key, field_texts, haystack, item_text  # noqa: F401 - item_text: the engine's API
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
        self._town_number = {name: n for n, name in enumerate(self._towns)}
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
        self._entry_doc = np.array(entry_doc, dtype=np.int64)
        self._entry_town = np.array(entry_town, dtype=np.int64)
        # entries are appended town by town: a town's entries are one slice
        self._town_start = np.searchsorted(self._entry_town, np.arange(len(self._towns) + 1))
        self._by_doc = np.argsort(self._entry_doc, kind="stable")  # entries grouped by document, in entry order
        self._doc_start = np.searchsorted(self._entry_doc[self._by_doc], np.arange(len(self._docs) + 1))
        self._doc_sizes = np.diff(self._doc_start)
        self._texts = _Haystack([haystack(item) for item in self._docs])
        self._titles = _Haystack([item.title for item in self._docs])
        # each document's list, category and departments as numbers: filters and facets are array operations
        self._kinds = list(LIST_KINDS)
        self._doc_kind = np.array([self._kinds.index(item.list) for item in self._docs], dtype=np.int64)
        self._categories: list[str] = list(dict.fromkeys(item.category for item in self._docs))
        number = {c: n for n, c in enumerate(self._categories)}
        self._doc_category = np.array([number[item.category] for item in self._docs], dtype=np.int64)
        named = [item.named_departments() for item in self._docs]
        self._departments: list[str] = list(dict.fromkeys(d for names in named for d in names))
        number = {d: n for n, d in enumerate(self._departments)}
        self._department_doc = np.repeat(np.arange(len(named), dtype=np.int64), [len(n) for n in named])
        self._department_of = np.array([number[d] for names in named for d in names], dtype=np.int64)
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
            return SearchResult(query, 0, [], self._facets([], filters))
        tokens = self.tokenizer.query_tokens(text)
        scores = query_scores(self.index, tokens)
        scores += VERBATIM_BONUS * self._texts.containing(text)
        scores += TITLE_VERBATIM_BONUS * self._titles.containing(text)
        # the list's own term for an everyday word (违建 → 违法建设) found verbatim counts too, at a synonym's weight
        for term in dict.fromkeys(t for t in self.tokenizer.expansions(text) if t not in text):
            scores += EXPANSION_WEIGHT * VERBATIM_BONUS * self._texts.containing(term)
        floor = max(float(scores.max()) * RELATIVE_CUTOFF, 1e-9)
        ranked = np.argsort(-scores, kind="stable")
        found = ranked[scores[ranked] >= floor]
        matching = found[self._passing(filters)[found]]
        counts = self._entry_counts(filters.get("town"))
        total = int(counts[matching].sum())
        return SearchResult(query, total, self._page([int(d) for d in matching], scores, filters.get("town"), limit,
                                                     offset),
                            self._facets(found, filters), [w for w in tokens.words + tokens.parts if w in text])

    def _passing(self, filters: dict[str, str | None], ignore: str | None = None) -> np.ndarray:
        """Per document, whether it passes every filter but `ignore` (the town filter counts by entries)."""
        passing = np.ones(len(self._docs), dtype=bool)
        if filters.get("list") and ignore != "list":
            kind = filters["list"]
            passing &= self._doc_kind == (self._kinds.index(kind) if kind in self._kinds else -1)
        if filters.get("category") and ignore != "category":
            category = filters["category"]
            passing &= self._doc_category == (self._categories.index(category) if category in self._categories else -1)
        if filters.get("department") and ignore != "department":
            named = np.zeros(len(self._docs), dtype=bool)
            if filters["department"] in self._departments:
                number = self._departments.index(filters["department"])
                named[self._department_doc[self._department_of == number]] = True
            passing &= named
        return passing

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

    def _facets(self, found, filters: dict[str, str | None]) -> dict[str, dict[str, int]]:
        """Counts per value of each facet, under every filter but that facet's own (so other values stay visible).
        Values are ordered by count, then by where they first appear among the hits (best first)."""
        found = np.asarray(found, dtype=np.int64)
        counts = self._entry_counts(filters.get("town"))

        def tally(ignore: str, names: list[str], values: np.ndarray, docs: np.ndarray) -> dict[str, int]:
            """values[k] is a value of document docs[k] (hits in rank order, a document's values in its order)."""
            keep = self._passing(filters, ignore)[docs] & (counts[docs] > 0)
            values, weights = values[keep], counts[docs[keep]]
            if not len(values):
                return {}
            totals = np.bincount(values, weights=weights, minlength=len(names))
            seen, first = np.unique(values, return_index=True)
            order = sorted(zip(seen.tolist(), first.tolist()), key=lambda v: (-totals[v[0]], v[1]))
            return {names[v]: int(totals[v]) for v, _ in order}

        lists = tally("list", self._kinds, self._doc_kind[found], found)
        positions = _ranges(np.searchsorted(self._department_doc, found),
                            np.searchsorted(self._department_doc, found, side="right"))
        towns: Counter = Counter()
        selected = found[self._passing(filters)[found]]
        if len(selected):
            # only the selected documents' entries, not a pass over every entry of every town
            entries = self._by_doc[_ranges(self._doc_start[selected], self._doc_start[selected + 1])]
            per_town = np.bincount(self._entry_town[entries], minlength=len(self._towns))
            for index in np.flatnonzero(per_town):
                towns[self._towns[index]] += int(per_town[index])
        return {
            "list": {k: lists[k] for k in LIST_KINDS if lists.get(k)},
            "category": tally("category", self._categories, self._doc_category[found], found),
            "department": tally("department", self._departments, self._department_of[positions],
                                self._department_doc[positions]),
            "town": dict(towns.most_common()),
        }


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The positions start..end-1 of every range, one after another."""
    lengths = (ends - starts).astype(np.int64)
    if not lengths.sum():
        return np.empty(0, dtype=np.int64)
    return np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))


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
