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
from .bulk import insert_rows, inserted
from .searchdocs import MakeDocuments, document_ids, hold_imports, recount
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
                 effective_date: date | None = None, documents: MakeDocuments | None = None) -> ImportResult:
    """Adds the dataset as a new version of its town (created if new). With `documents` (the search layer's maker
    of each item's search document) the items point to their documents and the search counts the town's version
    in force, in this transaction; without, the version waits for the search layer to index it. The caller
    commits."""
    hold_imports(session)
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
        unsure_codes=list(dataset.unsure) or None, indexed=documents is not None,
    )
    session.add(version)
    session.flush()
    departments = _department_ids(session, dataset)
    found = document_ids(session, documents(dataset.items)) if documents else [None] * len(dataset.items)
    # two statements for the whole version (rows sent in batches), not a round trip per item
    item_ids = inserted(session, ItemRow, [{**_item_values(item, version.id), "document_id": document}
                                           for item, document in zip(dataset.items, found)])
    links = [{"item_id": item_id, "department_id": departments[name], "role": role, "position": position}
             for item, item_id in zip(dataset.items, item_ids)
             for position, (name, role) in enumerate(_named_departments(item))]
    if links:
        insert_rows(session, ItemDepartmentRow, links)
    if documents:
        recount(session, date.today(), [town.id])
    return ImportResult(town.name, version.id, version.label, True, len(dataset.items))


def save_datasets(session: Session, datasets: list[Dataset], source_name: str = "",
                  documents: MakeDocuments | None = None) -> list[ImportResult]:
    """Many towns' lists at once, each as a new version, in a handful of statements whatever their number (a
    province loaded in one go, the scale bench). An item shared by several datasets (the same object) is
    serialised once. Towns that exist already go through save_dataset. The caller commits."""
    hold_imports(session)
    names = [d.town.name for d in datasets]
    if len(set(names)) != len(names):
        raise ValueError("save_datasets: a town appears twice")
    known = set(session.scalars(select(TownRow.name).where(TownRow.name.in_(names)))) if names else set()
    results = {d.town.name: save_dataset(session, d, source_name, documents=documents)
               for d in datasets if d.town.name in known}
    fresh = [d for d in datasets if d.town.name not in known]
    if fresh:
        serialised: dict[int, tuple[Item, str, dict]] = {}  # id(item) → (item, its JSON, its row values)

        def of(item: Item) -> tuple[str, dict]:
            found = serialised.get(id(item))
            if found is None or found[0] is not item:
                values = _item_values(item, 0)
                found = serialised[id(item)] = (item, json.dumps(item.to_dict(), ensure_ascii=False, sort_keys=True),
                                                values)
            return found[1], found[2]

        town_ids = inserted(session, TownRow, [{"name": d.town.name, "district": d.town.district,
                                                  "city": d.town.city} for d in fresh])
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        digests = [hashlib.sha256(("[" + ", ".join(of(i)[0] for i in d.items) + "]").encode("utf-8")).hexdigest()
                   for d in fresh]
        version_ids = inserted(session, VersionRow, [
            {"town_id": town_id, "label": d.version or now.strftime("%Y-%m-%d %H:%M"), "effective_date": None,
             "source_name": source_name, "sha256": digest, "imported_at": now, "unsure_codes": list(d.unsure) or None,
             "indexed": documents is not None}
            for d, town_id, digest in zip(fresh, town_ids, digests)])
        departments = _department_ids_of(session, list(dict.fromkeys(n for d in fresh for n in d.departments())))
        items = [(item, version_id) for d, version_id in zip(fresh, version_ids) for item in d.items]
        found = _shared_documents(session, [item for item, _ in items], documents)
        item_ids = inserted(session, ItemRow, [{**of(item)[1], "version_id": version_id, "document_id": document}
                                               for (item, version_id), document in zip(items, found)])
        links = [{"item_id": item_id, "department_id": departments[name], "role": role, "position": position}
                 for (item, _), item_id in zip(items, item_ids)
                 for position, (name, role) in enumerate(_named_departments(item))]
        if links:
            insert_rows(session, ItemDepartmentRow, links)
        for d, version_id in zip(fresh, version_ids):
            results[d.town.name] = ImportResult(d.town.name, version_id, d.version, True, len(d.items))
        if documents:
            recount(session, date.today(), town_ids)
    return [results[name] for name in names]


def _shared_documents(session: Session, items: list[Item], documents: MakeDocuments | None) -> list[int | None]:
    """Each item's search document id; an item object several datasets share is made into a document once."""
    if documents is None:
        return [None] * len(items)
    distinct = list({id(item): item for item in items}.values())
    ids = dict(zip((id(item) for item in distinct), document_ids(session, documents(distinct))))
    return [ids[id(item)] for item in items]


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
    return _department_ids_of(session, dataset.departments())


def _department_ids_of(session: Session, printed: list[str]) -> dict[str, int]:
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


def _item_values(item: Item, version_id: int) -> dict:
    data = item.to_dict()
    detail = {key: data[key] for key in ("departments", "department_duties", "town_duties", "handlers") if key in data}
    return {"version_id": version_id, "code": item.code, "kind": item.list, "number": item.number,
            "category": item.category, "title": item.title, "abolished": item.abolished, "note": item.note,
            "detail": detail}
