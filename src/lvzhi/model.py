"""The domain model: a town's three duty lists as plain, immutable-ish data."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

ListKind = Literal["basic", "cooperative", "reclaimed"]

LIST_KINDS: tuple[ListKind, ...] = ("basic", "cooperative", "reclaimed")
LIST_PREFIX: dict[ListKind, str] = {"basic": "B", "cooperative": "C", "reclaimed": "R"}
LIST_TITLES: dict[ListKind, str] = {
    "basic": "基本履职事项清单",
    "cooperative": "配合履职事项清单",
    "reclaimed": "上级部门收回事项清单",
}
LIST_SHORT_NAMES: dict[ListKind, str] = {"basic": "基本履职", "cooperative": "配合履职", "reclaimed": "上级部门收回"}
ABOLISHED_NOTE_MARK = "不再开展此项工作"


@dataclass
class DutyGroup:
    """Duties of one or several departments, as printed under a heading such as "区医保局："."""

    departments: list[str]
    duties: list[str]


@dataclass
class Handler:
    """A department that took a reclaimed item back (承接部门) and how it works it (工作方式)."""

    departments: list[str]
    methods: list[str]


@dataclass
class Item:
    code: str
    list: ListKind
    number: int
    category: str
    title: str
    departments: list[str] = field(default_factory=list)
    department_duties: list[DutyGroup] = field(default_factory=list)
    town_duties: list[str] = field(default_factory=list)
    handlers: list[Handler] = field(default_factory=list)
    abolished: bool = False
    note: str | None = None

    @property
    def lead_departments(self) -> list[str]:
        """Who leads: the departments of a cooperative item, the handlers of a reclaimed one."""
        if self.list == "cooperative":
            return list(self.departments)
        if self.list == "reclaimed":
            return [d for h in self.handlers for d in h.departments]
        return []

    def duty_texts(self) -> list[str]:
        """Every duty and method printed under the item (both sides of a cooperative item)."""
        texts = [d for g in self.department_duties for d in g.duties] + list(self.town_duties)
        return texts + [m for h in self.handlers for m in h.methods]

    def named_departments(self) -> list[str]:
        """Every department the item names, each once, in order of appearance."""
        names = [*self.departments, *(d for g in self.department_duties for d in g.departments)]
        return list(dict.fromkeys(names + [d for h in self.handlers for d in h.departments]))

    def to_dict(self) -> dict:
        data: dict = {
            "code": self.code,
            "list": self.list,
            "number": self.number,
            "category": self.category,
            "title": self.title,
        }
        if self.list == "cooperative":
            data["departments"] = list(self.departments)
            data["department_duties"] = [
                {"departments": list(g.departments), "duties": list(g.duties)} for g in self.department_duties
            ]
            data["town_duties"] = list(self.town_duties)
        elif self.list == "reclaimed":
            data["handlers"] = [{"departments": list(h.departments), "methods": list(h.methods)} for h in self.handlers]
            data["abolished"] = self.abolished
            data["note"] = self.note
        return data


@dataclass
class Town:
    name: str
    district: str = ""
    city: str = ""


@dataclass
class Dataset:
    """One version of one town's three lists."""

    town: Town
    version: str
    items: list[Item]
    # Codes a document's layout left open (the wording decided them): worth checking against the source.
    unsure: list[str] = field(default_factory=list)

    def by_code(self) -> dict[str, Item]:
        return {item.code: item for item in self.items}

    def items_of(self, kind: ListKind) -> list[Item]:
        return [item for item in self.items if item.list == kind]

    def categories(self, kind: ListKind) -> list[tuple[str, int]]:
        """Categories of one list in document order, with item counts."""
        counts: dict[str, int] = {}
        for item in self.items_of(kind):
            counts[item.category] = counts.get(item.category, 0) + 1
        return list(counts.items())

    def departments(self) -> list[str]:
        """Every department named anywhere in the lists, each once, in order of first appearance."""
        return list(dict.fromkeys(name for item in self.items for name in item.named_departments()))

    def to_dict(self) -> dict:
        return {
            "town": self.town.name,
            "district": self.town.district,
            "city": self.town.city,
            "version": self.version,
            "items": [item.to_dict() for item in self.items],
        }
