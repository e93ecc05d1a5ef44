"""What a worker keeps of the database's search tables, so that a search across ten thousand towns costs
milliseconds: the documents' few fields that filters and facets need, the counted versions' entries, and the
postings of the terms asked for recently, held to a memory budget (LVZHI_SEARCH_CACHE_MB).

A province's documents are few beside its entries (a town's item is one of ~400k distinct contents at 10,000
towns, against 4 million entries), and what a worker holds of them is arrays: ~30 bytes a document, 12 bytes an
entry, 8 bytes a posting held. Documents and postings are never changed once written, only added: what is held
is brought up to date by reading the documents added since (`catch_up`), not read again. The texts stay in the
database; only a query's few uncertain verbatim matches are read there (lvzhi.search.database).
"""
from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Hashable, Sequence

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..store.bulk import chunks
from ..store.schema import ItemRow, SearchDocumentRow, SearchPostingRow, SearchTermRow
from .entries import KINDS

ENV_BUDGET = "LVZHI_SEARCH_CACHE_MB"
DEFAULT_BUDGET_MB = 256
D, P, T = SearchDocumentRow, SearchPostingRow, SearchTermRow


def budget_bytes() -> float:
    """The postings' budget: LVZHI_SEARCH_CACHE_MB if set to a positive number, else 256 MiB."""
    try:
        value = float(os.environ.get(ENV_BUDGET, ""))
    except ValueError:
        value = 0.0
    return (value if value > 0 else DEFAULT_BUDGET_MB) * 2**20


@dataclass(frozen=True)
class Postings:
    """A set of (field, document) pairs — one term's postings with their tf, or the documents whose terms hold
    a character — sorted by field, then document: `starts[f]:starts[f + 1]` is field f's slice."""

    starts: np.ndarray
    docs: np.ndarray
    tf: np.ndarray

    @classmethod
    def of(cls, rows: np.ndarray) -> "Postings":
        """From rows of (field, document, tf), in any order."""
        rows = rows.reshape(-1, 3)
        rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
        return cls(np.searchsorted(rows[:, 0], np.arange(4)), rows[:, 1].astype(np.int32),
                   rows[:, 2].astype(np.float32))

    def field(self, f: int) -> tuple[np.ndarray, np.ndarray]:
        return self.docs[self.starts[f]:self.starts[f + 1]], self.tf[self.starts[f]:self.starts[f + 1]]

    def documents(self, fields: Sequence[int] = (0, 1, 2)) -> np.ndarray:
        """The documents with any pair in these fields, sorted, once each."""
        return np.unique(np.concatenate([self.field(f)[0] for f in fields]))

    def joined(self, rows: np.ndarray) -> "Postings":
        """These postings and more rows (field, document, tf)."""
        mine = np.column_stack([np.repeat(np.arange(3), np.diff(self.starts)), self.docs, self.tf])
        return Postings.of(np.concatenate([mine, rows.reshape(-1, 3)]))

    @property
    def nbytes(self) -> int:
        return self.docs.nbytes + self.tf.nbytes + 200


