"""Cross-town search's tables: documents (one per distinct item content), their postings, and what counts today.

The store does not tokenise (search sits above it): whoever saves lists hands it each item's `SearchDocument`,
tokens included, made by the search layer (`lvzhi.search.documents`). A version saved without them is marked
not indexed and is indexed later by the search layer (`index_pending`), before any search.

What a search counts are the versions in force today, one a town (`search_counted`). `recount` switches a town
from the version it counted to the one in force, in the same transaction as an import (and once a day, when a
dated version comes into force): a document's `entries` (how many counted items have its content), the terms'
document frequencies and the totals (BM25's N and average field lengths) change only by what the switch adds or
removes, so publishing one town costs the same whatever the number of towns.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Sequence

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.orm import Session

from ..model import Item
from .bulk import chunks, insert_rows, inserted
from .locks import hold
from .reading import in_force_from, version_in_force
from .schema import (ItemRow, SearchCountedRow, SearchDocumentDepartmentRow, SearchDocumentRow, SearchPostingRow,
                     SearchTermRow, SearchTotalsRow, TownRow, VersionRow)

FIELDS = ("title", "body", "departments")
LONGEST_TERM = 255


@dataclass(frozen=True)
class SearchDocument:
    """What search reads of an item: `digest` tells its content; `tokens` holds each field's tokens (FIELDS)."""

    digest: str
    kind: str
    category: str
    title: str
    body: str
    departments: tuple[str, ...]
    tokens: tuple[tuple[str, ...], ...]
    literal: bool = False  # each field is the text its tokens were cut from (SearchDocumentRow.literal)
    joints: str = ""  # each space of its text with the characters either side (SearchDocumentRow.joints)


MakeDocuments = Callable[[Sequence[Item]], list[SearchDocument]]


def document_ids(session: Session, documents: Sequence[SearchDocument]) -> list[int]:
    """Each document's row id, storing the documents not stored before (with their terms and postings)."""
    hold_imports(session)
    distinct = {d.digest: d for d in documents}
    known: dict[str, int] = {}
    for chunk in chunks(list(distinct)):
        known.update(session.execute(select(SearchDocumentRow.digest, SearchDocumentRow.id)
                                     .where(SearchDocumentRow.digest.in_(chunk))).all())
    fresh = [d for digest, d in distinct.items() if digest not in known]
    if fresh:
        ids = inserted(session, SearchDocumentRow, [_document_values(d) for d in fresh])
        known.update((d.digest, n) for d, n in zip(fresh, ids))
        insert_rows(session, SearchDocumentDepartmentRow, [
            {"document_id": n, "name": name, "position": k}
            for d, n in zip(fresh, ids) for k, name in enumerate(dict.fromkeys(d.departments))])
        terms = _term_ids(session, {t for d in fresh for field in d.tokens for t in field})
        insert_rows(session, SearchPostingRow, [
            {"term_id": terms[t], "field": f, "document_id": n, "tf": tf, "length": max(len(field), 1)}
            for d, n in zip(fresh, ids) for f, field in enumerate(d.tokens)
            for t, tf in Counter(field).items() if t in terms])
    return [known[d.digest] for d in documents]


def hold_imports(session: Session) -> None:
    """Lists are written one transaction at a time: two imports at once would both find a new town, department,
    term or document missing and both insert it, and one would fail on the unique key. The second waits here until
    the first commits, then finds them. (Imports take a tenth of a second; indexing at first search likewise.)"""
    hold(session, "lists import")


def _document_values(d: SearchDocument) -> dict:
    lengths = {f"{name}_length": max(len(tokens), 1) for name, tokens in zip(FIELDS, d.tokens)}  # empty: 1, as bm25s
    return {"digest": d.digest, "kind": d.kind, "category": d.category, "title": d.title, "body": d.body,
            "departments": "\n".join(d.departments), "entries": 0, "literal": d.literal,
            "joints": d.joints, **lengths}


def _term_ids(session: Session, terms: set[str]) -> dict[str, int]:
    wanted = sorted(t for t in terms if len(t) <= LONGEST_TERM)
    found: dict[str, int] = {}
    for chunk in chunks(wanted):
        found.update(session.execute(select(SearchTermRow.term, SearchTermRow.id)
                                     .where(SearchTermRow.term.in_(chunk))).all())
    fresh = [t for t in wanted if t not in found]
    found.update(zip(fresh, inserted(session, SearchTermRow, [
        {"term": t, "title_df": 0, "body_df": 0, "departments_df": 0} for t in fresh])))
    return found


def attach_documents(session: Session, version_id: int, item_ids: Sequence[int], ids: Sequence[int]) -> None:
    """Points a version saved without its documents at them, and marks it indexed."""
    if item_ids:
        session.execute(update(ItemRow.__table__).where(ItemRow.__table__.c.id == bindparam("item"))
                        .values(document_id=bindparam("document")),
                        [{"item": i, "document": d} for i, d in zip(item_ids, ids)])
    session.execute(update(VersionRow).where(VersionRow.id == version_id).values(indexed=True))


def pending_versions(session: Session) -> list[int]:
    """Versions whose items do not point to their documents yet."""
    return list(session.scalars(select(VersionRow.id).where(VersionRow.indexed.is_(False)).order_by(VersionRow.id)))


# -- what counts today ---------------------------------------------------------------------------------

def totals(session: Session, lock: bool = False) -> SearchTotalsRow:
    """The one totals row (made when missing); `lock` holds it until the transaction ends, so that two imports
    at once switch towns one after the other."""
    query = select(SearchTotalsRow).where(SearchTotalsRow.id == 1)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        row = SearchTotalsRow(id=1, documents=0, title_length=0, body_length=0, departments_length=0, as_of=None)
        session.add(row)
        session.flush()
    return row


