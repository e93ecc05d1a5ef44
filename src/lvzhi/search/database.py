"""Cross-town search answered by the database (SQLite or PostgreSQL, one code path), not from every worker's memory.

The same ranking as the in-memory engine (`engine.SearchEngine`): BM25 per field over the distinct item contents
that today's versions hold (the postings, document frequencies and totals kept by lvzhi.store.searchdocs), the
query's words, parts and synonyms at their weights, and the bonus for the query found verbatim. The database sums
the scores and applies the relative cutoff; only the documents above it come back (a number, a list, a category
and their department names each), and filters, totals and facets are counted over them here. Entries (a town's
item) are read for the page asked for only.

A query is looked for verbatim only in documents that have terms containing its two rarest characters (every
character of an item's text is in one of its jieba words, and every word but stop words, bare numbers and counts
in words is a term; characters those may hold do not count), so that a one-character query does not read every
document's text.
"""
from __future__ import annotations

import math
from collections import Counter, OrderedDict
from dataclasses import dataclass

from sqlalchemy import Float, Integer, any_, case, cast, func, intersect, literal, or_, select, union_all
from sqlalchemy.orm import Session

from ..model import LIST_KINDS
from ..store import Store
from ..store.bulk import chunks
from ..store.reading import ITEM_COLUMNS, ItemPool
from ..store.schema import (ItemRow, SearchCountedRow, SearchDocumentRow, SearchPostingRow, SearchTermRow,
                            SearchTotalsRow, TownRow)
from .engine import FIELD_WEIGHTS, RELATIVE_CUTOFF, TITLE_VERBATIM_BONUS, VERBATIM_BONUS, Hit, SearchResult
from .index import EXPANSION_WEIGHT, K1, PART_WEIGHT
from .documents import search_tokenizer
from .normalize import normalize
from .tokenize import QueryTokens, Tokenizer

FIELD_NAMES = ("title", "body", "departments")
B = 0.75
MOST_TIED = 2000  # documents of equal score put in the engine's order, at most
REMEMBERED_NEEDLES = 512  # texts whose verbatim matches are remembered …
REMEMBERED_MATCHES = 5000  # … when they have no more matches than this
D, P, T = SearchDocumentRow, SearchPostingRow, SearchTermRow


@dataclass(frozen=True)
class Found:
    """A document above the cutoff, as the filters and facets need it."""

    id: int
    score: float
    kind: str
    category: str
    departments: tuple[str, ...]
    entries: int


