"""What a worker keeps of the database's search tables, so that a search across ten thousand towns costs
milliseconds: the documents' few fields that filters and facets need, the counted versions' entries, and terms'
postings (the commonest read ahead, others when asked for), held to a memory budget (LVZHI_SEARCH_CACHE_MB);
and what is known of texts' verbatim matches.

A province's documents are few beside its entries (a town's item is one of ~400k distinct contents at 10,000
towns, against 4 million entries), and what a worker holds of them is arrays: ~30 bytes a document, 12 bytes an
entry, 8 bytes a posting held. Documents and postings are never changed once written, only added: what is held
is brought up to date by reading the documents added since (`catch_up`), not read again. The texts stay in the
database; only a query's few uncertain verbatim matches are read there (lvzhi.search.database).
"""
from __future__ import annotations

import ctypes
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from itertools import chain
from typing import Callable, Hashable, Iterator, Sequence

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..store.bulk import chunks
from ..store.schema import ItemRow, SearchDocumentRow, SearchPostingRow, SearchTermRow
from .entries import KINDS

ENV_BUDGET = "LVZHI_SEARCH_CACHE_MB"
DEFAULT_BUDGET_MB = 256
COMMON_SHARE = 0.6  # of the budget, for the commonest terms' postings read ahead (hold_common): at 10,000 towns
# every term's (130 MiB), so that no search asks the database for postings
COMMON_FLOOR = 1  # postings below which a term is read only when asked for
POSTING_BYTES = 8  # a held posting: its document (int32) and tf (float32)
STREAMED_ROWS = 20_000  # rows a batch: a row costs ~150 bytes until it is numbers
WHOLE_READ = 1000  # versions to read at once beyond which every item is read (an index-only scan) and sorted
D, P, T = SearchDocumentRow, SearchPostingRow, SearchTermRow


def batches(session: Session, statement, stream: bool = False) -> Iterator[list[tuple]]:
    """The statement's rows (its parameters numbers only), a batch of tuples at a time, from the driver's cursor:
    SQLAlchemy's row objects would cost several times as long for millions of rows. `stream` (for many rows) reads
    them with a server-side cursor on PostgreSQL, so that they are never all held at once."""
    connection = session.connection()  # the session's transaction: what it reads agrees with the rest
    sql = str(statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.driver_connection
    streamed = stream and connection.dialect.name == "postgresql"
    cursor = driver.cursor(name="lvzhi_rows") if streamed else driver.cursor()
    try:
        cursor.execute(sql)
        while rows := cursor.fetchmany(STREAMED_ROWS):
            yield rows
    finally:
        cursor.close()


def integers(session: Session, statement, width: int, stream: bool = False) -> np.ndarray:
    """The statement's rows, integers all, as an array of `width` columns (read as `batches`)."""
    parts = [np.zeros((0, width), dtype=np.int64)]
    for rows in batches(session, statement, stream):
        parts.append(np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=width * len(rows))
                     .reshape(-1, width))
    return np.concatenate(parts)


def budget_bytes() -> float:
    """The postings' budget: LVZHI_SEARCH_CACHE_MB if set to a positive number, else 256 MiB."""
    try:
        value = float(os.environ.get(ENV_BUDGET, ""))
    except ValueError:
        value = 0.0
    return (value if value > 0 else DEFAULT_BUDGET_MB) * 2**20


@dataclass(frozen=True)
class Postings:
    """One term's postings — (field, document) pairs with their tf — sorted by field, then document:
    `starts[f]:starts[f + 1]` is field f's slice."""

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

    def of_field(self, f: int) -> tuple[np.ndarray, np.ndarray]:
        return self.docs[self.starts[f]:self.starts[f + 1]], self.tf[self.starts[f]:self.starts[f + 1]]

    def joined(self, rows: np.ndarray) -> "Postings":
        """These postings and more rows (field, document, tf) of documents added since (numbered after them)."""
        rows = rows.reshape(-1, 3)
        rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
        added = np.searchsorted(rows[:, 0], np.arange(4))
        docs, tf = [], []
        for f in range(3):  # per field: the held ones, then the added ones (already in order after them)
            docs += [self.docs[self.starts[f]:self.starts[f + 1]], rows[added[f]:added[f + 1], 1].astype(np.int32)]
            tf += [self.tf[self.starts[f]:self.starts[f + 1]], rows[added[f]:added[f + 1], 2].astype(np.float32)]
        return Postings(self.starts + added, np.concatenate(docs), np.concatenate(tf))

    @property
    def nbytes(self) -> int:
        return self.docs.nbytes + self.tf.nbytes + 200


