"""What changed between two versions of a town's lists, field by field (`lvzhi diff`)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..model import Dataset, Item

FIELD_NAMES = {
    "list": "所属清单", "category": "类别", "title": "事项名称", "departments": "对应上级部门",
    "department_duties": "上级部门职责", "town_duties": "镇配合职责", "handlers": "承接部门及工作方式",
    "abolished": "不再开展", "note": "备注",
}


@dataclass
class FieldChange:
    field: str
    before: object
    after: object

    def to_dict(self) -> dict:
        return {"field": self.field, "name": FIELD_NAMES.get(self.field, self.field),
                "before": self.before, "after": self.after}


@dataclass
class ItemChange:
    code: str
    title: str
    fields: list[FieldChange]

    def to_dict(self) -> dict:
        return {"code": self.code, "title": self.title, "fields": [f.to_dict() for f in self.fields]}


@dataclass
class Diff:
    town: str
    old_version: str
    new_version: str
    added: list[Item] = field(default_factory=list)
    removed: list[Item] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict:
        return {
            "town": self.town, "from": self.old_version, "to": self.new_version,
            "added": [i.to_dict() for i in self.added],
            "removed": [i.to_dict() for i in self.removed],
            "changed": [c.to_dict() for c in self.changed],
        }


def comparable(item: Item) -> dict:
    """What makes two versions of an item the same: everything but its code and position."""
    data = item.to_dict()
    data.pop("code"), data.pop("number")
    return data


def diff_datasets(old: Dataset, new: Dataset) -> Diff:
    """Items are matched by code (B51 stays B51); a renumbered item shows as one removed and one added."""
    before, after = old.by_code(), new.by_code()
    result = Diff(new.town.name, old.version, new.version)
    result.added = [item for code, item in after.items() if code not in before]
    result.removed = [item for code, item in before.items() if code not in after]
    for code, item in after.items():
        if code not in before:
            continue
        a, b = comparable(before[code]), comparable(item)
        changes = [FieldChange(key, a.get(key), b.get(key)) for key in dict.fromkeys([*a, *b]) if a.get(key) != b.get(key)]
        if changes:
            result.changed.append(ItemChange(code, item.title, changes))
    return result
