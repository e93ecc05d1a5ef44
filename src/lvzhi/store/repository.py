"""Saving and loading datasets; every import is one transaction and one immutable version."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..model import Dataset, DutyGroup, Handler, Item
from ..registry import department, registered_name
from .schema import DepartmentRow, ItemDepartmentRow, ItemRow, TownRow, VersionCheckRow, VersionRow


class NotFound(LookupError):
    """An unknown town, version or item code; the message is Chinese."""


@dataclass
class ImportResult:
    town: str
    version_id: int
    label: str
    created: bool
    items: int


def dataset_sha256(dataset: Dataset) -> str:
    """Identifies a version by its content, so re-importing the same lists creates nothing new."""
    payload = json.dumps([item.to_dict() for item in dataset.items], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def save_dataset(session: Session, dataset: Dataset, source_name: str = "", label: str | None = None,
                 effective_date: date | None = None) -> ImportResult:
    """Adds the dataset as a new version of its town (created if new). The caller commits."""
    town = session.scalar(select(TownRow).where(TownRow.name == dataset.town.name))
    if town is None:
        town = TownRow(name=dataset.town.name, district=dataset.town.district, city=dataset.town.city)
        session.add(town)
        session.flush()
    else:
        town.district = dataset.town.district or town.district
        town.city = dataset.town.city or town.city
    digest = dataset_sha256(dataset)
    existing = session.scalar(select(VersionRow).where(VersionRow.town_id == town.id, VersionRow.sha256 == digest))
    if existing is not None:
        return ImportResult(town.name, existing.id, existing.label, False, len(existing.items))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    version = VersionRow(
        town_id=town.id, label=label or dataset.version or now.strftime("%Y-%m-%d %H:%M"),
        effective_date=effective_date, source_name=source_name, sha256=digest, imported_at=now,
        unsure_codes=list(dataset.unsure) or None,
    )
    session.add(version)
    session.flush()
    departments = _department_ids(session, dataset)
    for item in dataset.items:
        row = _item_row(item, version.id)
        session.add(row)
        session.flush()
        for position, (name, role) in enumerate(_named_departments(item)):
            session.add(ItemDepartmentRow(item_id=row.id, department_id=departments[name], role=role, position=position))
    session.flush()
    return ImportResult(town.name, version.id, version.label, True, len(dataset.items))


def confirm_checked(session: Session, town_name: str, codes: list[str], by: str) -> list[str]:
    """Records that a person checked these rows of the current version against the original document
    (the version itself never changes). Returns the codes confirmed; NotFound names any not to check."""
    version = current_version(session, get_town(session, town_name))
    wanted = [code.strip().upper() for code in codes]
    open_codes = version.codes_to_check()
    strangers = [code for code in wanted if code not in open_codes]
    if strangers:
        listed = "、".join(open_codes) or "无"
        raise NotFound(f"{town_name}现行版本中待核对的事项为：{listed}；{'、'.join(strangers)} 不在其中")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    session.add_all(VersionCheckRow(version_id=version.id, code=code, source_name=by, checked_at=now) for code in wanted)
    return wanted


def _named_departments(item: Item) -> list[tuple[str, str]]:
    pairs: dict[tuple[str, str], None] = {}
    for name in item.departments:
        pairs.setdefault((name, "lead"), None)
    for group in item.department_duties:
        for name in group.departments:
            if name not in item.departments:
                pairs.setdefault((name, "lead"), None)
    for handler in item.handlers:
        for name in handler.departments:
            pairs.setdefault((name, "handler"), None)
    return list(pairs)


def _department_ids(session: Session, dataset: Dataset) -> dict[str, int]:
    """Each printed name's department row: a name the registry knows under another printed name
    ("区人社局" for "区人力社保局") is that department, so towns that print it differently share it."""
    printed = dataset.departments()
    canonical = {name: registered_name(name) for name in printed}
    names = list(dict.fromkeys(canonical.values()))
    rows = {r.name: r for r in session.scalars(select(DepartmentRow).where(DepartmentRow.name.in_(names)))}
    for name in names:
        entry = department(name)
        if name not in rows:
            rows[name] = DepartmentRow(name=name, full_name=entry.full_name, aliases=list(entry.aliases))
            session.add(rows[name])
        elif not rows[name].full_name and entry.full_name:
            rows[name].full_name, rows[name].aliases = entry.full_name, list(entry.aliases)
    session.flush()
    return {name: rows[canonical[name]].id for name in printed}


def _item_row(item: Item, version_id: int) -> ItemRow:
    data = item.to_dict()
    detail = {key: data[key] for key in ("departments", "department_duties", "town_duties", "handlers") if key in data}
    return ItemRow(version_id=version_id, code=item.code, kind=item.list, number=item.number, category=item.category,
                   title=item.title, abolished=item.abolished, note=item.note, detail=detail)


def item_from_row(row: ItemRow) -> Item:
    return item_from_values(row.code, row.kind, row.number, row.category, row.title, row.abolished, row.note,
                            row.detail or {})


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


def get_town(session: Session, name: str) -> TownRow:
    town = session.scalar(select(TownRow).where(TownRow.name == name))
    if town is None:
        known = "、".join(session.scalars(select(TownRow.name).order_by(TownRow.name)).all()) or "（无）"
        raise NotFound(f"没有名为“{name}”的镇街。已有：{known}")
    return town


def current_version(session: Session, town: TownRow) -> VersionRow:
    version = session.scalar(select(VersionRow).where(VersionRow.town_id == town.id).order_by(VersionRow.id.desc()))
    if version is None:
        raise NotFound(f"镇街“{town.name}”还没有导入任何清单版本")
    return version


def load_dataset(session: Session, town_name: str) -> Dataset:
    """The version of the town's lists now in use (the latest imported)."""
    from .versions import dataset_of

    return dataset_of(session, current_version(session, get_town(session, town_name)))


def get_item(session: Session, town_name: str, code: str) -> Item:
    town = get_town(session, town_name)
    version = current_version(session, town)
    row = session.scalar(select(ItemRow).where(ItemRow.version_id == version.id, ItemRow.code == code.upper()))
    if row is None:
        raise NotFound(f"{town.name}的清单中没有编码为“{code}”的事项（编码形如 B1、C74、R163）")
    return item_from_row(row)


def towns_with_counts(session: Session) -> list[tuple[TownRow, VersionRow | None, dict[str, int]]]:
    result = []
    for town in session.scalars(select(TownRow).order_by(TownRow.id)):
        version = session.scalar(select(VersionRow).where(VersionRow.town_id == town.id).order_by(VersionRow.id.desc()))
        counts: dict[str, int] = {}
        if version is not None:
            query = select(ItemRow.kind, func.count()).where(ItemRow.version_id == version.id).group_by(ItemRow.kind)
            counts = {kind: n for kind, n in session.execute(query)}
        result.append((town, version, counts))
    return result
