"""Domain knowledge the resolver reads, as reviewable data files: general, and per town.

General knowledge (this folder) holds for every town: the 清单外 catalogue (offlist.yaml) and the cues by item
title (cues.yaml); department names live in lvzhi/registry. A town's own knowledge lives beside its lists
(lvzhi/data/towns/<folder>/): items/*.yaml (per item: how residents and departments word it, the facts that
tell it from its siblings) and rules.yaml (scopes and per-department words the lists state).

Every entry is keyed by the town's item code *and* carries the item's title. An entry applies to an item of a
dataset with that title (of the same code first), so a renumbered version or another town with the same item
gets it, and an item whose text changed does not (`drifted` lists such entries; a test fails on them).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable

from ..yamltext import load_yaml

from ..model import Dataset, Item

ITEM_FILES = ("basic.yaml", "cooperative.yaml", "reclaimed.yaml")


@dataclass(frozen=True)
class OffListTopic:
    """A kind of request that no item covers, with who usually handles it (清单外)."""

    topic: str
    handled_by: str
    phrasings: tuple[str, ...]


# Where a department's notice turns to what it asks of the town: "请镇街…", "请各镇街…", "请镇里…", "请协助…".
ASKING = re.compile(r"请(?:各|你|贵|本)?(?:镇街|镇里|镇上|镇政府|镇人民政府|珞璜镇|街道|镇)"
                    r"|请(?:各镇街|协助|配合|组织|选派|落实|负责|承担|做好)")


@dataclass(frozen=True)
class Action:
    """A kind of action a notice can ask of the town (核发许可证, 审验, 核定价格, 监考…): the words that ask it, and
    the words by which an item's text says the town (or the department that took the item back) does it."""

    name: str
    asks: tuple[str, ...]
    does: tuple[str, ...]
    about: tuple[str, ...] = ()  # when given, the asking part must also name one of these (保管 of 档案)

    def asked(self, text: str) -> bool:
        """The notice asks this of the town: one of its words stands after the request's "请镇街…" (and, for an
        action about something, so does one of the words for it)."""
        found = ASKING.search(text)
        if not found:
            return False
        part = text[found.start():]
        return any(w in part for w in self.asks) and (not self.about or any(w in part for w in self.about))

    def done_in(self, text: str) -> bool:
        """An item's text says this is done under it (for an action about something, it names that too)."""
        return any(w in text for w in self.does) and (not self.about or any(w in text for w in self.about))


@dataclass(frozen=True)
class Place:
    """A place of the town that decides who handles a matter (城市建成区, 园区…), as the words that put a request
    there (`says`) and the words that put it elsewhere (`not`). Kept by the list office (places.yaml, then the
    database)."""

    name: str
    says: tuple[str, ...] = ()
    not_: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"name": self.name, "says": list(self.says), "not": list(self.not_)}


@dataclass(frozen=True)
class Scope:
    """A condition an item's own text states (say, 城市建成区 only), read from the request's words: the rule's
    own words and, when it names a place, the place's words (which the list office edits)."""

    items: tuple[str, ...]
    applies_when_any: tuple[str, ...]
    unless_any: tuple[str, ...] = ()
    otherwise: str | None = None  # the item code, or the off-list topic, that covers the rest
    source: str = ""
    question: str = ""  # asked back when the request says nothing either way (是否在城市建成区内？)
    place: str = ""  # the town's place (places.yaml) whose words these are, e.g. 城市建成区
    place_says: tuple[str, ...] = ()
    place_not: tuple[str, ...] = ()

    @property
    def when(self) -> tuple[str, ...]:
        return self.applies_when_any + self.place_says

    @property
    def unless(self) -> tuple[str, ...]:
        return self.unless_any + self.place_not

    def placed(self, place: Place) -> "Scope":
        """This rule with the place's current words."""
        return replace(self, place_says=place.says, place_not=place.not_)

    def place_note(self, text: str, applied: bool) -> str:
        """因为地点在“街上”（城市建成区） / 因为地点在“村里”，不在城市建成区."""
        if not self.place:
            return ""
        if applied:
            word = next((w for w in self.when if w in text), "")
            return f"因为地点在“{word}”（{self.place}）。" if word else ""
        word = next((w for w in self.unless if w in text), "")
        return f"因为地点在“{word}”，不属{self.place}。" if word else ""

    def applies(self, text: str) -> bool:
        if any(word in text for word in self.unless):
            return False
        return any(word in text for word in self.when)

    def silent(self, text: str) -> bool:
        """The request says neither that the condition holds nor that it does not."""
        return not any(word in text for word in (*self.when, *self.unless))


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
class ItemKnowledge:
    """What people say about one item, and what tells it from its siblings."""

    title: str
    residents: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    words: tuple[str, ...] = ()
    marks: tuple[str, ...] = ()
    siblings: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        return self.residents + self.tasks + self.words


