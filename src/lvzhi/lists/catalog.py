"""The lists as a long-running service reads them: current versions, resolvers and search kept in memory.

A web server answers thousands of requests from the same few versions. Published versions never change,
so everything derived from one is cached by version id; the only thing to watch is a new version being
imported, which the catalog notices by polling the versions table at most once per `refresh_seconds`
(every worker polls the one database, so each sees a published version within that interval).

A town's places (the words that put a request in its built-up area, its industrial park…) are kept by the list
office in the database and change without a new version: the poll also watches their revisions, and a change
drops the places read so far, so the next answer for the town uses the new words. A resolver's index does not
depend on places: the town's places are laid over the shared resolver as a view (`Resolver.with_places`).

A province has a thousand towns, so nothing is loaded for a town until it is asked about. A version's lists,
its items by code and its resolver (an index over every item; keyed by the version's content hash, so towns
whose lists are identical word for word share one) are kept in one least-recently-used cache held to a memory
budget (`LVZHI_CACHE_MB`), so a worker's memory does not grow with the towns it has been asked about. Items
with the same content are one object whichever towns and versions hold them (`ItemPool`). A new version
invalidates only what spans towns (search, department views); what was derived from other towns' versions
stays, since versions never change.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, TypeVar

from sqlalchemy import func, select

from ..errors import NotFound
from ..ingest import DEFAULT_TOWN
from ..model import LIST_KINDS, Dataset, Item
from ..registry import department, is_body
from ..resolve import Resolver
from ..search.database import DatabaseSearch
from ..search.engine import SearchEngine
from ..search.documents import index_pending, search_tokenizer
from ..search.resident import SearchMemory
from ..store import Store
from ..store.reading import ITEM_COLUMNS, ItemPool, load_dataset, town_records
from ..store.schema import ItemRow, PlaceRow, TownRow, SearchCountedRow, VersionCheckRow, VersionRow
from ..store.searchdocs import counted_items, department_names, documents_naming, totals
from ..knowledge import Place, town_folders
from .cache import BudgetLRU, budget_from_environment, positive_from_environment
from .departments import DepartmentView, department_view, find_department, same_department
from .diff import Diff, comparable, diff_datasets
from .versions import TownInfo, VersionInfo, town_info

T = TypeVar("T")

# What a cached dataset costs a worker's resident memory, the budget's basis (measured: bench/scale_bench.py
# and tests/test_province.py): a reference per item, and an Item object for each item not shared with another
# dataset already loaded. A resolver reports its own (Resolver.footprint).
DATASET_BYTES_PER_ITEM = 100
BYTES_PER_ITEM_MADE = 1536
# Derived data that spans every town's current lists: rebuilt when any town's versions change.
CROSS_TOWN = {"search", "departments", "department"}
# Distinct items in force up to which cross-town search runs in each worker's memory (about 200 towns whose
# lists differ in 5–15% of their items; a few MiB a thousand documents); LVZHI_SEARCH_IN_MEMORY_DOCUMENTS sets
# it, 0 sends every search to the database.
IN_MEMORY_SEARCH_DOCUMENTS = 12_000
ENV_IN_MEMORY_SEARCH = "LVZHI_SEARCH_IN_MEMORY_DOCUMENTS"
# Distinct items in force from which a server reads the database search's data ahead, in the background at start
# (about 2,500 towns whose lists differ in 5–15% of their items)
READ_AHEAD_DOCUMENTS = 100_000


def in_memory_documents() -> int:
    return int(positive_from_environment(ENV_IN_MEMORY_SEARCH, IN_MEMORY_SEARCH_DOCUMENTS, zero=True))


@dataclass(frozen=True)
class DepartmentSummary:
    name: str
    full_name: str
    cooperative: int
    reclaimed: int
    towns: int

    def to_dict(self) -> dict:
        return {"name": self.name, "full_name": self.full_name, "cooperative": self.cooperative,
                "reclaimed": self.reclaimed, "towns": self.towns}


class Catalog:
    """Thread-safe, read-only access to every town's lists for servers."""

    def __init__(self, store: Store, refresh_seconds: float = 1.0, cache_mb: float | None = None):
        self.store = store
        self.refresh_seconds = refresh_seconds
        # datasets, items by code and resolvers of the versions recently asked about, held to the budget
        self.cache: BudgetLRU[object] = BudgetLRU((cache_mb or budget_from_environment()) * 2**20)
        self._lock = threading.RLock()
        self._checked_at = float("-inf")
        self._state: tuple | None = None
        self._towns: dict[str, TownInfo] = {}
        self._items = ItemPool()  # one Item object per distinct content, shared by towns and versions
        self.search_memory = SearchMemory()  # what the database's searches hold, kept across versions' changes
        self._counted: dict[tuple[int, str], int] = {}  # versions' item counts: they never change
        self._derived: dict[tuple, object] = {}

    # -- freshness -------------------------------------------------------------------------------

    def _fresh(self) -> None:
        now = time.monotonic()
        if self._state is not None and now - self._checked_at < self.refresh_seconds:
            return
        with self._lock:
            with self.store.transaction() as session:
                state = (*session.execute(select(func.count(VersionRow.id), func.max(VersionRow.id))).one(),
                         session.scalar(select(func.count(VersionCheckRow.id))), date.today(),
                         *session.execute(select(func.count(PlaceRow.id), func.sum(PlaceRow.revision))).one())
                if state[4:] != (self._state or ())[4:]:  # a town's places changed: its resolver takes them anew
                    self._derived = {k: v for k, v in self._derived.items() if k[0] != "places"}
                if state[:4] != (self._state or ())[:4]:
                    towns = {t.name: town_info(t) for t in town_records(session, self._counted)}
                    self._forget(self._towns, towns, self._state is not None and state[3] != self._state[3])
                    self._towns = towns
                self._state = state  # type: ignore[assignment]
            self._checked_at = now

    def generation(self) -> tuple:
        """Changes whenever a version is added (here or in any other process) or a row is confirmed: what is
        derived from the database's lists and their publication can be cached under it."""
        self._fresh()
        return self._state  # type: ignore[return-value]

    def written(self) -> None:
        """This process has just written lists: the next read checks the database, not the freshness window."""
        self._checked_at = float("-inf")  # not 0: time.monotonic() may be small (since boot)

    def changed_towns(self, old: dict[str, TownInfo], new: dict[str, TownInfo]) -> set[str]:
        """Towns whose versions (or what is known of them) differ between two readings."""
        return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}

    def _forget(self, old: dict[str, TownInfo], new: dict[str, TownInfo], new_day: bool) -> None:
        """Per-town invalidation: a version's own derived data never goes stale; what spans towns does when
        any town changed (or a day passed, which may bring a dated version into force)."""
        changed = self.changed_towns(old, new)
        if changed or new_day:
            self._derived = {k: v for k, v in self._derived.items() if k[0] not in CROSS_TOWN}
        gone = {v.id for name in changed for v in (old[name].versions if name in old else ())} - {
            v.id for name in changed for v in (new[name].versions if name in new else ())}
        for version_id in gone:  # a version deleted (a town removed, a test database reset)
            self.cache.discard(("dataset", version_id))
            self.cache.discard(("codes", version_id))

    def _cached(self, key: tuple, build: Callable[[], T]) -> T:
        """Derived data for the current state, built once even when many threads ask at once."""
        value = self._derived.get(key)
        if value is None:
            with self._lock:
                value = self._derived.get(key)
                if value is None:
                    value = self._derived[key] = build()
        return value  # type: ignore[return-value]

    # -- towns and versions ----------------------------------------------------------------------

    def towns(self) -> list[TownInfo]:
        self._fresh()
        return [t for t in self._towns.values() if t.versions]

    def town(self, name: str) -> TownInfo:
        self._fresh()
        town = self._towns.get(name)
        if town is None or not town.versions:
            known = "、".join(t.name for t in self.towns()) or "（无）"
            raise NotFound(f"没有名为“{name}”的镇街。已有：{known}")
        return town

    def version(self, town_name: str, reference: str | int | None = None, on: date | None = None) -> VersionInfo:
        """A town's version by number or label; else the one in force on `on` (today)."""
        town = self.town(town_name)
        if reference is None or str(reference).strip() == "":
            return town.version_on(on or date.today())
        for version in town.versions:
            if str(reference).strip() in (str(version.id), version.label):
                return version
        known = "、".join(f"{v.id}（{v.label}）" for v in town.versions)
        raise NotFound(f"{town.name}没有编号或名称为“{reference}”的版本。已有：{known}")

    def dataset(self, town_name: str, reference: str | int | None = None, on: date | None = None) -> Dataset:
        return self._dataset(self.version(town_name, reference, on).id)

    def _dataset(self, version_id: int, keep: bool = True) -> Dataset:
        """A version's lists from the cache, else from the database (kept in the cache when `keep`)."""
        if not keep:
            found = self.cache.peek(("dataset", version_id))
            return found if found is not None else self._load(version_id)[0]
        return self.cache.get(("dataset", version_id), lambda: self._load(version_id),
                              lambda loaded: loaded[1], keep=lambda loaded: loaded[0])

    def _load(self, version_id: int) -> tuple[Dataset, int]:
        """The dataset and its estimated cost in bytes."""
        with self.store.transaction() as session:
            dataset, made = load_dataset(session, version_id, self._items)
        return dataset, DATASET_BYTES_PER_ITEM * len(dataset.items) + BYTES_PER_ITEM_MADE * made

    def default_town(self) -> str:
        """The town a request means when it names none: the bundled one if present, else the first."""
        towns = self.towns()
        if not towns:
            raise NotFound("数据库中还没有任何镇街的清单，请先用 lvzhi import 导入")
        return DEFAULT_TOWN.name if any(t.name == DEFAULT_TOWN.name for t in towns) else towns[0].name

    def counts(self, town_name: str) -> dict[str, int]:
        dataset = self.dataset(town_name)
        return {kind: len(dataset.items_of(kind)) for kind in LIST_KINDS}

    # -- items -----------------------------------------------------------------------------------

    def item(self, town_name: str, code: str, reference: str | int | None = None, on: date | None = None) -> Item:
        version = self.version(town_name, reference, on)
        found = self._codes(version.id).get(code.strip().upper())
        if found is None:
            dataset = self._dataset(version.id)
            raise NotFound(f"{dataset.town.name}的清单（{dataset.version}）中没有编码为“{code}”的事项"
                           "（编码形如 B1、C74、R163）")
        return found

    def _codes(self, version_id: int) -> dict[str, Item]:
        return self.cache.get(("codes", version_id), lambda: self._dataset(version_id).by_code(),
                              lambda codes: DATASET_BYTES_PER_ITEM * len(codes))

    def history(self, town_name: str, code: str) -> list[tuple[VersionInfo, Item | None]]:
        """The item in every version of the town, oldest first (None where a version lacks it)."""
        town = self.town(town_name)
        code = code.strip().upper()
        history = [(v, self._codes(v.id).get(code)) for v in town.versions]
        if not any(item for _, item in history):
            raise NotFound(f"{town.name}的任何版本中都没有编码为“{code}”的事项")
        return history

    def history_states(self, town_name: str, code: str) -> list[tuple[VersionInfo, str]]:
        """Per version: added (first appears), changed, unchanged, or absent."""
        states, previous = [], None
        for version, item in self.history(town_name, code):
            if item is None:
                state = "absent"
            elif previous is None:
                state = "added"
            else:
                state = "unchanged" if comparable(previous) == comparable(item) else "changed"
            states.append((version, state))
            previous = item
        return states

    def diff(self, town_name: str, old: str | int, new: str | int) -> Diff:
        return diff_datasets(self.dataset(town_name, old), self.dataset(town_name, new))

    # -- services built on the current lists -----------------------------------------------------

    def resolver(self, town_name: str, on: date | None = None) -> Resolver:
        """The resolver over the lists in force on `on` (today)."""
        version = self.version(town_name, on=on)
        dataset = self._dataset(version.id)
        own = dataset.town.name if any(f.town == dataset.town.name for f in town_folders()) else ""
        shared = self.cache.get(("resolver", version.sha256, own), lambda: Resolver(dataset),
                                lambda resolver: resolver.footprint)
        return shared.for_dataset(dataset).with_places(self.places(dataset.town.name))

    def places(self, town_name: str) -> dict[str, Place]:
        """The town's places as the list office keeps them in the database (none: its rules' own words)."""
        self._fresh()

        def read() -> dict[str, Place]:
            with self.store.transaction() as session:
                rows = session.scalars(select(PlaceRow).where(PlaceRow.town == town_name).order_by(PlaceRow.id))
                return {r.name: Place(r.name, tuple(r.says or ()), tuple(r.not_words or ())) for r in rows}
        return self._cached(("places", town_name), read)

    def held(self, kind: str) -> int:
        """How many datasets ("dataset"), code tables ("codes") or resolvers ("resolver") the cache holds."""
        return self.cache.count(lambda key: key[0] == kind)

    def search_engine(self) -> SearchEngine | DatabaseSearch:
        """Search across every town's lists in force. Versions saved without their search documents are indexed
        first, and each town's version in force today is what counts (once per change of the versions or of the
        day). Up to `in_memory_documents()` distinct items in force, an index in this process answers (a search
        costs ~2 ms of CPU there); beyond, the database's search tables do, of which the worker holds only the
        documents' few fields, the counted entries and recent terms' postings (`search_memory`, kept across
        changes), so that a province's towns' texts are neither loaded into every worker nor held there. Both answer alike (tests/test_search_database.py)."""
        self._fresh()
        return self._cached(("search",), self._prepared_search)

    def warm_search(self) -> None:
        """Reads ahead what the database's search holds, where the lists in force are many (a province: at least
        READ_AHEAD_DOCUMENTS distinct items, where the first search would otherwise take seconds); with fewer, the
        first search loads it (under a second) and a worker that never searches does not hold it."""
        with self.store.transaction() as session:
            if totals(session).documents < READ_AHEAD_DOCUMENTS:
                return
        engine = self.search_engine()
        if isinstance(engine, DatabaseSearch):
            engine.warm()

    def _prepared_search(self) -> SearchEngine | DatabaseSearch:
        with self.store.transaction() as session:
            index_pending(session)
            documents = totals(session).documents
        if documents <= in_memory_documents():
            return SearchEngine([self._dataset(current.id, keep=False) for town in self.towns()
                                 if (current := town.current)], search_tokenizer())
        return DatabaseSearch(self.store, pool=self._items, memory=self.search_memory)

    def departments(self) -> list[DepartmentSummary]:
        self.search_engine()  # what counts is up to date
        return self._cached(("departments",), self._summarise_departments)

    def _summarise_departments(self) -> list[DepartmentSummary]:
        with self.store.transaction() as session:
            names = department_names(session)
        items, towns = self.search_engine().entries.department_counts()  # counted where the search holds them
        reclaimed: dict[str, int] = {}  # every list but the cooperative one, as the department view counts
        for (name, kind), n in items.items():
            if kind != "cooperative":
                reclaimed[name] = reclaimed.get(name, 0) + n
        return [DepartmentSummary(name, department(name).full_name, items.get((name, "cooperative"), 0),
                                  reclaimed.get(name, 0), towns.get(name, 0))
                for name in names if is_body(name)]  # not 区级相关部门, 区教委等

    def _department_names(self) -> list[str]:
        self.search_engine()
        def read() -> list[str]:
            with self.store.transaction() as session:
                return department_names(session)
        return self._cached(("departments", "names"), read)

    def department_name(self, query: str) -> str:
        """The printed name for a name, full name or alias; UnknownDepartment if no list names it."""
        return find_department(self._department_names(), query)

    def department(self, query: str) -> DepartmentView:
        name = self.department_name(query)
        return self._cached(("department", name), lambda: department_view(name, self._entries_naming(name)))

    def _entries_naming(self, name: str) -> list[tuple[str, Item]]:
        """(town, item) of every counted item that names the department, in the towns' order and the lists'."""
        with self.store.transaction() as session:
            rows = session.execute(counted_items(TownRow.name, *ITEM_COLUMNS)
                                   .where(ItemRow.document_id.in_(documents_naming(same_department(
                                       self._department_names(), name))))
                                   .order_by(SearchCountedRow.town_id, ItemRow.id)).all()
        return [(town, self._items.item(tuple(row))[0]) for town, *row in rows]
