"""Cross-town search over every town's lists in force, from the database's search tables (SQLite or PostgreSQL,
one code path), not from every worker's copy of every town's lists.

The same ranking as the in-memory engine (`engine.SearchEngine`): BM25 per field over the distinct item contents
that today's versions hold, the query's words, parts and synonyms at their weights, and the bonus for the query
found verbatim. What a worker holds of the tables (lvzhi.search.resident: the documents' lists, categories and
departments, the counted versions' entries, the postings of recent terms) scores, filters and counts with array
operations; the database gives the postings of a term not held, and the texts of the few documents that may hold
the query verbatim without a term that shows it:

* a document holds the query verbatim only if, for each of its characters that is always in a term
  (Tokenizer.always_kept), one of its terms holds that character (the two rarest characters are asked);
* it surely does if one of its terms holds the whole query, the query is made of characters a term may hold and
  has no letters with case, and normalising its fields changed none of those but their case (`literal`: only
  full-width punctuation and the like); where the query spans words, a term ends with a beginning of each of its
  pieces and another begins with its end;
* a query with a space is looked for only in documents with a space between the characters either side of it
  (`joints`: most spaces of an item's text follow "。");
* the other candidates' texts are read (strpos / instr): a few hundred, or the few documents not literal.
"""
from __future__ import annotations

import threading
from collections import Counter, OrderedDict

import numpy as np
from sqlalchemy import Integer, any_, case, func, literal, select
from sqlalchemy.orm import Session

from ..store import Store
from ..store.reading import ITEM_COLUMNS, ItemPool
from ..store.schema import ItemRow, SearchCountedRow, SearchDocumentRow, TownRow
from .documents import search_tokenizer, token_characters
from .engine import FIELD_WEIGHTS, TITLE_VERBATIM_BONUS, VERBATIM_BONUS, Hit, SearchResult, ranked_found
from .entries import Entries
from .index import EXPANSION_WEIGHT, K1, PART_WEIGHT, _idf
from .normalize import normalize
from .resident import SearchMemory, Verbatim, give_back_freed_memory
from .tokenize import QueryTokens, Tokenizer

B = 0.75
REMEMBERED_WEIGHTS = 64 * 2**20  # bytes of terms' weights an object remembers (a common term's: ~1 MiB at 10k towns)
RAREST = 2  # how many of a needle's characters (the rarest) narrow where it may be; more cost more than they narrow
D = SearchDocumentRow


