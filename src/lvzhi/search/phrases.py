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
from scipy import sparse


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
        data = idf[np.array(cols, dtype=np.int64)] if cols else np.zeros(0, dtype=np.float32)
        self._matrix = sparse.csr_matrix((data, (rows, cols)), shape=(len(owners), len(self._column)), dtype=np.float32)
        self._mass = np.asarray(self._matrix.sum(axis=1)).ravel()
        self._owners = np.array(owners, dtype=np.int64)

    def scores(self, grams: Sequence[str]) -> np.ndarray:
        found = np.zeros(self.size, dtype=np.float32)
        columns = sorted({self._column[g] for g in grams if g in self._column})
        if not columns or not len(self._owners):
            return found
        query = np.zeros(len(self._column), dtype=np.float32)
        query[columns] = 1.0
        contained = self._matrix @ query
        hit = np.flatnonzero(contained)
        if not len(hit):
            return found
        weight = contained[hit] * (contained[hit] / self._mass[hit]) ** self.sharpness
        np.maximum.at(found, self._owners[hit], weight)
        return found
