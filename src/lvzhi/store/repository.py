"""Writing lists: a dataset becomes one immutable version; checks of its unsure rows are recorded beside it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..model import Dataset, Item
from ..registry import department, registered_name
from .schema import DepartmentRow, ItemDepartmentRow, ItemRow, TownRow, VersionCheckRow, VersionRow


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


def confirm_checked(session: Session, version_id: int, codes: list[str], by: str) -> list[str]:
    """Records that a person checked these rows of the version against the original document (the version
    itself never changes). Returns the codes confirmed; NotFound names any not to check."""
    version = session.get(VersionRow, version_id)
    town_name = version.town.name
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
