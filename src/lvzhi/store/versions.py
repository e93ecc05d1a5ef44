"""Reading list versions: which exist, which was in force on a date, one item across versions."""
from __future__ import annotations

from datetime import date

import json

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from ..model import Dataset, Item, Town
from .repository import NotFound, current_version, get_town, item_from_row, item_from_values
from .schema import ItemRow, TownRow, VersionRow


def versions_of(session: Session, town_name: str) -> list[VersionRow]:
    town = get_town(session, town_name)
    return list(session.scalars(select(VersionRow).where(VersionRow.town_id == town.id).order_by(VersionRow.id)))


def find_version(session: Session, town_name: str, reference: str) -> VersionRow:
    """A version by its number (as `lvzhi versions` lists it) or its label."""
    versions = versions_of(session, town_name)
    for version in versions:
        if reference.strip() in (str(version.id), version.label):
            return version
    known = "、".join(f"{v.id}（{v.label}）" for v in versions) or "（无）"
    raise NotFound(f"{town_name}没有编号或名称为“{reference}”的版本。已有：{known}")


def in_force_from(version: VersionRow) -> date:
    """The date a version took effect: its effective date, else the day it was imported."""
    return version.effective_date or version.imported_at.date()


def version_in_force(session: Session, town_name: str, on: date) -> VersionRow:
    candidates = [v for v in versions_of(session, town_name) if in_force_from(v) <= on]
    if not candidates:
        raise NotFound(f"{town_name}在 {on.isoformat()} 还没有生效的清单版本")
    return max(candidates, key=lambda v: (in_force_from(v), v.id))


# Item columns read for a dataset; `detail` as its stored text, parsed only for content not seen before.
_ITEM_COLUMNS = (ItemRow.code, ItemRow.kind, ItemRow.number, ItemRow.category, ItemRow.title, ItemRow.abolished,
                 ItemRow.note, cast(ItemRow.detail, Text))


def dataset_of(session: Session, version: VersionRow, shared: dict | None = None) -> Dataset:
    """The version's lists. Items whose content is already in `shared` are that same Item object: towns whose
    lists came from one template (and versions of one town) then hold most items once in memory."""
    town = session.get(TownRow, version.town_id)
    shared = {} if shared is None else shared
    rows = session.execute(select(*_ITEM_COLUMNS).where(ItemRow.version_id == version.id).order_by(ItemRow.id))
    items = []
    for row in rows:
        item = shared.get(tuple(row))
        if item is None:
            code, kind, number, category, title, abolished, note, detail = row
            item = shared[tuple(row)] = item_from_values(code, kind, number, category, title, abolished, note,
                                                         json.loads(detail) if detail else {})
        items.append(item)
    return Dataset(Town(town.name, town.district, town.city), version.label, items, version.codes_to_check())


def item_in(session: Session, version: VersionRow, code: str) -> Item | None:
    row = session.scalar(select(ItemRow).where(ItemRow.version_id == version.id, ItemRow.code == code.upper()))
    return item_from_row(row) if row else None


def item_history(session: Session, town_name: str, code: str) -> list[tuple[VersionRow, Item | None]]:
    history = [(version, item_in(session, version, code)) for version in versions_of(session, town_name)]
    if not any(item for _, item in history):
        raise NotFound(f"{town_name}的任何版本中都没有编码为“{code}”的事项")
    return history


def current_datasets(session: Session) -> list[Dataset]:
    """The version now in use of every town that has one."""
    datasets, shared = [], {}
    for town in session.scalars(select(TownRow).order_by(TownRow.id)):
        try:
            datasets.append(dataset_of(session, current_version(session, town), shared))
        except NotFound:
            continue
    return datasets
