"""The nearest phrasing: how much of one single way of saying an item a request contains.

An item's everyday phrasings are short descriptions of one situation each (楼顶搭棚子, 河里漂起死猪). BM25 over all of
them as one field counts a request's words wherever they fall, so words scattered over five unrelated phrasings score
like one phrasing found whole. Here every phrasing is its own set of character pairs, weighted by how rare each pair
is among the items; a request scores, per phrasing, the weight it contains times the share of the phrasing it
contains, and an item scores its best phrasing.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np


class NearestPhrasing:
    """Per item (document), the weight of its best-contained phrasing in a request's character pairs."""

    def __init__(self, phrasings: Sequence[Sequence[Sequence[str]]], sharpness: float = 1.0):
        """`phrasings[d]`: document d's phrasings, each a sequence of character pairs."""
        self.size = len(phrasings)
        self.sharpness = sharpness
        frequency: dict[str, int] = {}
        for doc in phrasings:
            for gram in {g for phrase in doc for g in phrase}:
                frequency[gram] = frequency.get(gram, 0) + 1
        self._column = {g: n for n, g in enumerate(frequency)}
        idf = np.array([math.log(1 + (self.size - f + 0.5) / (f + 0.5)) for f in frequency.values()], dtype=np.float32)
        rows, cols, owners = [], [], []
        for d, doc in enumerate(phrasings):
            for phrase in doc:
                grams = {self._column[g] for g in phrase}
                if not grams:
                    continue
                rows.extend([len(owners)] * len(grams))
                cols.extend(grams)
                owners.append(d)
        rows_array, cols_array = np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)
        weights = idf[cols_array] if cols else np.zeros(0, dtype=np.float32)
        self._owners = np.array(owners, dtype=np.int64)
        self._mass = np.bincount(rows_array, weights=weights, minlength=len(owners)).astype(np.float32)
        # postings: for each pair, the phrasings holding it and its weight (a request touches few pairs)
        by_column = np.argsort(cols_array, kind="stable")
        starts = np.searchsorted(cols_array[by_column], np.arange(len(self._column) + 1))
        self._rows = rows_array[by_column]
        self._weights = weights[by_column]
        self._starts = starts

    def scores(self, grams: Sequence[str]) -> np.ndarray:
        found = np.zeros(self.size, dtype=np.float32)
        columns = {self._column[g] for g in grams if g in self._column}
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
