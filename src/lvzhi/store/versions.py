"""Reading list versions: which exist, which was in force on a date, one item across versions."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..model import Dataset, Item, Town
from .repository import NotFound, current_version, get_town, item_from_row
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


def dataset_of(session: Session, version: VersionRow) -> Dataset:
    town = session.get(TownRow, version.town_id)
    rows = session.scalars(select(ItemRow).where(ItemRow.version_id == version.id).order_by(ItemRow.id)).all()
    return Dataset(Town(town.name, town.district, town.city), version.label, [item_from_row(r) for r in rows])


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
    datasets = []
    for town in session.scalars(select(TownRow).order_by(TownRow.id)):
        try:
            datasets.append(dataset_of(session, current_version(session, town)))
        except NotFound:
            continue
    return datasets
