"""Which towns' items hold each search document, as arrays: filters, totals, facets and a page's entries.

Both searches rank distinct item contents (documents) and then count entries (a town's item with that content):
the in-memory engine numbers its documents itself, the database's search uses the documents' row ids (a
document no town counts today has no entries). An entry's number is its place in the towns' order, then the
lists' order within a town: entries of equal score come out in that order.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..model import LIST_KINDS

KINDS = list(LIST_KINDS)


class Entries:
    """`entry_doc[e]` and `entry_town[e]` are entry e's document and town (its index in `towns`), entries
    grouped by town in the towns' order; per document, its list, category and departments as numbers."""

    def __init__(self, towns: Sequence[str], entry_doc: np.ndarray, entry_town: np.ndarray, documents: int,
                 doc_kind: np.ndarray, categories: Sequence[str], doc_category: np.ndarray,
                 departments: Sequence[str], department_doc: np.ndarray, department_of: np.ndarray):
        self.towns = list(towns)
        self._town_number = {name: n for n, name in enumerate(self.towns)}
        self.documents = documents
        # 32-bit numbers: a province has millions of entries
        self.entry_doc = np.asarray(entry_doc, dtype=np.int32)
        self.entry_town = np.asarray(entry_town, dtype=np.int32)
        self._town_start = np.searchsorted(self.entry_town, np.arange(len(self.towns) + 1))
        # entries grouped by document, in entry order
        self._by_doc = np.argsort(self.entry_doc, kind="stable").astype(np.int32)
        self._doc_start = np.searchsorted(self.entry_doc[self._by_doc], np.arange(documents + 1))
        self.sizes = np.diff(self._doc_start)
        self.doc_kind, self.doc_category = doc_kind, doc_category
        self.categories, self.departments = list(categories), list(departments)
        self._category_number = {c: n for n, c in enumerate(self.categories)}
        self._department_number = {d: n for n, d in enumerate(self.departments)}
        self.department_doc, self.department_of = department_doc, department_of  # sorted by document
        self._department_start = np.searchsorted(department_doc, np.arange(documents + 1))
        # the documents most towns share (a district's template items): their entries per town at hand, so that
        # counting towns costs a row each, not an entry each
        self._wide = np.flatnonzero(self.sizes >= max(WIDE, len(self.towns) // 8))
        self._wide_row = np.full(documents, -1, dtype=np.int64)
        self._wide_row[self._wide] = np.arange(len(self._wide))
        entries = self._by_doc[_ranges(self._doc_start[self._wide], self._doc_start[self._wide + 1])]
        self._wide_towns = np.bincount(
            self._wide_row[self.entry_doc[entries]] * len(self.towns) + self.entry_town[entries],
            minlength=len(self._wide) * len(self.towns)).reshape(len(self._wide), len(self.towns)).astype(np.int32)

    def first_entries(self) -> np.ndarray:
        """Per document, its first entry's number (documents without entries: after every entry)."""
        first = np.full(self.documents, len(self.entry_doc), dtype=np.int64)
        held = self.sizes > 0
        first[held] = self._by_doc[self._doc_start[:-1][held]]
        return first

    def passing(self, filters: dict[str, str | None], ignore: str | None = None) -> np.ndarray:
        """Per document, whether it passes every filter but `ignore` (the town filter counts by entries)."""
        passing = np.ones(self.documents, dtype=bool)
        if filters.get("list") and ignore != "list":
            kind = filters["list"]
            passing &= self.doc_kind == (KINDS.index(kind) if kind in KINDS else -1)
        if filters.get("category") and ignore != "category":
            passing &= self.doc_category == self._category_number.get(filters["category"], -1)
        if filters.get("department") and ignore != "department":
            named = np.zeros(self.documents, dtype=bool)
            number = self._department_number.get(filters["department"])
            if number is not None:
                named[self.department_doc[self.department_of == number]] = True
            passing &= named
        return passing

    def counts(self, town: str | None) -> np.ndarray:
        """Per document, how many entries it has (in the one town, when filtered by town)."""
        if not town:
            return self.sizes
        n = self._town_number.get(town)
        if n is None:
            return np.zeros(self.documents, dtype=np.int64)
        return np.bincount(self.entry_doc[self._town_start[n]:self._town_start[n + 1]], minlength=self.documents)

    def of(self, doc: int, town: str | None) -> np.ndarray:
        """The document's entries in entry order (the one town's, when filtered by town)."""
        entries = self._by_doc[self._doc_start[doc]:self._doc_start[doc + 1]]
        if town:
            entries = entries[self.entry_town[entries] == self._town_number.get(town, -1)]
        return entries

    def page(self, matching: Sequence[int], town: str | None, limit: int, offset: int) -> list[tuple[int, int]]:
        """(document, entry) of the page's entries: the matching documents' entries in rank order."""
        chosen: list[tuple[int, int]] = []
        skip = offset
        for doc in matching:
            if len(chosen) >= limit:
                break
            entries = self.of(doc, town)
            if skip >= len(entries):
                skip -= len(entries)
                continue
            chosen += [(int(doc), int(e)) for e in entries[skip:skip + limit - len(chosen)]]
            skip = 0
        return chosen

    def _per_town(self, documents: np.ndarray) -> np.ndarray:
        """Entries per town of these documents: the wide ones' rows summed, the others' entries counted."""
        rows = self._wide_row[documents]
        narrow = documents[rows < 0]
        entries = self._by_doc[_ranges(self._doc_start[narrow], self._doc_start[narrow + 1])]
        per_town = np.bincount(self.entry_town[entries], minlength=len(self.towns)).astype(np.int64)
        if (rows >= 0).any():
            per_town += self._wide_towns[rows[rows >= 0]].sum(axis=0)
        return per_town

    def department_counts(self) -> tuple[dict[tuple[str, str], int], dict[str, int]]:
        """Entries per (department, list) and towns per department, of the documents that name it."""
        held = self.sizes[self.department_doc] > 0
        docs, names = self.department_doc[held], self.department_of[held]
        per_kind = np.bincount(names * len(KINDS) + self.doc_kind[docs], weights=self.sizes[docs],
                               minlength=len(self.departments) * len(KINDS))
        items = {(self.departments[k // len(KINDS)], KINDS[k % len(KINDS)]): int(per_kind[k])
                 for k in np.flatnonzero(per_kind).tolist()}
        in_town = np.zeros((len(self.departments), len(self.towns)), dtype=bool)
        rows = self._wide_row[docs]
        wide_towns = self._wide_towns > 0
        for name, row in zip(names[rows >= 0].tolist(), rows[rows >= 0].tolist()):  # a district's templates
            in_town[name] |= wide_towns[row]
        narrow, named = docs[rows < 0], names[rows < 0]
        entries = self._by_doc[_ranges(self._doc_start[narrow], self._doc_start[narrow + 1])]
        in_town[np.repeat(named, self.sizes[narrow]), self.entry_town[entries]] = True
        towns = {self.departments[d]: int(n) for d, n in enumerate(in_town.sum(axis=1).tolist()) if n}
        return items, towns

    def facets(self, found, filters: dict[str, str | None]) -> dict[str, dict[str, int]]:
        """Counts per value of each facet, under every filter but that facet's own (so other values stay visible).
        Values are ordered by count, then by where they first appear among the hits (best first)."""
        found = np.asarray(found, dtype=np.int64)
        counts = self.counts(filters.get("town"))

        def tally(ignore: str, names: list[str], values: np.ndarray, docs: np.ndarray) -> dict[str, int]:
            """values[k] is a value of document docs[k] (hits in rank order, a document's values in its order)."""
            keep = self.passing(filters, ignore)[docs] & (counts[docs] > 0)
            values, weights = values[keep], counts[docs[keep]]
            if not len(values):
                return {}
            totals = np.bincount(values, weights=weights, minlength=len(names))
            seen, first = np.unique(values, return_index=True)
            order = sorted(zip(seen.tolist(), first.tolist()), key=lambda v: (-totals[v[0]], v[1]))
            return {names[v]: int(totals[v]) for v, _ in order}

        lists = tally("list", KINDS, self.doc_kind[found], found)
        positions = _ranges(self._department_start[found], self._department_start[found + 1])
        towns: dict[str, int] = {}
        selected = found[self.passing(filters)[found]]
        if len(selected):  # most entries first; of equal counts, in the towns' order
            per_town = self._per_town(selected)
            held = np.flatnonzero(per_town)
            held = held[np.argsort(-per_town[held], kind="stable")]
            towns = dict(zip([self.towns[i] for i in held.tolist()], per_town[held].tolist()))
        return {
            "list": {k: lists[k] for k in LIST_KINDS if lists.get(k)},
            "category": tally("category", self.categories, self.doc_category[found], found),
            "department": tally("department", self.departments, self.department_of[positions],
                                self.department_doc[positions]),
            "town": towns,
        }


WIDE = 64  # entries from which a document's entries are counted per town ahead (and at least an eighth of the towns)


def _ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The positions start..end-1 of every range, one after another."""
    lengths = (ends - starts).astype(np.int64)
    if not lengths.sum():
        return np.empty(0, dtype=np.int64)
    return np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