class DatabaseSearch:
    """Answers `search()` as SearchEngine does, over every town's lists in force, from the database. One object
    answers for the versions counted when it first searched (it remembers which they are): make a new one when
    they change (the catalog does)."""

    def __init__(self, store: Store, words: Tokenizer | None = None, pool: ItemPool | None = None):
        self.store = store
        self._words = words
        self.pool = pool or ItemPool()
        self._versions: dict[int, tuple[int, str]] | None = None
        self._verbatim: OrderedDict[str, tuple[list[int], list[int]]] = OrderedDict()

    @property
    def tokenizer(self) -> Tokenizer:
        """The search's tokenizer, made when first needed (a worker that never searches does not hold it)."""
        if self._words is None:
            self._words = search_tokenizer()
        return self._words

    def search(self, query: str, kind: str | None = None, category: str | None = None,
               department: str | None = None, town: str | None = None, limit: int = 20,
               offset: int = 0) -> SearchResult:
        text = normalize(query or "")
        filters = {"list": kind, "category": category, "department": department, "town": town}
        if not text:
            return SearchResult(query, 0, [], _facets([], filters, {}, {}))
        tokens = self.tokenizer.query_tokens(text)
        with self.store.transaction() as session:
            found = self._in_entry_order(session, self._found(session, text, tokens))
            counts = self._town_counts(session, town) if town else {d.id: d.entries for d in found}
            matching = [d for d in found if _passes(d, filters)]  # the town filter counts entries instead
            total = sum(counts.get(d.id, 0) for d in matching)
            towns = self._per_town(session, [d.id for d in matching])
            hits = self._page(session, matching, counts, town, limit, offset)
        facets = _facets(found, filters, counts, towns)
        return SearchResult(query, total, hits, facets, [w for w in tokens.words + tokens.parts if w in text])

    # -- ranking -------------------------------------------------------------------------------------

    def _found(self, session: Session, text: str, tokens: QueryTokens) -> list[Found]:
        totals = session.get(SearchTotalsRow, 1)
        if totals is None or not totals.documents:
            return []
        parts = [*self._token_scores(session, tokens, totals), *self._verbatim_scores(session, text, tokens)]
        if not parts:
            return []
        scored = union_all(*parts).subquery()
        summed = select(scored.c.doc, func.sum(scored.c.s).label("score")).group_by(scored.c.doc).subquery()
        # the cutoff first, then the documents (their rows are read for the few above it only) …
        ranked = select(summed.c.doc, summed.c.score, func.max(summed.c.score).over().label("top")).subquery()
        above = select(ranked).where(ranked.c.score >= ranked.c.top * RELATIVE_CUTOFF,
                                     ranked.c.score >= 1e-9).subquery()
        rows = self._documents(session, above, D.entries > 0)
        if not rows or rows[0][1] < rows[0][-1]:
            # … unless the best score is a document not counted today (an older version's): then the cutoff is
            # over the documents counted, as the engine's
            counted = (select(summed.c.doc, summed.c.score, func.max(summed.c.score).over().label("top"))
                       .join(D, D.id == summed.c.doc).where(D.entries > 0).subquery())
            rows = self._documents(session, select(counted).where(
                counted.c.score >= counted.c.top * RELATIVE_CUTOFF, counted.c.score >= 1e-9).subquery())
        return [Found(doc, float(score), kind, category, tuple(names.split("\n")) if names else (), entries)
                for doc, score, kind, category, names, entries, _ in rows]

    def _in_entry_order(self, session: Session, found: list[Found]) -> list[Found]:
        """Documents of equal score in the order of their first entry (towns' order, then the lists'), as the
        engine ranks them; where thousands tie (a one-character query found verbatim), in the order stored."""
        key = lambda d: round(d.score, 9)  # noqa: E731 - sums of the same numbers in another order
        tied = {n for d, after in zip(found, found[1:]) if key(after) == key(d) for n in (d.id, after.id)}
        if not tied or len(tied) > MOST_TIED:
            return found
        counted = self._counted(session)
        first: dict[int, tuple[int, int]] = {}
        for document, version, item in session.execute(
                select(ItemRow.document_id, ItemRow.version_id, func.min(ItemRow.id))
                .where(ItemRow.document_id.in_(sorted(tied))).group_by(ItemRow.document_id, ItemRow.version_id)):
            if version in counted:
                first[document] = min(first.get(document, (counted[version][0], item)), (counted[version][0], item))
        return sorted(found, key=lambda d: (-key(d), first.get(d.id, (0, 0)) if d.id in tied else (0, 0)))

    def _documents(self, session: Session, found, *where) -> list:
        """The found documents' rows, best first: number, score, list, category, departments, entries, top."""
        return session.execute(
            select(found.c.doc, found.c.score, D.kind, D.category, D.departments, D.entries, found.c.top)
            .join(D, D.id == found.c.doc).where(*where).order_by(found.c.score.desc(), found.c.doc)).all()

    def _token_scores(self, session: Session, tokens: QueryTokens, totals: SearchTotalsRow) -> list:
        """Per posting of the query's terms: its BM25 weight × the token's and the field's weights."""
        weights: Counter = Counter()
        for group, weight in ((tokens.words, 1.0), (tokens.parts, PART_WEIGHT), (tokens.expansions, EXPANSION_WEIGHT),
                              (tokens.expansion_parts, EXPANSION_WEIGHT * PART_WEIGHT)):
            for token in group:
                weights[token] += weight
        if not weights:
            return []
        n = totals.documents
        rows = session.execute(select(T.id, T.term, T.title_df, T.body_df, T.departments_df)
                               .where(T.term.in_(list(weights)))).all()
        factors = {}
        for term_id, term, *frequencies in rows:
            for field, df in enumerate(frequencies):
                if df > 0:
                    factors[term_id * 3 + field] = weights[term] * FIELD_WEIGHTS[FIELD_NAMES[field]] * _idf(df, n)
        averages = [max(totals.title_length, 1) / n, max(totals.body_length, 1) / n,
                    max(totals.departments_length, 1) / n]
        tf, length = cast(P.tf, Float), cast(P.length, Float)
        # one range of the postings' key per (term, field), its factor a constant; no join: documents not counted
        # today (an older version's) are dropped when the sums meet the documents
        return [select(P.document_id.label("doc"),
                       (factor * tf / (tf + K1 * (1 - B) + (K1 * B / averages[key % 3]) * length)).label("s"))
                .where(P.term_id == key // 3, P.field == key % 3) for key, factor in factors.items()]

    def _verbatim_scores(self, session: Session, text: str, tokens: QueryTokens) -> list:
        """The query found verbatim (in the text, and in the title), and each of the list's terms for its
        everyday words, at a synonym's weight."""
        needles = [(text, VERBATIM_BONUS, TITLE_VERBATIM_BONUS)] + [
            (term, EXPANSION_WEIGHT * VERBATIM_BONUS, 0.0)
            for term in dict.fromkeys(t for t in self.tokenizer.expansions(text) if t not in text)]
        dialect = session.get_bind().dialect.name
        found = []
        for needle, in_text, in_title in needles:
            texts, titles = self._containing(session, needle)
            if texts:
                score = literal(in_text) + case((_among(dialect, D.id, titles), in_title), else_=0.0) \
                    if titles and in_title else literal(in_text)
                found.append(select(D.id.label("doc"), score.label("s")).where(_among(dialect, D.id, texts),
                                                                                D.entries > 0))
        return found

    def _containing(self, session: Session, needle: str) -> tuple[list[int], list[int]]:
        """The documents whose text has the needle, and those whose title has it. Remembered for the object's
        life (the list's terms for everyday words recur in many queries), when they are few."""
        found = self._verbatim.get(needle)
        if found is not None:
            self._verbatim.move_to_end(needle)
            return found
        dialect = session.get_bind().dialect.name
        haystack = D.title + " " + D.body + case((D.departments == "", ""),
                                                 else_=" " + func.replace(D.departments, "\n", " "))
        query = select(D.id, _has(dialect, D.title, needle)).where(_has(dialect, haystack, needle))
        candidates = self._candidates(session, needle)
        if candidates is not None:  # read only the texts of documents with terms holding its rarest characters
            if not candidates:
                return [], []
            query = query.where(_among(dialect, D.id, candidates))
        rows = session.execute(query).all()
        found = [d for d, _ in rows], [d for d, title in rows if title]
        if len(found[0]) <= REMEMBERED_MATCHES:
            self._verbatim[needle] = found
            if len(self._verbatim) > REMEMBERED_NEEDLES:
                self._verbatim.popitem(last=False)
        return found

    def _candidates(self, session: Session, needle: str) -> list[int] | None:
        """Documents that may have the needle: those with a term holding each of its two rarest characters (every
        character of a text is in one of its words, every word but stop words and bare numbers a term). None
        when no character tells (Tokenizer.always_kept)."""
        usable = [c for c in dict.fromkeys(needle.lower()) if self.tokenizer.always_kept(c)]
        if not usable:
            return None
        rows = session.execute(select(T.id, T.term, T.title_df + T.body_df + T.departments_df)
                               .where(or_(*[T.term.contains(c, autoescape=True) for c in usable]))).all()
        cost: Counter = Counter()
        ids: dict[str, list[int]] = {c: [] for c in usable}
        for term_id, term, frequency in rows:
            for c in usable:
                if c in term:
                    ids[c].append(term_id)
                    cost[c] += frequency
        having = [select(P.document_id).where(P.term_id.in_(ids[c])) for c in sorted(usable, key=lambda c: cost[c])[:2]]
        if not all(ids[c] for c in usable):
            return []
        return list(session.scalars(intersect(*having) if len(having) > 1 else having[0].distinct()))

    # -- counting --------------------------------------------------------------------------------------

    def _counted(self, session: Session) -> dict[int, tuple[int, str]]:
        """The versions counted, each with its town's number and name (read once: an object answers for the
        versions counted when it first searched; the catalog makes a new one when they change)."""
        if self._versions is None:
            self._versions = {version: (town, name) for version, town, name in session.execute(
                select(SearchCountedRow.version_id, TownRow.id, TownRow.name)
                .join(TownRow, TownRow.id == SearchCountedRow.town_id))}
        return self._versions

    def _town_counts(self, session: Session, town: str) -> dict[int, int]:
        """Per document, how many of the town's items have it."""
        versions = [v for v, (_, name) in self._counted(session).items() if name == town]
        if not versions:
            return {}
        return dict(session.execute(select(ItemRow.document_id, func.count()).where(ItemRow.version_id == versions[0])
                                    .group_by(ItemRow.document_id)).all())

    def _per_town(self, session: Session, documents: list[int]) -> dict[str, int]:
        """Entries per town of these documents, most first (of equal counts, in the towns' order)."""
        counted = self._counted(session)
        dialect = session.get_bind().dialect.name
        per_version: Counter = Counter()
        for chunk in chunks(documents, 20000):
            for version, n in session.execute(select(ItemRow.version_id, func.count())
                                              .where(_among(dialect, ItemRow.document_id, list(chunk)))
                                              .group_by(ItemRow.version_id)):
                if version in counted:
                    per_version[version] += n
        ranked = sorted(per_version.items(), key=lambda v: (-v[1], counted[v[0]][0]))
        return {counted[version][1]: n for version, n in ranked}

    def _page(self, session: Session, matching: list[Found], counts: dict[int, int], town: str | None, limit: int,
              offset: int) -> list[Hit]:
        counted = self._counted(session)
        hits: list[Hit] = []
        skip = offset
        for doc in matching:
            if len(hits) >= limit:
                break
            n = counts.get(doc.id, 0)
            if skip >= n:
                skip -= n
                continue
            # the document's entries in the towns' order, then the lists'; only the page's items are read
            entries = sorted((counted[version][0], item, version) for version, item in session.execute(
                select(ItemRow.version_id, ItemRow.id).where(ItemRow.document_id == doc.id))
                if version in counted and (not town or counted[version][1] == town))
            chosen = entries[skip:skip + limit - len(hits)]
            rows = {row[0]: row[1:] for row in session.execute(
                select(ItemRow.id, *ITEM_COLUMNS).where(ItemRow.id.in_([item for _, item, _ in chosen])))}
            hits += [Hit(counted[version][1], self.pool.item(tuple(rows[item]))[0], doc.score)
                     for _, item, version in chosen]
            skip = 0
        return hits


def _facets(found: list[Found], filters: dict, counts: dict[int, int], towns: dict[str, int]) -> dict:
    """Counts per value of each facet, under every filter but that facet's own, as SearchEngine._facets: values
    by count, then by where they first appear among the hits (best first)."""
    def tally(ignore: str, values) -> dict[str, int]:
        totals: Counter = Counter()
        for doc in found:
            n = counts.get(doc.id, 0)
            if n > 0 and _passes(doc, filters, ignore):
                for value in values(doc):
                    totals[value] += n
        return dict(sorted(totals.items(), key=lambda v: -v[1]))  # stable: first appearance among equals

    lists = tally("list", lambda d: (d.kind,))
    return {"list": {k: lists[k] for k in LIST_KINDS if lists.get(k)},
            "category": tally("category", lambda d: (d.category,)),
            "department": tally("department", lambda d: d.departments),
            "town": towns}


def _passes(doc, filters: dict, ignore: str | None = None) -> bool:
    """Whether a document passes every filter but `ignore` (the town filter counts entries instead)."""
    return ((not filters.get("list") or ignore == "list" or doc.kind == filters["list"])
            and (not filters.get("category") or ignore == "category" or doc.category == filters["category"])
            and (not filters.get("department") or ignore == "department"
                 or filters["department"] in doc.departments))


def _idf(documents_with_token: int, documents: int) -> float:
    return math.log(1 + (documents - documents_with_token + 0.5) / (documents_with_token + 0.5))


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
