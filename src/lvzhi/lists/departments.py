"""Read views over the lists of many towns: the department view (部门视图)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from ..errors import NotFound
from ..model import Item
from ..registry import department, registered_name, strip_parenthesised


class UnknownDepartment(NotFound):
    """No department of that name (or alias) appears in any town's lists; the message is Chinese."""

    code = "unknown_department"


@dataclass
class CooperativeEntry:
    town: str
    item: Item
    department_duties: list[str]

    def to_dict(self) -> dict:
        return {"town": self.town, "code": self.item.code, "title": self.item.title, "category": self.item.category,
                "department_duties": self.department_duties, "town_duties": list(self.item.town_duties),
                "co_leads": [d for d in self.item.departments]}


@dataclass
class ReclaimedEntry:
    town: str
    item: Item
    methods: list[str]

    def to_dict(self) -> dict:
        return {"town": self.town, "code": self.item.code, "title": self.item.title, "category": self.item.category,
                "methods": self.methods}


@dataclass
class DepartmentView:
    name: str
    full_name: str
    cooperative: list[CooperativeEntry] = field(default_factory=list)
    reclaimed: list[ReclaimedEntry] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        per_town: dict[str, Counter] = {}
        for entry in self.cooperative:
            per_town.setdefault(entry.town, Counter())["cooperative"] += 1
        for entry in self.reclaimed:
            per_town.setdefault(entry.town, Counter())["reclaimed"] += 1
        return {town: {"cooperative": c["cooperative"], "reclaimed": c["reclaimed"]} for town, c in per_town.items()}

    def to_dict(self) -> dict:
        return {"department": self.name, "full_name": self.full_name,
                "totals": {"cooperative": len(self.cooperative), "reclaimed": len(self.reclaimed)},
                "per_town": self.counts(),
                "cooperative": [e.to_dict() for e in self.cooperative],
                "reclaimed": [e.to_dict() for e in self.reclaimed]}


def find_department(names: Sequence[str], query: str) -> str:
    """The printed name for what the user typed (the name itself, an alias, or the name without brackets),
    among the names the lists print."""
    query = query.strip()
    if query in names:
        return query
    for name in names:
        if query in department(name).names() or strip_parenthesised(name) == query:
            return name
    close = [n for n in names if query and (query in n or n in query)]
    hint = f"，是否指：{'、'.join(close[:5])}" if close else ""
    raise UnknownDepartment(f"清单中没有名为“{query}”的部门{hint}")


def same_department(names: Iterable[str], name: str) -> list[str]:
    """The names among `names` that print the department `name` (however a town prints it)."""
    return [n for n in names if n == name or registered_name(n) == registered_name(name)]


def _part_of(item: Item, name: str) -> tuple[str, list[str]] | None:
    """("cooperative", the department's duties) or ("reclaimed", its methods) when the item concerns it."""
    def among(names: list[str]) -> bool:  # the same department, however this town prints it
        return name in names or any(registered_name(n) == registered_name(name) for n in names)

    if item.list == "cooperative":
        groups = [g for g in item.department_duties if among(g.departments)]
        if groups or among(item.departments):
            return "cooperative", [d for g in groups for d in g.duties]
    elif item.list == "reclaimed":
        methods = [m for h in item.handlers if among(h.departments) for m in h.methods]
        if methods:
            return "reclaimed", methods
    return None


def department_view(name: str, entries: Iterable[tuple[str, Item]]) -> DepartmentView:
    """The department's part in each (town, item) entry that concerns it, in the entries' order."""
    view = DepartmentView(name, department(name).full_name)
    parts: dict[int, tuple[str, list[str]] | None] = {}  # items shared by many towns are read once
    for town, item in entries:
        if item.list == "basic":
            continue
        key = id(item)
        if key not in parts:
            parts[key] = _part_of(item, name)
        part = parts[key]
        if part is None:
            continue
        if part[0] == "cooperative":
            view.cooperative.append(CooperativeEntry(town, item, part[1]))
        else:
            view.reclaimed.append(ReclaimedEntry(town, item, part[1]))
    return view