class DatabaseSearch:
    """Answers `search()` as SearchEngine does, over every town's lists in force, from the database. One object
    answers for the versions counted when it first searched (it remembers which they are): make a new one when
    they change (the catalog does, with the process's one SearchMemory)."""

    def __init__(self, store: Store, words: Tokenizer | None = None, pool: ItemPool | None = None,
                 memory: SearchMemory | None = None):
        self.store = store
        self._words = words
        self.pool = pool or ItemPool()
        self.memory = memory or SearchMemory()
        self._snapshot: _Snapshot | None = None
        self._weights: OrderedDict[int, list[tuple[np.ndarray, np.ndarray]]] = OrderedDict()
        self._weights_held = 0
        self._lock = threading.Lock()

    @property
    def tokenizer(self) -> Tokenizer:
        """The search's tokenizer, made when first needed (a worker that never searches does not hold it)."""
        if self._words is None:
            self._words = search_tokenizer()
        return self._words

    def warm(self) -> None:
        """Reads ahead what searches need: the tokenizer, the versions counted, their entries, and the most common
        terms' postings (a server does it in the background at start, so that its first searches need not)."""
        self.tokenizer.words("热线")  # its dictionary loaded
        with self.store.transaction() as session:
            self._counted(session)
            self.memory.hold_common(session)
        give_back_freed_memory()

    @property
    def entries(self) -> Entries:
        """The entries of the versions counted (as SearchEngine.entries)."""
        with self.store.transaction() as session:
            return self._counted(session).entries

    def search(self, query: str, kind: str | None = None, category: str | None = None,
               department: str | None = None, town: str | None = None, limit: int = 20,
               offset: int = 0) -> SearchResult:
        text = normalize(query or "")
        filters = {"list": kind, "category": category, "department": department, "town": town}
        with self.store.transaction() as session:
            snapshot = self._counted(session)
            entries = snapshot.entries
            if not text or not snapshot.documents:
                return SearchResult(query, 0, [], entries.facets([], filters))
            tokens = self.tokenizer.query_tokens(text)
            scores = self._token_scores(session, snapshot, tokens) + self._verbatim_scores(session, snapshot, text)
            scores[~snapshot.counted] = 0.0
            found = ranked_found(scores, snapshot.first_entries, rounded=True)
            matching = found[entries.passing(filters)[found]]
            total = int(entries.counts(town)[matching].sum())
            hits = self._hits(session, snapshot, entries.page(matching, town, limit, offset), scores)
        return SearchResult(query, total, hits, entries.facets(found, filters),
                            [w for w in tokens.words + tokens.parts if w in text])

    # -- what counts -----------------------------------------------------------------------------------

    def _counted(self, session: Session) -> "_Snapshot":
        """The versions counted, their entries and what BM25 needs of them (read once: an object answers for the
        versions counted when it first searched)."""
        if self._snapshot is None:
            memory = self.memory
            counted = session.execute(select(SearchCountedRow.version_id, TownRow.name)
                                      .join(TownRow, TownRow.id == SearchCountedRow.town_id).order_by(TownRow.id)).all()
            memory.catch_up(session)
            blocks = memory.version_entries(session, [v for v, _ in counted])
            if any(len(docs) and int(docs.max()) > memory.watermark for docs, _ in blocks):
                memory.catch_up(session)  # an import committed in between: its documents too
            self._snapshot = _Snapshot(memory, [name for _, name in counted], blocks)
        return self._snapshot

    # -- ranking -------------------------------------------------------------------------------------

    def _token_scores(self, session: Session, snapshot: "_Snapshot", tokens: QueryTokens) -> np.ndarray:
        """Each document's BM25 score: per posting of the query's terms, its weight × the token's and the field's."""
        weights: Counter = Counter()
        for group, weight in ((tokens.words, 1.0), (tokens.parts, PART_WEIGHT), (tokens.expansions, EXPANSION_WEIGHT),
                              (tokens.expansion_parts, EXPANSION_WEIGHT * PART_WEIGHT)):
            for token in group:
                weights[token] += weight
        scores = np.zeros(snapshot.documents, dtype=np.float64)
        for token, weight in weights.items():
            term = self.memory.terms.get(token)
            if term is not None:
                for docs, bm25 in self._bm25(session, snapshot, term):
                    scores[docs] += weight * bm25
        return scores

    def _bm25(self, session: Session, snapshot: "_Snapshot", term: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per field, the documents with the term and its BM25 weight there × the field's weight, for the versions
        counted (remembered for the object's life, for the terms of recent queries)."""
        with self._lock:
            found = self._weights.get(term)
            if found is not None:
                self._weights.move_to_end(term)
                return found
        postings, lengths, found = self.memory.postings(session, term), self.memory.lengths, []
        for field, name in enumerate(FIELD_WEIGHTS):
            docs, tf = postings.of_field(field)
            known = int(np.searchsorted(docs, snapshot.documents))  # not those added since the snapshot
            docs, tf = docs[:known], tf[:known]
            df = int(np.count_nonzero(snapshot.counted[docs]))
            if df:
                factor = FIELD_WEIGHTS[name] * _idf(df, snapshot.n)
                found.append((docs, (factor * tf / (tf + K1 * (1 - B) + (K1 * B / snapshot.averages[field])
                                                    * lengths[field][docs])).astype(np.float32)))
        with self._lock:
            self._weights[term] = found
            self._weights_held += sum(w.nbytes for _, w in found)
            while self._weights_held > REMEMBERED_WEIGHTS and len(self._weights) > 1:
                self._weights_held -= sum(w.nbytes for _, w in self._weights.popitem(last=False)[1])
        return found

    def _verbatim_scores(self, session: Session, snapshot: "_Snapshot", text: str) -> np.ndarray:
        """The query found verbatim (in the text, and in the title), and each of the list's terms for its
        everyday words, at a synonym's weight."""
        scores = np.zeros(snapshot.documents, dtype=np.float64)
        needles = [(text, VERBATIM_BONUS, TITLE_VERBATIM_BONUS)] + [
            (term, EXPANSION_WEIGHT * VERBATIM_BONUS, 0.0)
            for term in dict.fromkeys(t for t in self.tokenizer.expansions(text) if t not in text)]
        for needle, in_text, in_title in needles:
            texts, titles = self._remembered(session, snapshot, needle, bool(in_title))
            scores[texts] += in_text
            if in_title:
                scores[titles] += in_title
        return scores

    def _remembered(self, session: Session, snapshot: "_Snapshot", needle: str,
                    titles_too: bool) -> tuple[np.ndarray, np.ndarray]:
        """The documents whose text holds the needle, and (`titles_too`) those whose title does. A document's text
        never changes: what is found is kept in the process's memory, for later objects too, which look only at
        the documents added since (the list's terms for everyday words, 违建 → 违法建设, recur in many queries)."""
        key, last = (needle, titles_too), snapshot.documents - 1
        known = self.memory.verbatim(key)
        if known is not None and known.upto >= last:
            return known.texts[known.texts <= last], known.titles[known.titles <= last]
        texts, titles = self._containing(session, snapshot, needle, titles_too, known.upto + 1 if known else 1)
        if known is not None:
            texts, titles = np.concatenate([known.texts, texts]), np.concatenate([known.titles, titles])
        self.memory.remember_verbatim(key, Verbatim(last, texts, titles))
        return texts, titles

    def _containing(self, session: Session, snapshot: "_Snapshot", needle: str, titles_too: bool,
                    first: int) -> tuple[np.ndarray, np.ndarray]:
        """Of the documents from number `first` on, those whose text holds the needle, and (`titles_too`) those
        whose title does."""
        usable = [c for c in dict.fromkeys(needle.lower()) if self.tokenizer.always_kept(c)]
        if not usable:  # no character tells where to look: every document's text
            return self._read(session, D.id.between(first, snapshot.documents - 1), needle)
        memory = self.memory
        may = np.zeros(snapshot.documents, dtype=bool)
        may[first:] = True
        may_title = may.copy()
        for c in sorted(usable, key=memory.cost)[:RAREST]:
            held = memory.containing(session, "char", c)
            may &= snapshot.mask(held.documents())
            may_title &= snapshot.mask(held.documents((0,)))
        for k in [k for k in range(1, len(needle) - 1) if needle[k] == " "]:  # a space: where the text has it
            joined = snapshot.mask(memory.joined(needle[k - 1], needle[k + 1])) | ~memory.jointed[:snapshot.documents]
            may &= joined
            may_title &= joined
        sure, sure_title = np.zeros_like(may), np.zeros_like(may)
        if not any(c.lower() != c.upper() for c in needle):  # letters with case: no text is taken on its terms
            literal = memory.literal[:snapshot.documents]
            may &= self._pieces_may_hold(session, snapshot, needle) | ~literal
            if titles_too:
                may_title &= self._pieces_may_hold(session, snapshot, needle, (0,)) | ~literal
            if token_characters(needle) == needle:
                held = memory.containing(session, "text", needle)
                sure = may & literal & snapshot.mask(held.documents())
                sure_title = sure & snapshot.mask(held.documents((0,)))
        # read: the candidates not sure, and the sure ones whose title may hold it without a title term showing it
        unsure = (may & ~sure) | (sure & may_title & ~sure_title if titles_too else np.zeros_like(may))
        if unsure.any():
            texts, titles = self._read(session, _among(session.get_bind().dialect.name, D.id,
                                                       np.flatnonzero(unsure).tolist()), needle)
            sure[texts] = True
            sure_title[titles] = True
        return np.flatnonzero(sure), np.flatnonzero(sure_title & sure)

    def _pieces_may_hold(self, session: Session, snapshot: "_Snapshot", needle: str,
                         fields: tuple[int, ...] = (0, 1, 2)) -> np.ndarray:
        """Per document whose fields are literal, whether these fields may hold each piece of the needle (between
        its spaces): a term holds the piece, or the piece spans words — a term ends with a beginning of it and a
        term begins with an end of it (every character of a piece that is always in a term is in a word that is).
        """
        may = np.ones(snapshot.documents, dtype=bool)
        for piece in dict.fromkeys(needle.split(" ")):
            if len(piece) < 2 or not all(self.tokenizer.always_kept(c) for c in piece):
                continue
            held = {how: snapshot.mask(self.memory.containing(session, how, piece).documents(fields))
                    for how in ("text", "ends", "starts")}
            may &= held["text"] | (held["ends"] & held["starts"])
        return may

    def _read(self, session: Session, which, needle: str) -> tuple[np.ndarray, np.ndarray]:
        """Of the documents `which` selects, those whose text holds the needle, and those whose title does (their
        texts read)."""
        dialect = session.get_bind().dialect.name
        haystack = D.title + " " + D.body + case((D.departments == "", ""),
                                                 else_=" " + func.replace(D.departments, "\n", " "))
        rows = session.execute(select(D.id, _has(dialect, D.title, needle))
                               .where(which, _has(dialect, haystack, needle))).all()
        return (np.array([d for d, _ in rows], dtype=np.int64),
                np.array([d for d, title in rows if title], dtype=np.int64))

    # -- the page -------------------------------------------------------------------------------------------

    def _hits(self, session: Session, snapshot: "_Snapshot", page: list[tuple[int, int]],
              scores: np.ndarray) -> list[Hit]:
        items = [int(snapshot.entry_item[entry]) for _, entry in page]
        rows = {row[0]: row[1:] for row in session.execute(select(ItemRow.id, *ITEM_COLUMNS)
                                                           .where(ItemRow.id.in_(items)))} if items else {}
        return [Hit(snapshot.entries.towns[snapshot.entries.entry_town[entry]],
                    self.pool.item(tuple(rows[item]))[0], float(scores[doc]))
                for (doc, entry), item in zip(page, items)]


class _Snapshot:
    """The versions one DatabaseSearch counts: their entries, and BM25's N and average field lengths."""

    def __init__(self, memory: SearchMemory, towns: list[str], blocks: list[tuple[np.ndarray, np.ndarray]]):
        self.documents = memory.documents
        entry_doc = np.concatenate([docs for docs, _ in blocks] or [np.zeros(0, dtype=np.int32)])
        self.entry_item = np.concatenate([items for _, items in blocks] or [np.zeros(0, dtype=np.int64)])
        entry_town = np.repeat(np.arange(len(blocks), dtype=np.int64), [len(docs) for docs, _ in blocks])
        self.entries = Entries(towns, entry_doc, entry_town, self.documents, memory.kind[:self.documents],
                               memory.categories, memory.category[:self.documents], memory.departments,
                               memory.department_doc, memory.department_of)
        self.counted = self.entries.sizes > 0
        self.first_entries = self.entries.first_entries()
        self.n = int(np.count_nonzero(self.counted))
        self.averages = [max(float(memory.lengths[f][:self.documents][self.counted].sum()), 1.0) / max(self.n, 1)
                         for f in range(3)]

    def mask(self, documents: np.ndarray) -> np.ndarray:
        """These documents as a boolean per document (those added after the snapshot left out)."""
        mask = np.zeros(self.documents, dtype=bool)
        mask[documents[documents < self.documents]] = True
        return mask


def _among(dialect: str, column, values: list[int]):
    """column IN values: one array parameter on PostgreSQL, a list elsewhere (SQLite's limit is far above what
    a search reads)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        return column == any_(literal(values, ARRAY(Integer)))
    return column.in_(values)


def _has(dialect: str, column, needle: str):
    """Whether the column's text contains the needle (case-sensitively, as Python's `in`)."""
    position = func.strpos(column, needle) if dialect == "postgresql" else func.instr(column, needle)
    return position > 0
