"""The resolver's domain knowledge, read from the reviewable YAML files beside this module."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import yaml


def _load(name: str):
    return yaml.safe_load((resources.files("lvzhi") / "resolve" / name).read_text(encoding="utf-8")) or {}


@dataclass(frozen=True)
class OffListTopic:
    """A kind of request that no item covers, with who usually handles it (清单外)."""

    topic: str
    handled_by: str
    phrasings: tuple[str, ...]


@dataclass(frozen=True)
class Scope:
    """A condition an item's own text states (say, 城市建成区 only), read from the request's words."""

    items: tuple[str, ...]
    applies_when_any: tuple[str, ...]
    unless_any: tuple[str, ...] = ()
    otherwise: str | None = None  # the item code, or the off-list topic, that covers the rest
    source: str = ""

    def applies(self, text: str) -> bool:
        if any(word in text for word in self.unless_any):
            return False
        return any(word in text for word in self.applies_when_any)


@dataclass(frozen=True)
class Cue:
    """Words that make one kind of item likelier: e.g. 罚/处罚 for the items that are penalties."""

    name: str
    words: tuple[str, ...]
    title_has_any: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    boost: float = 1.0

    def fires(self, text: str) -> bool:
        return any(word in text for word in self.words)

    def concerns(self, code: str, title: str) -> bool:
        return code in self.items or any(word in title for word in self.title_has_any)


@dataclass(frozen=True)
class Knowledge:
    phrasings: dict[str, tuple[str, ...]]
    off_list: tuple[OffListTopic, ...]
    scopes: tuple[Scope, ...]
    cues: tuple[Cue, ...]
    handler_words: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)


def _codes(spec) -> tuple[str, ...]:
    """["R130-R139", "B113"] → ("R130", …, "R139", "B113")."""
    codes: list[str] = []
    for entry in spec or ():
        entry = str(entry)
        if "-" in entry:
            start, end = entry.split("-")
            prefix = start[0]
            codes.extend(f"{prefix}{n}" for n in range(int(start[1:]), int(end[1:]) + 1))
        else:
            codes.append(entry)
    return tuple(codes)


def _words(spec) -> tuple[str, ...]:
    return tuple(str(w) for w in spec or ())


@lru_cache(maxsize=1)
def knowledge() -> Knowledge:
    phrasings = {str(code): _words(words) for code, words in _load("phrasings.yaml").items()}
    off_list = tuple(
        OffListTopic(entry["topic"], entry.get("handled_by", ""), _words(entry.get("phrasings")))
        for entry in _load("offlist.yaml")
    )
    rules = _load("rules.yaml")
    scopes = tuple(
        Scope(_codes(s["items"]), _words(s.get("applies_when_any")), _words(s.get("unless_any")),
              s.get("otherwise"), s.get("source", ""))
        for s in rules.get("scopes", ())
    )
    cues = tuple(
        Cue(c["name"], _words(c.get("words")), _words(c.get("title_has_any")), _codes(c.get("items")),
            float(c.get("boost", 1.0)))
        for c in rules.get("cues", ())
    )
    handler_words = {
        str(code): {dept: _words(words) for dept, words in (table or {}).items()}
        for code, table in (rules.get("handlers") or {}).items()
    }
    return Knowledge(phrasings, off_list, scopes, cues, handler_words)
