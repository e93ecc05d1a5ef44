"""The department registry: printed names, full names and the other names people use."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from ..yamltext import load_yaml

_PARENTHESISED = re.compile(r"[（(][^）)]*[）)]")
# Names the lists print for no body in particular: 区级相关部门, 有关单位, 区教委等 (等: "and others").
_NOT_A_BODY = re.compile(r"(等|等部门|等单位|(相关|有关|各|其他|其它)(部门|单位))$")


@dataclass(frozen=True)
class Department:
    name: str
    full_name: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)

    def names(self) -> tuple[str, ...]:
        """Every name that refers to this department, longest first."""
        names = {self.name, strip_parenthesised(self.name), *self.aliases}
        if self.full_name:
            names.add(self.full_name)
        return tuple(sorted((n for n in names if n), key=len, reverse=True))


def strip_parenthesised(name: str) -> str:
    """区委办公室（区档案局） → 区委办公室: how the lists' names compare."""
    return _PARENTHESISED.sub("", name).strip()


@lru_cache(maxsize=1)
def registry() -> dict[str, Department]:
    text = (resources.files("lvzhi") / "registry" / "departments.yaml").read_text(encoding="utf-8")
    entries = load_yaml(text) or []
    return {
        entry["name"]: Department(entry["name"], entry.get("full_name") or "", tuple(entry.get("aliases") or ()))
        for entry in entries
    }


def department(name: str) -> Department:
    """The registry entry for a printed name; a bare entry for names the registry does not know yet."""
    return registry().get(name) or Department(name)


def lookup(name: str) -> Department | None:
    """The registry entry that any of whose names (printed, full, alias) is `name`, or None."""
    name = name.strip()
    for entry in registry().values():
        if name in entry.names():
            return entry
    return None


def is_body(name: str) -> bool:
    """Whether a printed name is one body that can be given work (区应急管理局), not a placeholder for several
    (区级相关部门) nor a list cut short (区教委等)."""
    name = strip_parenthesised(name or "")
    return bool(name) and not _NOT_A_BODY.search(name)


@lru_cache(maxsize=4096)
def registered_name(name: str) -> str:
    """The registry's printed name for a department however a list prints it; the name itself if unknown."""
    entry = registry().get(name) or lookup(name)
    return entry.name if entry else name


def unregistered(names) -> list[str]:
    """The names the registry does not know under any of its names (to be added to departments.yaml)."""
    return [name for name in dict.fromkeys(names) if name not in registry() and lookup(name) is None]
