"""The nearest phrasing: how much of one single way of saying an item a request contains.

An item's everyday phrasings are short descriptions of one situation each (楼顶搭棚子, 河里漂起死猪). BM25 over all of
them as one field counts a request's words wherever they fall, so words scattered over five unrelated phrasings score
like one phrasing found whole. Here every phrasing is its own set of character pairs, weighted by how rare each pair
is among the items; a request scores, per phrasing, the weight it contains times the share of the phrasing it
contains, and an item scores its best phrasing.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .index import VOCABULARY


class NearestPhrasing:
    """Per item (document), the weight of its best-contained phrasing in a request's character pairs. Pairs are
    numbered by the process-wide vocabulary (as the BM25 indexes are), so a town's table is flat arrays only."""

    def __init__(self, phrasings: Sequence[Sequence[Sequence[str]]], sharpness: float = 1.0):
        """`phrasings[d]`: document d's phrasings, each a sequence of character pairs."""
        self.size = len(phrasings)
        self.sharpness = sharpness
        rows, grams, owners = [], [], []
        for d, doc in enumerate(phrasings):
            for phrase in doc:
                numbers = set(VOCABULARY.number(phrase))
                if not numbers:
                    continue
                rows.extend([len(owners)] * len(numbers))
                grams.extend(numbers)
                owners.append(d)
        rows_array, grams_array = np.array(rows, dtype=np.int32), np.array(grams, dtype=np.int32)
        # idf of a pair: over documents (items), not phrasings
        owner_of_row = np.array(owners, dtype=np.int32)[rows_array] if rows else np.zeros(0, dtype=np.int32)
        pairs = np.unique(np.stack([grams_array, owner_of_row]), axis=1) if rows else np.zeros((2, 0), np.int32)
        self._grams, frequency = np.unique(pairs[0], return_counts=True)
        idf = np.log(1 + (self.size - frequency + 0.5) / (frequency + 0.5)).astype(np.float32)
        column = np.searchsorted(self._grams, grams_array)
        weights = idf[column] if rows else np.zeros(0, dtype=np.float32)
        self._owners = np.array(owners, dtype=np.int32)
        self._mass = np.bincount(rows_array, weights=weights, minlength=len(owners)).astype(np.float32)
        # postings: for each pair, the phrasings holding it and its weight (a request touches few pairs)
        by_column = np.argsort(column, kind="stable")
        self._starts = np.searchsorted(column[by_column], np.arange(len(self._grams) + 1)).astype(np.int32)
        self._rows = rows_array[by_column]
        self._weights = weights[by_column].astype(np.float32)

    @property
    def nbytes(self) -> int:
        return (self._grams.nbytes + self._owners.nbytes + self._mass.nbytes + self._rows.nbytes
                + self._weights.nbytes + self._starts.nbytes)

    def _columns(self, grams: Sequence[str]) -> set[int]:
        numbers = np.array([n for n in (VOCABULARY.get(g) for g in grams) if n >= 0], dtype=np.int32)
        if not len(numbers) or not len(self._grams):
            return set()
        at = np.minimum(np.searchsorted(self._grams, numbers), len(self._grams) - 1)
        return set(at[self._grams[at] == numbers].tolist())

    def scores(self, grams: Sequence[str]) -> np.ndarray:
        found = np.zeros(self.size, dtype=np.float32)
        columns = self._columns(grams)
        if not columns:
            return found
        spans = [(self._starts[c], self._starts[c + 1]) for c in columns]
        rows = np.concatenate([self._rows[a:b] for a, b in spans])
        if not len(rows):
            return found
        weights = np.concatenate([self._weights[a:b] for a, b in spans])
        hit, inverse = np.unique(rows, return_inverse=True)
        contained = np.bincount(inverse, weights=weights).astype(np.float32)
        weight = contained * (contained / self._mass[hit]) ** self.sharpness
        np.maximum.at(found, self._owners[hit], weight)
        return found