@dataclass(frozen=True)
class DocumentSet:
    """Documents (sorted) that have some terms, and those that have one in their title."""

    any_field: np.ndarray
    title: np.ndarray

    def documents(self, fields: Sequence[int] = (0, 1, 2)) -> np.ndarray:
        return self.title if tuple(fields) == (0,) else self.any_field

    def joined(self, rows: np.ndarray) -> "DocumentSet":
        """These and more: rows of (field, document)."""
        rows = rows.reshape(-1, 2)
        return DocumentSet(np.union1d(self.any_field, rows[:, 1]).astype(np.int32),
                           np.union1d(self.title, rows[rows[:, 0] == 0, 1]).astype(np.int32))

    @property
    def nbytes(self) -> int:
        return self.any_field.nbytes + self.title.nbytes + 200


@dataclass(frozen=True)
class Verbatim:
    """The documents up to number `upto` whose text holds a needle, and those whose title does."""

    upto: int
    texts: np.ndarray
    titles: np.ndarray

    @property
    def nbytes(self) -> int:
        return self.texts.nbytes + self.titles.nbytes + 200


class SearchMemory:
    """Thread-safe; one a process (the catalog's), shared by every DatabaseSearch it makes."""

    def __init__(self, budget: float | None = None):
        self.budget = budget if budget is not None else budget_bytes()
        self._lock = threading.RLock()
        self._held: OrderedDict[Hashable, tuple[Postings | DocumentSet | Verbatim, int]] = OrderedDict()
        self._used = 0
        self._versions: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._reset()

    def _reset(self) -> None:
        self.watermark = 0  # the documents with ids up to it are held
        self.kind = np.zeros(1, dtype=np.int64)
        self.category = np.zeros(1, dtype=np.int64)
        self.lengths = np.ones((3, 1), dtype=np.float64)
        self.literal = np.zeros(1, dtype=bool)
        self.jointed = np.zeros(1, dtype=bool)  # whose joints are known
        self._joint_codes = np.zeros(0, dtype=np.int64)
        self._joint_docs = np.zeros(0, dtype=np.int32)
        self.categories: list[str] = []
        self.departments: list[str] = []
        self._category_number: dict[str, int] = {}
        self._department_number: dict[str, int] = {}
        self.department_doc = np.zeros(0, dtype=np.int64)
        self.department_of = np.zeros(0, dtype=np.int64)
        self.terms: dict[str, int] = {}
        self.frequency: dict[int, int] = {}  # documents with the term when first read (to choose rare ones)
        self._costs: dict[str, int] = {}
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
            for term, n, frequency in session.execute(select(T.term, T.id, T.title_df + T.body_df + T.departments_df)
                                                      .where(T.id > max(self.terms.values(), default=0))):
                self.terms[term] = n
                self.frequency[n] = frequency
                self._costs.clear()
            if self._held:
                self._extend_held(integers(session, select(P.term_id, P.field, P.document_id, P.tf).where(
                    P.document_id > self.watermark, P.document_id <= top), 4, stream=True))
            self.watermark = top

    def _add_documents(self, session: Session, after: int, top: int) -> None:
        grow = top - after
        kind, category = np.full(grow, -1, dtype=np.int64), np.full(grow, -1, dtype=np.int64)
        lengths, literal = np.ones((3, grow), dtype=np.float64), np.zeros(grow, dtype=bool)
        jointed = np.zeros(grow, dtype=bool)
        kinds = {k: n for n, k in enumerate(KINDS)}
        departments: list[np.ndarray] = [self.department_doc, self.department_of]
        joints: list[np.ndarray] = [self._joint_codes, self._joint_docs]
        for rows in batches(session, select(D.id, D.kind, D.category, D.departments, D.title_length, D.body_length,
                                            D.departments_length, D.literal, D.joints)
                            .where(D.id > after, D.id <= top).order_by(D.id), stream=True):
            at = np.array([r[0] for r in rows], dtype=np.int64) - after - 1
            kind[at] = [kinds.get(r[1], -1) for r in rows]
            category[at] = [self._number(self.categories, self._category_number, r[2]) for r in rows]
            lengths[:, at] = np.array([r[4:7] for r in rows], dtype=np.float64).reshape(-1, 3).T
            literal[at] = [bool(r[7]) for r in rows]
            jointed[at] = [r[8] is not None for r in rows]
            pairs = [(r[0], self._number(self.departments, self._department_number, name))
                     for r in rows for name in dict.fromkeys(n for n in (r[3] or "").split("\n") if n)]
            departments += [np.array([d for d, _ in pairs], dtype=np.int64),
                            np.array([n for _, n in pairs], dtype=np.int64)]
            joints += _joints_of([(r[0], r[8]) for r in rows if r[8]])
        self.kind = np.concatenate([self.kind, kind])
        self.category = np.concatenate([self.category, category])
        self.lengths = np.concatenate([self.lengths, lengths], axis=1)
        self.literal = np.concatenate([self.literal, literal])
        self.jointed = np.concatenate([self.jointed, jointed])
        self.department_doc = np.concatenate(departments[0::2])
        self.department_of = np.concatenate(departments[1::2])
        codes, docs = np.concatenate(joints[0::2]), np.concatenate(joints[1::2])
        order = np.argsort(codes, kind="stable")  # by joint: a joint's documents are one slice
        self._joint_codes, self._joint_docs = codes[order], docs[order]

    def joined(self, before: str, after: str) -> np.ndarray:
        """The documents with a space between these two characters (of those whose joints are known)."""
        code = ord(before) * 0x110000 + ord(after)
        return self._joint_docs[np.searchsorted(self._joint_codes, code):
                                np.searchsorted(self._joint_codes, code, side="right")]

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
        return self._get(("term", term_id), lambda: Postings.of(integers(
            session, select(P.field, P.document_id, P.tf).where(P.term_id == term_id), 3)))

    def containing(self, session: Session, how: str, text: str) -> "DocumentSet":
        """The documents that have any of the terms `terms_with(how, text)`, and those that have one in their
        title: from the postings held, the database asked only for the other terms' (rare ones, as the common
        are held); remembered and kept up to date as documents are added."""
        def read() -> DocumentSet:
            any_field = np.zeros(self.documents, dtype=bool)
            title = np.zeros(self.documents, dtype=bool)
            missing = []
            for term in self.terms_with(how, text):
                held = self._held.get(("term", term))
                if held is None:
                    missing.append(term)
                    continue
                for f in range(3):
                    docs = held[0].of_field(f)[0]  # type: ignore[union-attr]
                    any_field[docs] = True
                    if f == 0:
                        title[docs] = True
            for chunk in chunks(missing, 5000):
                pairs = integers(session, select(P.field, P.document_id).where(P.term_id.in_(chunk)).distinct(), 2)
                any_field[pairs[:, 1]] = True
                title[pairs[pairs[:, 0] == 0, 1]] = True
            return DocumentSet(np.flatnonzero(any_field).astype(np.int32), np.flatnonzero(title).astype(np.int32))
        return self._get((how, text), read)  # type: ignore[return-value]

    def cost(self, character: str) -> int:
        """How many postings the terms holding the character have, about (as first read): rarer is cheaper."""
        found = self._costs.get(character)
        if found is None:
            found = self._costs[character] = sum(self.frequency.get(n, 0) for term, n in self.terms.items()
                                                 if character in term)
        return found

    def hold_common(self, session: Session, share: float = COMMON_SHARE, floor: int = COMMON_FLOOR) -> int:
        """Reads the postings of the most common terms not held yet (with `floor` postings at least), up to
        `share` of the budget: those a query most likely has, and the dearest to read when it does. Returns how
        many terms it read."""
        with self._lock:
            room = self.budget * share - self._used
            chosen, batch, postings = [], [], 0
            for term in sorted(self.frequency, key=lambda n: -self.frequency[n]):
                cost = self.frequency[term] * POSTING_BYTES + 200
                if cost > room or self.frequency[term] < floor:
                    break
                if ("term", term) not in self._held:
                    room -= cost
                    chosen.append(term)
            for term in chosen:  # a batch of about half a million postings at a time
                batch.append(term)
                postings += self.frequency[term]
                if postings >= 500_000 or term == chosen[-1]:
                    rows = integers(session, select(P.term_id, P.field, P.document_id, P.tf)
                                    .where(P.term_id.in_(batch)), 4, stream=True)
                    rows = rows[np.argsort(rows[:, 0], kind="stable")]
                    batch.sort()
                    ends = np.searchsorted(rows[:, 0], np.array(batch, dtype=np.int64), side="right")
                    for n, start, end in zip(batch, [0, *ends[:-1]], ends):
                        self._keep(("term", n), Postings.of(rows[start:end, 1:]))
                    batch, postings = [], 0
            return len(chosen)

    def terms_with(self, how: str, text: str) -> list[int]:
        """The terms that hold the text (`how` "char" or "text"), end with a beginning of it ("ends"), or begin
        with an end of it ("starts")."""
        return [n for term, n in self.terms.items() if _matches(how, text, term)]

    def verbatim(self, key: Hashable) -> Verbatim | None:
        """What is known of a needle's verbatim matches (lvzhi.search.database)."""
        with self._lock:
            held = self._held.get(("verbatim", key))
            if held is None:
                return None
            self._held.move_to_end(("verbatim", key))
            return held[0]  # type: ignore[return-value]

    def remember_verbatim(self, key: Hashable, found: Verbatim) -> None:
        with self._lock:
            held = self._held.get(("verbatim", key))
            if held is None or held[0].upto < found.upto:  # type: ignore[union-attr]
                self._keep(("verbatim", key), found)

    def _get(self, key: Hashable, read: Callable[[], Postings]) -> Postings:
        with self._lock:
            held = self._held.get(key)
            if held is not None:
                self._held.move_to_end(key)
                return held[0]
            made = read()
            self._keep(key, made)
            return made

    def _keep(self, key: Hashable, made: Postings | DocumentSet | Verbatim) -> None:
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
            if kind == "verbatim":  # extended when next asked for
                continue
            if kind == "term":
                rows = fresh[fresh[:, 0] == what][:, 1:]
            else:  # the documents of the terms that match a text (`terms_with`)
                has = np.array([_matches(kind, what, names.get(int(t), "")) for t in np.unique(fresh[:, 0])])
                rows = fresh[np.isin(fresh[:, 0], np.unique(fresh[:, 0])[has])][:, 1:3]
            if len(rows):
                self._keep(key, held.joined(rows))  # type: ignore[union-attr]

    # -- the counted versions' entries ----------------------------------------------------------------

    def version_entries(self, session: Session, versions: Sequence[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per version, its items' documents and ids in the lists' order; versions no longer asked for are let go."""
        with self._lock:
            missing = np.array([v for v in versions if v not in self._versions], dtype=np.int64)
            if len(missing) > WHOLE_READ:  # most of them (a worker's first search): every item, off one index
                self._hold_versions(missing, integers(session, select(
                    ItemRow.version_id, ItemRow.id, ItemRow.document_id).where(ItemRow.document_id > 0), 3,
                    stream=True))
            else:
                for chunk in chunks(missing.tolist(), 500):
                    self._hold_versions(np.array(chunk, dtype=np.int64), integers(session, select(
                        ItemRow.version_id, ItemRow.id, ItemRow.document_id).where(ItemRow.version_id.in_(chunk)), 3))
            wanted = set(versions)
            for version in [v for v in self._versions if v not in wanted]:
                del self._versions[version]
            return [self._versions[v] for v in versions]

    def _hold_versions(self, versions: np.ndarray, rows: np.ndarray) -> None:
        """Holds these versions' entries out of rows (version, item, document), which may hold others too."""
        rows = rows[np.isin(rows[:, 0], versions)]
        items = np.int32 if rows[:, 1].max(initial=0) < 2**31 else np.int64
        rows = rows[np.lexsort((rows[:, 1], rows[:, 0]))]
        starts = np.searchsorted(rows[:, 0], versions)
        ends = np.searchsorted(rows[:, 0], versions, side="right")
        for version, start, end in zip(versions.tolist(), starts, ends):
            self._versions[version] = (rows[start:end, 2].astype(np.int32), rows[start:end, 1].astype(items))

    def stats(self) -> dict:
        with self._lock:
            return {"documents": self.watermark, "held": len(self._held), "held_mib": round(self._used / 2**20, 1),
                    "versions": len(self._versions)}


def _matches(how: str, text: str, term: str) -> bool:
    if how == "ends":
        return any(term.endswith(text[:i]) for i in range(1, len(text)))
    if how == "starts":
        return any(term.startswith(text[i:]) for i in range(1, len(text)))
    return text in term


def _joints_of(documents: list[tuple[int, str]]) -> list[np.ndarray]:
    """The documents' joints (two characters each, lvzhi.search.documents.joints) as numbers, and their
    documents."""
    codes = [ord(j[k]) * 0x110000 + ord(j[k + 1]) for _, j in documents for k in range(0, len(j) - 1, 2)]
    docs = [n for n, j in documents for _ in range(len(j) // 2)]
    return [np.array(codes, dtype=np.int64), np.array(docs, dtype=np.int32)]


def give_back_freed_memory() -> None:
    """Returns the heap freed after reading ahead (millions of rows' tuples, a batch at a time) to the system, so
    that the worker's resident size is what it holds (glibc's malloc_trim; elsewhere nothing happens)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