@dataclass(frozen=True)
class TownKnowledge:
    """One town folder's knowledge, in its own item codes."""

    town: str
    folder: str
    items: dict[str, ItemKnowledge]
    scopes: tuple[Scope, ...] = ()
    cues: tuple[Cue, ...] = ()
    handler_words: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    distinctions: tuple[tuple[tuple[str, ...], str], ...] = ()
    places: dict[str, Place] = field(default_factory=dict)


@dataclass(frozen=True)
class Knowledge:
    """Everything the resolver knows for one dataset, in that dataset's item codes."""

    items: dict[str, ItemKnowledge]
    off_list: tuple[OffListTopic, ...]
    scopes: tuple[Scope, ...]
    cues: tuple[Cue, ...]
    handler_words: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)
    distinctions: tuple[tuple[tuple[str, ...], str], ...] = ()
    actions: tuple[Action, ...] = ()

    @property
    def phrasings(self) -> dict[str, tuple[str, ...]]:
        return {code: entry.phrasings for code, entry in self.items.items()}

    def places(self) -> dict[str, Place]:
        """The places its rules name, with the words they have now (first rule naming a place wins)."""
        found: dict[str, Place] = {}
        for scope in self.scopes:
            if scope.place and scope.place not in found:
                found[scope.place] = Place(scope.place, scope.place_says, scope.place_not)
        return found

    def with_places(self, places: dict[str, Place]) -> "Knowledge":
        """The same knowledge with these places' words (a town's own, from the database) in its rules."""
        scopes = tuple(s.placed(places[s.place]) if s.place in places else s for s in self.scopes)
        return replace(self, scopes=scopes)


# -- reading the files -------------------------------------------------------------------------------

def _package_root() -> Path:
    return Path(str(resources.files("lvzhi")))


def towns_folder() -> Path:
    return _package_root() / "data" / "towns"


def _yaml(path: Path):
    return load_yaml(path.read_text(encoding="utf-8")) if path.exists() else None


def codes(spec) -> tuple[str, ...]:
    """["R130-R139", "B113"] → ("R130", …, "R139", "B113")."""
    found: list[str] = []
    for entry in spec or ():
        entry = str(entry)
        if "-" in entry:
            start, end = entry.split("-")
            found.extend(f"{start[0]}{n}" for n in range(int(start[1:]), int(end[1:]) + 1))
        else:
            found.append(entry)
    return tuple(found)


def _words(spec) -> tuple[str, ...]:
    return tuple(str(w) for w in spec or ())


def _cues(spec) -> tuple[Cue, ...]:
    return tuple(Cue(c["name"], _words(c.get("words")), _words(c.get("title_has_any")), codes(c.get("items")),
                     float(c.get("boost", 1.0))) for c in spec or ())


@lru_cache(maxsize=1)
def general() -> tuple[tuple[OffListTopic, ...], tuple[Cue, ...]]:
    here = _package_root() / "knowledge"
    off_list = tuple(OffListTopic(e["topic"], e.get("handled_by", ""), _words(e.get("phrasings")))
                     for e in _yaml(here / "offlist.yaml") or ())
    return off_list, _cues((_yaml(here / "cues.yaml") or {}).get("cues"))


@lru_cache(maxsize=1)
def actions() -> tuple[Action, ...]:
    """The kinds of action a notice can ask of the town (actions.yaml), for every town."""
    return tuple(Action(str(e["action"]), _words(e.get("asks")), _words(e.get("does")), _words(e.get("about")))
                 for e in _yaml(_package_root() / "knowledge" / "actions.yaml") or ())


def town_does(item: Item) -> str:
    """What an item's own text says is done under it by the town, or (a reclaimed item) by the department that
    took it back: a basic item's title and duties, a cooperative item's town part, a reclaimed item's title and
    methods."""
    if item.list == "cooperative":
        return " ".join(item.town_duties)
    if item.list == "reclaimed":
        return " ".join([item.title, *(m for h in item.handlers for m in h.methods)])
    return " ".join([item.title, *item.town_duties])


def read_town_folder(folder: Path) -> TownKnowledge:
    meta = _yaml(folder / "town.yaml") or {}
    items: dict[str, ItemKnowledge] = {}
    for name in ITEM_FILES:
        for code, e in (_yaml(folder / "items" / name) or {}).items():
            items[str(code)] = ItemKnowledge(str(e["title"]), _words(e.get("residents")), _words(e.get("tasks")),
                                             _words(e.get("words")), _words(e.get("marks")), _words(e.get("siblings")))
    rules = _yaml(folder / "rules.yaml") or {}
    places = read_places((_yaml(folder / "places.yaml") or {}).get("places") or {})
    scopes = tuple(_scope(s, places, folder) for s in rules.get("scopes", ()))
    handlers = {str(code): {dept: _words(w) for dept, w in (table or {}).items()}
                for code, table in (rules.get("handlers") or {}).items()}
    distinctions = tuple((codes(e["items"]), str(e.get("note", ""))) for e in _yaml(folder / "distinctions.yaml") or ())
    return TownKnowledge(str(meta.get("name", folder.name)), folder.name, items, scopes, _cues(rules.get("cues")),
                         handlers, distinctions, places)


