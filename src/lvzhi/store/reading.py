"""Rows into the model: towns with their versions, and a version's lists. Reading only, no decisions."""
from __future__ import annotations

import hashlib
import json
import threading
import weakref
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import Session

from ..model import Dataset, DutyGroup, Handler, Item, Town
from .schema import ItemRow, TownRow, VersionCheckRow, VersionRow


@dataclass(frozen=True)
class VersionRecord:
    """A stored version as the read side needs it, without its items."""

    id: int
    label: str
    effective_date: date | None
    imported_at: datetime
    source_name: str
    sha256: str
    items: int
    unsure: tuple[str, ...]  # codes the import could not place by layout alone, not yet confirmed by a person


SINCE_ALWAYS = date.min


def in_force_from(effective_date: date | None, imported_at: datetime, first: bool) -> date:
    """The day a version takes effect: its effective date; without one, the day it was imported, except a town's
    first version, which answers for every earlier day too (nothing came before it)."""
    if effective_date is not None:
        return effective_date
    return SINCE_ALWAYS if first else imported_at.date()


def version_in_force(versions: list[tuple[int, date]], on: date) -> int | None:
    """Of (id, in force from) pairs, the latest version whose date has come by `on` (of two with one date, the
    later import)."""
    started = [(since, vid) for vid, since in versions if since <= on]
    return max(started)[1] if started else None


@dataclass(frozen=True)
class TownRecord:
    name: str
    district: str
    city: str
    versions: tuple[VersionRecord, ...]  # in import order


def town_records(session: Session, counted: dict[tuple[int, str], int] | None = None) -> list[TownRecord]:
    """Every town with every version, in three queries whatever the number of towns.

    A version's item count never changes: pass the same `counted` dict ({(version id, sha256): items}) on every
    call and only versions not counted before are counted (a province's millions of item rows are not grouped
    again each time one town publishes)."""
    counted = {} if counted is None else counted
    rows = list(session.scalars(select(VersionRow).order_by(VersionRow.id)))
    missing = [v.id for v in rows if (v.id, v.sha256) not in counted]
    if missing:
        query = select(ItemRow.version_id, func.count()).group_by(ItemRow.version_id)
        if len(missing) < len(rows):
            query = query.where(ItemRow.version_id.in_(missing))
        found = dict(session.execute(query).all())
        fresh = set(missing)
        counted.update({(v.id, v.sha256): found.get(v.id, 0) for v in rows if v.id in fresh})
    checked: dict[int, set[str]] = {}
    for version_id, code in session.execute(select(VersionCheckRow.version_id, VersionCheckRow.code)):
        checked.setdefault(version_id, set()).add(code)
    versions: dict[int, list[VersionRecord]] = {}
    for v in rows:
        unsure = tuple(c for c in (v.unsure_codes or ()) if c not in checked.get(v.id, set()))
        versions.setdefault(v.town_id, []).append(VersionRecord(
            v.id, v.label, v.effective_date, v.imported_at, v.source_name, v.sha256, counted[(v.id, v.sha256)], unsure))
    return [TownRecord(t.name, t.district, t.city, tuple(versions.get(t.id, ())))
            for t in session.scalars(select(TownRow).order_by(TownRow.id))]


# Item columns read for a dataset; `detail` as its stored text, parsed only for content not seen before.
ITEM_COLUMNS = (ItemRow.code, ItemRow.kind, ItemRow.number, ItemRow.category, ItemRow.title, ItemRow.abolished,
                 ItemRow.note, cast(ItemRow.detail, Text))


class ItemPool:
    """One Item object per distinct content, for as long as some dataset holds it.

    Towns whose lists came from one district template, and the versions of one town, then hold most items once
    in memory. Content is told by a 16-byte digest of the stored row, not by the row itself (whose detail text is
    ~1 KiB an item); an item no dataset holds any longer leaves the pool by itself (weak references)."""

    def __init__(self) -> None:
        self._items: weakref.WeakValueDictionary[bytes, Item] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def item(self, row: tuple) -> tuple[Item, bool]:
        """The item for a row of `ITEM_COLUMNS`, and whether it was made now (not shared)."""
        key = hashlib.blake2b(json.dumps(row, ensure_ascii=False, default=str).encode("utf-8"), digest_size=16).digest()
        item = self._items.get(key)
        if item is not None:
            return item, False
        code, kind, number, category, title, abolished, note, detail = row
        made = item_from_values(code, kind, number, category, title, abolished, note, json.loads(detail) if detail else {})
        with self._lock:
            item = self._items.setdefault(key, made)
        return item, item is made


def dataset_of(session: Session, version_id: int, pool: ItemPool | None = None) -> Dataset:
    """The version's lists; items whose content is already in `pool` are that same Item object."""
    return load_dataset(session, version_id, pool)[0]


def load_dataset(session: Session, version_id: int, pool: ItemPool | None = None) -> tuple[Dataset, int]:
    """The version's lists, and how many of its items were made anew (not already in the pool)."""
    version = session.get(VersionRow, version_id)
    town = session.get(TownRow, version.town_id)
    pool = ItemPool() if pool is None else pool
    rows = session.execute(select(*ITEM_COLUMNS).where(ItemRow.version_id == version.id).order_by(ItemRow.id))
    items, made = [], 0
    for row in rows:
        item, new = pool.item(tuple(row))
        items.append(item)
        made += new
    return Dataset(Town(town.name, town.district, town.city), version.label, items, version.codes_to_check()), made


def item_from_values(code: str, kind: str, number: int, category: str, title: str, abolished: bool,
                     note: str | None, detail: dict) -> Item:
    return Item(
        code=code, list=kind, number=number, category=category, title=title,  # type: ignore[arg-type]
        departments=list(detail.get("departments", [])),
        department_duties=[DutyGroup(list(g["departments"]), list(g["duties"])) for g in detail.get("department_duties", [])],
        town_duties=list(detail.get("town_duties", [])),
        handlers=[Handler(list(h["departments"]), list(h["methods"])) for h in detail.get("handlers", [])],
        abolished=bool(abolished), note=note,
    )