def recount(session: Session, on: date, towns: Iterable[int] | None = None) -> int:
    """Makes the search count each town's (all towns', or those given) version in force on `on`; returns how
    many towns switched. A town whose version in force is not indexed yet keeps what it counted."""
    row = totals(session, lock=True)
    query = select(VersionRow.id, VersionRow.town_id, VersionRow.effective_date, VersionRow.imported_at,
                   VersionRow.indexed).order_by(VersionRow.id)
    versions = []
    if towns is None:
        versions = list(session.execute(query))
    else:
        for chunk in chunks(list(towns)):
            versions += session.execute(query.where(VersionRow.town_id.in_(chunk))).all()
        versions.sort(key=lambda v: v.id)
    per_town: dict[int, list] = {}
    for v in versions:
        per_town.setdefault(v.town_id, []).append(v)
    counted: dict[int, int] = {}
    for chunk in chunks(list(per_town)):
        counted.update(session.execute(select(SearchCountedRow.town_id, SearchCountedRow.version_id)
                                       .where(SearchCountedRow.town_id.in_(chunk))).all())
    switches: dict[int, tuple[int | None, int | None]] = {}
    for town, rows in per_town.items():
        chosen = version_in_force([(v.id, in_force_from(v.effective_date, v.imported_at, n == 0))
                                   for n, v in enumerate(rows)], on)
        if chosen is not None and not next(v.indexed for v in rows if v.id == chosen):
            continue
        if counted.get(town) != chosen:
            switches[town] = (counted.get(town), chosen)
    if switches:
        _switch(session, row, switches)
    if towns is None:
        row.as_of = on
    return len(switches)


def _switch(session: Session, row: SearchTotalsRow, switches: dict[int, tuple[int | None, int | None]]) -> None:
    delta: Counter = Counter()
    for versions, sign in (([o for o, _ in switches.values() if o], -1), ([n for _, n in switches.values() if n], 1)):
        for chunk in chunks(versions):
            for document, n in session.execute(select(ItemRow.document_id, func.count()).where(
                    ItemRow.version_id.in_(chunk), ItemRow.document_id.is_not(None)).group_by(ItemRow.document_id)):
                delta[document] += sign * n
    changed = [d for d, n in delta.items() if n]
    entering, leaving, updates = [], [], []
    for chunk in chunks(changed):
        for d in session.execute(select(SearchDocumentRow.id, SearchDocumentRow.entries, SearchDocumentRow.title_length,
                                        SearchDocumentRow.body_length, SearchDocumentRow.departments_length)
                                 .where(SearchDocumentRow.id.in_(chunk))):
            after = d.entries + delta[d.id]
            updates.append({"document": d.id, "n": after})
            if d.entries <= 0 < after:
                entering.append(d)
            elif after <= 0 < d.entries:
                leaving.append(d)
    table = SearchDocumentRow.__table__
    if updates:
        session.execute(update(table).where(table.c.id == bindparam("document")).values(entries=bindparam("n")),
                        updates)
    frequencies: dict[int, list[int]] = {}
    for documents, sign in ((entering, 1), (leaving, -1)):
        for chunk in chunks([d.id for d in documents]):
            for term, field, n in session.execute(select(SearchPostingRow.term_id, SearchPostingRow.field, func.count())
                                                  .where(SearchPostingRow.document_id.in_(chunk))
                                                  .group_by(SearchPostingRow.term_id, SearchPostingRow.field)):
                frequencies.setdefault(term, [0, 0, 0])[field] += sign * n
        row.documents += sign * len(documents)
        row.title_length += sign * sum(d.title_length for d in documents)
        row.body_length += sign * sum(d.body_length for d in documents)
        row.departments_length += sign * sum(d.departments_length for d in documents)
    terms = SearchTermRow.__table__
    if frequencies:
        session.execute(update(terms).where(terms.c.id == bindparam("which")).values(
            title_df=terms.c.title_df + bindparam("a"), body_df=terms.c.body_df + bindparam("b"),
            departments_df=terms.c.departments_df + bindparam("c")),
            [{"which": t, "a": a, "b": b, "c": c} for t, (a, b, c) in sorted(frequencies.items())])
    for chunk in chunks(list(switches)):
        session.execute(delete(SearchCountedRow).where(SearchCountedRow.town_id.in_(chunk)))
    insert_rows(session, SearchCountedRow, [{"town_id": t, "version_id": n} for t, (_, n) in switches.items() if n])
    session.flush()


# -- reading what counts ---------------------------------------------------------------------------------

def counted_items(*columns):
    """SELECT columns FROM the counted versions' items, with their towns (joinable, filterable)."""
    return (select(*columns).select_from(ItemRow)
            .join(SearchCountedRow, SearchCountedRow.version_id == ItemRow.version_id)
            .join(TownRow, TownRow.id == SearchCountedRow.town_id))


def department_names(session: Session) -> list[str]:
    """Every department name the counted items print, in order of first appearance."""
    first = func.min(SearchDocumentDepartmentRow.document_id)
    return list(session.scalars(
        select(SearchDocumentDepartmentRow.name).join(SearchDocumentRow)
        .where(SearchDocumentRow.entries > 0).group_by(SearchDocumentDepartmentRow.name)
        .order_by(first, func.min(SearchDocumentDepartmentRow.position))))


def documents_naming(names: Sequence[str]):
    """SELECT the counted documents of the cooperative and reclaimed lists that name any of these departments."""
    return (select(SearchDocumentDepartmentRow.document_id).join(SearchDocumentRow)
            .where(SearchDocumentDepartmentRow.name.in_(list(names)), SearchDocumentRow.entries > 0,
                   SearchDocumentRow.kind != "basic"))