def read_places(spec: dict) -> dict[str, Place]:
    """places.yaml's `places:` mapping → Place by name."""
    return {str(name): Place(str(name), _words((words or {}).get("says")), _words((words or {}).get("not")))
            for name, words in (spec or {}).items()}


def _scope(spec: dict, places: dict[str, Place], folder: Path) -> Scope:
    place = str(spec.get("place") or "")
    if place and place not in places:
        raise ValueError(f"{folder.name}/rules.yaml：地点“{place}”不在 places.yaml 中")
    words = places.get(place) or Place(place)
    return Scope(codes(spec["items"]), _words(spec.get("applies_when_any")), _words(spec.get("unless_any")),
                 spec.get("otherwise"), spec.get("source", ""), spec.get("question", ""), place,
                 words.says, words.not_)


@lru_cache(maxsize=1)
def town_folders() -> tuple[TownKnowledge, ...]:
    root = towns_folder()
    return tuple(read_town_folder(p) for p in sorted(root.iterdir()) if (p / "town.yaml").exists()) if root.exists() else ()


# -- applying to a dataset ---------------------------------------------------------------------------

def _key(title: str) -> str:
    return "".join(title.split())


class _Translation:
    """A town folder's codes → the dataset's codes, through the items' titles."""

    def __init__(self, source: TownKnowledge, dataset: Dataset):
        by_title: dict[str, list[Item]] = {}
        for item in dataset.items:
            by_title.setdefault(_key(item.title), []).append(item)
        self._map: dict[str, str] = {}
        for code, entry in source.items.items():
            same = by_title.get(_key(entry.title), [])
            if same:
                self._map[code] = next((i.code for i in same if i.code == code), same[0].code)

    def code(self, code: str) -> str | None:
        return self._map.get(code)

    def codes(self, found: Iterable[str]) -> tuple[str, ...]:
        return tuple(c for c in (self._map.get(code) for code in found) if c)

    def target(self, otherwise: str | None) -> str | None:
        """A scope's fallback: an item code (translated), or the name of an off-list topic (kept)."""
        if otherwise and otherwise[:1] in "BCR" and otherwise[1:].isdigit():
            return self._map.get(otherwise)
        return otherwise


def knowledge_for(dataset: Dataset) -> Knowledge:
    """The knowledge that holds for this dataset: the general knowledge, and every town folder's knowledge of
    the items this dataset has (matched by title, the dataset's own town first)."""
    off_list, general_cues = general()
    folders = sorted(town_folders(), key=lambda t: t.town != dataset.town.name)
    items: dict[str, ItemKnowledge] = {}
    scopes: list[Scope] = []
    cues: list[Cue] = list(general_cues)
    handlers: dict[str, dict[str, tuple[str, ...]]] = {}
    distinctions: list[tuple[tuple[str, ...], str]] = []
    for folder in folders:
        translate = _Translation(folder, dataset)
        for code, entry in folder.items.items():
            target = translate.code(code)
            if target and target not in items:
                items[target] = entry
        for scope in folder.scopes:
            targets = translate.codes(scope.items)
            if targets:
                scopes.append(replace(scope, items=targets, otherwise=translate.target(scope.otherwise)))
        for cue in folder.cues:
            targets = translate.codes(cue.items)
            if targets:
                cues.append(Cue(cue.name, cue.words, cue.title_has_any, targets, cue.boost))
        for code, table in folder.handler_words.items():
            target = translate.code(code)
            if target and target not in handlers:
                handlers[target] = table
        for group, note in folder.distinctions:
            targets = translate.codes(group)
            if len(targets) > 1:
                distinctions.append((targets, note))
    return Knowledge(items, off_list, tuple(_dedupe(scopes)), tuple(_dedupe(cues)), handlers, tuple(distinctions),
                     actions())


def _dedupe(rules: list) -> list:
    return list(dict.fromkeys(rules))


def drifted(folder: TownKnowledge, dataset: Dataset) -> list[str]:
    """Codes of the folder whose entry's title differs from the dataset's item of that code (or has no item)."""
    titles = {item.code: _key(item.title) for item in dataset.items}
    return [code for code, entry in folder.items.items() if titles.get(code) != _key(entry.title)]


def own_folder(town: str) -> TownKnowledge | None:
    return next((f for f in town_folders() if f.town == town), None)
