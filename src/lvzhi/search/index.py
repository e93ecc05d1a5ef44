"""BM25 ranking over documents made of several weighted fields (bm25s underneath)."""
from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Mapping, Sequence

import bm25s
import numpy as np

if TYPE_CHECKING:
    from .tokenize import QueryTokens

_PLACEHOLDER = "\u2205"  # bm25s needs at least one token per document
# A query's whole words count fully; the shorter words inside them and the list's terms its everyday words
# stand for (synonyms.yaml) count less, so that one long word or one synonym cannot outweigh the rest.
PART_WEIGHT = 0.5
EXPANSION_WEIGHT = 0.4


class FieldIndex:
    """One field (say, the titles) of every document, indexed for BM25."""

    def __init__(self, documents: Sequence[Sequence[str]], length_normalisation: float = 0.75):
        self.size = len(documents)
        self._bm25 = bm25s.BM25(b=length_normalisation)
        self._bm25.index([list(doc) or [_PLACEHOLDER] for doc in documents], show_progress=False)
        self._vocabulary = set(self._bm25.vocab_dict)

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        known = [t for t in tokens if t in self._vocabulary]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return self._bm25.get_scores(known)


class FieldedIndex:
    """Documents with named fields; a document's score is the weighted sum of its fields' BM25 scores."""

    def __init__(self, fields: Mapping[str, Sequence[Sequence[str]]], weights: Mapping[str, float],
                 length_normalisation: Mapping[str, float] | None = None):
        sizes = {len(docs) for docs in fields.values()}
        if len(sizes) != 1:
            raise ValueError("every field needs one entry per document")
        self.size = sizes.pop()
        self.weights = dict(weights)
        b = dict(length_normalisation or {})
        self._fields = {name: FieldIndex(docs, b.get(name, 0.75)) for name, docs in fields.items()}
        self._document_tokens = [set() for _ in range(self.size)]
        frequency: Counter[str] = Counter()
        for docs in fields.values():
            for position, doc in enumerate(docs):
                self._document_tokens[position].update(doc)
        for tokens in self._document_tokens:
            frequency.update(tokens)
        self._idf = {t: math.log(1 + (self.size - n + 0.5) / (n + 0.5)) for t, n in frequency.items()}
        self._unknown_idf = math.log(1 + (self.size + 0.5) / 0.5)

    def scores(self, tokens: Sequence[str], weight: float = 1.0) -> np.ndarray:
        total = np.zeros(self.size, dtype=np.float32)
        if not tokens or not weight:
            return total
        for name, index in self._fields.items():
            field_weight = self.weights.get(name, 1.0)
            if field_weight:
                total += (weight * field_weight) * index.scores(tokens)
        return total

    def idf(self, token: str) -> float:
        return self._idf.get(token, self._unknown_idf)

    def known(self, token: str) -> bool:
        return token in self._idf

    def coverage(self, tokens: Sequence[str], position: int) -> float:
        """Share of the query's known-word weight (idf) that document `position` contains."""
        distinct = [t for t in dict.fromkeys(tokens) if t in self._idf]
        total = sum(self._idf[t] for t in distinct)
        if not total:
            return 0.0
        found = sum(self._idf[t] for t in distinct if t in self._document_tokens[position])
        return found / total

    def contains(self, position: int, token: str) -> bool:
        return token in self._document_tokens[position]

    def matched(self, tokens: Sequence[str], position: int) -> list[str]:
        return [t for t in dict.fromkeys(tokens) if t in self._document_tokens[position]]


def query_scores(index: FieldedIndex, query: "QueryTokens") -> np.ndarray:
    """Every document's score for a query, each kind of query token at its weight."""
    return (index.scores(query.words) + index.scores(query.parts, PART_WEIGHT)
            + index.scores(query.expansions, EXPANSION_WEIGHT)
            + index.scores(query.expansion_parts, EXPANSION_WEIGHT * PART_WEIGHT))