class SearchMemory:
    """Thread-safe; one a process (the catalog's), shared by every DatabaseSearch it makes."""

    def __init__(self, budget: float | None = None):
        self.budget = budget if budget is not None else budget_bytes()
        self._lock = threading.RLock()
        self._held: OrderedDict[Hashable, tuple[Postings, int]] = OrderedDict()
        self._used = 0
        self._versions: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._reset()

    def _reset(self) -> None:
        self.watermark = 0  # the documents with ids up to it are held
        self.kind = np.zeros(1, dtype=np.int64)
        self.category = np.zeros(1, dtype=np.int64)
        self.lengths = np.ones((3, 1), dtype=np.float64)
        self.literal = np.zeros(1, dtype=bool)
        self.categories: list[str] = []
        self.departments: list[str] = []
        self._category_number: dict[str, int] = {}
        self._department_number: dict[str, int] = {}
        self.department_doc = np.zeros(0, dtype=np.int64)
        self.department_of = np.zeros(0, dtype=np.int64)
        self.terms: dict[str, int] = {}
        self._held.clear()
        self._used = 0
        self._versions.clear()

    @property
    def documents(self) -> int:
        """Arrays per document are this long (row ids start at 1; 0 is never a document)."""
        return self.watermark + 1

    # -- documents and terms -------------------------------------------------------------------------

    def catch_up(self, session: Session) -> None:
        """Holds the documents and terms added since the last call; postings held take in the new documents'."""
        with self._lock:
            top = session.scalar(select(func.max(D.id))) or 0
            if top < self.watermark:  # the tables were emptied (a database reset): start again
                self._reset()
            if top == self.watermark:
                return
            self._add_documents(session, self.watermark, top)
            self.terms.update(session.execute(select(T.term, T.id).where(T.id > max(self.terms.values(), default=0))).all())
            fresh = np.array(session.execute(select(P.term_id, P.field, P.document_id, P.tf).where(
                P.document_id > self.watermark, P.document_id <= top)).all(), dtype=np.int64).reshape(-1, 4)
            self.watermark = top
            self._extend_held(fresh)

    def _add_documents(self, session: Session, after: int, top: int) -> None:
        rows = session.execute(select(D.id, D.kind, D.category, D.departments, D.title_length, D.body_length,
                                      D.departments_length, D.literal)
                               .where(D.id > after, D.id <= top).order_by(D.id)).all()
        grow = top - after
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        kind, category = np.full(grow, -1, dtype=np.int64), np.full(grow, -1, dtype=np.int64)
        lengths, literal = np.ones((3, grow), dtype=np.float64), np.zeros(grow, dtype=bool)
        at = ids - after - 1
        kind[at] = [KINDS.index(r[1]) if r[1] in KINDS else -1 for r in rows]
        category[at] = [self._number(self.categories, self._category_number, r[2]) for r in rows]
        lengths[:, at] = np.array([r[4:7] for r in rows], dtype=np.float64).reshape(-1, 3).T
        literal[at] = [bool(r[7]) for r in rows]
        department_doc, department_of = [], []
        for r in rows:
            for name in dict.fromkeys(n for n in (r[3] or "").split("\n") if n):
                department_doc.append(r[0])
                department_of.append(self._number(self.departments, self._department_number, name))
        self.kind = np.concatenate([self.kind, kind])
        self.category = np.concatenate([self.category, category])
        self.lengths = np.concatenate([self.lengths, lengths], axis=1)
        self.literal = np.concatenate([self.literal, literal])
        self.department_doc = np.concatenate([self.department_doc, np.array(department_doc, dtype=np.int64)])
        self.department_of = np.concatenate([self.department_of, np.array(department_of, dtype=np.int64)])

    @staticmethod
    def _number(names: list[str], numbers: dict[str, int], name: str) -> int:
        found = numbers.get(name)
        if found is None:
            found = numbers[name] = len(names)
            names.append(name)
        return found

    # -- postings held to the budget ------------------------------------------------------------------

    def postings(self, session: Session, term_id: int) -> Postings:
        """The term's postings (every document's, counted today or not)."""
        return self._get(("term", term_id), lambda: Postings.of(np.array(session.execute(
            select(P.field, P.document_id, P.tf).where(P.term_id == term_id)).all(), dtype=np.int64)))

    def containing(self, session: Session, key: Hashable, term_ids: Callable[[], list[int]]) -> Postings:
        """Per field, the documents that have any of the terms (the terms holding a character, or a text):
        remembered under `key` and kept up to date as documents are added."""
        def read() -> Postings:
            rows: list = []
            for chunk in chunks(term_ids(), 5000):
                rows += session.execute(select(P.field, P.document_id).where(P.term_id.in_(chunk)).distinct()).all()
            pairs = np.array(rows, dtype=np.int64).reshape(-1, 2)
            return Postings.of(np.column_stack([pairs, np.ones(len(pairs), dtype=np.int64)]))
        return self._get(key, read)

    def terms_with(self, text: str) -> list[int]:
        """The terms that hold the text."""
        return [n for term, n in self.terms.items() if text in term]

    def _get(self, key: Hashable, read: Callable[[], Postings]) -> Postings:
        with self._lock:
            held = self._held.get(key)
            if held is not None:
                self._held.move_to_end(key)
                return held[0]
            made = read()
            self._keep(key, made)
            return made

    def _keep(self, key: Hashable, made: Postings) -> None:
        old = self._held.pop(key, None)
        self._used += made.nbytes - (old[1] if old else 0)
        self._held[key] = (made, made.nbytes)
        while self._used > self.budget and len(self._held) > 1:
            _, (_, size) = self._held.popitem(last=False)
            self._used -= size

    def _extend_held(self, fresh: np.ndarray) -> None:
        """Adds the new documents' postings (term, field, document, tf) to what is held."""
        if not len(fresh) or not self._held:
            return
        names = {n: term for term, n in self.terms.items()}
        for key, (held, _) in list(self._held.items()):
            kind, what = key
            if kind == "term":
                rows = fresh[fresh[:, 0] == what][:, 1:]
            else:  # the documents of the terms holding a character ("char") or a text ("text")
                has = np.array([what in names.get(int(t), "") for t in np.unique(fresh[:, 0])])
                rows = fresh[np.isin(fresh[:, 0], np.unique(fresh[:, 0])[has])][:, 1:3]
                rows = np.unique(rows, axis=0)
                rows = np.column_stack([rows, np.ones(len(rows), dtype=np.int64)])
            if len(rows):
                self._keep(key, held.joined(rows))

    # -- the counted versions' entries ----------------------------------------------------------------

    def version_entries(self, session: Session, versions: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per version, its items' documents and ids in the lists' order; versions no longer asked for are let go."""
        with self._lock:
            missing = [v for v in versions if v not in self._versions]
            for chunk in chunks(missing, 500):
                rows = np.array(session.execute(select(ItemRow.version_id, ItemRow.id, ItemRow.document_id)
                                                .where(ItemRow.version_id.in_(chunk))
                                                .order_by(ItemRow.version_id, ItemRow.id)).all(),
                                dtype=np.int64).reshape(-1, 3)
                starts = np.searchsorted(rows[:, 0], np.array(chunk, dtype=np.int64))
                ends = np.searchsorted(rows[:, 0], np.array(chunk, dtype=np.int64), side="right")
                for version, start, end in zip(chunk, starts, ends):
                    self._versions[version] = (rows[start:end, 2].astype(np.int32), rows[start:end, 1])
            wanted = set(versions)
            for version in [v for v in self._versions if v not in wanted]:
                del self._versions[version]
            return [self._versions[v] for v in versions]

    def stats(self) -> dict:
        with self._lock:
            return {"documents": self.watermark, "held": len(self._held), "held_mib": round(self._used / 2**20, 1),
                    "versions": len(self._versions)}
